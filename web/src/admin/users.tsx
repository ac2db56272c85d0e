// #/admin/users: the users, a page at a time (the server's `after` cursor), with create, edit
// (names, attributes and permissions) and deactivate/activate.
import { useState } from 'preact/hooks';
import type { User } from '../../../sdk/js/src/index.ts';
import type { PageProps } from '../session.ts';
import { useCursorPager, useDebounced, useLatest, useTitle } from '../hooks.ts';
import { when } from '../util.ts';
import { AdminOnly, ErrorNote, isForbidden } from './common.tsx';
import { CreateUserForm, EditUserForm } from './user-forms.tsx';

const PAGE_SIZE = 25;

function attributeText(attributes: User['attributes']): string {
  const entries = Object.entries(attributes ?? {});
  return entries.length === 0 ? '—' : entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
}

export function AdminUsers({ client }: PageProps) {
  useTitle('Users');
  const [includeInactive, setIncludeInactive] = useState(true);
  const [query, setQuery] = useState('');
  const q = useDebounced(query.trim(), 250);
  // Another filter starts again at page 1.
  const pager = useCursorPager<number>(`${q}|${includeInactive}`);
  const list = useLatest(() => client.listUsers({ after: pager.cursor, limit: PAGE_SIZE, include_inactive: includeInactive, q: q || undefined }),
    [client, pager.cursor, includeInactive, q]);
  const [changeError, setChangeError] = useState<unknown>(null);
  const [editing, setEditing] = useState<number | null>(null);
  const [status, setStatus] = useState('');
  const users = list.data?.users ?? [];
  const next = list.data?.next ?? null;
  const error = changeError ?? list.error;

  // Anyone may list users, so the 403 that says "not an admin" comes from a change.
  if (isForbidden(error)) return <AdminOnly />;

  const toggleActive = async (user: User) => {
    setChangeError(null);
    try {
      const updated = user.is_active ? await client.deactivateUser(user.id) : await client.activateUser(user.id);
      setStatus(`${updated.handle} is now ${updated.is_active ? 'active' : 'deactivated'}.`);
      await list.reload();
    } catch (e) {
      setChangeError(e);
    }
  };

  return (
    <section class="admin-page" aria-labelledby="admin-users-title">
      <h1 id="admin-users-title">Users</h1>
      <p class="admin-status" role="status" aria-live="polite">{status}</p>
      <div class="admin-toolbar">
        <label for="users-filter">Filter by handle or name</label>
        <input id="users-filter" type="search" value={query} onInput={(e) => setQuery(e.currentTarget.value)} />
        <div class="admin-check">
          <input id="users-inactive" type="checkbox" checked={includeInactive}
            onChange={(e) => setIncludeInactive(e.currentTarget.checked)} />
          <label for="users-inactive">Show deactivated users</label>
        </div>
      </div>
      <ErrorNote error={error} />
      <div class="admin-table-wrap" role="region" aria-label="Users" tabIndex={0}>
        <table class="admin-table" aria-busy={list.loading}>
          <caption class="sr-only">Users, page {pager.page}</caption>
          <thead>
            <tr><th scope="col">Handle</th><th scope="col">Name</th><th scope="col">Attributes</th>
              <th scope="col">Role</th><th scope="col">Permissions</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Actions</th></tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.id} class={user.is_active ? '' : 'admin-inactive'} data-handle={user.handle}>
                <th scope="row">{user.handle}</th>
                <td>{user.full_name}</td>
                <td class="admin-attrs">{attributeText(user.attributes)}</td>
                <td>{user.is_admin ? 'admin' : 'user'}</td>
                <td class="admin-attrs">{user.is_admin ? 'all' : (user.permissions ?? []).join(', ') || '—'}</td>
                <td>{user.is_active ? 'active' : 'deactivated'}</td>
                <td>{when(user.created_at, { full: true })}</td>
                <td class="admin-row-actions">
                  <button type="button" class="admin-secondary" onClick={() => setEditing(user.id)}
                    aria-label={`Edit ${user.handle}`}>Edit</button>
                  <button type="button" class="admin-secondary" onClick={() => toggleActive(user)}
                    aria-label={`${user.is_active ? 'Deactivate' : 'Activate'} ${user.handle}`}>
                    {user.is_active ? 'Deactivate' : 'Activate'}
                  </button>
                </td>
              </tr>
            ))}
            {!list.loading && users.length === 0 && <tr><td colSpan={8}>No users.</td></tr>}
          </tbody>
        </table>
      </div>
      <nav class="admin-pager" aria-label="Users pages">
        <button type="button" class="admin-secondary" disabled={pager.page === 1}
          onClick={pager.previous}>Previous page</button>
        <span>Page {pager.page}</span>
        <button type="button" class="admin-secondary" disabled={next === null}
          onClick={() => next !== null && pager.next(next)}>Next page</button>
      </nav>
      {editing !== null && users.some((u) => u.id === editing) && (
        <EditUserForm key={editing} client={client} user={users.find((u) => u.id === editing) as User}
          onSaved={(user) => { setEditing(null); setStatus(`Saved ${user.handle}.`); list.reload(); }}
          onCancel={() => setEditing(null)} />
      )}
      <CreateUserForm client={client} onCreated={(user) => { setStatus(`Created ${user.handle}.`); list.reload(); }} />
    </section>
  );
}
