// The login form. The session is an HttpOnly cookie (login with cookie: true), so no token is
// ever visible to scripts on the page.
import { useState } from 'preact/hooks';
import type { MissiveClient, User } from '../../../sdk/js/src/index.ts';
import { useTitle } from '../hooks.ts';
import { errorText } from '../util.ts';

export function Login({ client, onLogin }: { client: MissiveClient; onLogin: (me: User) => Promise<void> }) {
  const [handle, setHandle] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  useTitle('Log in');

  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      const session = await client.login(handle.trim(), password, { cookie: true });
      await onLogin(session.user);
    } catch (err) {
      setError(errorText(err, { 401: 'Wrong handle or password.' }));
      setBusy(false);
    }
  };

  return (
    <main class="login" id="main">
      <form class="card login-card" onSubmit={submit} aria-labelledby="login-title">
        <h1 id="login-title">Missive</h1>
        <p class="muted">Log in to read and send messages.</p>
        <label for="login-handle">Handle</label>
        <input id="login-handle" name="username" autocomplete="username" required autoFocus
          value={handle} onInput={(e) => setHandle(e.currentTarget.value)} />
        <label for="login-password">Password</label>
        <input id="login-password" name="password" type="password" autocomplete="current-password" required
          value={password} onInput={(e) => setPassword(e.currentTarget.value)} />
        {error && <p class="error" role="alert">{error}</p>}
        <button type="submit" class="primary" disabled={busy}>{busy ? 'Logging in…' : 'Log in'}</button>
      </form>
    </main>
  );
}
