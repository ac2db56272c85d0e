// A group rule input with a live preview: once typing pauses, the rule is sent to
// POST /v1/groups/preview and the page shows how many active users match and the first few; a
// bad rule shows the server's message and marks the character it points at.
import { ApiError } from '../../../sdk/js/src/index.ts';
import type { MissiveClient } from '../../../sdk/js/src/index.ts';
import { useDebounced, useLatest } from '../hooks.ts';
import { errorText } from '../util.ts';

const PREVIEW_DELAY_MS = 300;
// The server lists up to 50 matches; the first ten are enough to see whether the rule is right.
const PREVIEW_USERS = 10;

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
  // Asked once typing pauses; an answer for an older rule that arrives late is dropped.
  const rule = useDebounced(value, PREVIEW_DELAY_MS);
  const { data, error, loading } = useLatest(
    () => (rule.trim() === '' ? Promise.resolve(null) : client.previewRule(rule)), [client, rule]);
  const state = loading ? 'loading' : error !== null ? 'error' : data ? 'ok' : 'empty';
  const invalid = state === 'error';
  // The ApiError carries the 1-based character position a bad rule names.
  const position = error instanceof ApiError ? error.position ?? null : null;

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
      {invalid && position !== null && <ErrorMarker text={value} position={position} id={`${id}-marker`} />}
      <div id={`${id}-preview`} class={`rule-preview rule-preview-${state}`} role="status" aria-live="polite">
        {state === 'loading' && <p>Checking the rule…</p>}
        {state === 'error' && <p class="error">{errorText(error)}</p>}
        {state === 'ok' && data && (
          <>
            <p class="rule-count">{data.count === 1 ? '1 user matches' : `${data.count} users match`}</p>
            {data.users.length > 0 && (
              <ul class="rule-users" aria-label="First matching users">
                {data.users.slice(0, PREVIEW_USERS).map((user) => <li key={user.id}>{user.full_name} <span class="admin-handle">@{user.handle}</span></li>)}
              </ul>
            )}
            {data.count > Math.min(data.users.length, PREVIEW_USERS) && (
              <p class="hint">and {data.count - Math.min(data.users.length, PREVIEW_USERS)} more</p>
            )}
          </>
        )}
      </div>
    </div>
  );
}
