// Creating a group (explicit members, or a rule with its live preview) and editing one.
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Group, MissiveClient, UpdateGroupRequest } from '../../../sdk/js/src/index.ts';
import { ErrorNote } from './common.tsx';
import { useSubmit } from '../hooks.ts';
import { MembersEditor } from './members.tsx';
import { RuleEditor } from './rule.tsx';
import { SendersField, senderIds, type SendersValue } from './permissions.tsx';

export function CreateGroupForm({ client, onCreated }: { client: MissiveClient; onCreated: (group: Group) => void }) {
  const [name, setName] = useState('');
  const [kind, setKind] = useState<'members' | 'rule'>('members');
  const [rule, setRule] = useState('');
  const [senders, setSenders] = useState<SendersValue>({ senders: 'members', named: '' });
  const { busy, error, submit } = useSubmit(async () => {
    if (kind === 'rule' && rule.trim() === '') throw new Error('A rule group needs a rule.');
    const sender_ids = await senderIds(client, senders);
    const group = await client.createGroup({
      name: name.trim(), ...(kind === 'rule' ? { rule } : {}), senders: senders.senders,
      ...(senders.senders === 'named' ? { sender_ids } : {}),
    });
    setName(''); setRule(''); setSenders({ senders: 'members', named: '' });
    onCreated(group);
  });

  return (
    <form class="admin-form card" onSubmit={submit} aria-labelledby="create-group-title">
      <h2 id="create-group-title">Create a group</h2>
      <div class="admin-fields">
        <label for="new-group-name">Name</label>
        <input id="new-group-name" required value={name} autocomplete="off" onInput={(e) => setName(e.currentTarget.value)} />
      </div>
      <fieldset class="admin-radios">
        <legend>Members</legend>
        <div class="admin-check">
          <input type="radio" id="new-group-explicit" name="new-group-kind" checked={kind === 'members'}
            onChange={() => setKind('members')} />
          <label for="new-group-explicit">Chosen one by one</label>
        </div>
        <div class="admin-check">
          <input type="radio" id="new-group-rule-kind" name="new-group-kind" checked={kind === 'rule'}
            onChange={() => setKind('rule')} />
          <label for="new-group-rule-kind">Every user matching a rule</label>
        </div>
      </fieldset>
      {kind === 'rule' && <RuleEditor client={client} value={rule} onChange={setRule} id="new-group-rule" />}
      <SendersField value={senders} onChange={setSenders} idPrefix="new-group-senders" />
      <ErrorNote error={error} />
      <button type="submit" class="primary" disabled={busy}>Create group</button>
    </form>
  );
}

export function GroupEditor({ client, group, onSaved, onClose }:
    { client: MissiveClient; group: Group; onSaved: (group: Group) => void; onClose: () => void }) {
  const [name, setName] = useState(group.name);
  const [rule, setRule] = useState(group.rule ?? '');
  const [senders, setSenders] = useState<SendersValue>({ senders: group.senders, named: '' });
  const [status, setStatus] = useState('');
  const prefix = `group-${group.id}`;
  // The named senders are shown by handle.
  useEffect(() => {
    let live = true;
    Promise.all(group.sender_ids.map((id) => client.getUser(id).then((u) => u.handle, () => String(id))))
      .then((handles) => { if (live) setSenders((s) => ({ ...s, named: handles.join(', ') })); });
    return () => { live = false; };
  }, [client, group.id]);
  // The editor opens below the table: take the focus there, for keyboard and screen reader users.
  const nameField = useRef<HTMLInputElement>(null);
  useEffect(() => { nameField.current?.focus(); }, []);

  const { busy, error, submit: save } = useSubmit(async () => {
    if (group.rule !== null && rule.trim() === '') throw new Error('A rule group needs a rule.');
    const change: UpdateGroupRequest = {};
    if (name.trim() !== group.name) change.name = name.trim();
    if (group.rule !== null && rule !== group.rule) change.rule = rule;
    const ids = await senderIds(client, senders);
    if (senders.senders !== group.senders) change.senders = senders.senders;
    if (senders.senders === 'named' && ids.join(',') !== group.sender_ids.join(',')) {
      change.senders = 'named';
      change.sender_ids = ids;
    }
    const saved = Object.keys(change).length === 0 ? group : await client.updateGroup(group.id, change);
    setStatus(`Saved ${saved.name}.`);
    onSaved(saved);
  });

  return (
    <section class="admin-form admin-edit card" aria-labelledby={`${prefix}-title`}>
      <h2 id={`${prefix}-title`}>Group {group.name}</h2>
      <form onSubmit={save}>
        <div class="admin-fields">
          <label for={`${prefix}-name`}>Name</label>
          <input id={`${prefix}-name`} ref={nameField} required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </div>
        {group.rule !== null && <RuleEditor client={client} value={rule} onChange={setRule} id={`${prefix}-rule`} />}
        <SendersField value={senders} onChange={setSenders} idPrefix={`${prefix}-senders`} />
        <ErrorNote error={error} />
        <p class="admin-status" role="status" aria-live="polite">{status}</p>
        <div class="admin-actions">
          <button type="submit" class="primary" disabled={busy}>Save group</button>
          <button type="button" class="admin-secondary" onClick={onClose}>Close</button>
        </div>
      </form>
      {group.rule === null && <MembersEditor client={client} group={group} onChanged={() => onSaved(group)} />}
    </section>
  );
}
