// #/admin/users: the users, a page at a time (the server's `after` cursor), with create, edit
// (names and attributes) and deactivate/activate.
import { useEffect, useState } from 'preact/hooks';
import type { PageProps, User } from './props.ts';
import { AdminOnly, ErrorNote, formatDate, isForbidden, useDebounced } from './common.tsx';
import { CreateUserForm, EditUserForm } from './user-forms.tsx';

const PAGE_SIZE = 25;

function attributeText(attributes: User['attributes']): string {
  const entries = Object.entries(attributes ?? {});
  return entries.length === 0 ? '—' : entries.map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ');
}

export function AdminUsers({ client, me }: PageProps) {
  // cursors[i] is the `after` of page i (undefined for the first); "Previous" pops one.
  const [cursors, setCursors] = useState<(number | undefined)[]>([undefined]);
  const [users, setUsers] = useState<User[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [includeInactive, setIncludeInactive] = useState(true);
  const [query, setQuery] = useState('');
  const [appliedQuery, setAppliedQuery] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [editing, setEditing] = useState<number | null>(null);
  const [status, setStatus] = useState('');
  const [reload, setReload] = useState(0);

  useDebounced(query, 250, (value) => {
    if (value.trim() !== appliedQuery) { setAppliedQuery(value.trim()); setCursors([undefined]); }
  });

  const after = cursors[cursors.length - 1];
  useEffect(() => {
    let current = true;
    setLoading(true);
    client.listUsers({ after, limit: PAGE_SIZE, include_inactive: includeInactive, q: appliedQuery || undefined })
      .then((page) => { if (current) { setUsers(page.users); setNext(page.next); setError(null); } })
      .catch((e) => { if (current) setError(e); })
      .finally(() => { if (current) setLoading(false); });
    return () => { current = false; };
  }, [client, after, includeInactive, appliedQuery, reload]);

  // Anyone may list users, so the 403 that says "not an admin" comes from a change.
  if (!me.is_admin || isForbidden(error)) return <AdminOnly />;

  const replace = (user: User) => setUsers((list) => list.map((u) => (u.id === user.id ? user : u)));
  const toggleActive = async (user: User) => {
    setError(null);
    try {
      const updated = user.is_active ? await client.deactivateUser(user.id) : await client.activateUser(user.id);
      replace(updated);
      setStatus(`${updated.handle} is now ${updated.is_active ? 'active' : 'deactivated'}.`);
    } catch (e) {
      setError(e);
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
            onChange={(e) => { setIncludeInactive(e.currentTarget.checked); setCursors([undefined]); }} />
          <label for="users-inactive">Show deactivated users</label>
        </div>
      </div>
      <ErrorNote error={error} />
      <div class="admin-table-wrap" role="region" aria-label="Users" tabIndex={0}>
        <table class="admin-table" aria-busy={loading}>
          <caption class="sr-only">Users, page {cursors.length}</caption>
          <thead>
            <tr><th scope="col">Handle</th><th scope="col">Name</th><th scope="col">Attributes</th>
              <th scope="col">Role</th><th scope="col">Status</th><th scope="col">Created</th><th scope="col">Actions</th></tr>
          </thead>
          <tbody>
            {users.map((user) => (
              <tr key={user.id} class={user.is_active ? '' : 'admin-inactive'} data-handle={user.handle}>
                <th scope="row">{user.handle}</th>
                <td>{user.full_name}</td>
                <td class="admin-attrs">{attributeText(user.attributes)}</td>
                <td>{user.is_admin ? 'admin' : 'user'}</td>
                <td>{user.is_active ? 'active' : 'deactivated'}</td>
                <td>{formatDate(user.created_at)}</td>
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
            {!loading && users.length === 0 && <tr><td colSpan={7}>No users.</td></tr>}
          </tbody>
        </table>
      </div>
      <nav class="admin-pager" aria-label="Users pages">
        <button type="button" class="admin-secondary" disabled={cursors.length === 1}
          onClick={() => setCursors((c) => c.slice(0, -1))}>Previous page</button>
        <span>Page {cursors.length}</span>
        <button type="button" class="admin-secondary" disabled={next === null}
          onClick={() => next !== null && setCursors((c) => [...c, next])}>Next page</button>
      </nav>
      {editing !== null && users.some((u) => u.id === editing) && (
        <EditUserForm key={editing} client={client} user={users.find((u) => u.id === editing) as User}
          onSaved={(user) => { replace(user); setEditing(null); setStatus(`Saved ${user.handle}.`); }}
          onCancel={() => setEditing(null)} />
      )}
      <CreateUserForm client={client} onCreated={(user) => { setStatus(`Created ${user.handle}.`); setReload((n) => n + 1); }} />
    </section>
  );
}
