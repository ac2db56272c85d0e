// A group rule input with a live preview: once typing pauses, the rule is sent to
// POST /v1/groups/preview and the page shows how many active users match and the first few; a
// bad rule shows the server's message and marks the character it points at.
import { useRef, useState } from 'preact/hooks';
import type { MissiveClient, User } from './props.ts';
import { errorText, useDebounced } from './common.tsx';

const PREVIEW_DELAY_MS = 300;
// The server lists up to 50 matches; the first ten are enough to see whether the rule is right.
const PREVIEW_USERS = 10;

type Preview =
  | { state: 'empty' }
  | { state: 'loading' }
  | { state: 'ok'; count: number; users: User[] }
  | { state: 'error'; message: string; position: number | null };

// The 1-based character position of a rule error: the ApiError's `position`, else the
// "at position N" the message ends with (older servers only had the message).
export function errorPosition(error: unknown): number | null {
  const position = (error as { position?: unknown } | null)?.position;
  if (typeof position === 'number' && position > 0) return position;
  const match = /at position (\d+)/.exec(errorText(error));
  return match ? Number(match[1]) : null;
}

// The rule split around the character at `position` (characters are code points, as the
// server counts them, so an emoji or a CJK character before the error does not shift it).
export function splitAtPosition(text: string, position: number) {
  const chars = Array.from(text);
  const index = Math.min(Math.max(position - 1, 0), chars.length);
  return { before: chars.slice(0, index).join(''), at: chars[index] ?? '', after: chars.slice(index + 1).join(''), index };
}

function ErrorMarker({ text, position, id }: { text: string; position: number; id: string }) {
  const { before, at, after, index } = splitAtPosition(text, position);
  // Past the end ("expected a value, found the end"): mark a space after the last character.
  return (
    <pre class="rule-marker" id={id} aria-hidden="true">
      <span>{before}</span><mark data-position={position}>{at === '' ? ' ' : at}</mark><span>{after}</span>
      {'\n'}<span class="rule-caret">{' '.repeat(index)}^</span>
    </pre>
  );
}

export function RuleEditor({ client, value, onChange, id, label = 'Rule' }:
    { client: MissiveClient; value: string; onChange: (rule: string) => void; id: string; label?: string }) {
  const [preview, setPreview] = useState<Preview>({ state: 'empty' });
  // Answers can come back out of order; only the one for the latest request is shown.
  const sequence = useRef(0);

  useDebounced(value, PREVIEW_DELAY_MS, (rule) => {
    const mine = ++sequence.current;
    if (rule.trim() === '') { setPreview({ state: 'empty' }); return; }
    setPreview({ state: 'loading' });
    client.previewRule(rule).then(
      (result) => { if (mine === sequence.current) setPreview({ state: 'ok', count: result.count, users: result.users }); },
      (error) => {
        if (mine === sequence.current) setPreview({ state: 'error', message: errorText(error), position: errorPosition(error) });
      });
  });

  const invalid = preview.state === 'error';
  return (
    <div class="rule-editor">
      <label for={id}>{label}</label>
      <input id={id} class="rule-input" value={value} autocomplete="off" spellcheck={false}
        placeholder='role = "dba" and region in ("EU", "US")'
        aria-invalid={invalid} aria-describedby={`${id}-help ${id}-preview`}
        onInput={(e) => onChange(e.currentTarget.value)} />
      <p id={`${id}-help`} class="hint">
        Attributes compared with = != &lt; &lt;= &gt; &gt;= or in (…), combined with and, or, not; text in "quotes".
      </p>
      {invalid && preview.position !== null && <ErrorMarker text={value} position={preview.position} id={`${id}-marker`} />}
      <div id={`${id}-preview`} class={`rule-preview rule-preview-${preview.state}`} role="status" aria-live="polite">
        {preview.state === 'loading' && <p>Checking the rule…</p>}
        {preview.state === 'error' && <p class="error">{preview.message}</p>}
        {preview.state === 'ok' && (
          <>
            <p class="rule-count">{preview.count === 1 ? '1 user matches' : `${preview.count} users match`}</p>
            {preview.users.length > 0 && (
              <ul class="rule-users" aria-label="First matching users">
                {preview.users.slice(0, PREVIEW_USERS).map((user) => <li key={user.id}>{user.full_name} <span class="admin-handle">@{user.handle}</span></li>)}
              </ul>
            )}
            {preview.count > Math.min(preview.users.length, PREVIEW_USERS) && (
              <p class="hint">and {preview.count - Math.min(preview.users.length, PREVIEW_USERS)} more</p>
            )}
          </>
        )}
      </div>
    </div>
  );
}
