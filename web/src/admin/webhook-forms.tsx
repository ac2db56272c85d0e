// The webhooks page's forms: adding an endpoint, and the card that shows a signing secret the
// one time the page has it (after adding an endpoint or rotating its secret).
import { useEffect, useRef, useState } from 'preact/hooks';
import type { MissiveClient, Webhook, WebhookEvent } from '../../../sdk/js/src/index.ts';
import { useSubmit } from '../hooks.ts';
import { ErrorNote } from './common.tsx';
import { WEBHOOK_EVENTS } from './notification-table.tsx';

export function CreateWebhookForm({ client, onCreated }: { client: MissiveClient; onCreated: (webhook: Webhook) => void }) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<WebhookEvent[]>([]);
  const { busy, error, submit } = useSubmit(async () => {
    if (events.length === 0) throw new Error('Choose at least one event to send.');
    const created = await client.createWebhook({ url: url.trim(), events, description: description.trim() });
    setUrl(''); setDescription(''); setEvents([]);
    onCreated(created);
  });
  const toggle = (event: WebhookEvent, on: boolean) =>
    setEvents(on ? [...events, event] : events.filter((e) => e !== event));

  return (
    <form class="admin-form card" onSubmit={submit} aria-labelledby="new-webhook-title">
      <h2 id="new-webhook-title">Add a webhook</h2>
      <div class="admin-fields">
        <label for="new-webhook-url">URL</label>
        <input id="new-webhook-url" type="url" required value={url} spellcheck={false} autocomplete="off"
          placeholder="https://gateway.example.org/missive" onInput={(e) => setUrl(e.currentTarget.value)} />
        <label for="new-webhook-description">Description</label>
        <input id="new-webhook-description" maxLength={1000} value={description}
          onInput={(e) => setDescription(e.currentTarget.value)} />
      </div>
      <fieldset class="webhook-events">
        <legend>Events</legend>
        {WEBHOOK_EVENTS.map(({ event, label }) => (
          <div class="admin-check" key={event}>
            <input id={`new-webhook-${event}`} type="checkbox" checked={events.includes(event)}
              onChange={(e) => toggle(event, e.currentTarget.checked)} />
            <label for={`new-webhook-${event}`}>{label} <code>{event}</code></label>
          </div>
        ))}
      </fieldset>
      <ErrorNote error={error} />
      <button type="submit" class="primary" disabled={busy}>Add webhook</button>
    </form>
  );
}

// The receiver needs the secret to verify signatures. The list never shows it: it is here once,
// right after it was made, so it is not left on screen for anyone passing by.
export function SecretCard({ webhook, onDone }: { webhook: Webhook; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const [copied, setCopied] = useState('');
  useEffect(() => { heading.current?.focus(); }, [webhook.secret]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(webhook.secret);
      setCopied('Copied.');
    } catch {
      setCopied('Copying was refused: select the secret and copy it by hand.');
    }
  };
  return (
    <section class="card webhook-secret" aria-labelledby="webhook-secret-title">
      <h2 id="webhook-secret-title" ref={heading} tabIndex={-1}>Signing secret of {webhook.description || webhook.url}</h2>
      <p>Put it in the receiver’s configuration now: this page does not show it again. The receiver
        checks each delivery’s <code>webhook-signature</code> with it (Standard Webhooks).</p>
      <p><code class="secret-value" data-secret>{webhook.secret}</code></p>
      <div class="admin-actions">
        <button type="button" class="admin-secondary" onClick={copy}>Copy secret</button>
        <button type="button" class="admin-secondary" onClick={onDone}>Done</button>
        <span role="status" aria-live="polite">{copied}</span>
      </div>
    </section>
  );
}
