// REST round trips of every method family against a real server, and error mapping.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { MissiveClient, ApiError } from '../dist/index.js';
import { setup, browserFetch, day } from '../testing/helpers.mjs';

let env;
let ada, bob, cyd;

before(async () => {
  env = await setup();
  ada = await env.user('ada', { first_name: 'Ada', last_name: 'Lovelace', attributes: { role: 'dba', region: 'EU' } });
  bob = await env.user('bob', { first_name: 'Bob', last_name: 'Kahn', attributes: { role: 'dba', region: 'US' } });
  cyd = await env.user('cyd', { first_name: 'Cyd', last_name: 'Charisse', attributes: { role: 'dev', region: 'EU' } });
});

after(async () => {
  await env?.close();
});

test('health, login with a token, me, logout', async () => {
  const anonymous = new MissiveClient({ baseUrl: env.server.url });
  assert.deepEqual(await anonymous.health(), { status: 'ok' });
  const session = await anonymous.login('ada', ada.password);
  assert.equal(typeof session.token, 'string');
  assert.equal(anonymous.token, session.token);
  assert.equal(session.user.handle, 'ada');
  assert.ok(Date.parse(session.expires_at) > Date.now());
  assert.equal((await anonymous.me()).id, ada.user.id);
  await anonymous.logout();
  assert.equal(anonymous.token, undefined);
  // The revoked token no longer works.
  const stale = new MissiveClient({ baseUrl: env.server.url, token: session.token });
  await assert.rejects(stale.me(), (e) => e instanceof ApiError && e.status === 401 && e.code === 'unauthenticated');
});

test('users: create, list with paging, get, by handle, update, deactivate, activate', async () => {
  const { admin } = env;
  const u = await admin.createUser({ handle: 'dan', first_name: 'Dan', last_name: 'Bricklin', password: 'dan-password', attributes: { level: 3, remote: true } });
  assert.equal(u.handle, 'dan');
  assert.equal(u.full_name, 'Dan Bricklin');
  assert.deepEqual(u.attributes, { level: 3, remote: true });
  assert.equal(u.is_active, true);

  const page1 = await admin.listUsers({ limit: 2 });
  assert.equal(page1.users.length, 2);
  assert.equal(typeof page1.next, 'number');
  const page2 = await admin.listUsers({ after: page1.next, limit: 100 });
  const ids = [...page1.users, ...page2.users].map((x) => x.id);
  assert.ok(ids.includes(u.id) && ids.includes(ada.user.id));
  assert.equal(new Set(ids).size, ids.length);

  assert.deepEqual(await admin.getUser(u.id), u);
  assert.deepEqual(await admin.getUserByHandle('dan'), u);

  const patched = await admin.updateUser(u.id, { first_name: 'Daniel', attributes: { level: null, team: 'calc' } });
  assert.equal(patched.full_name, 'Daniel Bricklin');
  assert.deepEqual(patched.attributes, { remote: true, team: 'calc' });

  const off = await admin.deactivateUser(u.id);
  assert.equal(off.is_active, false);
  assert.ok(!(await admin.listUsers({ limit: 200 })).users.some((x) => x.id === u.id));
  assert.ok((await admin.listUsers({ limit: 200, include_inactive: true })).users.some((x) => x.id === u.id));
  await assert.rejects(new MissiveClient({ baseUrl: env.server.url }).login('dan', 'dan-password'), { status: 401 });
  assert.equal((await admin.activateUser(u.id)).is_active, true);
});

test('users: q finds handle, first or last name prefixes, case-insensitively', async () => {
  const { admin } = env;
  const handles = async (q) => (await admin.listUsers({ q })).users.map((u) => u.handle).sort();
  assert.deepEqual(await handles('ADA'), ['ada']);
  assert.deepEqual(await handles('ad'), ['ada', 'admin']); // the admin's last name is Admin
  assert.deepEqual(await handles('kah'), ['bob']);
  assert.deepEqual(await handles('cy'), ['cyd']);
  assert.deepEqual(await handles('zzz'), []);
});

test('errors: ApiError carries status and code', async () => {
  await assert.rejects(ada.client.getUser(999999), (e) => e instanceof ApiError && e.status === 404 && e.code === 'not_found');
  await assert.rejects(ada.client.createUser({ handle: 'eve', first_name: 'E', last_name: 'V', password: 'eve-password' }),
    (e) => e instanceof ApiError && e.status === 403 && e.code === 'forbidden');
  await assert.rejects(env.admin.createUser({ handle: 'ada', first_name: 'A', last_name: 'L', password: 'ada-password' }),
    (e) => e.status === 409 && e.code === 'conflict');
  await assert.rejects(env.admin.createUser({ handle: 'Bad Handle', first_name: 'A', last_name: 'L', password: 'x-password' }),
    (e) => e.status === 400 && e.code === 'invalid' && e.message.length > 0);
  await assert.rejects(ada.client.send({ to: { users: [bob.user.id] }, subject: '', body: 'x' }), { status: 400, code: 'invalid' });
  await assert.rejects(ada.client.inbox({ limit: 0 }), { status: 400, code: 'invalid' });
  await assert.rejects(ada.client.search({ q: '"unbalanced' }), (e) => e.status === 400 && e.code === 'invalid' && /position/.test(e.message));
  const bad = await env.admin.createGroup({ name: 'bad', rule: 'role == "dba"' }).catch((e) => e);
  assert.ok(bad instanceof ApiError);
  assert.equal(bad.status, 422);
  assert.equal(bad.code, 'unprocessable');
  assert.equal(typeof bad.position, 'number');
});

test('groups: explicit members and rules', async () => {
  const { admin } = env;
  const ops = await admin.createGroup({ name: 'ops' });
  assert.equal(ops.rule, null);
  await admin.addMember(ops.id, ada.user.id);
  await admin.addMember(ops.id, bob.user.id);
  assert.deepEqual((await admin.groupMembers(ops.id)).members.map((m) => m.handle).sort(), ['ada', 'bob']);
  await admin.removeMember(ops.id, bob.user.id);
  assert.deepEqual((await admin.groupMembers(ops.id)).members.map((m) => m.handle), ['ada']);
  assert.equal((await admin.getGroup(ops.id)).member_count, 1);

  const dbas = await admin.createGroup({ name: 'dbas', rule: 'role = "dba"' });
  assert.deepEqual((await admin.groupMembers(dbas.id)).members.map((m) => m.handle).sort(), ['ada', 'bob']);
  const renamed = await admin.updateGroup(dbas.id, { name: 'eu-dbas', rule: 'role = "dba" and region = "EU"' });
  assert.equal(renamed.name, 'eu-dbas');
  assert.deepEqual((await admin.groupMembers(dbas.id)).members.map((m) => m.handle), ['ada']);

  assert.equal((await admin.deactivateGroup(dbas.id)).is_active, false);
  assert.ok(!(await admin.listGroups()).groups.some((g) => g.id === dbas.id));
  assert.ok((await admin.listGroups({ include_inactive: true })).groups.some((g) => g.id === dbas.id));
  await assert.rejects(admin.send({ to: { groups: [dbas.id] }, subject: 's', body: 'b' }), { status: 422 });
  assert.equal((await admin.activateGroup(dbas.id)).is_active, true);
});

test('permissions: refused with the permission named, then granted; the policy; senders', async () => {
  const dee = await env.user('dee', { attributes: { clearance: 3 } });
  const err = await dee.client.createGroup({ name: 'everyone', rule: 'handle != ""' }).catch((e) => e);
  assert.ok(err instanceof ApiError);
  assert.equal(err.status, 403);
  assert.match(err.message, /needs the create_rule_groups permission/);
  await assert.rejects(dee.client.previewRule('handle != ""'), { status: 403 });
  await assert.rejects(dee.client.updateUser(dee.user.id, { permissions: ['create_rule_groups'] }), { status: 403 });
  const granted = await env.admin.updateUser(dee.user.id, { permissions: ['create_rule_groups'] });
  assert.deepEqual(granted.permissions, ['create_rule_groups']);
  assert.deepEqual((await dee.client.me()).permissions, ['create_rule_groups']);
  const everyone = await dee.client.createGroup({ name: 'everyone', rule: 'handle != ""', senders: 'named', sender_ids: [dee.user.id] });
  assert.equal(everyone.senders, 'named');
  assert.deepEqual(everyone.sender_ids, [dee.user.id]);

  // Others see dee's handle and names only.
  const seen = await dee.client.getUserByHandle('dee');
  assert.equal(seen.attributes.clearance, 3, 'her own attributes');
  const other = await env.user('eli');
  const shown = await other.client.getUser(dee.user.id);
  assert.equal(shown.handle, 'dee');
  assert.equal(shown.attributes, undefined);
  assert.equal(shown.permissions, undefined);

  const before = await env.admin.policy();
  assert.deepEqual(before, { create_groups: 'everyone', create_rule_groups: 'granted', large_audience: 100, see_attributes: 'granted' });
  assert.equal((await env.admin.setPolicy({ large_audience: 1 })).large_audience, 1);
  await assert.rejects(dee.client.send({ to: { users: ['eli', 'admin'] }, subject: 's', body: 'b' }), (e) => e.status === 403 && /send_to_large_audiences/.test(e.message));
  await assert.rejects(other.client.policy(), { status: 403 });
  await env.admin.setPolicy(before);
  await env.admin.deactivateGroup(everyone.id);
});

test('groups: previewRule counts and lists matches; a bad rule has a position', async () => {
  const preview = await env.admin.previewRule('region = "EU"');
  assert.equal(preview.count, 2);
  assert.deepEqual(preview.users.map((u) => u.handle).sort(), ['ada', 'cyd']);
  const err = await env.admin.previewRule('role == "dba"').catch((e) => e);
  assert.ok(err instanceof ApiError);
  assert.equal(err.status, 422);
  assert.equal(err.code, 'unprocessable');
  assert.equal(err.position, 6);
});

test('messages: send (idempotent), get, thread, reply, read, inbox, expiry, withdraw', async () => {
  const sent = await ada.client.send({
    to: { users: [bob.user.id, 'cyd'] }, subject: 'Maintenance tonight', body: 'Down 22:00-23:00.',
    metadata: { ticket: 'OPS-42' }, flags: ['important'], client_msg_id: 'maint-1',
  });
  assert.equal(sent.creator_id, ada.user.id);
  assert.equal(sent.recipient_count, 2);
  assert.deepEqual(sent.metadata, { ticket: 'OPS-42' });
  assert.deepEqual(sent.flags, ['important']);
  const again = await ada.client.send({ to: { users: [bob.user.id, 'cyd'] }, subject: 'Maintenance tonight', body: 'Down 22:00-23:00.', client_msg_id: 'maint-1' });
  assert.equal(again.id, sent.id);

  const asBob = await bob.client.getMessage(sent.id);
  assert.equal(asBob.is_read, false);
  assert.equal(asBob.recipient_count, undefined); // creator's view only

  const inbox = await bob.client.inbox({ unread: true });
  assert.deepEqual(inbox.messages.map((m) => m.id), [sent.id]);
  assert.equal((await bob.client.inbox({ sender: cyd.user.id })).messages.length, 0);

  const read = await bob.client.markRead(sent.id);
  assert.deepEqual(read, { messages_marked: 1, read_seq: sent.seq });
  assert.equal((await bob.client.markRead(sent.id)).messages_marked, 0);
  assert.equal((await bob.client.inbox({ unread: true })).messages.length, 0);

  const reply = await bob.client.reply(sent.id, { body: 'Noted.' });
  assert.equal(reply.parent_id, sent.id);
  assert.equal(reply.root_id, sent.id);
  assert.equal(reply.subject, 'Re: Maintenance tonight');
  const all = await cyd.client.reply(sent.id, { body: 'Thanks all', reply_all: true });
  const thread = await ada.client.thread(reply.id);
  assert.equal(thread.root.message.id, sent.id);
  assert.deepEqual(thread.root.replies.map((n) => n.message.id).sort(), [reply.id, all.id].sort());

  const later = new Date(Date.now() + 86400000).toISOString();
  const withExpiry = await ada.client.setExpiry(sent.id, later);
  assert.equal(Date.parse(withExpiry.expiry_date), Date.parse(later));
  assert.equal((await ada.client.setExpiry(sent.id, null)).expiry_date, null);
  await assert.rejects(bob.client.setExpiry(sent.id, null), { status: 403, code: 'forbidden' });

  const withdrawn = await ada.client.withdraw(sent.id);
  assert.equal(withdrawn.active, false);
  await assert.rejects(bob.client.getMessage(sent.id), { status: 404 });
  assert.ok(!(await cyd.client.inbox()).messages.some((m) => m.id === sent.id));
});

test('conversations: unread counts, read up to, history pages and range pulls', async () => {
  const sends = [];
  for (let i = 0; i < 5; i++) sends.push(await cyd.client.send({ to: { users: ['bob'] }, subject: `note ${i}`, body: `body ${i}` }));
  const convId = sends[0].conversation_id;
  const conv = () => bob.client.conversations().then((r) => r.conversations.find((c) => c.id === convId));
  let c = await conv();
  assert.equal(c.kind, 'direct');
  assert.equal(c.max_seq, sends[4].seq);
  assert.equal(c.unread, 5);
  assert.equal(c.last_message_id, sends[4].id);

  const marked = await bob.client.markConversationRead(convId, sends[1].seq);
  assert.equal(marked.read_seq, sends[1].seq);
  assert.equal(marked.messages_marked, 2);
  c = await conv();
  assert.equal(c.unread, 3);
  await bob.client.markRead(sends[3].id); // above the watermark, on its own
  assert.equal((await conv()).unread, 2);

  const newest = await bob.client.conversationMessages(convId, { limit: 2 });
  assert.deepEqual(newest.slots.map((s) => s.seq), [sends[4].seq, sends[3].seq]);
  const older = await bob.client.conversationMessages(convId, { before: newest.next, limit: 200 });
  assert.equal(older.next, null);
  assert.equal(older.slots[0].seq, sends[2].seq);
  const range = await bob.client.conversationMessages(convId, { after: sends[2].seq, limit: 200 });
  assert.deepEqual(range.slots.map((s) => s.message.id), [sends[3].id, sends[4].id]);

  const all = await bob.client.markConversationRead(convId);
  assert.equal(all.read_seq, sends[4].seq);
  assert.equal((await conv()).unread, 0);
  await assert.rejects(ada.client.conversationMessages(convId), { status: 404 });
});

test('search: words, prefixes, CJK substrings, filters and paging', async () => {
  const tokyo = await ada.client.send({ to: { users: ['bob'] }, subject: '出張', body: '来週は東京本社で会議があります。' });
  await ada.client.send({ to: { users: ['bob'] }, subject: 'Delivery', body: 'The delivery of the racks is on Tuesday.' });
  await ada.client.send({ to: { users: ['bob'] }, subject: 'Delivered', body: 'Racks delivered friday.' });

  const cjk = await bob.client.search({ q: '東京' });
  assert.deepEqual(cjk.results.map((r) => r.message.id), [tokyo.id]);
  assert.match(cjk.results[0].snippet, /«東京»/);
  assert.equal(cjk.results[0].thread.root_id, tokyo.id);
  assert.equal(cjk.results[0].thread.parent_id, null);

  assert.equal((await bob.client.search({ q: 'deliv*' })).results.length, 2);
  assert.equal((await bob.client.search({ q: 'deliv* NOT friday' })).results.length, 1);
  assert.equal((await bob.client.search({ q: 'deliv*', sender: cyd.user.id })).results.length, 0);
  const page1 = await bob.client.search({ q: 'deliv*', sort: 'date', limit: 1 });
  assert.equal(page1.results.length, 1);
  assert.equal(page1.results[0].score, 0);
  assert.equal(typeof page1.next, 'string');
  const page2 = await bob.client.search({ q: 'deliv*', sort: 'date', limit: 1, cursor: page1.next });
  assert.notEqual(page2.results[0].message.id, page1.results[0].message.id);
  // Ada sent them: she finds them too; Cyd does not.
  assert.equal((await ada.client.search({ q: '東京' })).results.length, 1);
  assert.equal((await cyd.client.search({ q: '東京' })).results.length, 0);
});

test('dashboard: rows, read report, read history', async () => {
  const g = await env.admin.createGroup({ name: 'readers' });
  await env.admin.addMember(g.id, ada.user.id);
  await env.admin.addMember(g.id, bob.user.id);
  await env.admin.addMember(g.id, cyd.user.id);
  const m = await ada.client.send({ to: { groups: ['readers'] }, subject: 'Report me', body: 'please read' });
  await bob.client.markRead(m.id);

  const row = (await ada.client.dashboard({ limit: 5 })).messages.find((r) => r.id === m.id);
  const report = await ada.client.readReport(m.id);
  const n = report.recipients.length; // bob and cyd (and ada, if a sender counts as a member)
  assert.ok(n === 2 || n === 3);
  assert.equal(row.recipients, n);
  assert.equal(row.read_count, 1);
  assert.equal(row.read_percent, 100 / n);
  assert.equal(row.reminders, null);

  assert.equal(report.message.id, m.id);
  assert.deepEqual(report.groups.map((x) => [x.group_id, x.recipients, x.reads]), [[g.id, n, 1]]);
  const byHandle = Object.fromEntries(report.recipients.map((r) => [r.handle, r]));
  assert.equal(byHandle.bob.is_read, true);
  assert.equal(byHandle.cyd.is_read, false);
  await assert.rejects(bob.client.readReport(m.id), { status: 403 });

  const history = await ada.client.readHistory(m.id);
  assert.equal(history.message_id, m.id);
  assert.equal(history.recipients, n);
  assert.equal(history.create_date, m.create_date);
  assert.equal(history.reads.length, 1);
  assert.equal(history.reads[0].read_count, 1);
  assert.deepEqual(history.rounds, []);
});

test('reminders: send with a schedule, plan, update, stop, lists', async () => {
  const expiry = day(20);
  const plan = await ada.client.planReminders({ expiry_date: expiry, reminders: { frequency: 'weekly' } });
  assert.equal(plan.expiry_day, expiry);
  assert.equal(plan.omitted, 0);
  assert.ok(plan.dates.length >= 2);
  assert.equal(plan.dates.at(-1).final, true);
  assert.ok(plan.dates.slice(0, -1).every((d) => !d.final));
  assert.equal(plan.dates.at(-1).at.slice(0, 10), expiry);
  const daily = await ada.client.planReminders({ expiry_date: day(5), reminders: { frequency: 'every_days', every_days: 1 } });
  assert.ok(daily.dates.length >= 4 && daily.dates.length <= 5);
  await assert.rejects(ada.client.planReminders({ expiry_date: day(-1), reminders: { frequency: 'weekly' } }), { status: 422 });

  const m = await ada.client.send({
    to: { users: ['bob', 'cyd'] }, subject: 'Sign the form', body: '...', expiry_date: expiry,
    reminders: { frequency: 'weekly', deactivate_non_responders: true },
  });
  assert.equal(m.reminders.frequency, 'weekly');
  assert.equal(m.reminders.period_days, 7);
  assert.equal(m.reminders.expiry_day, expiry);
  assert.equal(m.reminders.status, 'active');
  assert.equal(m.expiry_date, `${expiry}T23:59:59.999Z`);
  await assert.rejects(ada.client.send({ to: { users: ['bob'] }, subject: 'x', body: 'y', reminders: { frequency: 'daily' } }),
    { status: 422, code: 'unprocessable' });

  const changed = await ada.client.updateReminders(m.id, { every_days: 3 });
  assert.equal(changed.reminders.period_days, 3);
  await assert.rejects(bob.client.updateReminders(m.id, { stop: true }), { status: 403 });

  const due = await env.admin.dueReminders({ until: day(30) });
  assert.ok(due.due.some((d) => d.message_id === m.id));
  await assert.rejects(bob.client.dueReminders(), { status: 403 });

  const stopped = await ada.client.updateReminders(m.id, { stop: true });
  assert.equal(stopped.reminders.status, 'stopped');
  const received = await bob.client.reminders({ limit: 10 });
  assert.ok(Array.isArray(received.reminders));
  assert.ok('next' in received);
});

test('cookie sessions: the client keeps no token, the cookie authenticates, logout ends it', async () => {
  // The cookie's flags and the Origin rules are the server's: web/test/serving.test.mjs checks
  // them. Here a fetch wrapper plays the browser's part (it keeps and sends the cookie).
  const client = new MissiveClient({ baseUrl: env.server.url, fetch: browserFetch(env.server.url) });
  const session = await client.login('ada', ada.password, { cookie: true });
  assert.equal(session.token, undefined);
  assert.equal(session.user.handle, 'ada');
  assert.equal(client.token, undefined);
  assert.equal((await client.me()).handle, 'ada');
  const m = await client.send({ to: { users: ['bob'] }, subject: 'via cookie', body: 'x' });
  assert.equal(m.creator_id, ada.user.id);
  await client.logout();
  await assert.rejects(client.me(), { status: 401 });
});
