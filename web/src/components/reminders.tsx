// The reminder settings of a new message and the dates they plan: the server computes the dates
// (POST /v1/reminders/plan, the same rules the scheduler uses), so what is shown is what will
// happen: each reminder, then the final one on the expiry day.
import type { MissiveClient, PlanRemindersRequest, ReminderSettings } from '../../../sdk/js/src/index.ts';
import { useDebounced, useLatest } from '../hooks.ts';
import { errorText, utcWhen } from '../util.ts';

export type ReminderChoice = { frequency: 'none' | 'daily' | 'weekly' | 'every_days'; everyDays: number; deactivate: boolean };

export function reminderSettings(c: ReminderChoice): ReminderSettings | null {
  if (c.frequency === 'none') return null;
  const base = c.deactivate ? { deactivate_non_responders: true } : {};
  return c.frequency === 'every_days' ? { every_days: c.everyDays, ...base } : { frequency: c.frequency, ...base };
}

export function ReminderFields({ client, value, onChange, expiry }: {
  client: MissiveClient; value: ReminderChoice; onChange: (v: ReminderChoice) => void; expiry: string;
}) {
  const settings = reminderSettings(value);
  // The plan is asked for once the fields stop changing (as a string, so the debounce compares
  // values), and shown only while it is the plan of what the fields say now.
  const wanted = JSON.stringify(settings && expiry ? { expiry_date: expiry, reminders: settings } : null);
  const asked = useDebounced(wanted, 200);
  const answer = useLatest(() => {
    const request = JSON.parse(asked) as PlanRemindersRequest | null;
    return request ? client.planReminders(request) : Promise.resolve(null);
  }, [client, asked]);
  const current = asked === wanted && !answer.loading;
  const plan = current && !answer.error ? answer.data : null;
  const error = settings && !expiry ? 'Reminders need an expiry date: the day of the final reminder.'
    : current && answer.error ? errorText(answer.error) : '';

  return (
    <fieldset>
      <legend>Reminders to those who have not read</legend>
      <label for="reminder-frequency">Frequency</label>
      <select id="reminder-frequency" value={value.frequency}
        onChange={(e) => onChange({ ...value, frequency: e.currentTarget.value as ReminderChoice['frequency'] })}>
        <option value="none">No reminders</option>
        <option value="daily">Daily</option>
        <option value="weekly">Weekly</option>
        <option value="every_days">Every N days</option>
      </select>
      {value.frequency === 'every_days' && (
        <>
          <label for="reminder-days">Every how many days</label>
          <input id="reminder-days" type="number" min={1} max={366} value={value.everyDays}
            onInput={(e) => onChange({ ...value, everyDays: Math.max(1, Number(e.currentTarget.value) || 1) })} />
        </>
      )}
      {settings && (
        <>
          <label class="inline">
            <input type="checkbox" checked={value.deactivate}
              onChange={(e) => onChange({ ...value, deactivate: e.currentTarget.checked })} />
            Deactivate recipients who never read it by the end of the expiry day
          </label>
          <p class="hint">A final reminder goes out on the expiry day.</p>
          <div aria-live="polite">
            {error && <p class="error">{error}</p>}
            {plan && (
              <>
                <p>Planned reminders ({plan.dates.length}), expiry day {plan.expiry_day}:</p>
                <ol class="plan" aria-label="Planned reminders">
                  {plan.dates.map((d) => (
                    <li key={d.at} class={d.final ? 'final' : ''} data-final={d.final ? 'true' : undefined}>
                      <time dateTime={d.at}>{utcWhen(d.at)}</time>{d.final ? ' — final reminder' : ''}
                    </li>
                  ))}
                </ol>
              </>
            )}
          </div>
        </>
      )}
    </fieldset>
  );
}
