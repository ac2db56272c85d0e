// #/dashboard/ID: one message's read report: the counts, read % over time with the reminder
// rounds, per-group bars when it went to several groups, and who has not read (CSV export).
// Refreshed as recipients read (throttled, on `status` entries for this message).
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { PageProps, ReadHistory, ReadReport } from './props.ts';
import { GroupBars, ReadBar } from './bars.tsx';
import { ReadChart } from './chart.tsx';
import { formatDate, formatPercent } from './format.ts';
import { isStatusOf, useLiveRefresh } from './live.ts';
import { RecipientsTable } from './recipients.tsx';

interface Loaded {
  report: ReadReport;
  history: ReadHistory;
  now: number;
}

function errorMessage(error: unknown): string {
  const status = (error as { status?: number }).status;
  if (status === 403) return 'Only the sender of a message (or an admin) can see who read it.';
  if (status === 404) return 'There is no such message, or you may not see it.';
  return (error as Error).message ?? String(error);
}

function Schedule({ report }: { report: ReadReport }) {
  const r = report.message.reminders;
  if (!r) return null;
  const every = r.frequency === 'daily' ? 'daily' : r.frequency === 'weekly' ? 'weekly' : `every ${r.period_days} days`;
  return (
    <p class="dash-schedule">
      Reminders {every} until {r.expiry_day} ({r.status}); {r.reminders_sent} sent{r.final_sent ? ', final sent' : ''}
      {r.next_remind_date && r.status === 'active' ? `; next ${formatDate(r.next_remind_date)}` : ''}
      {r.deactivate_non_responders ? '; non-responders are deactivated at expiry' : ''}.
    </p>
  );
}

export function DashboardMessage({ client, live, id }: PageProps & { id: number }) {
  const [data, setData] = useState<Loaded | null>(null);
  const [error, setError] = useState<unknown>(null);

  // Live refreshes can overlap: only the newest request's answer is applied.
  const sequence = useRef(0);
  const load = useCallback(() => {
    const mine = ++sequence.current;
    let current = true;
    Promise.all([client.readReport(id), client.readHistory(id)])
      .then(([report, history]) => { if (current && mine === sequence.current) { setData({ report, history, now: Date.now() }); setError(null); } })
      .catch((e) => { if (current) setError(e); });
    return () => { current = false; };
  }, [client, id]);

  useEffect(load, [load]);
  useLiveRefresh(live, (entry) => isStatusOf(entry, id), () => { load(); });
  useEffect(() => {
    document.title = data ? `Missive — read report: ${data.report.message.subject}` : 'Missive — read report';
  }, [data]);

  if (error !== null && data === null) {
    return (
      <section class="page dash-page" aria-labelledby="dash-message-title">
        <h1 id="dash-message-title">Read report</h1>
        <p class="error" role="alert">{errorMessage(error)}</p>
        <p><a href="#/dashboard">Back to the dashboard</a></p>
      </section>
    );
  }
  if (data === null) return <p class="loading" role="status">Loading the read report…</p>;

  const { report, history, now } = data;
  const m = report.message;
  return (
    <section class="page dash-page" aria-labelledby="dash-message-title">
      <p class="dash-back"><a href="#/dashboard">← All sent messages</a></p>
      <h1 id="dash-message-title">{m.subject}</h1>
      <p class="muted">Sent to {m.sent_to} on {formatDate(m.create_date)}{m.active ? '' : ' — ended'}</p>
      {error !== null && <p class="error" role="alert">Could not refresh: {errorMessage(error)}</p>}
      <dl class="dash-counts" aria-live="polite">
        <div><dt>Recipients</dt><dd data-count="recipients">{m.recipients}</dd></div>
        <div><dt>Delivered</dt><dd data-count="delivered">{m.delivered_count}</dd></div>
        <div><dt>Read</dt><dd data-count="read">{m.read_count}</dd></div>
        <div><dt>Read %</dt><dd data-count="read-percent"><span class="dash-pct-text">{formatPercent(m.read_percent)}</span> <ReadBar percent={m.read_percent} /></dd></div>
      </dl>
      <Schedule report={report} />
      <ReadChart history={history} now={now} />
      {report.groups.length > 1 && <GroupBars groups={report.groups} />}
      <RecipientsTable messageId={m.id} recipients={report.recipients} withReminders={m.reminders != null} />
    </section>
  );
}
