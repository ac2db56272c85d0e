// #/admin/groups: every group (rule or explicit members), activate/deactivate, a group's editor,
// and the create form.
import { useState } from 'preact/hooks';
import type { Group } from '../../../sdk/js/src/index.ts';
import type { PageProps } from '../session.ts';
import { useLatest, useTitle } from '../hooks.ts';
import { AdminOnly, ErrorNote, isForbidden } from './common.tsx';
import { CreateGroupForm, GroupEditor } from './group-forms.tsx';

export function AdminGroups({ client }: PageProps) {
  useTitle('Groups');
  const [includeInactive, setIncludeInactive] = useState(true);
  const list = useLatest(() => client.listGroups({ include_inactive: includeInactive }), [client, includeInactive]);
  const [selected, setSelected] = useState<number | null>(null);
  const [changeError, setChangeError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const groups = list.data?.groups ?? [];
  const error = changeError ?? list.error;

  // Anyone may list groups, so the 403 that says "not an admin" comes from a change.
  if (isForbidden(error)) return <AdminOnly />;

  const toggleActive = async (group: Group) => {
    setChangeError(null);
    try {
      const updated = (group.is_active ? await client.deactivateGroup(group.id) : await client.activateGroup(group.id));
      setStatus(`${updated.name} is now ${updated.is_active ? 'active' : 'deactivated'}.`);
      await list.reload();
    } catch (e) {
      setChangeError(e);
    }
  };

  const chosen = groups.find((g) => g.id === selected);
  return (
    <section class="admin-page" aria-labelledby="admin-groups-title">
      <h1 id="admin-groups-title">Groups</h1>
      <p class="admin-status" role="status" aria-live="polite">{status}</p>
      <div class="admin-toolbar">
        <div class="admin-check">
          <input id="groups-inactive" type="checkbox" checked={includeInactive}
            onChange={(e) => setIncludeInactive(e.currentTarget.checked)} />
          <label for="groups-inactive">Show deactivated groups</label>
        </div>
      </div>
      <ErrorNote error={error} />
      <div class="admin-table-wrap" role="region" aria-label="Groups" tabIndex={0}>
        <table class="admin-table" aria-busy={list.loading}>
          <caption class="sr-only">Groups</caption>
          <thead>
            <tr><th scope="col">Name</th><th scope="col">Members</th><th scope="col">Count</th>
              <th scope="col">Status</th><th scope="col">Actions</th></tr>
          </thead>
          <tbody>
            {groups.map((group) => (
              <tr key={group.id} class={group.is_active ? '' : 'admin-inactive'} data-group={group.name}>
                <th scope="row">{group.name}</th>
                <td>{group.rule === null ? 'chosen members' : <code class="admin-rule">{group.rule}</code>}</td>
                <td>{group.member_count}</td>
                <td>{group.is_active ? 'active' : 'deactivated'}</td>
                <td class="admin-row-actions">
                  <button type="button" class="admin-secondary" aria-label={`Manage ${group.name}`}
                    aria-expanded={selected === group.id} onClick={() => setSelected(selected === group.id ? null : group.id)}>
                    Manage
                  </button>
                  <button type="button" class="admin-secondary" onClick={() => toggleActive(group)}
                    aria-label={`${group.is_active ? 'Deactivate' : 'Activate'} ${group.name}`}>
                    {group.is_active ? 'Deactivate' : 'Activate'}
                  </button>
                </td>
              </tr>
            ))}
            {!list.loading && groups.length === 0 && <tr><td colSpan={5}>No groups yet.</td></tr>}
          </tbody>
        </table>
      </div>
      {chosen && (
        <GroupEditor key={chosen.id} client={client} group={chosen} onClose={() => setSelected(null)}
          onSaved={() => list.reload()} />
      )}
      <CreateGroupForm client={client} onCreated={(group) => {
        setStatus(`Created ${group.name}.`);
        list.reload();
        if (group.rule === null) setSelected(group.id);  // next step for a members group: add them
      }} />
    </section>
  );
}
