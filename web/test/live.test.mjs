// Live behaviour across browsers: two users exchange messages without reloading; a read in one
// tab clears the unread count in the user's other tab and raises the sender's read count; a
// read on another device (the API) does the same; a message sent from the command line shows
// up within a second or two.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { closeStack, openStack, newUserPage, api, createUser, withScreenshot, waitFor } from './helpers.mjs';

let stack, browser, admin;
before(async () => ({ stack, browser, admin } = await openStack()));
after(() => closeStack({ stack, browser }));

// Read in one step in the page: the badge may vanish between two locator calls.
const navUnread = (page) => page.evaluate(() =>
  Number((document.querySelector('.topbar .badge')?.textContent ?? '0').replace(/\D/g, '')));

async function pickRecipient(page, text, optionName) {
  const to = page.getByRole('combobox', { name: 'To' });
  await to.fill(text);
  await page.getByRole('option', { name: optionName }).waitFor();
  await to.press('Enter');
}

test('two users exchange messages live, without reloading', async () => {
  const ada = await createUser(admin, 'ada', { first_name: 'Ada', last_name: 'Lovelace' });
  const bob = await createUser(admin, 'bob', { first_name: 'Bob', last_name: 'Kahn' });
  const pa = await newUserPage(browser, stack.url, ada.handle, ada.password);
  const pb = await newUserPage(browser, stack.url, bob.handle, bob.password);
  await withScreenshot([pa, pb], 'live-exchange', async () => {
    await pb.locator('.live-live').waitFor();
    await pa.getByRole('link', { name: 'Compose' }).click();
    await pickRecipient(pa, 'bo', /Bob Kahn/);
    await pa.getByLabel('Subject').fill('Lunch today?');
    await pa.getByLabel('Message', { exact: true }).fill('At noon, the usual place.');
    const sentAt = Date.now();
    await pa.getByRole('button', { name: 'Send', exact: true }).click();
    await pa.waitForURL(/#\/c\/\d+$/);

    // Bob's inbox shows it with one unread, live.
    const row = pb.locator('li[data-conversation]', { hasText: 'Lunch today?' });
    await row.waitFor({ timeout: 5000 });
    console.log(`# live delivery to the other browser: ${Date.now() - sentAt} ms`);
    assert.equal(await row.locator('.badge').innerText().then((t) => t.replace(/\D/g, '')), '1');
    assert.equal(await navUnread(pb), 1);

    // Bob opens it (it becomes read) and replies; Ada's open conversation shows the reply.
    await row.getByRole('link').click();
    await pb.getByText('At noon, the usual place.').waitFor();
    await waitFor('bob\'s unread count to drop to 0', async () => (await navUnread(pb)) === 0);
    await pb.getByRole('button', { name: 'Reply', exact: true }).click();
    await pb.getByLabel(/^Reply to/).fill('Yes, see you there.');
    await pb.getByRole('button', { name: 'Send reply' }).click();
    await pa.getByText('Yes, see you there.').waitFor({ timeout: 5000 });
    await pa.getByRole('heading', { name: 'Re: Lunch today?' }).waitFor();
    assert.deepEqual(pa.csp, []);
    assert.deepEqual(pb.csp, []);
  });
  await pa.context().close();
  await pb.context().close();
});

test('a read in one tab updates the other tab, the other device and the sender', async () => {
  const dave = await createUser(admin, 'dave', { first_name: 'Dave', last_name: 'Cutler' });
  const eve = await createUser(admin, 'eve', { first_name: 'Eve', last_name: 'Andersson' });
  const eveApi = await api(stack.url, eve.handle, eve.password);
  const daveApi = await api(stack.url, dave.handle, dave.password);

  const tabA = await newUserPage(browser, stack.url, dave.handle, dave.password);
  const tabB = await tabA.context().newPage();
  tabB.csp = [];
  await tabB.goto(`${stack.url}/#/inbox`);
  const sender = await newUserPage(browser, stack.url, eve.handle, eve.password);
  await withScreenshot([tabA, tabB, sender], 'live-read', async () => {
    await sender.goto(`${stack.url}/#/sent`);
    await sender.getByRole('heading', { name: 'Sent' }).waitFor();
    for (const p of [tabA, tabB, sender]) await p.locator('.live-live').waitFor();

    const m1 = await eveApi.send({ to: { users: [dave.user.id] }, subject: 'Quarterly numbers', body: 'Please read.' });
    await waitFor('both tabs to show 1 unread', async () => (await navUnread(tabA)) === 1 && (await navUnread(tabB)) === 1);
    const sentRow = sender.locator(`li[data-sent="${m1.id}"]`);
    await sentRow.waitFor();
    await sentRow.getByText('Read 0 of 1').waitFor();
    // Dave's tabs pulled or acknowledged the entry: the message counts as delivered.
    await waitFor('delivered 1 of 1', async () => (await sentRow.getByText('Delivered 1 of 1').count()) === 1);

    // Tab B opens the conversation: tab A's counts drop, the sender sees the read.
    await tabB.locator('li[data-conversation]', { hasText: 'Quarterly numbers' }).getByRole('link').click();
    await tabB.getByText('Please read.').waitFor();
    await waitFor('tab A to show 0 unread', async () => (await navUnread(tabA)) === 0);
    assert.equal(await tabA.locator('li[data-conversation] .badge').count(), 0);
    await waitFor('the sender\'s read count', async () => (await sentRow.getByText('Read 1 of 1').count()) === 1);
    await sentRow.getByRole('button', { name: 'Who read' }).click();
    await sentRow.getByRole('list', { name: /^Read/ }).getByText('Dave Cutler (dave)').waitFor();
    assert.equal((await daveApi.conversations()).conversations.reduce((n, c) => n + c.unread, 0), 0);

    // A read on another device (the API) updates both tabs too.
    await tabB.goto(`${stack.url}/#/inbox`);
    const m2 = await eveApi.send({ to: { users: [dave.user.id] }, subject: 'Follow-up', body: 'One more.' });
    await waitFor('both tabs to show 1 unread again', async () => (await navUnread(tabA)) === 1 && (await navUnread(tabB)) === 1);
    await daveApi.markRead(m2.id);
    await waitFor('both tabs back to 0 unread', async () => (await navUnread(tabA)) === 0 && (await navUnread(tabB)) === 0);
    assert.deepEqual(tabA.csp, []);
    assert.deepEqual(sender.csp, []);
  });
  await tabA.context().close();
  await sender.context().close();
});

test('a message sent from the command line appears without reloading', async () => {
  const fay = await createUser(admin, 'fay', { first_name: 'Fay', last_name: 'Mead' });
  const page = await newUserPage(browser, stack.url, fay.handle, fay.password);
  const dir = mkdtempSync(join(tmpdir(), 'missive-cli-'));
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('MISSIVE_')));
  env.MISSIVE_CONFIG = join(dir, 'config.json');
  const cli = (...args) => execFileSync(stack.server.binary, args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    await withScreenshot(page, 'live-cli', async () => {
      await page.locator('.live-live').waitFor();
      cli('--server', stack.url, 'login', 'admin', '--password', stack.server.adminPassword);
      const sentAt = Date.now();
      cli('send', '--to', fay.handle, '--subject', 'From the terminal', '--body', 'Sent with missive send.');
      await page.locator('li[data-conversation]', { hasText: 'From the terminal' }).waitFor({ timeout: 2000 });
      console.log(`# CLI send to the inbox on screen: ${Date.now() - sentAt} ms`);
      assert.equal(await navUnread(page), 1);
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await page.context().close();
  }
});
