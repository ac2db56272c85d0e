// Compose a new message: recipients (users and groups, with autocomplete), subject, body, files
// and voice recordings (uploaded as they are added), an optional expiry date and reminders with
// their planned dates. A client_msg_id makes a retried
// send safe. After sending, the message's conversation opens.
import { useEffect, useState } from 'preact/hooks';
import type { PageProps } from '../session.ts';
import { RecipientPicker } from '../components/recipients.tsx';
import type { Recipient } from '../components/recipients.tsx';
import { ReminderFields, reminderSettings } from '../components/reminders.tsx';
import type { ReminderChoice } from '../components/reminders.tsx';
import { navigate } from '../router.ts';
import { useTitle } from '../hooks.ts';
import { errorText, newClientMsgId, normaliseHandle, rememberUser } from '../util.ts';
import { rememberMessage } from '../messages.ts';
import { useUploads } from '../uploads.ts';
import { AttachField, useFileDrop } from '../components/attach.tsx';

function tomorrow(): string {
  return new Date(Date.now() + 86400000).toISOString().slice(0, 10);
}

export function Compose({ client, to }: PageProps & { to?: string }) {
  useTitle('Compose');
  const [recipients, setRecipients] = useState<Recipient[]>([]);
  const [subject, setSubject] = useState('');
  const [body, setBody] = useState('');
  const [expiry, setExpiry] = useState('');
  const [reminders, setReminders] = useState<ReminderChoice>({ frequency: 'none', everyDays: 3, deactivate: false });
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const [key, setKey] = useState(newClientMsgId);
  const uploads = useUploads(client);
  const drop = useFileDrop(uploads);
  const waiting = uploads.running || uploads.failed;

  // '#/compose?to=ada' starts with that user chosen.
  useEffect(() => {
    if (!to) return;
    client.getUserByHandle(normaliseHandle(to)).then((user) => { rememberUser(user); setRecipients([{ kind: 'user', user }]); }, () => {});
  }, [client, to]);

  const submit = async (e: Event) => {
    e.preventDefault();
    setError('');
    if (waiting) return;
    if (recipients.length === 0) { setError('Choose at least one recipient.'); document.getElementById('compose-to')?.focus(); return; }
    const settings = reminderSettings(reminders);
    if (settings && !expiry) { setError('Reminders need an expiry date.'); document.getElementById('compose-expiry')?.focus(); return; }
    setBusy(true);
    try {
      const attachments = uploads.ids();
      const message = await client.send({
        to: {
          users: recipients.flatMap((r) => (r.kind === 'user' ? [r.user.id] : [])),
          groups: recipients.flatMap((r) => (r.kind === 'group' ? [r.group.id] : [])),
        },
        subject,
        body,
        // The last millisecond of the chosen UTC day, as the server stores a reminder message's.
        ...(expiry ? { expiry_date: `${expiry}T23:59:59.999Z` } : {}),
        ...(settings ? { reminders: settings } : {}),
        client_msg_id: key,
        ...(attachments.length ? { attachments } : {}),
      });
      rememberMessage(message);
      setKey(newClientMsgId());
      navigate(`#/c/${message.conversation_id}`);
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <section class="page" aria-labelledby="compose-title">
      <h1 id="compose-title">New message</h1>
      <form class={`card${drop.dragging ? ' dropping' : ''}`} onSubmit={submit} noValidate={false} {...drop.props}>
        <RecipientPicker client={client} id="compose-to" label="To" value={recipients} onChange={setRecipients}
          describedBy="compose-to-hint" />
        <p class="hint" id="compose-to-hint">Type a handle, a name or a group; choose with the arrow keys and Enter.</p>
        <label for="compose-subject">Subject</label>
        <input id="compose-subject" required maxLength={1000} value={subject} onInput={(e) => setSubject(e.currentTarget.value)} />
        <label for="compose-body">Message</label>
        <textarea id="compose-body" value={body} onInput={(e) => setBody(e.currentTarget.value)} />
        <AttachField uploads={uploads} id="compose" />
        <div class="grid2">
          <div>
            <label for="compose-expiry">Expires on (optional)</label>
            <input id="compose-expiry" type="date" min={tomorrow()} value={expiry}
              aria-describedby="compose-expiry-hint" onInput={(e) => setExpiry(e.currentTarget.value)} />
            <p class="hint" id="compose-expiry-hint">The message leaves every inbox after this day (UTC).</p>
          </div>
        </div>
        <ReminderFields client={client} value={reminders} onChange={setReminders} expiry={expiry} />
        {error && <p class="error" role="alert">{error}</p>}
        <div class="actions">
          <button type="submit" class="primary" disabled={busy || waiting}>{busy ? 'Sending…' : 'Send'}</button>
          {uploads.running && <span class="muted">Waiting for the uploads…</span>}
          <a href="#/inbox">Cancel</a>
        </div>
      </form>
    </section>
  );
}
