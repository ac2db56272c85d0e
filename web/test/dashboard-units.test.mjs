// The dashboard's pure parts, bundled from the TypeScript sources: CSV quoting (what the
// export writes) and the reminder-round arithmetic behind the chart's markers and summary.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bundleForNode } from './bundle.mjs';

const units = await bundleForNode('src/dashboard/csv.ts', 'src/dashboard/history.ts');

test('CSV fields: commas, quotes and line breaks quoted, quotes doubled, formulas defused', () => {
  assert.equal(units.csvField('plain'), 'plain');
  assert.equal(units.csvField('a,b'), '"a,b"');
  assert.equal(units.csvField('say "hi"'), '"say ""hi"""');
  assert.equal(units.csvField('two\nlines'), '"two\nlines"');
  assert.equal(units.csvField('cr\r\nlf'), '"cr\r\nlf"');
  assert.equal(units.csvField('=HYPERLINK("x")'), '"\'=HYPERLINK(""x"")"');
  assert.equal(units.csvField(null), '');
  assert.equal(units.csvField(3), '3');
  assert.equal(units.toCsv(['a', 'b'], [['1', 'x,y'], ['', 'z']]), 'a,b\r\n1,"x,y"\r\n,z\r\n');
});

test('recipients CSV: one record per recipient row, in the documented columns', () => {
  const csv = units.recipientsCsv([
    { user_id: 2, handle: 'dan', full_name: 'Dan O"Neil, Jr.', group_id: 1, group_name: 'Beta', delivered_at: null,
      is_read: false, read_at: null, reminders: 2, last_reminded_at: null, deactivated: false, deactivated_at: null },
    { user_id: 3, handle: 'eve', full_name: 'Eve', group_id: null, group_name: '', delivered_at: null,
      is_read: false, read_at: null },
  ]);
  assert.equal(csv, 'handle,full_name,group,read,read_at,delivered_at,reminders,deactivated\r\n'
    + 'dan,"Dan O""Neil, Jr.",Beta,no,,,2,no\r\n'
    + 'eve,Eve,Direct,no,,,,\r\n');
});

test('reminder rounds: reads in the 24 h after each round, and the step series', () => {
  const t0 = Date.parse('2026-09-14T10:00:00.000Z');
  const h = (hours) => new Date(t0 + hours * 3600000).toISOString();
  const history = {
    message_id: 4, recipients: 10, create_date: h(0),
    reads: [{ at: h(1), read_count: 3 }, { at: h(24 * 7 + 1), read_count: 5 }, { at: h(24 * 7 + 30), read_count: 6 },
      { at: h(24 * 14 + 2), read_count: 9 }],
    rounds: [{ number: 1, at: h(24 * 7), final: false, reminded: 7 }, { number: 2, at: h(24 * 14), final: true, reminded: 4 }],
  };
  const now = t0 + (24 * 14 + 5) * 3600000;
  const effects = units.roundEffects(history, now);
  assert.deepEqual(effects.map((e) => [e.number, e.readsAfter, e.windowOpen]), [[1, 2, false], [2, 3, true]]);
  assert.equal(units.roundLabel(effects[0]), 'Reminder 1');
  assert.equal(units.roundLabel(effects[1]), 'Final');
  assert.equal(units.readsAfterText(effects[0]), '+2 reads in the following 24 h');
  assert.equal(units.readsAfterText(effects[1]), '+3 reads so far in the following 24 h');
  const series = units.readSeries(history, now);
  assert.deepEqual(series.ys, [0, 30, 50, 60, 90, 90]);
  assert.equal(series.xs[0], t0 / 1000);
  assert.equal(series.xs[series.xs.length - 1], now / 1000);
  const sentence = units.summarySentence(history, now, (ms) => new Date(ms).toISOString());
  assert.match(sentence, /^Read by 9 of 10 recipients \(90\.0 %\)/);
  assert.match(sentence, /Reminder 1 went to 7 on 2026-09-21T10:00:00\.000Z: \+2 reads in the following 24 h\./);
  assert.match(sentence, /Final went to 4 on .*: \+3 reads so far/);
});
