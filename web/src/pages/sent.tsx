// Sent messages: for each, how many recipients it was delivered to and how many read it, kept
// live by the `status` entries of the timeline, and on demand who has and has not read it
// (GET /v1/dashboard/{id}); the read-% chart is on the dashboard page (#/dashboard/ID).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { DashboardRow, Message, MissiveClient, ReadReport } from '../../../sdk/js/src/index.ts';
import type { PageProps } from '../session.ts';
import { errorText, useTitle, when } from '../util.ts';

const PAGE = 30;

function rowOf(m: Message): DashboardRow {
  return {
    id: m.id, subject: m.subject, sent_to: m.sent_to, create_date: m.create_date, expiry_date: m.expiry_date,
    active: m.active, recipients: m.recipient_count ?? 0, delivered_count: m.delivered_count ?? 0,
    read_count: m.read_count ?? 0, read_percent: m.read_percent ?? 0, reminders: m.reminders ?? null,
  };
}

function WhoRead({ client, id, version }: { client: MissiveClient; id: number; version: number }) {
  const [report, setReport] = useState<ReadReport | null>(null);
  const [error, setError] = useState('');
  useEffect(() => { client.readReport(id).then(setReport, (err) => setError(errorText(err))); }, [client, id, version]);
  if (error) return <p class="error">{error}</p>;
  if (!report) return <p class="muted">Loading…</p>;
  // A recipient reached directly and through a group has one row per way: list each person once.
  type Person = { row: ReadReport['recipients'][number]; via: string[] };
  const people = new Map<number, Person>();
  for (const r of report.recipients) {
    const p = people.get(r.user_id) ?? { row: r, via: [] };
    p.via.push(r.group_name ?? 'direct');
    if (r.is_read && !p.row.is_read) p.row = r;
    people.set(r.user_id, p);
  }
  const all = [...people.values()];
  const read = all.filter((p) => p.row.is_read);
  const unread = all.filter((p) => !p.row.is_read);
  const name = (p: Person) => `${p.row.full_name} (${p.row.handle})${p.via.some((v) => v !== 'direct') ? ` via ${p.via.join(', ')}` : ''}`;
  return (
    <div class="who" data-testid={`who-${id}`}>
      <div>
        <h3>Read ({read.length})</h3>
        <ul data-testid="read-list">{read.map((p) => <li key={p.row.user_id}>{name(p)} <span class="muted">{when(p.row.read_at)}</span></li>)}</ul>
      </div>
      <div>
        <h3>Not read ({unread.length})</h3>
        <ul data-testid="unread-list">{unread.map((p) => (
          <li key={p.row.user_id}>{name(p)} <span class="muted">{p.row.delivered_at ? 'delivered' : 'not delivered yet'}{p.row.deactivated ? ', deactivated' : ''}</span></li>
        ))}</ul>
      </div>
    </div>
  );
}

function SentRow({ row, client, version }: { row: DashboardRow; client: MissiveClient; version: number }) {
  const [open, setOpen] = useState(false);
  const pct = Math.round(row.read_percent);
  return (
    <li data-sent={row.id}>
      <div class="row-link">
        <a class="row-title" href={`#/m/${row.id}`}>{row.subject}</a>
        <span class="row-meta"><time dateTime={row.create_date}>{when(row.create_date)}</time></span>
        <span class="row-sub">To {row.sent_to}{row.active ? '' : ' · no longer active'}{row.reminders ? ` · reminders ${row.reminders.status}` : ''}</span>
        <span />
        <span class="stats">
          <span data-testid="delivered">Delivered {row.delivered_count} of {row.recipients}</span>
          <span data-testid="read">Read {row.read_count} of {row.recipients}</span>
          <span class="meter" role="img" aria-label={`${pct}% read`}><span style={{ width: `${pct}%` }} /></span>
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
  const [versions, setVersions] = useState<Record<number, number>>({});
  const pending = useRef(new Set<number>());

  useEffect(() => {
    client.dashboard({ limit: PAGE }).then((p) => { setRows(p.messages); setNext(p.next); }, (err) => setError(errorText(err)));
  }, [client]);

  // Refetch one row's counts; a burst of status entries for one message costs one request.
  const refreshRow = (id: number) => {
    if (pending.current.has(id)) return;
    pending.current.add(id);
    setTimeout(() => {
      client.getMessage(id).then((m) => {
        setRows((rs) => rs && rs.map((r) => (r.id === id ? rowOf(m) : r)));
        setVersions((v) => ({ ...v, [id]: (v[id] ?? 0) + 1 }));
      }, () => {}).finally(() => pending.current.delete(id));
    }, 100);
  };

  useEffect(() => live.subscribe((entry) => {
    if (entry.kind === 'status' || entry.kind === 'expiry') refreshRow(entry.message_id);
    if (entry.kind === 'message' && entry.message && entry.message.creator_id === me.id) {
      const row = rowOf(entry.message);
      setRows((rs) => (rs && !rs.some((r) => r.id === row.id) ? [row, ...rs] : rs));
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
          {rows.map((r) => <SentRow key={r.id} row={r} client={client} version={versions[r.id] ?? 0} />)}
        </ul>
      )}
      {next !== null && <div class="actions"><button type="button" onClick={more}>Load older</button></div>}
    </section>
  );
}
