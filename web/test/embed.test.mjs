// scripts/embed_web_assets.mjs writes every file of the built page into a C++ source: its name
// must come out as a valid C++ string literal, and a name it cannot write safely is refused.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const script = resolve(dirname(fileURLToPath(import.meta.url)), '../../scripts/embed_web_assets.mjs');

function embed(files) {
  const dir = mkdtempSync(join(tmpdir(), 'missive-embed-'));
  try {
    const site = join(dir, 'site');
    for (const [name, text] of Object.entries(files)) {
      mkdirSync(dirname(join(site, name)), { recursive: true });
      writeFileSync(join(site, name), text);
    }
    const out = join(dir, 'out.cpp');
    const run = spawnSync(process.execPath, [script, site, out], { encoding: 'utf8' });
    return { status: run.status, stderr: run.stderr, source: run.status === 0 ? readFileSync(out, 'utf8') : '' };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('file names are escaped as C++ string literals', () => {
  const { status, source } = embed({ 'index.html': '<!doctype html>', 'assets/a"b\\c.js': 'x' });
  assert.equal(status, 0);
  assert.ok(source.includes('{"index.html", text(kBody'), source);
  assert.ok(source.includes('{"assets/a\\"b\\\\c.js", text(kBody'), 'the quote and the backslash are escaped');
});

test('a name that is not printable ASCII is refused', () => {
  const { status, stderr } = embed({ 'index.html': '<!doctype html>', 'assets/café.js': 'x' });
  assert.equal(status, 1);
  assert.match(stderr, /only printable ASCII/);
});
