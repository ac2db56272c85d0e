// Rows of the outbox as the Outbox page and a webhook's delivery log show them: what (and by
// which channel, on the Outbox page), to whom, its state, attempts and last error, and Replay (queue it again, same id, a new day of retries).
import type { Notification, NotificationState, WebhookEvent } from '../../../sdk/js/src/index.ts';
import { when } from '../util.ts';

export const WEBHOOK_EVENTS: { event: WebhookEvent; label: string }[] = [
  { event: 'reminder.sent', label: 'Reminder sent' },
  { event: 'reminder.final', label: 'Final reminder sent' },
  { event: 'user.deactivated', label: 'User deactivated' },
  { event: 'message.sent', label: 'Message sent' },
  { event: 'message.read', label: 'Message read' },
];

export const STATES: NotificationState[] = ['queued', 'sent', 'failed', 'cancelled'];

function Times({ row }: { row: Notification }) {
  return (
    <>
      <span>Created <time dateTime={row.created_at}>{when(row.created_at)}</time></span>
      {row.sent_at && <><br /><span>Sent <time dateTime={row.sent_at}>{when(row.sent_at)}</time></span></>}
      {row.next_attempt_at && (
        <><br /><span>Next try <time dateTime={row.next_attempt_at}>{when(row.next_attempt_at)}</time></span></>
      )}
    </>
  );
}

export function NotificationTable({ rows, loading, label, showChannel, onReplay }: {
  rows: Notification[];
  loading: boolean;
  label: string;
  showChannel: boolean;
  onReplay: (row: Notification) => void;
}) {
  return (
    <div class="admin-table-wrap" role="region" aria-label={label} tabIndex={0}>
      <table class="admin-table" aria-busy={loading}>
        <caption class="sr-only">{label}</caption>
        <thead>
          <tr>
            <th scope="col">Id</th><th scope="col">Event</th><th scope="col">State</th><th scope="col">To</th>
            <th scope="col">When</th><th scope="col">Last error</th><th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={row.id} data-notification={row.id} data-state={row.state} data-event={row.event}>
              <th scope="row">{row.id}</th>
              <td>
                {showChannel && <>{row.channel === 'email' ? 'Email' : 'Webhook'}<br /></>}
                <span class="admin-attrs">{row.event}</span>{row.round ? `, round ${row.round}` : ''}
              </td>
              <td>
                <span class={`outbox-state outbox-${row.state}`}>{row.state}</span><br />
                <span class="admin-handle">{row.attempts === 1 ? '1 attempt' : `${row.attempts} attempts`}</span>
              </td>
              <td class="admin-attrs outbox-wide">{row.destination ?? '—'}</td>
              <td class="outbox-when"><Times row={row} /></td>
              <td class="admin-attrs outbox-wide">{row.last_error ?? '—'}</td>
              <td>
                {/* A queued row goes out by itself; replaying it would only reset its retries. */}
                {row.state !== 'queued' && (
                  <button type="button" class="admin-secondary" onClick={() => onReplay(row)}
                    aria-label={`Replay notification ${row.id}`}>Replay</button>
                )}
              </td>
            </tr>
          ))}
          {!loading && rows.length === 0 && <tr><td colSpan={7}>Nothing here.</td></tr>}
        </tbody>
      </table>
    </div>
  );
}
