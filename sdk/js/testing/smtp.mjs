// The SMTP server the notification tests (the SDK's and the web page's) point `missive serve
// --smtp-url` at: smtp_server.py (aiosmtpd) on a free port of 127.0.0.1, saving each message
// it accepts as a JSON file.
//
//   const smtp = await startSmtp();   // {url, port, messages(), waitForMessages(to, count), stop()}
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './util.mjs';

const here = dirname(fileURLToPath(import.meta.url));
// Debian's python3, which has python3-aiosmtpd (scripts/setup.sh); another python3 first on
// PATH (a pyenv one) would not.
const PYTHON = process.env.MISSIVE_TEST_PYTHON || '/usr/bin/python3';

function freePort() {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// Starts smtp_server.py on `port`; resolves the child once it listens, rejects if it exits.
function spawnOn(dir, port) {
  const child = spawn(PYTHON, [join(here, 'smtp_server.py'), dir, String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`the SMTP server did not start:\n${output}`)); }, 10000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('listening')) { clearTimeout(timer); resolve(child); }
    });
    child.stderr.on('data', (chunk) => { output += chunk; });
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`the SMTP server exited (${code}):\n${output}`)); });
    child.on('error', (error) => { clearTimeout(timer); reject(error); });
  });
}

export async function startSmtp() {
  const dir = mkdtempSync(join(tmpdir(), 'missive-web-smtp-'));
  let child;
  let port;
  // The port found free may be taken before the server binds it: try a few.
  for (let attempt = 1; !child; attempt++) {
    port = await freePort();
    try {
      child = await spawnOn(dir, port);
    } catch (error) {
      if (attempt >= 5) { rmSync(dir, { recursive: true, force: true }); throw error; }
    }
  }
  child.removeAllListeners('exit');
  const exited = new Promise((done) => child.on('exit', done));
  const messages = () => readdirSync(dir).filter((f) => f.endsWith('.json'))
    .sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
    .map((f) => JSON.parse(readFileSync(join(dir, f), 'utf8')));
  return {
    port,
    url: `smtp://127.0.0.1:${port}`,
    messages,
    // The messages to `address` once there are at least `count`.
    async waitForMessages(address, count = 1, timeout = 20000) {
      const to = () => messages().filter((m) => m.rcpt_tos.includes(address));
      await waitFor(`${count} email(s) to ${address}`, () => to().length >= count, timeout);
      return to();
    },
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
