// #/admin/webhooks: the endpoints the server signs and POSTs events to (docs/notifications.md):
// each with its events, enabled or disabled (and why), enable/disable, rotate the secret,
// delete, and its delivery log; plus the form that adds one.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Webhook } from '../../../sdk/js/src/index.ts';
import type { PageProps } from '../session.ts';
import { useLatest, useTitle } from '../hooks.ts';
import { when } from '../util.ts';
import { AdminOnly, ErrorNote, isForbidden } from './common.tsx';
import { CreateWebhookForm, SecretCard } from './webhook-forms.tsx';
import { WebhookDeliveries } from './webhook-deliveries.tsx';

type Risky = 'rotate' | 'delete';
const QUESTION: Record<Risky, string> = {
  rotate: 'Rotate its secret? Deliveries are signed with the new one at once.',
  delete: 'Delete it? Its queued deliveries are cancelled.',
};

function Status({ webhook }: { webhook: Webhook }) {
  if (!webhook.enabled) {
    return <span class="webhook-disabled">Disabled{webhook.disabled_reason ? `: ${webhook.disabled_reason}` : ''}</span>;
  }
  if (webhook.failing_since) {
    return <span class="webhook-failing">Enabled, failing since <time dateTime={webhook.failing_since}>{when(webhook.failing_since, { full: true })}</time></span>;
  }
  return <span>Enabled</span>;
}

// Asks before an action that breaks the receiver (a new secret) or cannot be undone.
function Confirm({ action, name, onYes, onNo }: { action: Risky; name: string; onYes: () => void; onNo: () => void }) {
  const yes = useRef<HTMLButtonElement>(null);
  useEffect(() => { yes.current?.focus(); }, []);
  return (
    <div class="webhook-confirm" role="group" aria-label={`${action === 'delete' ? 'Delete' : 'Rotate secret of'} ${name}`}>
      <span>{QUESTION[action]}</span>
      <button type="button" ref={yes} class={action === 'delete' ? 'danger' : 'admin-secondary'} onClick={onYes}>
        {action === 'delete' ? 'Delete' : 'Rotate secret'}
      </button>
      <button type="button" class="admin-secondary" onClick={onNo}>Cancel</button>
    </div>
  );
}

export function AdminWebhooks({ client }: PageProps) {
  useTitle('Webhooks');
  const list = useLatest(() => client.listWebhooks(), [client]);
  const [status, setStatus] = useState('');
  const [changeError, setChangeError] = useState<unknown>(null);
  const [secret, setSecret] = useState<Webhook | null>(null);
  const [asking, setAsking] = useState<{ id: number; action: Risky } | null>(null);
  const [logOf, setLogOf] = useState<number | null>(null);
  const webhooks = list.data?.webhooks ?? [];
  const error = changeError ?? list.error;

  if (isForbidden(error)) return <AdminOnly />;

  const change = async (what: () => Promise<string>) => {
    setChangeError(null);
    setAsking(null);
    try {
      setStatus(await what());
      await list.reload();
    } catch (e) {
      setChangeError(e);
    }
  };
  const toggle = (w: Webhook) => change(async () => {
    const saved = await client.updateWebhook(w.id, { enabled: !w.enabled });
    return `${saved.url} is ${saved.enabled ? 'enabled' : 'disabled'}.`;
  });
  const rotate = (w: Webhook) => change(async () => {
    const saved = await client.updateWebhook(w.id, { new_secret: true });
    setSecret(saved);
    return `${saved.url} has a new secret.`;
  });
  const remove = (w: Webhook) => change(async () => {
    await client.deleteWebhook(w.id);
    if (logOf === w.id) setLogOf(null);
    if (secret?.id === w.id) setSecret(null);
    return `Deleted ${w.url}.`;
  });
  const shownLog = webhooks.find((w) => w.id === logOf);

  return (
    <section class="admin-page" aria-labelledby="admin-webhooks-title">
      <h1 id="admin-webhooks-title">Webhooks</h1>
      <p class="hint">Endpoints the server POSTs signed events to (an SMS gateway, a ticketing system).
        An endpoint that fails for a whole day is disabled; enable it again once it works.</p>
      <p class="admin-status" role="status" aria-live="polite">{status}</p>
      <ErrorNote error={error} />
      {secret && <SecretCard webhook={secret} onDone={() => setSecret(null)} />}
      <div class="admin-table-wrap" role="region" aria-label="Webhooks" tabIndex={0}>
        <table class="admin-table" aria-busy={list.loading}>
          <caption class="sr-only">Webhooks</caption>
          <thead>
            <tr><th scope="col">URL</th><th scope="col">Events</th><th scope="col">Status</th>
              <th scope="col">Created</th><th scope="col">Actions</th></tr>
          </thead>
          <tbody>
            {webhooks.map((w) => {
              const name = w.description || w.url;
              return (
                <tr key={w.id} data-webhook={w.id} class={w.enabled ? '' : 'admin-inactive'}>
                  <th scope="row"><span class="admin-attrs">{w.url}</span>
                    {w.description && <><br /><span class="admin-handle">{w.description}</span></>}</th>
                  <td class="admin-attrs">{w.events.join(', ')}</td>
                  <td><Status webhook={w} /></td>
                  <td>{when(w.created_at, { full: true })}</td>
                  <td>
                    {asking?.id === w.id
                      ? <Confirm action={asking.action} name={name} onNo={() => setAsking(null)}
                          onYes={() => (asking.action === 'delete' ? remove(w) : rotate(w))} />
                      : (
                        <div class="admin-row-actions">
                          <button type="button" class="admin-secondary" onClick={() => setLogOf(w.id)}
                            aria-label={`Deliveries to ${name}`}>Deliveries</button>
                          <button type="button" class="admin-secondary" onClick={() => toggle(w)}
                            aria-label={`${w.enabled ? 'Disable' : 'Enable'} ${name}`}>{w.enabled ? 'Disable' : 'Enable'}</button>
                          <button type="button" class="admin-secondary" onClick={() => setAsking({ id: w.id, action: 'rotate' })}
                            aria-label={`Rotate secret of ${name}`}>Rotate secret</button>
                          <button type="button" class="admin-secondary danger" onClick={() => setAsking({ id: w.id, action: 'delete' })}
                            aria-label={`Delete ${name}`}>Delete</button>
                        </div>
                      )}
                  </td>
                </tr>
              );
            })}
            {!list.loading && webhooks.length === 0 && <tr><td colSpan={5}>No webhooks yet.</td></tr>}
          </tbody>
        </table>
      </div>
      {shownLog && <WebhookDeliveries key={shownLog.id} client={client} webhook={shownLog} onClose={() => setLogOf(null)} />}
      <CreateWebhookForm client={client} onCreated={(w) => {
        setSecret(w);
        setStatus(`Added ${w.url}.`);
        list.reload();
      }} />
    </section>
  );
}
