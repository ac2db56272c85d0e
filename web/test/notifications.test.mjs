// Email and webhooks on the page (docs/notifications.md), against a server that sends email to
// a real SMTP server (smtp.mjs: aiosmtpd) and may post webhooks to 127.0.0.1: a user sets an
// address in Settings, the confirmation email arrives, its link opened in the page confirms it
// (logged in or not; a used link says so), the preferences toggle; a server without
// --smtp-url says why it cannot; an admin adds a webhook (the secret shown once), a delivery
// to a local receiver verifies with the SDK's verifyWebhook, the delivery log shows it sent,
// disable, rotate, delete; the outbox lists the confirmation email as sent and replays it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import {
  closeStack, openStack, startStack, newUserPage, api, createUser, withScreenshot, axeScan, waitFor,
  waitForText, sdk,
} from './helpers.mjs';
import { startSmtp } from '../../sdk/js/testing/smtp.mjs';

let stack, browser, admin, smtp;
before(async () => {
  smtp = await startSmtp();
  ({ stack, browser, admin } = await openStack({
    args: ['--smtp-url', smtp.url, '--mail-from', 'Missive <missive@example.org>', '--allow-private-webhooks'],
  }));
});
after(async () => {
  await closeStack({ stack, browser });
  await smtp?.stop();
});

const LIMIT = { timeout: 90000 };

// The token of the newest confirmation email to `address` (its link: <public-url>/#/confirm-email/TOKEN).
async function confirmationToken(address, count = 1) {
  const mails = await smtp.waitForMessages(address, count);
  const text = mails.at(-1).text ?? '';
  const match = /#\/confirm-email\/([A-Za-z0-9._~-]+)/.exec(text);
  assert.ok(match, `no confirmation link in: ${text}`);
  return match[1];
}

async function noSidewaysScroll(page, what) {
  await page.setViewportSize({ width: 375, height: 800 });
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await page.setViewportSize({ width: 1280, height: 800 });
  assert.ok(overflow <= 1, `${what} scrolls sideways at 375 px by ${overflow}px`);
}

test('settings: an address is set, its emailed link confirms it, the preferences toggle', LIMIT, async () => {
  const ada = await createUser(admin, 'ada');
  const adaApi = await api(stack.url, ada.handle, ada.password);
  const page = await newUserPage(browser, stack.url, ada.handle, ada.password);
  await withScreenshot(page, 'notifications-settings', async () => {
    await page.getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('heading', { level: 1, name: 'Settings' }).waitFor();
    assert.equal(await page.title(), 'Settings — Missive');
    await waitForText(page.locator('[data-email-address]'), 'no confirmed address');

    await page.getByLabel('Address', { exact: true }).fill('ada@example.org');
    await page.getByRole('button', { name: 'Set address' }).click();
    await waitForText(page.locator('[data-email-pending="ada@example.org"]'), 'waiting for confirmation');
    await waitForText(page.locator('.settings-status'), 'confirmation link was sent to ada@example.org');
    assert.deepEqual(await axeScan(page), [], 'axe: settings with a pending address');
    await noSidewaysScroll(page, 'settings');

    // The link from the email, opened in the page.
    const token = await confirmationToken('ada@example.org');
    await page.goto(`${stack.url}/#/confirm-email/${token}`);
    await waitForText(page.locator('.confirm-email [role="status"]'), 'Your email address is confirmed');
    assert.deepEqual(await axeScan(page), [], 'axe: confirmed');
    await page.getByRole('link', { name: 'Go to your settings' }).click();
    await waitForText(page.locator('[data-email-address="ada@example.org"]'), '(confirmed)');
    assert.equal(await page.locator('[data-email-pending]').count(), 0, 'still waiting for confirmation');
    assert.equal(await page.getByRole('button', { name: 'Change address' }).count(), 1);

    // Preferences: saved on the server, still so after a reload.
    const reminders = page.getByLabel('Reminder emails');
    assert.ok(await reminders.isChecked());
    await reminders.uncheck();
    await waitForText(page.locator('.settings-status'), 'Reminder emails are off.');
    assert.deepEqual(await adaApi.emailSettings(ada.user.id),
      { address: 'ada@example.org', pending: null, reminders: false, digest: true });
    await page.reload();
    await page.getByLabel('Digest emails').waitFor();
    assert.equal(await page.getByLabel('Reminder emails').isChecked(), false);
    await page.getByLabel('Digest emails').uncheck();
    await waitForText(page.locator('.settings-status'), 'Digest emails are off.');
    await page.getByLabel('Reminder emails').check();
    await waitForText(page.locator('.settings-status'), 'Reminder emails are on.');
    const saved = await adaApi.emailSettings(ada.user.id);
    assert.deepEqual([saved.reminders, saved.digest], [true, false]);

    // Remove: no address, nothing pending.
    await page.getByRole('button', { name: 'Remove address' }).click();
    await waitForText(page.locator('[data-email-address]'), 'no confirmed address');
    assert.equal((await adaApi.emailSettings(ada.user.id)).address, null);
    assert.deepEqual(page.csp, []);
  });
  await page.context().close();
});

test('the confirmation link works logged out, and a used one says so', LIMIT, async () => {
  const bob = await createUser(admin, 'bob');
  const bobApi = await api(stack.url, bob.handle, bob.password);
  await bobApi.setEmail(bob.user.id, 'bob@example.org');
  const token = await confirmationToken('bob@example.org');
  const context = await browser.newContext();
  const page = await context.newPage();
  await withScreenshot(page, 'notifications-confirm-logged-out', async () => {
    await page.goto(`${stack.url}/#/confirm-email/${token}`);
    await waitForText(page.locator('.confirm-email [role="status"]'), 'Your email address is confirmed');
    assert.equal(await page.getByRole('button', { name: 'Log in' }).count(), 0, 'the login form instead');
    assert.deepEqual(await axeScan(page), [], 'axe: confirmed, logged out');
    assert.equal((await bobApi.emailSettings(bob.user.id)).address, 'bob@example.org');

    await page.reload();
    await waitForText(page.getByRole('alert'), 'unknown, already used or expired');
    // "Log in" leads to the login form, then to the settings.
    await page.getByRole('link', { name: 'Log in' }).click();
    await page.getByLabel('Handle').fill(bob.handle);
    await page.getByLabel('Password').fill(bob.password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await waitForText(page.locator('[data-email-address="bob@example.org"]'), '(confirmed)');
  });
  await context.close();
});

test('a server without --smtp-url: setting an address says why it cannot', LIMIT, async () => {
  const plain = await startStack();
  try {
    const page = await newUserPage(browser, plain.url, 'admin', plain.server.adminPassword);
    await withScreenshot(page, 'notifications-no-smtp', async () => {
      await page.goto(`${plain.url}/#/settings`);
      await page.getByLabel('Address', { exact: true }).fill('admin@example.org');
      await page.getByRole('button', { name: 'Set address' }).click();
      await waitForText(page.getByRole('alert'), '--smtp-url');
      assert.deepEqual(await axeScan(page), [], 'axe: the error');
    });
    await page.context().close();
  } finally {
    await plain.server.stop();
  }
});

// A webhook receiver on 127.0.0.1 that keeps what it is sent and answers 204.
async function startReceiver() {
  const received = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks) });
      res.writeHead(204).end();
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/hook`, received, close: () => new Promise((r) => server.close(r)) };
}

test('admin: a webhook is added (secret shown once), its delivery verifies, it is disabled, rotated, deleted', LIMIT, async () => {
  const receiver = await startReceiver();
  const cy = await createUser(admin, 'cy');
  const page = await newUserPage(browser, stack.url, 'admin', stack.server.adminPassword);
  try {
    await withScreenshot(page, 'notifications-webhooks', async () => {
      await page.getByRole('link', { name: 'Admin' }).click();
      await page.getByRole('navigation', { name: 'Administration' }).getByRole('link', { name: 'Webhooks' }).click();
      await page.getByRole('heading', { level: 1, name: 'Webhooks' }).waitFor();
      await waitForText(page.locator('.admin-table tbody'), 'No webhooks yet.');

      await page.getByLabel('URL').fill(receiver.url);
      await page.getByLabel('Description').fill('Test receiver');
      // No event: refused on the page.
      await page.getByRole('button', { name: 'Add webhook' }).click();
      await waitForText(page.getByRole('alert'), 'at least one event');
      await page.getByLabel('Message sent').check();
      await page.getByRole('button', { name: 'Add webhook' }).click();
      const secret = await waitForText(page.locator('[data-secret]'), /^whsec_/);
      const row = page.locator('tr[data-webhook]', { hasText: receiver.url });
      await waitForText(row, 'Enabled');
      assert.equal(await row.locator('td').first().innerText(), 'message.sent');
      assert.deepEqual(await axeScan(page), [], 'axe: webhooks with the secret shown');
      await noSidewaysScroll(page, 'webhooks');
      await page.getByRole('button', { name: 'Done' }).click();
      assert.ok(!(await page.locator('main').innerText()).includes(secret), 'the secret is still on the page');

      // A send reaches the receiver, signed with that secret.
      const sent = await admin.send({ to: { users: [cy.handle] }, subject: 'Hooked', body: 'Over the wire.' });
      await waitFor('the webhook delivery', () => receiver.received.length > 0, 20000);
      const delivery = receiver.received[0];
      const event = await sdk.verifyWebhook(secret, delivery.headers, delivery.body);
      assert.equal(event.type, 'message.sent');
      assert.equal(event.data.message_id, sent.id);
      await assert.rejects(sdk.verifyWebhook(secret, delivery.headers, Buffer.concat([delivery.body, Buffer.from(' ')])));

      // Its delivery log: the row is sent, after one attempt.
      await page.getByRole('button', { name: 'Deliveries to Test receiver' }).click();
      const log = page.locator('.webhook-deliveries');
      const logRow = log.locator(`tr[data-notification="${delivery.headers['webhook-id'].replace(/^ntf_/, '')}"]`);
      await waitFor('the delivery shown as sent', async () => {
        if ((await logRow.getAttribute('data-state', { timeout: 1000 }).catch(() => null)) === 'sent') return true;
        await log.getByRole('button', { name: 'Refresh' }).click();
        return false;
      }, 15000, 300);
      assert.match(await logRow.innerText(), /message\.sent[\s\S]*sent[\s\S]*1/);
      assert.deepEqual(await axeScan(page), [], 'axe: the delivery log');

      await page.getByRole('button', { name: 'Disable Test receiver' }).click();
      await waitForText(row, 'Disabled');
      assert.equal((await admin.getWebhook(Number(await row.getAttribute('data-webhook')))).enabled, false);
      await page.getByRole('button', { name: 'Enable Test receiver' }).click();
      await waitForText(row, 'Enabled');

      await page.getByRole('button', { name: 'Rotate secret of Test receiver' }).click();
      await page.getByRole('group', { name: 'Rotate secret of Test receiver' }).getByRole('button', { name: 'Rotate secret' }).click();
      const rotated = await waitForText(page.locator('[data-secret]'), /^whsec_/);
      assert.notEqual(rotated, secret);
      await page.getByRole('button', { name: 'Done' }).click();

      await page.getByRole('button', { name: 'Delete Test receiver' }).click();
      await page.getByRole('group', { name: 'Delete Test receiver' }).getByRole('button', { name: 'Delete' }).click();
      await waitForText(page.locator('.admin-table tbody'), 'No webhooks yet.');
      assert.deepEqual((await admin.listWebhooks()).webhooks, []);
      assert.deepEqual(page.csp, []);
    });
  } finally {
    await page.context().close();
    await receiver.close();
  }
});

test('admin: the outbox lists the confirmation email as sent, filters, and replays it', LIMIT, async () => {
  const me = await admin.me();
  await admin.setEmail(me.id, 'root@example.org');
  await confirmationToken('root@example.org');
  const page = await newUserPage(browser, stack.url, 'admin', stack.server.adminPassword);
  await withScreenshot(page, 'notifications-outbox', async () => {
    await page.goto(`${stack.url}/#/admin/outbox`);
    await page.getByRole('heading', { level: 1, name: 'Outbox' }).waitFor();
    // The unfiltered rows may include webhook deliveries (the previous test's): once none is
    // left, the email filter has answered.
    const webhookRows = page.locator('tr[data-notification][data-event^="message."]');
    await page.getByLabel('Channel').selectOption('email');
    const row = page.locator('tr[data-event="email.confirmation"]', { hasText: 'root@example.org' });
    await waitFor('the confirmation email shown as sent, among emails only', async () => {
      if ((await webhookRows.count()) === 0 && (await row.getAttribute('data-state', { timeout: 1000 }).catch(() => null)) === 'sent') return true;
      await page.getByRole('button', { name: 'Refresh' }).click();
      return false;
    }, 15000, 300);
    assert.ok(Number(await page.locator('[data-summary="sent"] dd').innerText()) >= 1, 'the sent count');
    assert.deepEqual(await axeScan(page), [], 'axe: outbox');
    await noSidewaysScroll(page, 'outbox');

    // Filtering by state: a sent row is not among the failed.
    await page.getByLabel('State', { exact: true }).selectOption('failed');
    await waitFor('the failed rows', async () => (await row.count()) === 0);
    await page.getByLabel('State', { exact: true }).selectOption('');

    // Replay: the same email once more (the address is still waiting for confirmation).
    const id = await row.getAttribute('data-notification');
    await page.getByRole('button', { name: `Replay notification ${id}` }).click();
    await waitForText(page.locator('.admin-status'), `Notification ${id} is queued again.`);
    const mails = await smtp.waitForMessages('root@example.org', 2);
    assert.match(mails[0].message_id, new RegExp(`^<notification-${id}@`));
    assert.equal(mails[1].message_id, mails[0].message_id, 'a replay keeps its Message-ID');
    assert.deepEqual(page.csp, []);
  });
  await page.context().close();
});
