// Re-fetching when reads arrive: the sender's timeline gets a `status` entry each time a
// recipient reads (or receives) one of their messages. A message to many people can bring
// hundreds of entries a second, so refreshes are throttled: at once for the first entry, then
// at most one per interval, always with a last one after the burst so the page ends current.
import { useEffect, useRef } from 'preact/hooks';
import type { Live, SyncEntry } from './props.ts';

export function useLiveRefresh(live: Live, wanted: (entry: SyncEntry) => boolean, refresh: () => void, intervalMs = 1000) {
  const latest = useRef({ wanted, refresh });
  latest.current = { wanted, refresh };
  useEffect(() => {
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fire = () => { timer = undefined; last = Date.now(); latest.current.refresh(); };
    const unsubscribe = live.subscribe((entry) => {
      if (!latest.current.wanted(entry) || timer !== undefined) return;
      const wait = last + intervalMs - Date.now();
      if (wait <= 0) fire();
      else timer = setTimeout(fire, wait);
    });
    return () => { unsubscribe(); if (timer !== undefined) clearTimeout(timer); };
  }, [live, intervalMs]);
}

// A read of one of the caller's messages (delivered-only entries change the delivered count,
// which the pages show too, so both count).
export function isStatusOf(entry: SyncEntry, messageId?: number): boolean {
  return entry.kind === 'status' && (messageId === undefined || entry.message_id === messageId);
}
