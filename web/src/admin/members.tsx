// The explicit members of a group: the list with Remove buttons, and "add by handle" with
// suggestions from GET /v1/users?q= as the admin types (a native <datalist>, so the keyboard
// and screen readers get the browser's own combobox).
import { useState } from 'preact/hooks';
import { ApiError } from '../../../sdk/js/src/index.ts';
import type { Group, MissiveClient, User } from '../../../sdk/js/src/index.ts';
import { useDebounced, useLatest } from '../hooks.ts';
import { errorText, normaliseHandle } from '../util.ts';
import { ErrorNote } from './common.tsx';

// The active user with this handle, or an error that says there is none.
async function activeUser(client: MissiveClient, handle: string): Promise<User> {
  const user = await client.getUserByHandle(handle).catch((e) => {
    if (e instanceof ApiError && e.status === 404) return null;
    throw e;
  });
  if (!user || !user.is_active) throw new Error(`No active user has the handle "${handle}".`);
  return user;
}

export function MembersEditor({ client, group, onChanged }:
    { client: MissiveClient; group: Group; onChanged: () => void }) {
  const members = useLatest(() => client.groupMembers(group.id), [client, group.id]);
  const [handle, setHandle] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');

  // Suggestions are a convenience: a failed lookup shows none, Add reports real errors.
  const typed = useDebounced(handle.trim(), 200);
  const suggestions = useLatest(
    () => (typed === '' ? Promise.resolve([]) : client.listUsers({ q: typed, limit: 8 }).then((page) => page.users, () => [])),
    [client, typed]).data ?? [];

  const add = async (event: Event) => {
    event.preventDefault();
    const wanted = normaliseHandle(handle);
    if (wanted === '') return;
    setError(null);
    try {
      const user = await activeUser(client, wanted);
      await client.addMember(group.id, user.id);
      setHandle('');
      setStatus(`Added ${user.handle} to ${group.name}.`);
      members.reload();
      onChanged();
    } catch (e) {
      setError(e);
    }
  };

  const remove = async (user: User) => {
    setError(null);
    try {
      await client.removeMember(group.id, user.id);
      setStatus(`Removed ${user.handle} from ${group.name}.`);
      members.reload();
      onChanged();
    } catch (e) {
      setError(new Error(`Could not remove ${user.handle}: ${errorText(e)}`));
    }
  };

  const list = members.data?.members ?? [];
  const listId = `group-${group.id}-handles`;
  return (
    <div class="members-editor">
      <h3>Members ({list.length})</h3>
      <p class="admin-status" role="status" aria-live="polite">{status}</p>
      <form class="admin-inline-form" onSubmit={add}>
        <label for={`group-${group.id}-add`}>Add a member by handle</label>
        <input id={`group-${group.id}-add`} list={listId} value={handle} autocomplete="off" spellcheck={false}
          onInput={(e) => setHandle(e.currentTarget.value)} />
        <datalist id={listId}>
          {suggestions.map((user) => <option key={user.id} value={user.handle}>{user.full_name}</option>)}
        </datalist>
        <button type="submit" class="primary">Add</button>
      </form>
      <ErrorNote error={error ?? members.error} />
      {list.length === 0 ? <p class="hint">No members yet.</p> : (
        <ul class="members-list">
          {list.map((user) => (
            <li key={user.id}>
              <span>{user.full_name} <span class="admin-handle">@{user.handle}</span></span>
              <button type="button" class="admin-secondary" aria-label={`Remove ${user.handle}`} onClick={() => remove(user)}>
                Remove
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
