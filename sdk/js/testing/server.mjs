// A real `missive serve` for tests: a fresh data directory, 127.0.0.1 with a free port, the
// admin password known, passwords hashed at the cheapest cost and no send rate limit. App
// developers can use it too, in their own tests against a real server.
//
//   const server = await startServer();   // MISSIVE_BIN or ../../build/release/missive
//   ... server.url, server.adminPassword ...
//   await server.restart();               // SIGTERM, then the same data on the same port
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

// Spawns `missive serve` and resolves {child, url, exited} once it prints
// "missive: listening on http://127.0.0.1:PORT".
async function spawnServe({ dataDir, listen, args, env, timeoutMs, log }) {
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
    ['serve', '--listen', listen, '--data', dataDir, ...args],
    { env: childEnv, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const onData = (chunk) => { output += chunk; log.text += chunk; };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const url = await new Promise((resolveUrl, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`missive did not start:\n${output}`));
    }, timeoutMs);
    const check = () => {
      const match = /missive: listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(output);
      if (match) { clearTimeout(timer); resolveUrl(match[1]); }
    };
    child.stdout.on('data', check);
    child.stderr.on('data', check);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`missive exited (${code}):\n${output}`)); });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error.code === 'ENOENT'
        ? new Error(`no missive binary at ${missiveBinary()}: build it (make build) or set MISSIVE_BIN`)
        : error);
    });
  });
  child.removeAllListeners('exit');
  const exited = new Promise((done) => child.on('exit', done));
  return { child, url, exited };
}

// Starts a server; resolves once it listens.
// `args` are extra `missive serve` flags (e.g. ['--web-dir', dir]).
export async function startServer({ args = [], env = {}, timeoutMs = 20000 } = {}) {
  const dataDir = mkdtempSync(join(tmpdir(), 'missive-js-test-'));
  const log = { text: '' };
  let current;
  try {
    current = await spawnServe({ dataDir, listen: '127.0.0.1:0', args, env, timeoutMs, log });
  } catch (error) {
    rmSync(dataDir, { recursive: true, force: true });
    throw error;
  }
  const url = current.url;
  const halt = async () => {
    const { child, exited } = current;
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    await exited;
  };
  return {
    url,
    adminPassword: ADMIN_PASSWORD,
    dataDir,
    binary: missiveBinary(),
    output: () => log.text,
    // Stops the server (SIGTERM, a clean shutdown) and starts it again on the same data and
    // the same port, so clients keep their URL. Resolves once it listens again.
    async restart() {
      await halt();
      const port = new URL(url).port;
      // The port may linger for a moment after the old process exits: retry for a while.
      for (let attempt = 0; ; attempt++) {
        try {
          current = await spawnServe({ dataDir, listen: `127.0.0.1:${port}`, args, env, timeoutMs, log });
          return;
        } catch (error) {
          if (attempt >= 25) throw error;
          await new Promise((r) => setTimeout(r, 200));
        }
      }
    },
    async stop() {
      await halt();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
