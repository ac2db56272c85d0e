// #/admin/outbox: every notification the server sends (emails and webhook deliveries) in one
// durable table: counts per state, the rows newest first filtered by state and channel, replay.
import { useState } from 'preact/hooks';
import type { Notification, NotificationChannel, NotificationState } from '../../../sdk/js/src/index.ts';
import type { PageProps } from '../session.ts';
import { useCursorPager, useLatest, useTitle } from '../hooks.ts';
import { when } from '../util.ts';
import { AdminOnly, ErrorNote, isForbidden } from './common.tsx';
import { NotificationTable, STATES } from './notification-table.tsx';

const PAGE_SIZE = 50;

export function AdminOutbox({ client }: PageProps) {
  useTitle('Outbox');
  const [state, setState] = useState<NotificationState | ''>('');
  const [channel, setChannel] = useState<NotificationChannel | ''>('');
  const pager = useCursorPager<number>(`${state}|${channel}`);
  const list = useLatest(() => client.notifications({
    before: pager.cursor, limit: PAGE_SIZE, state: state || undefined, channel: channel || undefined,
  }), [client, pager.cursor, state, channel]);
  const summary = useLatest(() => client.outboxSummary(), [client]);
  const [status, setStatus] = useState('');
  const [changeError, setChangeError] = useState<unknown>(null);
  const rows = list.data?.notifications ?? [];
  const next = list.data?.next_before ?? null;

  if (isForbidden(list.error) || isForbidden(summary.error)) return <AdminOnly />;

  // The worker delivers in the background, so what is shown ages: Refresh asks again.
  const refresh = async () => { await Promise.all([list.reload(), summary.reload()]); };
  const replay = async (row: Notification) => {
    setChangeError(null);
    try {
      await client.replayNotification(row.id);
      setStatus(`Notification ${row.id} is queued again.`);
      await refresh();
    } catch (e) {
      setChangeError(e);
    }
  };
  const counts = summary.data;

  return (
    <section class="admin-page" aria-labelledby="admin-outbox-title">
      <h1 id="admin-outbox-title">Outbox</h1>
      <p class="hint">Emails and webhook deliveries, each retried for a day before it fails.</p>
      <p class="admin-status" role="status" aria-live="polite">{status}</p>
      <ErrorNote error={changeError ?? summary.error ?? list.error} />
      {counts && (
        <dl class="outbox-summary" aria-label="Outbox counts">
          {STATES.map((s) => (
            <div key={s} data-summary={s}><dt>{s[0].toUpperCase() + s.slice(1)}</dt><dd>{counts[s]}</dd></div>
          ))}
          {counts.oldest_queued_at && (
            <div><dt>Oldest queued</dt><dd><time dateTime={counts.oldest_queued_at}>{when(counts.oldest_queued_at, { full: true })}</time></dd></div>
          )}
        </dl>
      )}
      <div class="admin-toolbar">
        <label for="outbox-state">State</label>
        <select id="outbox-state" value={state} onChange={(e) => setState(e.currentTarget.value as NotificationState | '')}>
          <option value="">All</option>
          {STATES.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
        <label for="outbox-channel">Channel</label>
        <select id="outbox-channel" value={channel} onChange={(e) => setChannel(e.currentTarget.value as NotificationChannel | '')}>
          <option value="">All</option>
          <option value="email">email</option>
          <option value="webhook">webhook</option>
        </select>
        <button type="button" class="admin-secondary" onClick={refresh}>Refresh</button>
      </div>
      <NotificationTable rows={rows} loading={list.loading} label={`Outbox, page ${pager.page}`} showChannel onReplay={replay} />
      <nav class="admin-pager" aria-label="Outbox pages">
        <button type="button" class="admin-secondary" disabled={pager.page === 1} onClick={pager.previous}>Previous page</button>
        <span>Page {pager.page}</span>
        <button type="button" class="admin-secondary" disabled={next === null}
          onClick={() => next !== null && pager.next(next)}>Next page</button>
      </nav>
    </section>
  );
}
