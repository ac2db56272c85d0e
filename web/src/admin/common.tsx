// Small pieces shared by the admin pages: error display (with the "admins only" case the
// server answers with 403), dates, and a debounce for the type-ahead and rule preview.
import { useEffect, useRef } from 'preact/hooks';

interface ErrorLike {
  status?: number;
  message?: string;
}

export function isForbidden(error: unknown): boolean {
  return typeof error === 'object' && error !== null && (error as ErrorLike).status === 403;
}

export function errorText(error: unknown): string {
  if (typeof error === 'object' && error !== null && typeof (error as ErrorLike).message === 'string') {
    return (error as ErrorLike).message as string;
  }
  return String(error);
}

// Shown instead of a page when the server says the caller is not an admin: the shell hides the
// links, but a bookmarked #/admin/... still lands here.
export function AdminOnly() {
  return (
    <section class="admin-only" aria-labelledby="admin-only-title">
      <h1 id="admin-only-title">Admins only</h1>
      <p>This page is for administrators. Ask an admin if you need access.</p>
    </section>
  );
}

// An error next to the control that caused it; role="alert" so screen readers announce it.
export function ErrorNote({ error }: { error: unknown }) {
  if (error === null || error === undefined) return null;
  return <p class="error" role="alert">{errorText(error)}</p>;
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

export function formatDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateFormat.format(date);
}

// Calls `fn` once `value` has stopped changing for `ms`: the preview and the autocomplete ask
// the server once per pause in typing, not once per key.
export function useDebounced<T>(value: T, ms: number, fn: (value: T) => void) {
  const latest = useRef(fn);
  latest.current = fn;
  useEffect(() => {
    const timer = setTimeout(() => latest.current(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
}
