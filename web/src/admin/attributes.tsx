// Key/value rows for user attributes. Values are strings, numbers or booleans on the server
// (group rules compare them by type: `level >= 3` needs a number), so each row has a type.
import { useRef } from 'preact/hooks';
import type { AttributeValue } from '../../../sdk/js/src/index.ts';

export type AttrType = 'text' | 'number' | 'boolean';
export interface AttrRow {
  key: string;
  type: AttrType;
  value: string;
}

export function rowsFromAttributes(attributes: Record<string, AttributeValue> | undefined): AttrRow[] {
  return Object.entries(attributes ?? {}).map(([key, value]) => ({
    key,
    type: typeof value === 'number' ? 'number' : typeof value === 'boolean' ? 'boolean' : 'text',
    value: String(value),
  }));
}

// The attributes object for the server, or an error message naming the first bad row.
export function attributesFromRows(rows: AttrRow[]): { attributes: Record<string, AttributeValue> } | { error: string } {
  const attributes: Record<string, AttributeValue> = {};
  for (const [index, row] of rows.entries()) {
    const key = row.key.trim();
    if (key === '' && row.value.trim() === '') continue;  // an empty row left by "Add attribute"
    if (key === '') return { error: `attribute ${index + 1}: the name is empty` };
    if (key in attributes) return { error: `attribute "${key}" appears twice` };
    if (row.type === 'number') {
      const number = Number(row.value);
      if (row.value.trim() === '' || !Number.isFinite(number)) {
        return { error: `attribute "${key}": "${row.value}" is not a number` };
      }
      attributes[key] = number;
    } else if (row.type === 'boolean') {
      attributes[key] = row.value === 'true';
    } else {
      attributes[key] = row.value;
    }
  }
  return { attributes };
}

// A PATCH merges attributes, so names that were removed must be sent as null.
export function attributePatch(before: Record<string, AttributeValue>, after: Record<string, AttributeValue>):
    Record<string, AttributeValue | null> {
  const patch: Record<string, AttributeValue | null> = { ...after };
  for (const key of Object.keys(before)) if (!(key in after)) patch[key] = null;
  return patch;
}

export function AttributeRows({ rows, onChange, idPrefix }:
    { rows: AttrRow[]; onChange: (rows: AttrRow[]) => void; idPrefix: string }) {
  // Keys for rows so focus stays in the field being typed into when a row above is removed.
  const ids = useRef<number[]>([]);
  const nextId = useRef(0);
  while (ids.current.length < rows.length) ids.current.push(nextId.current++);
  ids.current.length = rows.length;

  const update = (index: number, change: Partial<AttrRow>) =>
    onChange(rows.map((row, i) => (i === index ? { ...row, ...change } : row)));
  const remove = (index: number) => {
    ids.current.splice(index, 1);
    onChange(rows.filter((_, i) => i !== index));
  };

  return (
    <fieldset class="attr-rows">
      <legend>Attributes</legend>
      {rows.length === 0 && <p class="hint">No attributes.</p>}
      {rows.map((row, index) => {
        const id = `${idPrefix}-${ids.current[index]}`;
        return (
          <div class="attr-row" key={ids.current[index]}>
            <label for={`${id}-key`}>Name</label>
            <input id={`${id}-key`} value={row.key} autocomplete="off" spellcheck={false}
              onInput={(e) => update(index, { key: e.currentTarget.value })} />
            <label for={`${id}-type`}>Type</label>
            <select id={`${id}-type`} value={row.type}
              onChange={(e) => {
                const type = e.currentTarget.value as AttrType;
                update(index, { type, value: type === 'boolean' ? (row.value === 'true' ? 'true' : 'false') : row.value });
              }}>
              <option value="text">text</option>
              <option value="number">number</option>
              <option value="boolean">true/false</option>
            </select>
            <label for={`${id}-value`}>Value</label>
            {row.type === 'boolean' ? (
              <select id={`${id}-value`} value={row.value} onChange={(e) => update(index, { value: e.currentTarget.value })}>
                <option value="true">true</option>
                <option value="false">false</option>
              </select>
            ) : (
              <input id={`${id}-value`} value={row.value} autocomplete="off"
                inputMode={row.type === 'number' ? 'decimal' : undefined}
                onInput={(e) => update(index, { value: e.currentTarget.value })} />
            )}
            <button type="button" class="admin-secondary" onClick={() => remove(index)}
              aria-label={`Remove attribute ${row.key || index + 1}`}>Remove</button>
          </div>
        );
      })}
      <button type="button" class="admin-secondary" onClick={() => onChange([...rows, { key: '', type: 'text', value: '' }])}>
        Add attribute
      </button>
    </fieldset>
  );
}
