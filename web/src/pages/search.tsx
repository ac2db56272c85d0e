// Search: the query language of docs/api.md with its filters. The form writes the query into
// the address (#/search?q=...&sender=ada...), so a search can be bookmarked and the back button
// works; the results page reads it back. Matches in snippets are highlighted (highlight.tsx);
// further pages come with the opaque cursor.
import { useEffect, useState } from 'preact/hooks';
import type { Group, SearchResult } from '../../../sdk/js/src/index.ts';
import type { PageProps } from '../session.ts';
import { highlight } from '../highlight.tsx';
import { hrefWith, navigate } from '../router.ts';
import { useTitle } from '../hooks.ts';
import { allGroups, errorText, normaliseHandle, useUserName, when } from '../util.ts';

const FIELDS = ['q', 'sender', 'group', 'from', 'to', 'unread', 'thread', 'has_reminder', 'has_attachment', 'sort'] as const;
type Form = Record<(typeof FIELDS)[number], string>;

function formOf(params: URLSearchParams): Form {
  const f = {} as Form;
  for (const k of FIELDS) f[k] = params.get(k) ?? '';
  return f;
}

function Hit({ hit, client, meId }: { hit: SearchResult; client: PageProps['client']; meId: number }) {
  const m = hit.message;
  const sender = useUserName(client, m.creator_id === meId ? null : m.creator_id);
  return (
    <li data-result={m.id}>
      <a class="row-link" href={`#/m/${m.id}`}>
        <span class="row-title">{m.subject}</span>
        <span class="row-meta"><time dateTime={m.create_date}>{when(m.create_date)}</time></span>
        <span class="row-sub">{m.creator_id === meId ? `You → ${m.sent_to}` : sender}
          {m.attachments?.length ? ` · ${m.attachments.length} ${m.attachments.length === 1 ? 'attachment' : 'attachments'}` : ''}
          {hit.thread.parent_id && hit.thread.root_subject ? ` · in “${hit.thread.root_subject}”` : ''}</span>
      </a>
      <p class="snippet">{highlight(hit.snippet)}</p>
    </li>
  );
}

export function Search({ client, me, params }: PageProps & { params: URLSearchParams }) {
  const initial = formOf(params);
  useTitle(initial.q ? `Search: ${initial.q}` : 'Search');
  const [form, setForm] = useState<Form>(initial);
  const [groups, setGroups] = useState<Group[]>([]);
  const [results, setResults] = useState<SearchResult[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const set = (k: keyof Form, v: string) => setForm((f) => ({ ...f, [k]: v }));

  useEffect(() => { allGroups(client).then(setGroups); }, [client]);

  // The API takes a sender's id; the form takes a handle, looked up here.
  const query = async (cursor?: string) => {
    const f = initial;
    let sender: number | undefined;
    const handle = normaliseHandle(f.sender);
    if (handle) sender = (await client.getUserByHandle(handle)).id;
    return client.search({
      q: f.q,
      ...(sender ? { sender } : {}),
      ...(f.group ? { group: Number(f.group) } : {}),
      ...(f.from ? { from: f.from } : {}),
      ...(f.to ? { to: f.to } : {}),
      ...(f.unread === 'true' ? { unread: true } : {}),
      ...(f.thread ? { thread: Number(f.thread) } : {}),
      ...(f.has_reminder === 'true' ? { has_reminder: true } : {}),
      ...(f.has_attachment === 'true' ? { has_attachment: true } : {}),
      ...(f.sort ? { sort: f.sort as 'relevance' | 'date' } : {}),
      ...(cursor ? { cursor } : {}),
      limit: 20,
    });
  };

  // Runs the search of the address: from the start, or its next page (`cursor`) added below.
  const run = async (cursor?: string) => {
    setBusy(true);
    setError('');
    if (!cursor) setResults(null);
    try {
      const p = await query(cursor);
      setResults((r) => (cursor ? [...(r ?? []), ...p.results] : p.results));
      setNext(p.next);
    } catch (err) {
      setError(errorText(err));
    } finally {
      setBusy(false);
    }
  };

  useEffect(() => { if (initial.q.trim()) run(); }, []);

  const submit = (e: Event) => {
    e.preventDefault();
    const target = hrefWith('/search', form);
    // The same search again (same address) still reruns it; another one changes the address,
    // which brings a new Search page.
    if (location.hash === target) run();
    else navigate(target);
  };

  return (
    <section class="page" aria-labelledby="search-title">
      <h1 id="search-title">Search</h1>
      <form class="card" role="search" onSubmit={submit}>
        <label for="search-q">Search for</label>
        <input id="search-q" type="search" required value={form.q} aria-describedby="search-hint"
          onInput={(e) => set('q', e.currentTarget.value)} />
        <p class="hint" id="search-hint">Words, "exact phrases", deliv* for prefixes, OR, NOT, (parentheses).</p>
        <div class="filters">
          <div>
            <label for="search-sender">From (handle)</label>
            <input id="search-sender" value={form.sender} autocomplete="off" onInput={(e) => set('sender', e.currentTarget.value)} />
          </div>
          <div>
            <label for="search-group">Sent to group</label>
            <select id="search-group" value={form.group} onChange={(e) => set('group', e.currentTarget.value)}>
              <option value="">Any</option>
              {groups.map((g) => <option key={g.id} value={String(g.id)}>{g.name}</option>)}
            </select>
          </div>
          <div>
            <label for="search-sort">Order</label>
            <select id="search-sort" value={form.sort || 'relevance'} onChange={(e) => set('sort', e.currentTarget.value)}>
              <option value="relevance">Best match</option>
              <option value="date">Newest first</option>
            </select>
          </div>
          <div>
            <label for="search-from">Sent on or after</label>
            <input id="search-from" type="date" value={form.from} onInput={(e) => set('from', e.currentTarget.value)} />
          </div>
          <div>
            <label for="search-to">Sent before</label>
            <input id="search-to" type="date" value={form.to} onInput={(e) => set('to', e.currentTarget.value)} />
          </div>
          <div>
            <label for="search-thread">In the thread of message #</label>
            <input id="search-thread" type="number" min={1} value={form.thread} onInput={(e) => set('thread', e.currentTarget.value)} />
          </div>
        </div>
        <label class="inline">
          <input type="checkbox" checked={form.unread === 'true'} onChange={(e) => set('unread', e.currentTarget.checked ? 'true' : '')} />
          Unread only
        </label>
        <label class="inline">
          <input type="checkbox" checked={form.has_reminder === 'true'} onChange={(e) => set('has_reminder', e.currentTarget.checked ? 'true' : '')} />
          With reminders
        </label>
        <label class="inline">
          <input type="checkbox" checked={form.has_attachment === 'true'} onChange={(e) => set('has_attachment', e.currentTarget.checked ? 'true' : '')} />
          With attachments
        </label>
        <div class="actions"><button type="submit" class="primary">Search</button></div>
      </form>
      {error && <p class="error" role="alert">{error}</p>}
      {busy && !results && <p class="muted" role="status">Searching…</p>}
      {results && (
        <>
          <h2 id="results-title" aria-live="polite">{results.length === 0 ? 'No results' : `Results${next ? '' : ` (${results.length})`}`}</h2>
          {results.length > 0 && (
            <ol class="list" aria-labelledby="results-title">
              {results.map((r) => <Hit key={r.message.id} hit={r} client={client} meId={me.id} />)}
            </ol>
          )}
          {next && <div class="actions"><button type="button" onClick={() => run(next)} disabled={busy}>More results</button></div>}
        </>
      )}
    </section>
  );
}
