// #/admin/reminders: what the reminder scheduler has to do (GET /v1/reminders/due), now or at a
// chosen moment ahead, earliest first.
import { useState } from 'preact/hooks';
import type { PageProps } from '../session.ts';
import { useLatest, useTitle } from '../hooks.ts';
import { when } from '../util.ts';
import { AdminOnly, ErrorNote, isForbidden } from './common.tsx';

const ACTIONS: Record<string, string> = {
  remind: 'Reminder',
  final: 'Final reminder',
  expire: 'Expiry (deactivation of non-responders if asked)',
  reschedule: 'Reschedule',
};

// <input type="datetime-local"> gives local wall time without a zone; the server wants an instant.
function localToIso(value: string): string | undefined {
  if (value === '') return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
}

export function AdminReminders({ client }: PageProps) {
  useTitle('Reminders due');
  const [until, setUntil] = useState('');
  const list = useLatest(() => client.dueReminders({ until: localToIso(until), limit: 200 }), [client, until]);
  const due = list.data?.due ?? [];

  if (isForbidden(list.error)) return <AdminOnly />;

  return (
    <section class="admin-page" aria-labelledby="admin-reminders-title">
      <h1 id="admin-reminders-title">Reminders due</h1>
      <div class="admin-toolbar">
        <label for="reminders-until">Due by (empty: now)</label>
        <input id="reminders-until" type="datetime-local" value={until} onChange={(e) => setUntil(e.currentTarget.value)} />
      </div>
      <ErrorNote error={list.error} />
      <p class="hint" role="status" aria-live="polite">
        {list.data && !list.loading ? `${due.length} due by ${when(list.data.until, { full: true })}.` : list.error ? '' : 'Loading…'}
      </p>
      <div class="admin-table-wrap" role="region" aria-label="Reminders due" tabIndex={0}>
        <table class="admin-table" aria-busy={list.loading}>
          <caption class="sr-only">Reminders due</caption>
          <thead>
            <tr><th scope="col">Message</th><th scope="col">Action</th><th scope="col">Due at</th><th scope="col">Unread</th></tr>
          </thead>
          <tbody>
            {due.map((item) => (
              <tr key={`${item.message_id}-${item.action}-${item.due_at}`}>
                <th scope="row"><a href={`#/dashboard/${item.message_id}`}>{item.subject}</a></th>
                <td>{ACTIONS[item.action] ?? item.action}</td>
                <td><time dateTime={item.due_at}>{when(item.due_at, { full: true })}</time></td>
                <td>{item.unread}</td>
              </tr>
            ))}
            {!list.loading && due.length === 0 && <tr><td colSpan={4}>Nothing is due.</td></tr>}
          </tbody>
        </table>
      </div>
    </section>
  );
}
