// The SMTP server the notification tests (the SDK's and the web page's) point `missive serve
// --smtp-url` at: the project's fixture, scripts/test_smtp.sh (aiosmtpd, Debian's
// python3-aiosmtpd), in a directory of its own. Each message it accepts is a JSON file with the
// envelope and what Python's email package reads from it (`text`, `html`, `message_id`,
// `headers`, ...; see tests/notify/smtp_server.py). Its `url` is the plain listener: no TLS,
// no AUTH.
//
//   const smtp = await startSmtp();   // {url, messages(), waitForMessages(to, count), stop()}
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { waitFor } from './util.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const script = resolve(here, '../../../scripts/test_smtp.sh');
const run = promisify(execFile);

export async function startSmtp() {
  const dir = mkdtempSync(join(tmpdir(), 'missive-js-smtp-'));
  try {
    await run(script, ['start', dir], { timeout: 20000 });
  } catch (error) {
    await run(script, ['cleanup', dir]).catch(() => {});
    throw new Error(`the SMTP fixture did not start: ${error.stderr || error.message}`);
  }
  const mailDir = join(dir, 'mail');
  // Named N.json, N counting up from 1 in the order received.
  const messages = () => (existsSync(mailDir) ? readdirSync(mailDir) : [])
    .filter((f) => /^\d+\.json$/.test(f)).sort((a, b) => parseInt(a, 10) - parseInt(b, 10))
    .map((f) => JSON.parse(readFileSync(join(mailDir, f), 'utf8')));
  return {
    url: readFileSync(join(dir, 'url'), 'utf8').trim(),
    messages,
    // The messages to `address`, in arrival order, once there are at least `count`.
    async waitForMessages(address, count = 1, timeout = 20000) {
      const to = () => messages().filter((m) => m.rcpt_tos.includes(address));
      await waitFor(`${count} email(s) to ${address}`, () => to().length >= count, timeout, 50);
      return to();
    },
    stop: () => run(script, ['cleanup', dir]),
  };
}
