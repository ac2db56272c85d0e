// Pure functions of the page, without a browser or server: the hash routes, the search snippet
// highlighting, and the shared helpers of util.ts (bundled from TypeScript, as the page is).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bundleForNode } from './bundle.mjs';

// One bundle, so util.ts and the test share the SDK's ApiError class.
const { parseHash, hrefWith, highlight, errorText, groupLabel, normaliseHandle, coalesce, ApiError } =
  await bundleForNode('src/router.ts', 'src/highlight.tsx', 'src/util.ts', '../sdk/js/src/errors.ts');

test('hash routes', () => {
  assert.deepEqual(parseHash(''), { page: 'inbox' });
  assert.deepEqual(parseHash('#/inbox'), { page: 'inbox' });
  assert.deepEqual(parseHash('#/c/12'), { page: 'conversation', id: 12 });
  assert.deepEqual(parseHash('#/m/34'), { page: 'thread', id: 34 });
  assert.deepEqual(parseHash('#/compose'), { page: 'compose', to: undefined });
  assert.deepEqual(parseHash('#/compose?to=ada'), { page: 'compose', to: 'ada' });
  assert.deepEqual(parseHash('#/sent'), { page: 'sent' });
  assert.deepEqual(parseHash('#/admin/users'), { page: 'admin-users' });
  assert.deepEqual(parseHash('#/admin/groups'), { page: 'admin-groups' });
  assert.deepEqual(parseHash('#/admin/reminders'), { page: 'admin-reminders' });
  assert.deepEqual(parseHash('#/admin/webhooks'), { page: 'admin-webhooks' });
  assert.deepEqual(parseHash('#/admin/outbox'), { page: 'admin-outbox' });
  assert.deepEqual(parseHash('#/settings'), { page: 'settings' });
  assert.deepEqual(parseHash('#/confirm-email/9f86d081884c7d65'), { page: 'confirm-email', token: '9f86d081884c7d65' });
  assert.deepEqual(parseHash('#/dashboard'), { page: 'dashboard' });
  assert.deepEqual(parseHash('#/dashboard/5'), { page: 'dashboard-message', id: 5 });
  const s = parseHash('#/search?q=%E6%9D%B1%E4%BA%AC&sender=ada');
  assert.equal(s.page, 'search');
  assert.equal(s.params.get('q'), '東京');
  assert.equal(s.params.get('sender'), 'ada');
  for (const bad of ['#/c/0', '#/c/abc', '#/m/-1', '#/c/12x', '#/nowhere', '#/dashboard/x', '#/confirm-email', '#/confirm-email/a%20b']) {
    assert.equal(parseHash(bad).page, 'not-found', bad);
  }
  assert.equal(hrefWith('/search', { q: 'a b&c', sender: '', unread: 'true' }), '#/search?q=a+b%26c&unread=true');
});

const shape = (nodes) => nodes.map((n) => (typeof n === 'string' ? n : { mark: n.props.children }));

test('snippet highlighting builds <mark> nodes, never HTML', () => {
  assert.deepEqual(shape(highlight('The «delivery» of the «racks».')), ['The ', { mark: 'delivery' }, ' of the ', { mark: 'racks' }, '.']);
  assert.deepEqual(shape(highlight('明日は«東京»で会議')), ['明日は', { mark: '東京' }, 'で会議']);
  assert.deepEqual(shape(highlight('no match')), ['no match']);
  assert.deepEqual(shape(highlight('«<img src=x onerror=alert(1)>»')), [{ mark: '<img src=x onerror=alert(1)>' }]);
  assert.deepEqual(shape(highlight('open «to the end')), ['open ', { mark: 'to the end' }]);
  assert.deepEqual(shape(highlight('a » stray')), ['a » stray']);
  assert.deepEqual(shape(highlight('')), []);
});

test('errorText: the server\'s message, a page\'s text for a status, a network failure in words', () => {
  const forbidden = new ApiError(403, 'forbidden', 'not allowed');
  assert.equal(errorText(forbidden), 'not allowed');
  assert.equal(errorText(forbidden, { 403: 'Only the sender can see who read it.' }), 'Only the sender can see who read it.');
  assert.equal(errorText(new ApiError(404, 'not_found', 'no such message'), { 403: 'x' }), 'no such message');
  assert.equal(errorText(new TypeError('Failed to fetch')), 'The server could not be reached.');
  assert.equal(errorText(new Error('A rule group needs a rule.')), 'A rule group needs a rule.');
  assert.equal(errorText('odd'), 'odd');
});

test('groupLabel: a direct recipient (group_id null, group_name "") is "Direct"', () => {
  assert.equal(groupLabel({ group_id: null, group_name: '' }), 'Direct');
  assert.equal(groupLabel({ group_id: 3, group_name: 'Alpha' }), 'Alpha');
});

test('normaliseHandle: spaces and a leading @ as people type them', () => {
  for (const typed of ['ada', ' ada ', '@ada', ' @ada', '@ada  ']) assert.equal(normaliseHandle(typed), 'ada', typed);
  assert.equal(normaliseHandle('  '), '');
});

test('coalesce: one run at a time, calls meanwhile become one more run after it', async () => {
  let runs = 0;
  let finish;
  const run = coalesce(() => { runs++; return new Promise((r) => { finish = r; }); });
  run(); run(); run();
  assert.equal(runs, 1);
  finish();
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(runs, 2, 'the calls made while it ran gave one more run');
  finish();
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(runs, 2);
});
