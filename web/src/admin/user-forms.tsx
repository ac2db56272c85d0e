// The forms of the users page: create a user, and edit a user's names and attributes.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { MissiveClient, Permission, User } from '../../../sdk/js/src/index.ts';
import { AttributeRows, attributePatch, attributesFromRows, rowsFromAttributes, type AttrRow } from './attributes.tsx';
import { ErrorNote } from './common.tsx';
import { PermissionChecks } from './permissions.tsx';
import { useSubmit } from '../hooks.ts';

export function CreateUserForm({ client, onCreated }: { client: MissiveClient; onCreated: (user: User) => void }) {
  const [handle, setHandle] = useState('');
  const [first, setFirst] = useState('');
  const [last, setLast] = useState('');
  const [password, setPassword] = useState('');
  const [isAdmin, setIsAdmin] = useState(false);
  const [permissions, setPermissions] = useState<Permission[]>([]);
  const [rows, setRows] = useState<AttrRow[]>([]);
  const { busy, error, submit } = useSubmit(async () => {
    const parsed = attributesFromRows(rows);
    if ('error' in parsed) throw new Error(parsed.error);
    const user = await client.createUser({
      handle: handle.trim(), first_name: first.trim(), last_name: last.trim(), password,
      attributes: parsed.attributes, is_admin: isAdmin, permissions,
    });
    setHandle(''); setFirst(''); setLast(''); setPassword(''); setIsAdmin(false); setPermissions([]); setRows([]);
    onCreated(user);
  });

  return (
    <form class="admin-form card" onSubmit={submit} aria-labelledby="create-user-title">
      <h2 id="create-user-title">Create a user</h2>
      <div class="admin-fields">
        <label for="new-user-handle">Handle</label>
        <input id="new-user-handle" required value={handle} autocomplete="off" spellcheck={false}
          pattern="[a-z0-9_.\-]{1,64}" title="1 to 64 of a-z, 0-9, _ . -"
          onInput={(e) => setHandle(e.currentTarget.value)} />
        <label for="new-user-first">First name</label>
        <input id="new-user-first" required value={first} onInput={(e) => setFirst(e.currentTarget.value)} />
        <label for="new-user-last">Last name</label>
        <input id="new-user-last" required value={last} onInput={(e) => setLast(e.currentTarget.value)} />
        <label for="new-user-password">Password (8+ characters)</label>
        <input id="new-user-password" type="password" required minLength={8} value={password}
          autocomplete="new-password" onInput={(e) => setPassword(e.currentTarget.value)} />
      </div>
      <div class="admin-check">
        <input id="new-user-admin" type="checkbox" checked={isAdmin} onChange={(e) => setIsAdmin(e.currentTarget.checked)} />
        <label for="new-user-admin">Administrator</label>
      </div>
      <PermissionChecks value={permissions} onChange={setPermissions} idPrefix="new-user-permission" />
      <AttributeRows rows={rows} onChange={setRows} idPrefix="new-user-attr" />
      <ErrorNote error={error} />
      <button type="submit" class="primary" disabled={busy}>Create user</button>
    </form>
  );
}

export function EditUserForm({ client, user, onSaved, onCancel }:
    { client: MissiveClient; user: User; onSaved: (user: User) => void; onCancel: () => void }) {
  const [first, setFirst] = useState(user.first_name);
  const [last, setLast] = useState(user.last_name);
  const [rows, setRows] = useState<AttrRow[]>(() => rowsFromAttributes(user.attributes));
  const [permissions, setPermissions] = useState<Permission[]>(user.permissions ?? []);
  const { busy, error, submit } = useSubmit(async () => {
    const parsed = attributesFromRows(rows);
    if ('error' in parsed) throw new Error(parsed.error);
    const saved = await client.updateUser(user.id, {
      first_name: first.trim(), last_name: last.trim(),
      attributes: attributePatch(user.attributes ?? {}, parsed.attributes),
      permissions,
    });
    onSaved(saved);
  });

  const prefix = `edit-user-${user.id}`;
  // The form opens below the table: take the focus there, for keyboard and screen reader users.
  const firstField = useRef<HTMLInputElement>(null);
  useEffect(() => { firstField.current?.focus(); }, []);
  return (
    <form class="admin-form admin-edit card" onSubmit={submit} aria-labelledby={`${prefix}-title`}>
      <h2 id={`${prefix}-title`}>Edit {user.handle}</h2>
      <div class="admin-fields">
        <label for={`${prefix}-first`}>First name</label>
        <input id={`${prefix}-first`} ref={firstField} required value={first} onInput={(e) => setFirst(e.currentTarget.value)} />
        <label for={`${prefix}-last`}>Last name</label>
        <input id={`${prefix}-last`} required value={last} onInput={(e) => setLast(e.currentTarget.value)} />
      </div>
      <PermissionChecks value={permissions} onChange={setPermissions} idPrefix={`${prefix}-permission`} />
      <AttributeRows rows={rows} onChange={setRows} idPrefix={`${prefix}-attr`} />
      <ErrorNote error={error} />
      <div class="admin-actions">
        <button type="submit" class="primary" disabled={busy}>Save</button>
        <button type="button" class="admin-secondary" onClick={onCancel}>Cancel</button>
      </div>
    </form>
  );
}
