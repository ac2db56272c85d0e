// Pure functions of the page, without a browser or server: the hash routes and the search
// snippet highlighting (bundled from TypeScript with esbuild, as the page is).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import { webRoot } from './helpers.mjs';

const out = join(mkdtempSync(join(tmpdir(), 'missive-web-unit-')), 'unit.mjs');
buildSync({
  stdin: {
    contents: "export { parseHash, hrefWith } from './src/router.ts'; export { highlight } from './src/highlight.tsx';",
    resolveDir: webRoot, loader: 'ts',
  },
  outfile: out, bundle: true, format: 'esm', platform: 'node', jsx: 'automatic', jsxImportSource: 'preact', logLevel: 'error',
});
const { parseHash, hrefWith, highlight } = await import(pathToFileURL(out).href);

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
  assert.deepEqual(parseHash('#/dashboard'), { page: 'dashboard' });
  assert.deepEqual(parseHash('#/dashboard/5'), { page: 'dashboard-message', id: 5 });
  const s = parseHash('#/search?q=%E6%9D%B1%E4%BA%AC&sender=ada');
  assert.equal(s.page, 'search');
  assert.equal(s.params.get('q'), '東京');
  assert.equal(s.params.get('sender'), 'ada');
  for (const bad of ['#/c/0', '#/c/abc', '#/m/-1', '#/c/12x', '#/nowhere', '#/dashboard/x']) {
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
