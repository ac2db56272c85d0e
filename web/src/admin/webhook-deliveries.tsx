// One endpoint's delivery log (GET /v1/webhooks/{id}/deliveries), newest first, by state, with
// Replay. Shown under the webhooks table for the endpoint whose Deliveries button was pressed.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { MissiveClient, Notification, NotificationState, Webhook } from '../../../sdk/js/src/index.ts';
import { useCursorPager, useLatest } from '../hooks.ts';
import { ErrorNote } from './common.tsx';
import { NotificationTable, STATES } from './notification-table.tsx';

const PAGE_SIZE = 25;

export function WebhookDeliveries({ client, webhook, onClose }: { client: MissiveClient; webhook: Webhook; onClose: () => void }) {
  const [state, setState] = useState<NotificationState | ''>('');
  const pager = useCursorPager<number>(state);
  const list = useLatest(() => client.webhookDeliveries(webhook.id, { before: pager.cursor, limit: PAGE_SIZE, state: state || undefined }),
    [client, webhook.id, pager.cursor, state]);
  const [status, setStatus] = useState('');
  const [replayError, setReplayError] = useState<unknown>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  // It opens below the table: take the focus there, for keyboard and screen reader users.
  useEffect(() => { heading.current?.focus(); }, [webhook.id]);
  const rows = list.data?.notifications ?? [];
  const next = list.data?.next_before ?? null;
  const name = webhook.description || webhook.url;

  const replay = async (row: Notification) => {
    setReplayError(null);
    try {
      await client.replayNotification(row.id);
      setStatus(`Delivery ${row.id} is queued again.`);
      await list.reload();
    } catch (e) {
      setReplayError(e);
    }
  };

  return (
    <section class="card webhook-deliveries" aria-labelledby="webhook-deliveries-title">
      <h2 id="webhook-deliveries-title" ref={heading} tabIndex={-1}>Deliveries to {name}</h2>
      <p class="admin-status" role="status" aria-live="polite">{status}</p>
      <div class="admin-toolbar">
        <label for="deliveries-state">State</label>
        <select id="deliveries-state" value={state} onChange={(e) => setState(e.currentTarget.value as NotificationState | '')}>
          <option value="">All</option>
          {STATES.map((s) => <option key={s} value={s}>{s}</option>)}
        </select>
        <button type="button" class="admin-secondary" onClick={() => list.reload()}>Refresh</button>
        <button type="button" class="admin-secondary" onClick={onClose}>Close</button>
      </div>
      <ErrorNote error={replayError ?? list.error} />
      <NotificationTable rows={rows} loading={list.loading} label={`Deliveries to ${name}, page ${pager.page}`}
        showChannel={false} onReplay={replay} />
      <nav class="admin-pager" aria-label="Delivery pages">
        <button type="button" class="admin-secondary" disabled={pager.page === 1} onClick={pager.previous}>Previous page</button>
        <span>Page {pager.page}</span>
        <button type="button" class="admin-secondary" disabled={next === null}
          onClick={() => next !== null && pager.next(next)}>Next page</button>
      </nav>
    </section>
  );
}
