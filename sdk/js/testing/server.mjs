// A real `missive serve` for tests: a fresh data directory, 127.0.0.1 with a free port, the
// admin password known, passwords hashed at the cheapest cost and no send rate limit. App
// developers can use it too, in their own tests against a real server.
//
//   const server = await startServer();   // MISSIVE_BIN or ../../build/release/missive
//   ... server.url, server.adminPassword ...
//   await server.stop();                  // SIGTERM, then removes its data directory
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));

export const ADMIN_PASSWORD = 'admin-password-1';

// The missive binary the tests run: $MISSIVE_BIN, else the release build of this checkout.
export function missiveBinary() {
  return process.env.MISSIVE_BIN || resolve(here, '../../../build/release/missive');
}

// Starts a server; resolves once it prints "missive: listening on http://127.0.0.1:PORT".
// `args` are extra `missive serve` flags (e.g. ['--web-dir', dir]).
export async function startServer({ args = [], env = {}, timeoutMs = 20000 } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'missive-js-test-'));
  const childEnv = { ...process.env };
  for (const key of Object.keys(childEnv)) if (key.startsWith('MISSIVE_')) delete childEnv[key];
  Object.assign(childEnv, {
    MISSIVE_ADMIN_PASSWORD: ADMIN_PASSWORD,
    MISSIVE_PASSWORD_COST: 'minimal',
    MISSIVE_LOG_LEVEL: 'warn',
    MISSIVE_SEND_RATE: '0',
    ...env,
  });
  const child = spawn(missiveBinary(),
    ['serve', '--listen', '127.0.0.1:0', '--data', dataDir, ...args],
    { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => reject(new Error(`missive did not start:\n${output}`)), timeoutMs);
    const onData = (chunk) => {
      output += chunk;
      const match = /missive: listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) { clearTimeout(timer); resolveUrl(match[1]); }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`missive exited (${code}):\n${output}`)); });
  });
  child.removeAllListeners('exit');
  const exited = new Promise((done) => child.on('exit', done));
  return {
    url,
    adminPassword: ADMIN_PASSWORD,
    dataDir,
    binary: missiveBinary(),
    output: () => output,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
