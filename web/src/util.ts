// Small shared helpers: names of users and groups (cached per tab, looked up once each),
// dates, error text, and the 'unread' notion used by several pages.
import { useEffect, useState } from 'preact/hooks';
import { ApiError } from '../../sdk/js/src/index.ts';
import type { Group, Message, MissiveClient, User } from '../../sdk/js/src/index.ts';

const users = new Map<number, Promise<User | null>>();
let groups: Promise<Group[]> | null = null;

export function userById(client: MissiveClient, id: number): Promise<User | null> {
  let p = users.get(id);
  if (!p) {
    p = client.getUser(id).catch(() => null);
    users.set(id, p);
  }
  return p;
}

export function rememberUser(user: User): void {
  users.set(user.id, Promise.resolve(user));
}

// The groups the caller can see; refreshed on demand (compose, search filters).
export function allGroups(client: MissiveClient, fresh = false): Promise<Group[]> {
  if (!groups || fresh) {
    groups = client.listGroups().then((b) => b.groups, () => { groups = null; return []; });
  }
  return groups;
}

// A user's display name, filled in once known: "Ada Lovelace" (or "user 12" until then).
export function useUserName(client: MissiveClient, id: number | null | undefined): string {
  const [name, setName] = useState('');
  useEffect(() => {
    if (!id) return;
    let alive = true;
    userById(client, id).then((u) => { if (alive) setName(u ? u.full_name || u.handle : `user ${id}`); });
    return () => { alive = false; };
  }, [client, id]);
  return name || (id ? '…' : '');
}

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'short' });
const utcDay = new Intl.DateTimeFormat(undefined, { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const utcTime = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit', timeZone: 'UTC', hour12: false });

// Today's messages show the time only; older ones the date and time.
export function when(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const now = new Date();
  return d.toDateString() === now.toDateString() ? timeOnly.format(d) : dateTime.format(d);
}

// Reminder dates are UTC calendar days at the server's send time: show them in UTC.
export function utcWhen(iso: string): string {
  const d = new Date(iso);
  return `${utcDay.format(d)}, ${utcTime.format(d)} UTC`;
}

export function errorText(err: unknown): string {
  if (err instanceof ApiError) return err.message;
  if (err instanceof Error) return `The server could not be reached (${err.message}).`;
  return String(err);
}

export function isOwn(message: Message, me: User): boolean {
  return message.creator_id === me.id;
}

// A random idempotency key, so a send retried after a network error is not sent twice.
export function newClientMsgId(): string {
  const bytes = new Uint8Array(12);
  crypto.getRandomValues(bytes);
  return `web-${Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

// Sets the document title alongside a page's heading.
export function useTitle(title: string): void {
  useEffect(() => { document.title = `${title} — Missive`; }, [title]);
}
