// Who has and has not read: the recipients table (one row per recipient record, so a user
// reached through two groups appears under each) with a filter and CSV export.
import { useState } from 'preact/hooks';
import type { RecipientReadRow } from '../../../sdk/js/src/index.ts';
import { groupLabel, when } from '../util.ts';
import { downloadCsv, recipientsCsv } from './csv.ts';

type Filter = 'unread' | 'read' | 'all';

const FILTER_LABEL: Record<Filter, string> = { unread: 'Not read yet', read: 'Read', all: 'Everyone' };

export function RecipientsTable({ messageId, recipients, withReminders }:
    { messageId: number; recipients: RecipientReadRow[]; withReminders: boolean }) {
  const [filter, setFilter] = useState<Filter>('unread');
  const unread = recipients.filter((r) => !r.is_read);
  const read = recipients.filter((r) => r.is_read);
  const shown = filter === 'unread' ? unread : filter === 'read' ? read : recipients;

  return (
    <section class="dash-recipients" aria-labelledby="dash-recipients-title">
      <h2 id="dash-recipients-title">Recipients</h2>
      <div class="dash-toolbar">
        <label for="dash-recipients-filter">Show</label>
        <select id="dash-recipients-filter" value={filter} onChange={(e) => setFilter(e.currentTarget.value as Filter)}>
          <option value="unread">Not read yet ({unread.length})</option>
          <option value="read">Read ({read.length})</option>
          <option value="all">Everyone ({recipients.length})</option>
        </select>
        <button type="button" disabled={unread.length === 0}
          onClick={() => downloadCsv(`message-${messageId}-non-readers.csv`, recipientsCsv(unread))}>
          Export non-readers (CSV)
        </button>
        <button type="button" onClick={() => downloadCsv(`message-${messageId}-recipients.csv`, recipientsCsv(recipients))}>
          Export everyone (CSV)
        </button>
      </div>
      <div class="dash-table-wrap" role="region" aria-label="Recipients" tabIndex={0}>
        <table class="dash-table">
          <caption class="sr-only">Recipients: {FILTER_LABEL[filter]}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th><th scope="col">Group</th><th scope="col">Delivered</th><th scope="col">Read</th>
              {withReminders && <th scope="col">Reminders</th>}
            </tr>
          </thead>
          <tbody>
            {shown.map((r) => (
              <tr key={`${r.user_id}-${r.group_id ?? 'direct'}`} data-handle={r.handle} class={r.is_read ? 'dash-read' : 'dash-unread'}>
                <th scope="row">{r.full_name} <span class="muted">@{r.handle}</span>
                  {r.deactivated && <span class="dash-deactivated"> (deactivated {when(r.deactivated_at, { full: true })})</span>}
                </th>
                <td>{groupLabel(r)}</td>
                <td>{r.delivered_at ? when(r.delivered_at, { full: true }) : 'not yet'}</td>
                <td>{r.is_read ? when(r.read_at, { full: true }) : 'not read'}</td>
                {withReminders && <td>{r.reminders ?? 0}{r.last_reminded_at ? `, last ${when(r.last_reminded_at, { full: true })}` : ''}</td>}
              </tr>
            ))}
            {shown.length === 0 && <tr><td colSpan={withReminders ? 5 : 4}>Nobody.</td></tr>}
          </tbody>
        </table>
      </div>
    </section>
  );
}
