// Horizontal read-% bars. The fill's width is set through CSSOM (element.style.width), which
// the page's CSP allows; a style="" attribute would not be. The bar is decorative: the number
// is always written next to it.
import { useLayoutEffect, useRef } from 'preact/hooks';
import type { GroupReadRow } from './props.ts';
import { formatPercent } from './format.ts';

export function ReadBar({ percent }: { percent: number }) {
  const fill = useRef<HTMLSpanElement>(null);
  useLayoutEffect(() => {
    if (fill.current) fill.current.style.width = `${Math.min(Math.max(percent, 0), 100)}%`;
  }, [percent]);
  return <span class="dash-bar" aria-hidden="true"><span ref={fill} class="dash-bar-fill" /></span>;
}

// One bar per group the message was sent to ("Direct" for recipients named one by one).
export function GroupBars({ groups }: { groups: GroupReadRow[] }) {
  return (
    <section class="dash-groups" aria-labelledby="dash-groups-title">
      <h2 id="dash-groups-title">Read % per group</h2>
      <ul class="dash-group-list">
        {groups.map((group) => {
          const name = group.group_name ?? 'Sent directly';
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
