// Small pieces shared by the admin pages: the page shown when the server refuses (403), and
// errors shown next to the control that caused them.
import { ApiError } from '../../../sdk/js/src/index.ts';
import { errorText } from '../util.ts';

export function isForbidden(error: unknown): boolean {
  return error instanceof ApiError && error.status === 403;
}

// Shown when the server refuses a change with 403. The shell shows the admin pages only to
// users it knows as admins; this is for one demoted while logged in (the page still holds
// their old `me`).
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
