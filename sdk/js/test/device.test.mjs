// Device against a real server: catch-up, live push, ack -> delivered, restart, reset.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Device, ApiError, MissiveClient } from '../dist/index.js';
import { setup, device, waitFor, WebSocket, serverView, browserFetch } from '../testing/helpers.mjs';

let env;
let ann, ben;

before(async () => {
  env = await setup();
  ann = await env.user('ann');
  ben = await env.user('ben');
});

after(async () => {
  await env?.close();
});

test('catches up by pulling, then receives a push within a second; the ack marks it delivered', async () => {
  const old = await ben.client.send({ to: { users: ['ann'] }, subject: 'before', body: 'sent while offline' });
  const states = [];
  const d = device(ann.client, ann.user.id, { onState: (s) => states.push(s) });
  await d.dev.start();
  assert.equal(d.dev.state, 'live');
  assert.deepEqual(states, ['connecting', 'live']);
  assert.ok(d.entries.some((e) => e.kind === 'message' && e.message_id === old.id));
  assert.equal(d.dev.cursor, d.entries.at(-1).seq);

  const t0 = Date.now();
  const live = await ben.client.send({ to: { users: ['ann'] }, subject: 'live', body: 'pushed' });
  await waitFor('the push', () => d.entries.some((e) => e.kind === 'message' && e.message_id === live.id), 1000, 5);
  const latency = Date.now() - t0;
  assert.ok(latency < 1000, `push took ${latency} ms`);
  const entry = d.entries.find((e) => e.message_id === live.id);
  assert.equal(entry.message.subject, 'live');
  assert.equal(entry.conv_seq, live.seq);

  // Only the ack (pushes alone do not) makes it delivered on Ben's dashboard and gives Ben a
  // status entry.
  await waitFor('delivered_count 1', async () => (await ben.client.dashboard()).messages.find((r) => r.id === live.id).delivered_count === 1, 3000);
  const report = await ben.client.readReport(live.id);
  assert.ok(report.recipients[0].delivered_at);
  const benTimeline = await ben.client.sync({ since: 0 });
  assert.ok(benTimeline.entries.some((e) => e.kind === 'status' && e.message_id === live.id && e.status === 'delivered' && e.user === ann.user.id));

  // Entries strictly in order, no duplicates.
  d.entries.forEach((e, i) => assert.equal(e.seq, i + 1));
  d.dev.stop();
  await d.dev.stopped();
  assert.equal(d.dev.state, 'offline');
  assert.equal(d.errors.length, 0, String(d.errors));
});

test('a read on another session arrives as a read entry and moves the model', async () => {
  const m = await ben.client.send({ to: { users: ['ann'] }, subject: 'read me', body: '...' });
  const d = device(ann.client, ann.user.id);
  await d.dev.start();
  const conv = m.conversation_id;
  assert.ok(d.model.unread(conv) >= 1);
  const other = await env.session('ann');
  await other.markConversationRead(conv);
  await waitFor('read entry', () => d.model.unread(conv) === 0, 2000);
  assert.equal(d.model.conversations.get(conv).read_seq, m.seq);
  // One message read on its own above the watermark: a read entry with message_id.
  const more = [];
  for (let i = 0; i < 3; i++) more.push(await ben.client.send({ to: { users: ['ann'] }, subject: `more ${i}`, body: '...' }));
  await waitFor('three unread', () => d.model.unread(conv) === 3, 2000);
  await other.markRead(more[2].id);
  await waitFor('two unread', () => d.model.unread(conv) === 2, 2000);
  const server = (await ann.client.conversations()).conversations.find((c) => c.id === conv);
  assert.equal(server.unread, 2);
  assert.equal(d.model.conversations.get(conv).read_seq, server.read_seq);
  d.dev.stop();
  await d.dev.stopped();
});

test('reconnects after the server restarts and pulls what it missed', async () => {
  const states = [];
  const d = device(ann.client, ann.user.id, { onState: (s) => states.push(s) });
  await d.dev.start();
  const cursorBefore = d.dev.cursor;
  await env.server.restart();
  // A message sent right after the restart may commit before the device is back: the pull
  // brings it; one sent once the device is live comes by push.
  const missed = await ben.client.send({ to: { users: ['ann'] }, subject: 'while away', body: '...' });
  await waitFor('the missed message', () => d.entries.some((e) => e.message_id === missed.id), 10000);
  await waitFor('live again', () => d.dev.state === 'live', 10000);
  assert.ok(states.includes('offline') || states.filter((s) => s === 'connecting').length >= 2, states.join(','));
  const pushed = await ben.client.send({ to: { users: ['ann'] }, subject: 'after', body: '...' });
  await waitFor('the push after restart', () => d.entries.some((e) => e.message_id === pushed.id), 2000);
  assert.ok(d.dev.cursor > cursorBefore);
  d.entries.forEach((e, i) => assert.equal(e.seq, i + 1));
  d.dev.stop();
  await d.dev.stopped();
});

test('a cursor past the newest entry gets a reset: onReset, then continues from the newest', async () => {
  const newest = await ann.client.newestSeq();
  let resets = 0;
  const d = device(ann.client, ann.user.id, {
    cursor: newest + 1000,
    onReset: async () => { resets++; await d.model.bootstrap(ann.client); },
  });
  await d.dev.start();
  assert.equal(resets, 1);
  assert.equal(d.dev.cursor, newest);
  assert.ok(d.model.conversations.size >= 1);
  const m = await ben.client.send({ to: { users: ['ann'] }, subject: 'after reset', body: '...' });
  await waitFor('push after reset', () => d.entries.some((e) => e.message_id === m.id), 2000);
  assert.equal(d.entries[0].seq, newest + 1);
  d.dev.stop();
  await d.dev.stopped();
});

test('a logged-out session ends the device with 1008 -> ApiError 401', async () => {
  const client = await env.session('ann');
  const errors = [];
  const d = new Device(client, { WebSocket, minBackoffMs: 50, onError: (e) => errors.push(e) });
  await d.start();
  await client.call('logout'); // keep the token in the client: the socket still uses the old session
  // The server notices at the next push (or request): make one.
  await ben.client.send({ to: { users: ['ann'] }, subject: 'after logout', body: '...' });
  await waitFor('the device to stop', () => errors.some((e) => e instanceof ApiError && e.status === 401), 5000);
  await d.stopped();
  assert.equal(d.state, 'offline');
});

test('a user who joins a group late: the conversation hole is filled with placeholders', async () => {
  const team = await env.admin.createGroup({ name: 'late-team' });
  await env.admin.addMember(team.id, ben.user.id);
  const cat = await env.user('cat');
  await env.admin.addMember(team.id, cat.user.id);
  for (let i = 0; i < 3; i++) await ben.client.send({ to: { groups: ['late-team'] }, subject: `early ${i}`, body: '...' });
  await env.admin.addMember(team.id, ann.user.id);
  const d = device(ann.client, ann.user.id);
  await d.dev.start();
  const m = await ben.client.send({ to: { groups: ['late-team'] }, subject: 'welcome', body: '...' });
  await waitFor('the group message', () => d.entries.some((e) => e.message_id === m.id), 2000);
  const view = d.model.view().find((c) => c.id === m.conversation_id);
  assert.deepEqual(view.slots, [null, null, null, m.id]);
  assert.deepEqual((await serverView(ann.client)).find((c) => c.id === m.conversation_id), view);
  d.dev.stop();
  await d.dev.stopped();
});

test('a browser-style device: the session cookie (and Origin) authenticate /ws, no token', async () => {
  const url = env.server.url;
  const cookieJar = browserFetch(url);
  const client = new MissiveClient({ baseUrl: url, fetch: cookieJar });
  await client.login('ann', ann.password, { cookie: true });
  assert.equal(client.token, undefined);
  // What a browser does on its own: send the cookie and the page's Origin with the upgrade.
  const urls = [];
  class BrowserWebSocket extends WebSocket {
    constructor(target) { urls.push(target); super(target, { headers: { Cookie: cookieJar.cookie(), Origin: url } }); }
  }
  const d = device(client, ann.user.id, { WebSocket: BrowserWebSocket });
  await d.dev.start();
  assert.equal(urls[0], `${url.replace('http', 'ws')}/ws`);
  const m = await ben.client.send({ to: { users: ['ann'] }, subject: 'cookie push', body: '...' });
  await waitFor('push over the cookie socket', () => d.entries.some((e) => e.message_id === m.id), 2000);
  d.dev.stop();
  await d.dev.stopped();
});

test('history over the socket: the same slots as GET /v1/conversations/{id}/messages', async () => {
  const sent = [];
  for (let i = 0; i < 3; i++) sent.push(await ben.client.send({ to: { users: ['ann'] }, subject: `history ${i}`, body: '...' }));
  await ben.client.withdraw(sent[1].id);
  const conv = sent[0].conversation_id;
  const d = device(ann.client, ann.user.id);
  await d.dev.start();
  const newest = await d.dev.history(conv, { limit: 2 });
  assert.deepEqual(newest, await ann.client.conversationMessages(conv, { limit: 2 }));
  assert.equal(newest.slots[0].message.id, sent[2].id);
  assert.equal(newest.slots[1].placeholder, true, 'the withdrawn message is a placeholder');
  const older = await d.dev.history(conv, { before: newest.next, limit: 50 });
  assert.deepEqual(older, await ann.client.conversationMessages(conv, { before: newest.next, limit: 50 }));
  const range = await d.dev.history(conv, { after: sent[0].seq - 1, limit: 2 });
  assert.deepEqual(range.slots.map((s) => s.seq), [sent[0].seq, sent[1].seq]);
  d.dev.stop();
  await d.dev.stopped();
  await assert.rejects(d.dev.history(conv), /not open/, 'no socket, no history');
});
