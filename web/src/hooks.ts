// Hooks shared by the pages: the document title, a debounced value, loading where only the
// newest answer counts, paging by a server cursor, and refreshing on live entries.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { Inputs } from 'preact/hooks';
import type { SyncEntry } from '../../sdk/js/src/index.ts';
import type { Live } from './live.ts';
import { coalesce } from './util.ts';

// The document title follows the page's heading ("Inbox — Missive"), for tabs, history and
// screen readers.
export function useTitle(title: string): void {
  useEffect(() => { document.title = `${title} — Missive`; }, [title]);
}

// `value` once it has stopped changing for `ms`: previews and suggestions ask the server once
// per pause in typing, not once per key. Compare by value: pass strings, not fresh objects.
export function useDebounced<T>(value: T, ms: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export interface Latest<T> {
  /** The newest answer; kept while a reload runs, so the page does not blank. */
  data: T | undefined;
  /** Why the newest call failed, or null. */
  error: unknown;
  loading: boolean;
  reload: () => Promise<void>;
}

// Calls `load` now, whenever `deps` change and on reload(), and keeps only the newest call's
// answer: an older request answering late (a superseded keystroke, a live refresh overtaken by
// another, a page already left) is dropped.
export function useLatest<T>(load: () => Promise<T>, deps: Inputs): Latest<T> {
  const [state, setState] = useState<Omit<Latest<T>, 'reload'>>({ data: undefined, error: null, loading: true });
  const newest = useRef(0);
  const loadNow = useRef(load);
  loadNow.current = load;
  const reload = useCallback(async () => {
    const mine = ++newest.current;
    setState((s) => (s.loading ? s : { ...s, loading: true }));
    try {
      const data = await loadNow.current();
      if (mine === newest.current) setState({ data, error: null, loading: false });
    } catch (error) {
      if (mine === newest.current) setState((s) => ({ ...s, error, loading: false }));
    }
  }, []);
  useEffect(() => {
    reload();
    return () => { newest.current++; };  // left or superseded: ignore what is still running
  }, deps);
  return { ...state, reload };
}

// Previous/next paging by the server's cursor. `cursor` is the current page's (undefined: the
// first page); next(c) goes on with a page's `next`. A new `resetKey` (another filter) starts
// again at page 1.
export function useCursorPager<C>(resetKey = '') {
  const [stack, setStack] = useState<{ key: string; cursors: (C | undefined)[] }>({ key: resetKey, cursors: [undefined] });
  const cursors = stack.key === resetKey ? stack.cursors : [undefined];
  return {
    cursor: cursors[cursors.length - 1],
    page: cursors.length,
    previous: () => setStack({ key: resetKey, cursors: cursors.slice(0, -1) }),
    next: (cursor: C) => setStack({ key: resetKey, cursors: [...cursors, cursor] }),
  };
}

// Calls `refresh` when a live entry `wanted` arrives: at once for the first, then at most once
// per `gapMs` after the previous refresh ended (a message to many people brings hundreds of
// status entries a second), and always once more after a burst, so the page ends current.
export function useLiveRefresh(live: Live, wanted: (entry: SyncEntry) => boolean,
    refresh: () => Promise<unknown>, gapMs = 1000): void {
  const latest = useRef({ wanted, refresh });
  latest.current = { wanted, refresh };
  useEffect(() => {
    let alive = true;
    const run = coalesce(() => (alive ? latest.current.refresh() : Promise.resolve()), gapMs);
    const off = live.subscribe((entry) => { if (latest.current.wanted(entry)) run(); });
    return () => { alive = false; off(); };
  }, [live, gapMs]);
}

// A form's submit handler: stops the page load, runs `action` (one at a time) and keeps what
// it threw for the form to show (<ErrorNote error={error} />); `busy` disables the button.
export function useSubmit(action: () => Promise<void>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const submit = async (event: Event) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      await action();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, submit };
}
