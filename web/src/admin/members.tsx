// The explicit members of a group: the list with Remove buttons, and "add by handle" with
// suggestions from GET /v1/users?q= as the admin types (a native <datalist>, so the keyboard
// and screen readers get the browser's own combobox).
import { useEffect, useState } from 'preact/hooks';
import type { MissiveClient, User } from './props.ts';
import { ErrorNote, errorText, useDebounced } from './common.tsx';

interface Group { id: number; name: string }

export function MembersEditor({ client, group, onChanged }:
    { client: MissiveClient; group: Group; onChanged: () => void }) {
  const [members, setMembers] = useState<User[]>([]);
  const [handle, setHandle] = useState('');
  const [suggestions, setSuggestions] = useState<User[]>([]);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const [reload, setReload] = useState(0);

  useEffect(() => {
    let current = true;
    client.groupMembers(group.id)
      .then((result) => { if (current) setMembers(result.members); })
      .catch((e) => { if (current) setError(e); });
    return () => { current = false; };
  }, [client, group.id, reload]);

  useDebounced(handle, 200, (text) => {
    const q = text.trim();
    if (q === '') { setSuggestions([]); return; }
    client.listUsers({ q, limit: 8 })
      .then((page) => setSuggestions(page.users))
      .catch(() => setSuggestions([]));  // suggestions are a convenience; Add reports real errors
  });

  const add = async (event: Event) => {
    event.preventDefault();
    const wanted = handle.trim().replace(/^@/, '');
    if (wanted === '') return;
    setError(null);
    try {
      let user = suggestions.find((u) => u.handle === wanted);
      if (!user) user = (await client.listUsers({ q: wanted, limit: 20 })).users.find((u) => u.handle === wanted);
      if (!user) throw new Error(`No active user has the handle "${wanted}".`);
      await client.addMember(group.id, user.id);
      setHandle('');
      setSuggestions([]);
      setStatus(`Added ${user.handle} to ${group.name}.`);
      setReload((n) => n + 1);
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
      setReload((n) => n + 1);
      onChanged();
    } catch (e) {
      setError(new Error(`Could not remove ${user.handle}: ${errorText(e)}`));
    }
  };

  const listId = `group-${group.id}-handles`;
  return (
    <div class="members-editor">
      <h3>Members ({members.length})</h3>
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
      <ErrorNote error={error} />
      {members.length === 0 ? <p class="hint">No members yet.</p> : (
        <ul class="members-list">
          {members.map((user) => (
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
