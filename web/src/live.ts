// One sync Device per tab, fanned out to the pages. Pages subscribe to entries and refresh what
// an entry affects; they also hear about resets (the timeline could not be continued: reload
// everything) and the connection state shown in the navigation bar.
import { ApiError, Device, MissiveClient } from '../../sdk/js/src/index.ts';
import type { DeviceState, ExpiryEntry, StatusEntry, SyncEntry } from '../../sdk/js/src/index.ts';

export interface Live {
  subscribe(fn: (entry: SyncEntry) => void): () => void;
  onReset(fn: () => void): () => void;
  onState(fn: (state: DeviceState) => void): () => void;
  // The session ended (logged out elsewhere, expired, account deactivated): show the login form.
  onSignedOut(fn: () => void): () => void;
  readonly state: DeviceState;
  stop(): void;
}

// The cursor is kept per user in localStorage, so a new tab continues where the last one was
// (entries pulled then become delivered) instead of replaying a long timeline from 0.
function cursorKey(userId: number): string {
  return `missive.cursor.${userId}`;
}

function savedCursor(userId: number): number | undefined {
  try {
    const text = localStorage.getItem(cursorKey(userId));
    const n = text === null ? NaN : Number(text);
    return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

export async function startLive(client: MissiveClient, userId: number): Promise<Live> {
  const entryFns = new Set<(entry: SyncEntry) => void>();
  const resetFns = new Set<() => void>();
  const stateFns = new Set<(state: DeviceState) => void>();
  const signedOutFns = new Set<() => void>();
  let state: DeviceState = 'connecting';
  // Without a saved cursor, start at the newest entry (one request) rather than replay the
  // whole timeline.
  const cursor = savedCursor(userId) ?? (await client.newestSeq().catch(() => 0));
  const remember = () => {
    try { localStorage.setItem(cursorKey(userId), String(device.cursor)); } catch { /* private mode */ }
  };
  const device = new Device(client, {
    cursor,
    onEntry(entry: SyncEntry) {
      for (const fn of entryFns) {
        try { fn(entry); } catch (err) { console.error('live subscriber failed', err); }
      }
      remember();
    },
    onReset() {
      for (const fn of resetFns) fn();
      remember();
    },
    onState(s: DeviceState) {
      state = s;
      for (const fn of stateFns) fn(s);
    },
    onError(err: unknown) {
      if (err instanceof ApiError && err.status === 401) for (const fn of signedOutFns) fn();
      else console.warn('missive live:', err);
    },
  });
  // start() rejects when the session has ended (1008) before the device was ever live; onError
  // has already told the shell, so there is nothing more to do with it.
  device.start().catch(() => {});
  const add = <T>(set: Set<T>, fn: T) => { set.add(fn); return () => { set.delete(fn); }; };
  return {
    subscribe: (fn) => add(entryFns, fn),
    onReset: (fn) => add(resetFns, fn),
    onState: (fn) => add(stateFns, fn),
    onSignedOut: (fn) => add(signedOutFns, fn),
    get state() { return state; },
    stop() { device.stop(); entryFns.clear(); resetFns.clear(); stateFns.clear(); signedOutFns.clear(); },
  };
}

// An entry that changes what the sender's pages show about one of their messages: a recipient
// received or read it (`status`), or it was withdrawn or expired (`expiry`). With `messageId`,
// only entries about that message.
export function changesSent(entry: SyncEntry, messageId?: number): entry is StatusEntry | ExpiryEntry {
  return (entry.kind === 'status' || entry.kind === 'expiry') && (messageId === undefined || entry.message_id === messageId);
}
