// #/settings: the user's own email address and which emails they get (docs/notifications.md).
// An address is used only once the link emailed to it is opened (#/confirm-email/TOKEN); until
// then it shows as waiting for confirmation.
import { useEffect, useState } from 'preact/hooks';
import type { EmailPreferences, EmailSettings, MissiveClient } from '../../../sdk/js/src/index.ts';
import type { PageProps } from '../session.ts';
import { useLatest, useSubmit, useTitle } from '../hooks.ts';
import { errorText } from '../util.ts';

function ErrorLine({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  return <p class="error" role="alert">{errorText(error)}</p>;
}

interface CardProps {
  client: MissiveClient;
  userId: number;
  settings: EmailSettings;
  onChange: (settings: EmailSettings, status: string) => void;
}

function AddressCard({ client, userId, settings, onChange }: CardProps) {
  const [address, setAddress] = useState('');
  const [removeError, setRemoveError] = useState<unknown>(null);
  const ask = async (wanted: string) => {
    const saved = await client.setEmail(userId, wanted);
    onChange(saved, `A confirmation link was sent to ${wanted}. Open it to start getting email there.`);
  };
  const { busy, error, submit } = useSubmit(async () => {
    await ask(address.trim());
    setAddress('');
  });
  const resend = useSubmit(async () => { if (settings.pending) await ask(settings.pending); });
  const remove = async () => {
    setRemoveError(null);
    try {
      onChange(await client.removeEmail(userId), 'Your address was removed: Missive sends you no email.');
    } catch (e) {
      setRemoveError(e);
    }
  };
  const has = settings.address !== null || settings.pending !== null;

  return (
    <section class="card settings-card" aria-labelledby="email-title">
      <h2 id="email-title">Email address</h2>
      <p data-email-address={settings.address ?? ''}>
        {settings.address
          ? <>Email goes to <strong>{settings.address}</strong> (confirmed).</>
          : 'You have no confirmed address: Missive sends you no email.'}
      </p>
      {settings.pending && (
        <form class="settings-pending" onSubmit={resend.submit} data-email-pending={settings.pending}>
          <p><strong>{settings.pending}</strong>: waiting for confirmation. Open the link emailed to
            it (valid for 48 hours); until then email goes {settings.address ? 'to the address above' : 'nowhere'}.</p>
          <button type="submit" class="link-button" disabled={resend.busy}>Send the link again</button>
          <ErrorLine error={resend.error} />
        </form>
      )}
      <form onSubmit={submit}>
        <label for="email-address">{has ? 'New address' : 'Address'}</label>
        <input id="email-address" type="email" required autocomplete="email" spellcheck={false}
          value={address} onInput={(e) => setAddress(e.currentTarget.value)} />
        <ErrorLine error={error} />
        <div class="actions">
          <button type="submit" class="primary" disabled={busy}>{has ? 'Change address' : 'Set address'}</button>
          {has && <button type="button" class="danger" onClick={remove}>Remove address</button>}
        </div>
        <ErrorLine error={removeError} />
      </form>
    </section>
  );
}

const KINDS: { key: keyof EmailPreferences; label: string; hint: string }[] = [
  { key: 'reminders', label: 'Reminder emails', hint: 'An email for each reminder about a message you have not read or answered.' },
  { key: 'digest', label: 'Digest emails', hint: 'At most one a day: the messages you received while none of your devices was online.' },
];

function PreferencesCard({ client, userId, settings, onChange }: CardProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const toggle = async (key: keyof EmailPreferences, on: boolean) => {
    const before = settings;
    const label = KINDS.find((k) => k.key === key)?.label ?? key;
    setBusy(true);
    setError(null);
    // Shown at once; put back if the server refuses, so the box never lies about what is saved.
    onChange({ ...settings, [key]: on }, '');
    try {
      onChange(await client.setEmailPreferences(userId, { [key]: on }), `${label} are ${on ? 'on' : 'off'}.`);
    } catch (e) {
      onChange(before, '');
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="card settings-card" aria-labelledby="email-kinds-title">
      <h2 id="email-kinds-title">Which emails</h2>
      {!settings.address && <p class="hint">These apply once you have a confirmed address.</p>}
      {KINDS.map(({ key, label, hint }) => (
        <div class="settings-toggle" key={key}>
          <input id={`email-${key}`} type="checkbox" checked={settings[key]} disabled={busy}
            aria-describedby={`email-${key}-hint`} onChange={(e) => toggle(key, e.currentTarget.checked)} />
          <label for={`email-${key}`}>{label}</label>
          <p id={`email-${key}-hint`} class="hint">{hint}</p>
        </div>
      ))}
      <ErrorLine error={error} />
    </section>
  );
}

export function Settings({ client, me }: PageProps) {
  useTitle('Settings');
  const loaded = useLatest(() => client.emailSettings(me.id), [client, me.id]);
  const [settings, setSettings] = useState<EmailSettings | null>(null);
  const [status, setStatus] = useState('');
  useEffect(() => { if (loaded.data) setSettings(loaded.data); }, [loaded.data]);
  const onChange = (next: EmailSettings, text: string) => {
    setSettings(next);
    if (text) setStatus(text);
  };

  return (
    <section class="page settings" aria-labelledby="settings-title">
      <h1 id="settings-title">Settings</h1>
      <p class="ok settings-status" role="status" aria-live="polite">{status}</p>
      <ErrorLine error={loaded.error} />
      {!settings && !loaded.error && <p class="muted">Loading…</p>}
      {settings && (
        <>
          <AddressCard client={client} userId={me.id} settings={settings} onChange={onChange} />
          <PreferencesCard client={client} userId={me.id} settings={settings} onChange={onChange} />
        </>
      )}
    </section>
  );
}
