// A reminder round on the chart: its marker ("Reminder 1") and the reads that followed it.
// A round only goes out a day after the send at the earliest (docs/api.md, Reminders), so the
// server first runs 26 hours in the past under libfaketime (Debian's faketime package, which
// scripts/setup.sh installs; nothing in the server knows about it), the message is sent then,
// and the server restarts at the real time: the missed reminder date gets one round at once
// (the downtime rule). Then one more recipient reads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { startStack, launchBrowser, newUserPage, api, createUser, withScreenshot, axeScan, waitFor, waitForText } from './helpers.mjs';

const OFFSET_SECONDS = -26 * 3600;
// $LIBFAKETIME, else Debian's library in whichever multiarch directory this machine has
// (/usr/lib/x86_64-linux-gnu, /usr/lib/aarch64-linux-gnu, ...).
function findLibfaketime() {
  if (process.env.LIBFAKETIME) return process.env.LIBFAKETIME;
  const candidates = readdirSync('/usr/lib').map((dir) => join('/usr/lib', dir, 'faketime/libfaketime.so.1'));
  return candidates.find((path) => existsSync(path)) ?? '/usr/lib/<multiarch>/faketime/libfaketime.so.1';
}
const LIBFAKETIME = findLibfaketime();

const skip = existsSync(LIBFAKETIME) ? false
  : `no ${LIBFAKETIME} (the faketime package, or set LIBFAKETIME): a reminder round cannot happen within seconds`;

test('a reminder round: its marker on the chart and the reads in the 24 h after it', { skip }, async (t) => {
  const fakeNow = new Date(Date.now() + OFFSET_SECONDS * 1000);
  // The env object is read again by restart(), so changing it moves the server's clock.
  const env = {
    LD_PRELOAD: LIBFAKETIME,
    FAKETIME: String(OFFSET_SECONDS),
    FAKETIME_DONT_FAKE_MONOTONIC: '1',
    MISSIVE_REMINDER_TIME: fakeNow.toISOString().slice(11, 16),  // first reminder: send + 24 h
    MISSIVE_REMINDER_POLL: '1',
  };
  const { server, url } = await startStack({ env });
  t.after(() => server.stop());
  const admin = await api(server);
  const people = {};
  for (const h of ['ann', 'ben', 'cat']) people[h] = await createUser(admin, h);
  const team = await admin.createGroup({ name: 'Team' });
  for (const h of Object.keys(people)) await admin.addMember(team.id, people[h].user.id);
  const expiry = new Date(fakeNow.getTime() + 3 * 86400000).toISOString().slice(0, 10);
  const message = await admin.send({ to: { groups: ['Team'] }, subject: 'Fill in the form', body: '...',
    expiry_date: expiry, reminders: { frequency: 'daily' } });
  await (await api(url, 'ann', people.ann.password)).markRead(message.id);

  delete env.LD_PRELOAD;
  delete env.FAKETIME;
  await server.restart();
  // The first pass after the restart sends the missed round.
  await waitFor('a reminder round within 15 s of the restart',
    async () => (await admin.readHistory(message.id)).rounds.length > 0, 15000, 200);
  await (await api(url, 'ben', people.ben.password)).markRead(message.id);

  const browser = await launchBrowser();
  t.after(() => browser.close());
  const page = await newUserPage(browser, url, 'admin', server.adminPassword);
  await withScreenshot(page, 'dashboard-rounds', async () => {
    await page.goto(`${url}/#/dashboard/${message.id}`);
    const marker = page.locator('.dash-chart-canvas .dash-round[data-round="1"]');
    await marker.waitFor();
    assert.equal(await marker.locator('.dash-round-label').innerText(), 'Reminder 1: +1');
    await waitForText(page.locator('.dash-rounds'), /Reminder 1 — .*to 2: \+1 read so far in the following 24 h/, 15000);
    assert.match(await page.locator('.dash-chart-summary').innerText(), /Reminder 1 went to 2 on .*: \+1 read so far in the following 24 h\./);
    assert.deepEqual(await axeScan(page), [], 'axe: a chart with a round');
    assert.deepEqual(page.csp, []);
  });
});
