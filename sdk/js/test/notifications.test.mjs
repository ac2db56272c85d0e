// Email settings, confirmation, unsubscribe links, webhooks and the outbox against a real
// server that sends email to a real SMTP server (testing/smtp.mjs) and may post webhooks to
// 127.0.0.1: every method of the family, its errors, the answers' members against
// docs/openapi.yaml, and a real delivery checked with verifyWebhook.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import YAML from 'yaml';
import { ApiError, MissiveClient, verifyWebhook } from '../dist/index.js';
import { setup, waitFor } from '../testing/helpers.mjs';
import { startSmtp } from '../testing/smtp.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const doc = YAML.parse(readFileSync(process.env.MISSIVE_OPENAPI || resolve(here, '../../../docs/openapi.yaml'), 'utf8'));
const schemaKeys = (name) => Object.keys(doc.components.schemas[name].properties).sort();
const keys = (o) => Object.keys(o).sort();
const apiError = (status, code) => (e) => e instanceof ApiError && e.status === status && e.code === code;

let env, smtp, ada, bob;
const received = [];
let receiver;

before(async () => {
  smtp = await startSmtp();
  env = await setup({ args: ['--smtp-url', smtp.url, '--mail-from', 'Missive <missive@example.org>', '--allow-private-webhooks'] });
  ada = await env.user('ada');
  bob = await env.user('bob');
  receiver = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => { received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') }); res.writeHead(204).end(); });
  });
  await new Promise((r) => receiver.listen(0, '127.0.0.1', r));
});

after(async () => {
  await env?.close();
  await smtp?.stop();
  receiver?.close();
});

async function confirmationToken(address, count = 1) {
  const mails = await smtp.waitForMessages(address, count);
  const match = /#\/confirm-email\/([A-Za-z0-9._~-]+)/.exec(mails.at(-1).text ?? '');
  assert.ok(match, `no confirmation link in ${JSON.stringify(mails.at(-1).text)}`);
  return match[1];
}

test('email: set (pending), confirm once, preferences, remove; only the user or an admin', async () => {
  const { client, user } = ada;
  const initial = await client.emailSettings(user.id);
  assert.deepEqual(initial, { address: null, pending: null, reminders: true, digest: true });
  assert.deepEqual(keys(initial), schemaKeys('EmailSettings'));

  const pending = await client.setEmail(user.id, 'ada@example.org');
  assert.deepEqual(pending, { address: null, pending: 'ada@example.org', reminders: true, digest: true });
  const token = await confirmationToken('ada@example.org');
  const confirmation = await new MissiveClient({ baseUrl: env.server.url }).confirmEmail(token);   // no login needed
  assert.deepEqual(confirmation, { user_id: user.id });
  await assert.rejects(client.confirmEmail(token), apiError(404, 'not_found'));
  assert.equal((await client.emailSettings(user.id)).address, 'ada@example.org');

  assert.deepEqual(await client.setEmailPreferences(user.id, { digest: false }),
    { address: 'ada@example.org', pending: null, reminders: true, digest: false });
  assert.equal((await client.setEmailPreferences(user.id, { reminders: false })).digest, false, 'a field left out is kept');

  await assert.rejects(bob.client.emailSettings(user.id), apiError(403, 'forbidden'));
  await assert.rejects(bob.client.setEmail(user.id, 'bob@example.org'), apiError(403, 'forbidden'));
  await assert.rejects(client.setEmail(user.id, 'not an address'), (e) => e instanceof ApiError && e.status === 400);
  // An admin may change anyone's.
  assert.equal((await env.admin.emailSettings(user.id)).address, 'ada@example.org');

  const removed = await client.removeEmail(user.id);
  assert.deepEqual([removed.address, removed.pending], [null, null]);
});

test('unsubscribe: the page is HTML with a button; a token that does not verify is 404', async () => {
  const html = await bob.client.unsubscribePage('1.reminders.deadbeef');
  assert.match(html, /<form method="post"[^>]*>.*Unsubscribe/s);
  await assert.rejects(bob.client.unsubscribe('1.reminders.deadbeef'), (e) => e instanceof ApiError && e.status === 404);
});

test('webhooks: create, list, get, a delivery verifies, log, disable, rotate, delete; admins only', async () => {
  const { admin } = env;
  const url = `http://127.0.0.1:${receiver.address().port}/hook`;
  await assert.rejects(ada.client.createWebhook({ url, events: ['message.sent'] }), apiError(403, 'forbidden'));
  await assert.rejects(admin.createWebhook({ url: 'ftp://127.0.0.1/x', events: ['message.sent'] }), (e) => e instanceof ApiError && e.status === 422);

  const hook = await admin.createWebhook({ url, events: ['message.sent'], description: 'sdk test' });
  assert.deepEqual(keys(hook), schemaKeys('Webhook'));
  assert.match(hook.secret, /^whsec_[A-Za-z0-9+/]+=*$/);
  assert.deepEqual([hook.enabled, hook.disabled_reason, hook.events], [true, null, ['message.sent']]);
  assert.deepEqual((await admin.listWebhooks()).webhooks.map((w) => w.id), [hook.id]);
  assert.equal((await admin.getWebhook(hook.id)).url, url);

  const m = await ada.client.send({ to: { users: ['bob'] }, subject: 'hooked', body: '...' });
  await waitFor('the delivery', () => received.length > 0, 20000);
  const event = await verifyWebhook(hook.secret, received[0].headers, received[0].body);
  assert.equal(event.type, 'message.sent');
  assert.equal(event.data.message_id, m.id);

  const id = Number(received[0].headers['webhook-id'].replace(/^ntf_/, ''));
  const log = await waitFor('the delivery logged as sent', async () => {
    const page = await admin.webhookDeliveries(hook.id, { state: 'sent' });
    return page.notifications.length > 0 && page;
  }, 10000, 100);
  assert.deepEqual(keys(log), ['next_before', 'notifications']);
  const row = log.notifications[0];
  assert.equal(row.id, id);
  assert.deepEqual([row.channel, row.event, row.state, row.webhook_id, row.attempts], ['webhook', 'message.sent', 'sent', hook.id, 1]);
  for (const k of keys(row)) assert.ok(schemaKeys('Notification').includes(k), `Notification member ${k}`);

  assert.equal((await admin.updateWebhook(hook.id, { enabled: false })).enabled, false);
  const rotated = await admin.updateWebhook(hook.id, { new_secret: true, enabled: true });
  assert.notEqual(rotated.secret, hook.secret);
  assert.equal(rotated.enabled, true);

  await admin.deleteWebhook(hook.id);
  await assert.rejects(admin.getWebhook(hook.id), apiError(404, 'not_found'));
});

test('the outbox: rows by channel and state, one row, summary, replay; admins only', async () => {
  const { admin } = env;
  const me = await admin.me();
  await admin.setEmail(me.id, 'root@example.org');
  await confirmationToken('root@example.org');
  await assert.rejects(ada.client.notifications(), apiError(403, 'forbidden'));
  await assert.rejects(ada.client.outboxSummary(), apiError(403, 'forbidden'));

  const row = await waitFor('the confirmation email logged as sent', async () => {
    const page = await admin.notifications({ channel: 'email', user: me.id });
    return page.notifications.find((n) => n.event === 'email.confirmation' && n.state === 'sent');
  }, 10000, 100);
  assert.equal(row.destination, 'root@example.org');
  assert.deepEqual(await admin.getNotification(row.id), row);
  assert.ok((await admin.notifications({ channel: 'webhook' })).notifications.every((n) => n.channel === 'webhook'));
  assert.ok((await admin.notifications({ state: 'failed' })).notifications.every((n) => n.state === 'failed'));
  const first = await admin.notifications({ limit: 1 });
  assert.equal(first.notifications.length, 1);
  assert.equal(first.next_before, first.notifications[0].id);
  await assert.rejects(admin.notifications({ state: 'lost' }), (e) => e instanceof ApiError && e.status === 400);

  const summary = await admin.outboxSummary();
  assert.deepEqual(keys(summary), Object.keys(doc.paths['/v1/notifications/summary'].get.responses['200'].content['application/json'].schema.properties).sort());
  assert.ok(summary.sent >= 2);

  const replayed = await admin.replayNotification(row.id);
  assert.equal(replayed.id, row.id);
  const mails = await smtp.waitForMessages('root@example.org', 2);
  assert.equal(mails.length, 2);
});
