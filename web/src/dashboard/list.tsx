// #/dashboard: the caller's sent messages with their read %, newest first, a page at a time,
// kept current as recipients read and messages end (throttled re-fetch of the page on `status`
// and `expiry` entries).
import type { PageProps } from '../session.ts';
import { changesSent } from '../live.ts';
import { useCursorPager, useLatest, useLiveRefresh, useTitle } from '../hooks.ts';
import { ReadBar } from '../components/read-bar.tsx';
import { errorText, when } from '../util.ts';
import { formatPercent } from './format.ts';

const PAGE_SIZE = 25;

export function Dashboard({ client, live }: PageProps) {
  useTitle('Read dashboard');
  const pager = useCursorPager<number>();
  const list = useLatest(() => client.dashboard({ before: pager.cursor, limit: PAGE_SIZE }), [client, pager.cursor]);
  useLiveRefresh(live, (entry) => changesSent(entry), list.reload);
  const rows = list.data?.messages ?? [];
  const next = list.data?.next ?? null;

  return (
    <section class="page dash-page" aria-labelledby="dash-title">
      <h1 id="dash-title">Read dashboard</h1>
      {list.error !== null && <p class="error" role="alert">{errorText(list.error)}</p>}
      <div class="dash-table-wrap" role="region" aria-label="Sent messages" tabIndex={0}>
        <table class="dash-table dash-list" aria-busy={list.loading}>
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
                <td><time dateTime={row.create_date}>{when(row.create_date, { full: true })}</time></td>
                <td class="dash-num">{row.recipients}</td>
                <td class="dash-num">{row.read_count}</td>
                <td class="dash-pct"><ReadBar percent={row.read_percent} /> <span class="dash-pct-text">{formatPercent(row.read_percent)}</span></td>
              </tr>
            ))}
            {!list.loading && rows.length === 0 && <tr><td colSpan={6}>You have not sent anything yet.</td></tr>}
          </tbody>
        </table>
      </div>
      <nav class="dash-pager" aria-label="Dashboard pages">
        <button type="button" disabled={pager.page === 1} onClick={pager.previous}>Newer</button>
        <span>Page {pager.page}</span>
        <button type="button" disabled={next === null} onClick={() => next !== null && pager.next(next)}>Older</button>
      </nav>
    </section>
  );
}
