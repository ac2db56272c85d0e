// #/dashboard: the caller's sent messages with their read %, newest first, a page at a time,
// kept current as recipients read (throttled re-fetch of the page on `status` entries).
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { DashboardRow, PageProps } from './props.ts';
import { ReadBar } from './bars.tsx';
import { formatDate, formatPercent } from './format.ts';
import { isStatusOf, useLiveRefresh } from './live.ts';

const PAGE_SIZE = 25;

export function Dashboard({ client, live }: PageProps) {
  // cursors[i] is the `before` of page i (undefined: the newest); "Newer" pops one.
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const [rows, setRows] = useState<DashboardRow[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const before = cursors[cursors.length - 1];

  // Live refreshes can overlap: only the newest request's answer is applied.
  const sequence = useRef(0);
  const load = useCallback(() => {
    const mine = ++sequence.current;
    let current = true;
    client.dashboard({ before, limit: PAGE_SIZE })
      .then((page) => { if (current && mine === sequence.current) { setRows(page.messages); setNext(page.next); setError(null); } })
      .catch((e) => { if (current) setError(e); })
      .finally(() => { if (current) setLoading(false); });
    return () => { current = false; };
  }, [client, before]);

  useEffect(() => { document.title = 'Missive — read dashboard'; }, []);
  useEffect(() => { setLoading(true); return load(); }, [load]);
  useLiveRefresh(live, (entry) => isStatusOf(entry), () => { load(); });

  return (
    <section class="page dash-page" aria-labelledby="dash-title">
      <h1 id="dash-title">Read dashboard</h1>
      {error !== null && <p class="error" role="alert">{(error as Error).message ?? String(error)}</p>}
      <div class="dash-table-wrap" role="region" aria-label="Sent messages" tabIndex={0}>
        <table class="dash-table dash-list" aria-busy={loading}>
          <caption class="sr-only">Messages you sent, newest first, with how many recipients read them</caption>
          <thead>
            <tr>
              <th scope="col">Subject</th><th scope="col">Sent to</th><th scope="col">Sent</th>
              <th scope="col" class="dash-num">Recipients</th><th scope="col" class="dash-num">Read</th><th scope="col">Read %</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id} data-message={row.id} class={row.active ? '' : 'dash-inactive'}>
                <th scope="row"><a href={`#/dashboard/${row.id}`}>{row.subject}</a>{!row.active && <span class="muted"> (ended)</span>}</th>
                <td>{row.sent_to}</td>
                <td><time dateTime={row.create_date}>{formatDate(row.create_date)}</time></td>
                <td class="dash-num">{row.recipients}</td>
                <td class="dash-num">{row.read_count}</td>
                <td class="dash-pct"><ReadBar percent={row.read_percent} /> <span class="dash-pct-text">{formatPercent(row.read_percent)}</span></td>
              </tr>
            ))}
            {!loading && rows.length === 0 && <tr><td colSpan={6}>You have not sent anything yet.</td></tr>}
          </tbody>
        </table>
      </div>
      <nav class="dash-pager" aria-label="Dashboard pages">
        <button type="button" disabled={cursors.length === 1} onClick={() => setCursors((c) => c.slice(0, -1))}>Newer</button>
        <span>Page {cursors.length}</span>
        <button type="button" disabled={next === null} onClick={() => next !== null && setCursors((c) => [...c, next])}>Older</button>
      </nav>
    </section>
  );
}
