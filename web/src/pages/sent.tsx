// Sent messages: for each, how many recipients it was delivered to and how many read it, kept
// live by the `status` and `expiry` entries of the timeline, and on demand who has and has not
// read it (GET /v1/dashboard/{id}); the read-% chart is on the dashboard page (#/dashboard/ID).
import { useEffect, useMemo, useState } from 'preact/hooks';
import type { DashboardRow, Message, MissiveClient, ReadReport } from '../../../sdk/js/src/index.ts';
import type { PageProps } from '../session.ts';
import { changesSent } from '../live.ts';
import { useLatest, useTitle } from '../hooks.ts';
import { ReadBar } from '../components/read-bar.tsx';
import { coalesce, errorText, groupLabel, when } from '../util.ts';

const PAGE = 30;

function rowOf(m: Message): DashboardRow {
  return {
    id: m.id, subject: m.subject, sent_to: m.sent_to, create_date: m.create_date, expiry_date: m.expiry_date,
    active: m.active, recipients: m.recipient_count ?? 0, delivered_count: m.delivered_count ?? 0,
    read_count: m.read_count ?? 0, read_percent: m.read_percent ?? 0, reminders: m.reminders ?? null,
  };
}

type RecipientRow = ReadReport['recipients'][number];

// A recipient reached directly and through a group has one row per way: each person once, with
// the ways named ("via Alpha, Direct") when a group is among them.
function people(rows: RecipientRow[]) {
  const byUser = new Map<number, { row: RecipientRow; via: RecipientRow[] }>();
  for (const r of rows) {
    const p = byUser.get(r.user_id) ?? { row: r, via: [] };
    p.via.push(r);
    if (r.is_read && !p.row.is_read) p.row = r;
    byUser.set(r.user_id, p);
  }
  return [...byUser.values()].map(({ row, via }) => ({
    row,
    name: `${row.full_name} (${row.handle})${via.some((r) => r.group_id !== null) ? ` via ${via.map(groupLabel).join(', ')}` : ''}`,
  }));
}

function WhoRead({ client, id, version }: { client: MissiveClient; id: number; version: number }) {
  const report = useLatest(() => client.readReport(id), [client, id, version]);
  if (report.error) return <p class="error">{errorText(report.error)}</p>;
  if (!report.data) return <p class="muted">Loading…</p>;
  const all = people(report.data.recipients);
  const read = all.filter((p) => p.row.is_read);
  const unread = all.filter((p) => !p.row.is_read);
  return (
    <div class="who">
      <div>
        <h3 id={`who-read-${id}`}>Read ({read.length})</h3>
        <ul aria-labelledby={`who-read-${id}`}>{read.map((p) => <li key={p.row.user_id}>{p.name} <span class="muted">{when(p.row.read_at)}</span></li>)}</ul>
      </div>
      <div>
        <h3 id={`who-unread-${id}`}>Not read ({unread.length})</h3>
        <ul aria-labelledby={`who-unread-${id}`}>{unread.map((p) => (
          <li key={p.row.user_id}>{p.name} <span class="muted">{p.row.delivered_at ? 'delivered' : 'not delivered yet'}{p.row.deactivated ? ', deactivated' : ''}</span></li>
        ))}</ul>
      </div>
    </div>
  );
}

// One sent message. `changes` counts the status and expiry entries the page has seen for it:
// each new one refetches the counts (at most once a second), and an open "who read" list
// with them. The page counts them, not the row, because a row added from a live message entry
// mounts after entries that came in the same push.
function SentRow({ row: listed, client, changes }: { row: DashboardRow; client: MissiveClient; changes: number }) {
  const [open, setOpen] = useState(false);
  const [fresh, setFresh] = useState<DashboardRow | null>(null);
  const [version, setVersion] = useState(0);
  const refresh = useMemo(() => coalesce(() => client.getMessage(listed.id).then((m) => {
    setFresh(rowOf(m));
    setVersion((v) => v + 1);
  }), 1000), [client, listed.id]);
  useEffect(() => { if (changes > 0) refresh(); }, [changes, refresh]);
  const row = fresh ?? listed;
  const pct = Math.round(row.read_percent);
  return (
    <li data-sent={row.id}>
      <div class="row-link">
        <a class="row-title" href={`#/m/${row.id}`}>{row.subject}</a>
        <span class="row-meta"><time dateTime={row.create_date}>{when(row.create_date)}</time></span>
        <span class="row-sub">To {row.sent_to}{row.active ? '' : ' · no longer active'}{row.reminders ? ` · reminders ${row.reminders.status}` : ''}</span>
        <span />
        <span class="stats">
          <span>Delivered {row.delivered_count} of {row.recipients}</span>
          <span>Read {row.read_count} of {row.recipients}</span>
          <ReadBar percent={pct} label={`${pct}% read`} />
          <button type="button" class="link-button" aria-expanded={open} onClick={() => setOpen(!open)}>
            {open ? 'Hide who read' : 'Who read'}
          </button>
          <a href={`#/dashboard/${row.id}`}>Chart</a>
        </span>
      </div>
      {open && <div class="card"><WhoRead client={client} id={row.id} version={version} /></div>}
    </li>
  );
}

export function Sent({ client, me, live }: PageProps) {
  useTitle('Sent');
  const [rows, setRows] = useState<DashboardRow[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    client.dashboard({ limit: PAGE }).then((p) => { setRows(p.messages); setNext(p.next); }, (err) => setError(errorText(err)));
  }, [client]);

  // A message sent from another tab or device joins the top of the list; status and expiry
  // entries are counted per message for its row (SentRow).
  const [changes, setChanges] = useState<Record<number, number>>({});
  useEffect(() => live.subscribe((entry) => {
    if (entry.kind === 'message' && entry.message && entry.message.creator_id === me.id) {
      const row = rowOf(entry.message);
      setRows((rs) => (rs && !rs.some((r) => r.id === row.id) ? [row, ...rs] : rs));
    } else if (changesSent(entry) && entry.message_id !== undefined) {
      const id = entry.message_id;
      setChanges((c) => ({ ...c, [id]: (c[id] ?? 0) + 1 }));
    }
  }), [live, me.id]);

  const more = async () => {
    if (next === null) return;
    try {
      const p = await client.dashboard({ before: next, limit: PAGE });
      setRows((rs) => [...(rs ?? []), ...p.messages]);
      setNext(p.next);
    } catch (err) { setError(errorText(err)); }
  };

  return (
    <section class="page" aria-labelledby="sent-title">
      <h1 id="sent-title">Sent</h1>
      {error && <p class="error" role="alert">{error}</p>}
      {!rows && !error && <p class="muted" role="status">Loading…</p>}
      {rows && rows.length === 0 && <p class="empty card">You have not sent anything yet.</p>}
      {rows && rows.length > 0 && (
        <ul class="list" aria-label="Sent messages">
          {rows.map((r) => <SentRow key={r.id} row={r} client={client} changes={changes[r.id] ?? 0} />)}
        </ul>
      )}
      {next !== null && <div class="actions"><button type="button" onClick={more}>Load older</button></div>}
    </section>
  );
}
