// #/dashboard/ID: one message's read report: the counts, read % over time with the reminder
// rounds, per-group bars when it went to several groups, and who has not read (CSV export).
// Refreshed as recipients read and when it ends (throttled, on its `status` and `expiry` entries).
import type { ReadReport } from '../../../sdk/js/src/index.ts';
import type { PageProps } from '../session.ts';
import { changesSent } from '../live.ts';
import { useLatest, useLiveRefresh, useTitle } from '../hooks.ts';
import { ReadBar } from '../components/read-bar.tsx';
import { errorText, when } from '../util.ts';
import { GroupBars } from './bars.tsx';
import { ReadChart } from './chart.tsx';
import { formatPercent } from './format.ts';
import { RecipientsTable } from './recipients.tsx';

const REFUSED = {
  403: 'Only the sender of a message (or an admin) can see who read it.',
  404: 'There is no such message, or you may not see it.',
};

function Schedule({ report }: { report: ReadReport }) {
  const r = report.message.reminders;
  if (!r) return null;
  const every = r.frequency === 'daily' ? 'daily' : r.frequency === 'weekly' ? 'weekly' : `every ${r.period_days} days`;
  return (
    <p class="dash-schedule">
      Reminders {every} until {r.expiry_day} ({r.status}); {r.reminders_sent} sent{r.final_sent ? ', final sent' : ''}
      {r.next_remind_date && r.status === 'active' ? `; next ${when(r.next_remind_date, { full: true })}` : ''}
      {r.deactivate_non_responders ? '; non-responders are deactivated at expiry' : ''}.
    </p>
  );
}

export function DashboardMessage({ client, live, id }: PageProps & { id: number }) {
  const loaded = useLatest(async () => {
    const [report, history] = await Promise.all([client.readReport(id), client.readHistory(id)]);
    return { report, history, now: Date.now() };
  }, [client, id]);
  useLiveRefresh(live, (entry) => changesSent(entry, id), loaded.reload);
  const { data, error } = loaded;
  useTitle(data ? `Read report: ${data.report.message.subject}` : 'Read report');

  if (error !== null && data === undefined) {
    return (
      <section class="page dash-page" aria-labelledby="dash-message-title">
        <h1 id="dash-message-title">Read report</h1>
        <p class="error" role="alert">{errorText(error, REFUSED)}</p>
        <p><a href="#/dashboard">Back to the dashboard</a></p>
      </section>
    );
  }
  if (data === undefined) return <p class="loading" role="status">Loading the read report…</p>;

  const { report, history, now } = data;
  const m = report.message;
  return (
    <section class="page dash-page" aria-labelledby="dash-message-title">
      <p class="dash-back"><a href="#/dashboard">← All sent messages</a></p>
      <h1 id="dash-message-title">{m.subject}</h1>
      <p class="muted">Sent to {m.sent_to} on {when(m.create_date, { full: true })}{m.active ? '' : ' — ended'}</p>
      {error !== null && <p class="error" role="alert">Could not refresh: {errorText(error, REFUSED)}</p>}
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
