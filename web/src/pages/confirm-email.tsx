// #/confirm-email/TOKEN: the link the server emails to a new address. The page posts the token
// (POST /v1/email/confirm; no login needed, the token is the proof) and says how that went.
// The shell shows it logged in or not.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../../sdk/js/src/index.ts';
import type { EmailConfirmation, MissiveClient } from '../../../sdk/js/src/index.ts';
import { useTitle } from '../hooks.ts';
import { errorText } from '../util.ts';

// One request per token and tab: the page may mount twice (logged out, then inside the shell
// once the session check answers), and a second post of a used token would answer 404 and
// call a confirmed address "unknown".
const attempts = new Map<string, Promise<EmailConfirmation>>();
function confirmOnce(client: MissiveClient, token: string): Promise<EmailConfirmation> {
  let attempt = attempts.get(token);
  if (!attempt) {
    attempt = client.confirmEmail(token);
    // A network failure may be retried by reloading; an answer from the server is final.
    attempt.catch((e: unknown) => { if (!(e instanceof ApiError)) attempts.delete(token); });
    attempts.set(token, attempt);
  }
  return attempt;
}

type Outcome = { state: 'busy' } | { state: 'done' } | { state: 'failed'; error: unknown };

export function ConfirmEmail({ client, token, loggedIn }: { client: MissiveClient; token: string; loggedIn: boolean }) {
  useTitle('Confirm email address');
  const [outcome, setOutcome] = useState<Outcome>({ state: 'busy' });
  useEffect(() => {
    let alive = true;
    confirmOnce(client, token).then(
      () => { if (alive) setOutcome({ state: 'done' }); },
      (error: unknown) => { if (alive) setOutcome({ state: 'failed', error }); });
    return () => { alive = false; };
  }, [client, token]);

  const next = loggedIn ? 'Go to your settings' : 'Log in';
  return (
    <section class="page confirm-email" aria-labelledby="confirm-title">
      <h1 id="confirm-title">Confirm email address</h1>
      <p role="status" aria-live="polite" class={outcome.state === 'done' ? 'ok' : ''}>
        {outcome.state === 'busy' && 'Confirming…'}
        {outcome.state === 'done' && 'Your email address is confirmed: Missive’s emails go to it from now on.'}
      </p>
      {outcome.state === 'failed' && (
        <p class="error" role="alert">
          {errorText(outcome.error, {
            404: 'This link is unknown, already used or expired. Ask for a new one in your settings.',
          })}
        </p>
      )}
      {outcome.state !== 'busy' && <p><a href="#/settings">{next}</a></p>}
    </section>
  );
}
