// The recipient picker: a combobox (WAI-ARIA 1.2 pattern) suggesting users by handle or name
// (GET /v1/users?q=) and groups by name. Arrow keys move through the suggestions, Enter picks,
// Escape closes, Backspace in the empty field removes the last recipient. Chosen recipients are
// chips, each with a real remove button.
import { useEffect, useState } from 'preact/hooks';
import type { Group, MissiveClient, User } from '../../../sdk/js/src/index.ts';
import { useDebounced, useLatest } from '../hooks.ts';
import { allGroups } from '../util.ts';

export type Recipient = { kind: 'user'; user: User } | { kind: 'group'; group: Group };

export function recipientKey(r: Recipient): string {
  return r.kind === 'user' ? `u${r.user.id}` : `g${r.group.id}`;
}

function label(r: Recipient): string {
  return r.kind === 'user' ? `${r.user.full_name} (${r.user.handle})` : r.group.name;
}

// Users and groups matching the typed text. The server matches a prefix of the handle, first
// or last name: for "Bob K" ask for "Bob" and keep the full names that start with the whole text.
async function suggest(client: MissiveClient, q: string, withGroups: boolean): Promise<Recipient[]> {
  if (!q) return [];
  const lower = q.toLowerCase();
  const several = q.includes(' ');
  const [users, groups] = await Promise.all([
    client.listUsers({ q: q.split(/\s+/)[0], limit: several ? 50 : 8 }).then(
      (p) => (several ? p.users.filter((u) => u.full_name.toLowerCase().startsWith(lower)).slice(0, 8) : p.users),
      () => [] as User[]),
    withGroups ? allGroups(client) : Promise.resolve([] as Group[]),
  ]);
  return [
    ...groups.filter((g) => g.is_active && g.name.toLowerCase().includes(lower)).slice(0, 5)
      .map((group): Recipient => ({ kind: 'group', group })),
    ...users.filter((u) => u.is_active).map((user): Recipient => ({ kind: 'user', user })),
  ];
}

export function RecipientPicker({ client, value, onChange, id, label: fieldLabel, single = false, describedBy }: {
  client: MissiveClient; value: Recipient[]; onChange: (v: Recipient[]) => void; id: string; label: string;
  single?: boolean; describedBy?: string;
}) {
  const [text, setText] = useState('');
  const [active, setActive] = useState(-1);
  const [open, setOpen] = useState(false);
  const listId = `${id}-list`;
  const chosen = new Set(value.map(recipientKey));

  // Suggestions once typing pauses; answers to older keystrokes are dropped.
  const q = useDebounced(text.trim(), 120);
  const found = useLatest(() => suggest(client, q, !single), [client, q]).data;
  const options = (found ?? []).filter((r) => !chosen.has(recipientKey(r)));
  useEffect(() => {
    if (!q) return;
    setActive(options.length ? 0 : -1);
    setOpen(true);
  }, [found]);

  const pick = (r: Recipient) => {
    onChange(single ? [r] : [...value, r]);
    setText('');
    setOpen(false);
    setActive(-1);
  };

  const onKeyDown = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (!open && options.length) setOpen(true);
      setActive((a) => (options.length ? (a + 1) % options.length : -1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => (options.length ? (a - 1 + options.length) % options.length : -1));
    } else if (e.key === 'Enter') {
      // Enter picks the highlighted suggestion instead of submitting the form.
      if (open && active >= 0 && options[active]) { e.preventDefault(); pick(options[active]); }
      else if (text.trim()) e.preventDefault();
    } else if (e.key === 'Escape') {
      if (open) { e.preventDefault(); setOpen(false); }
    } else if (e.key === 'Backspace' && text === '' && value.length) {
      onChange(value.slice(0, -1));
    }
  };

  const expanded = open && text.trim() !== '';
  return (
    <div class="recipients">
      <label for={id}>{fieldLabel}</label>
      {value.length > 0 && (
        <ul class="chips" aria-label={`Chosen: ${fieldLabel}`}>
          {value.map((r) => (
            <li class="chip" key={recipientKey(r)} data-recipient={recipientKey(r)}>
              <span>{r.kind === 'group' ? `Group ${r.group.name}` : label(r)}</span>
              <button type="button" aria-label={`Remove ${r.kind === 'group' ? r.group.name : r.user.handle}`}
                onClick={() => onChange(value.filter((x) => recipientKey(x) !== recipientKey(r)))}>×</button>
            </li>
          ))}
        </ul>
      )}
      <input id={id} type="text" role="combobox" autocomplete="off" spellcheck={false}
        aria-autocomplete="list" aria-expanded={expanded} aria-controls={listId}
        aria-activedescendant={expanded && active >= 0 ? `${id}-opt-${active}` : undefined}
        aria-describedby={describedBy}
        value={text} onKeyDown={onKeyDown}
        onInput={(e) => { setText(e.currentTarget.value); if (!e.currentTarget.value.trim()) setOpen(false); }}
        onBlur={() => setTimeout(() => setOpen(false), 150)} />
      <ul id={listId} role="listbox" class="suggestions" aria-label={`Suggestions for ${fieldLabel}`} hidden={!expanded}>
        {expanded && options.length === 0 && <li role="option" aria-disabled="true" aria-selected="false" class="muted">No match</li>}
        {expanded && options.map((r, i) => (
          <li id={`${id}-opt-${i}`} role="option" key={recipientKey(r)} aria-selected={i === active}
            onMouseDown={(e) => { e.preventDefault(); pick(r); }}>
            {r.kind === 'group' ? r.group.name : label(r)}
            <span class="kind">{r.kind === 'group' ? 'group' : 'user'}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
