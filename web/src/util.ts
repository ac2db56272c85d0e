// Small shared helpers: names of users and groups (cached per tab, looked up once each), dates,
// error text, how a recipient was reached, handles as typed, and coalescing refreshes.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../sdk/js/src/index.ts';
import type { Group, MissiveClient, User } from '../../sdk/js/src/index.ts';

// A per-tab cache of what `fetch` finds by id, each looked up once; one that cannot be fetched
// (a withdrawn message, a user the caller may not see) is remembered as null.
export function cacheById<T extends { id: number }>(fetch: (client: MissiveClient, id: number) => Promise<T>) {
  const cache = new Map<number, Promise<T | null>>();
  return {
    get(client: MissiveClient, id: number): Promise<T | null> {
      let p = cache.get(id);
      if (!p) {
        p = fetch(client, id).catch(() => null);
        cache.set(id, p);
      }
      return p;
    },
    remember(value: T): void {
      cache.set(value.id, Promise.resolve(value));
    },
  };
}

const users = cacheById<User>((client, id) => client.getUser(id));
export const rememberUser = users.remember;
let groups: Promise<Group[]> | null = null;

// The groups the caller can see; refreshed on demand (compose, search filters).
export function allGroups(client: MissiveClient, fresh = false): Promise<Group[]> {
  if (!groups || fresh) {
    groups = client.listGroups().then((b) => b.groups, () => { groups = null; return []; });
  }
  return groups;
}

// A user's display name: "…" while it is looked up, then "Ada Lovelace" (or "user 12" if the
// lookup fails).
export function useUserName(client: MissiveClient, id: number | null | undefined): string {
  const [name, setName] = useState('');
  useEffect(() => {
    if (!id) return;
    let alive = true;
    users.get(client, id).then((u) => { if (alive) setName(u ? u.full_name || u.handle : `user ${id}`); });
    return () => { alive = false; };
  }, [client, id]);
  return name || (id ? '…' : '');
}

// A handle as people type it (" @ada") → the handle ("ada").
export function normaliseHandle(text: string): string {
  return text.trim().replace(/^@/, '');
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
const utcDay = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const utcTime = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', timeZone: 'UTC', hour12: false });

// The one way dates are shown: today's as the time only, older ones as date and time. `full`
// always gives both, for sentences ("sent on …") and tables where the day matters.
export function when(iso: string | null | undefined, { full = false } = {}): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return !full && d.toDateString() === new Date().toDateString() ? timeOnly.format(d) : dateTime.format(d);
}

// Reminder dates are UTC calendar days at the server's send time: show them in UTC.
export function utcWhen(iso: string): string {
  const d = new Date(iso);
  return `${utcDay.format(d)}, ${utcTime.format(d)} UTC`;
}

// The text to show for a failed call: the server's message, or what a status means on the page
// where one is given (`byStatus`: {403: 'Only the sender…'}).
export function errorText(err: unknown, byStatus: Record<number, string> = {}): string {
  if (err instanceof ApiError) return byStatus[err.status] ?? err.message;
  // fetch rejects with a TypeError ("Failed to fetch") when the server cannot be reached.
  if (err instanceof TypeError) return 'The server could not be reached.';
  if (err instanceof Error) return err.message;
  return String(err);
}

// How a recipient was reached: the group's name, or "Direct" when named one by one (the
// server sends group_id null and group_name "" for those).
export function groupLabel(row: { group_id: number | null; group_name: string }): string {
  return row.group_id === null ? 'Direct' : row.group_name;
}

// A random idempotency key, so a send retried after a network error is not sent twice.
export function newClientMsgId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

// Wraps an async `task` so it never runs twice at once: calls while it runs, or within `gapMs`
// after it ended, become one more run afterwards. A burst of live entries thus costs a request
// or two, answers cannot arrive out of order, and the last run starts after the last call, so
// what is shown ends current.
export function coalesce(task: () => Promise<unknown>, gapMs = 0): () => void {
  let busy = false;
  let again = false;
  const run = () => {
    if (busy) { again = true; return; }
    busy = true;
    const done = () => setTimeout(() => {
      busy = false;
      if (again) { again = false; run(); }
    }, gapMs);
    task().then(done, done);
  };
  return run;
}
