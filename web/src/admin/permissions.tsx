// Who may see and reach whom (docs/security.md, "Permissions"): the permissions an admin grants
// on the user forms, and who may send to a group on the group forms.
import type { GroupSenders, MissiveClient, Permission } from '../../../sdk/js/src/index.ts';

export const PERMISSIONS: { name: Permission; label: string }[] = [
  { name: 'create_groups', label: 'Create groups (when the policy restricts it)' },
  { name: 'create_rule_groups', label: 'Create rule groups' },
  { name: 'send_to_large_audiences', label: 'Send to large audiences' },
  { name: 'see_attributes', label: 'See other users’ attributes' },
];

export function PermissionChecks({ value, onChange, idPrefix }:
    { value: Permission[]; onChange: (value: Permission[]) => void; idPrefix: string }) {
  const toggle = (name: Permission, on: boolean) =>
    onChange(on ? [...value.filter((p) => p !== name), name] : value.filter((p) => p !== name));
  return (
    <fieldset class="admin-radios">
      <legend>Permissions</legend>
      {PERMISSIONS.map(({ name, label }) => (
        <div class="admin-check" key={name}>
          <input type="checkbox" id={`${idPrefix}-${name}`} checked={value.includes(name)}
            onChange={(e) => toggle(name, e.currentTarget.checked)} />
          <label for={`${idPrefix}-${name}`}>{label}</label>
        </div>
      ))}
    </fieldset>
  );
}

const SENDERS: { value: GroupSenders; label: string }[] = [
  { value: 'members', label: 'Its members' },
  { value: 'everyone', label: 'Everyone' },
  { value: 'named', label: 'Only the senders named below' },
];

export interface SendersValue {
  senders: GroupSenders;
  /** Handles, separated by commas or spaces. */
  named: string;
}

// "Who may send" (besides the group's owner and admins, who always may).
export function SendersField({ value, onChange, idPrefix }:
    { value: SendersValue; onChange: (value: SendersValue) => void; idPrefix: string }) {
  return (
    <fieldset class="admin-radios">
      <legend>Who may send (its owner and admins always may)</legend>
      {SENDERS.map((option) => (
        <div class="admin-check" key={option.value}>
          <input type="radio" id={`${idPrefix}-${option.value}`} name={`${idPrefix}-senders`}
            checked={value.senders === option.value}
            onChange={() => onChange({ ...value, senders: option.value })} />
          <label for={`${idPrefix}-${option.value}`}>{option.label}</label>
        </div>
      ))}
      {value.senders === 'named' && (
        <div class="admin-fields">
          <label for={`${idPrefix}-handles`}>Named senders (handles, separated by commas)</label>
          <input id={`${idPrefix}-handles`} value={value.named} autocomplete="off" spellcheck={false}
            onInput={(e) => onChange({ ...value, named: e.currentTarget.value })} />
        </div>
      )}
    </fieldset>
  );
}

// The user ids of the named senders; throws with the handle that does not exist.
export async function senderIds(client: MissiveClient, value: SendersValue): Promise<number[]> {
  if (value.senders !== 'named') return [];
  const handles = value.named.split(/[\s,]+/).filter(Boolean);
  const ids: number[] = [];
  for (const handle of handles) {
    try {
      ids.push((await client.getUserByHandle(handle)).id);
    } catch {
      throw new Error(`No user has the handle “${handle}”.`);
    }
  }
  return [...new Set(ids)];
}
