// One read-% bar per way the message reached its recipients: each group, and "Direct" for
// recipients named one by one.
import type { GroupReadRow } from '../../../sdk/js/src/index.ts';
import { ReadBar } from '../components/read-bar.tsx';
import { groupLabel } from '../util.ts';
import { formatPercent } from './format.ts';

export function GroupBars({ groups }: { groups: GroupReadRow[] }) {
  return (
    <section class="dash-groups" aria-labelledby="dash-groups-title">
      <h2 id="dash-groups-title">Read % per group</h2>
      <ul class="dash-group-list">
        {groups.map((group) => {
          const name = groupLabel(group);
          return (
            <li key={group.group_id ?? 'direct'} class="dash-group" data-group={name}>
              <span class="dash-group-name">{name}</span>
              <ReadBar percent={group.read_percent} />
              <span class="dash-group-figures">
                {formatPercent(group.read_percent)} <span class="muted">({group.reads} of {group.recipients})</span>
              </span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
