// The randomized three-devices-of-one-user scenario: other users send to the user, the user
// reads, replies and withdraws from random devices, devices drop and come back at random, the
// server restarts now and then;
// at the end every device's model (conversations, read_seq, unread, message slots) must equal
// the server's view. Seeded: MISSIVE_SDK_SEED=<seed> replays a run (the seed is printed);
// MISSIVE_SDK_OPS sets the number of operations (default 300).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ApiError } from '../dist/index.js';
import { setup, device, waitFor, serverView } from '../testing/helpers.mjs';

// mulberry32: small, fast, and the same sequence on every platform for a seed.
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

let env;
before(async () => { env = await setup(); });
after(async () => { await env?.close(); });

test('three devices of one user converge with the server', { timeout: 60000 }, async () => {
  const seed = process.env.MISSIVE_SDK_SEED ? Number(process.env.MISSIVE_SDK_SEED) : Math.floor(Math.random() * 2 ** 31);
  const ops = Number(process.env.MISSIVE_SDK_OPS ?? 300);
  console.log(`three-devices: seed ${seed} (replay: MISSIVE_SDK_SEED=${seed}), ${ops} operations`);
  const random = rng(seed);
  const pick = (xs) => xs[Math.floor(random() * xs.length)];
  const started = Date.now();

  const me = await env.user('uma');
  const others = [await env.user('al'), await env.user('bea'), await env.user('cal')];
  const group = await env.admin.createGroup({ name: 'team' });
  for (const u of [me, others[0], others[1]]) await env.admin.addMember(group.id, u.user.id);

  const sessions = [me.client, await env.session('uma'), await env.session('uma')];
  const devices = sessions.map((c) => device(c, me.user.id));
  await Promise.all(devices.map((d) => d.dev.start()));
  const online = [true, true, true];

  const received = []; // messages sent to uma: {id, conversation_id, seq}
  const mine = [];     // ids uma sent
  const mineTo = new Map(); // id of a direct send of uma's -> the index of its recipient
  const theirs = new Map(); // id -> sender index, for withdrawals by others
  const conversations = new Set();
  const counts = {};
  const count = (name) => { counts[name] = (counts[name] ?? 0) + 1; };
  // A 404 (withdrawn meanwhile, or gone) is an expected outcome of a random operation.
  const tolerate404 = (p) => p.catch((e) => { if (!(e instanceof ApiError && e.status === 404)) throw e; count('404'); });

  // Waits until the given devices have applied the whole timeline, then compares each one's
  // model with the server's view.
  let checks = 0;
  async function converge(label, which) {
    const newest = await sessions[0].newestSeq();
    for (const k of which) {
      await waitFor(`device ${k} at ${newest} (${label}, seed ${seed})`, () => devices[k].dev.cursor >= newest, 15000);
    }
    const expected = await serverView(sessions[0]);
    for (const k of which) {
      const d = devices[k];
      d.entries.forEach((e, j) => assert.equal(e.seq, j + 1, `device ${k}: entries in order`));
      assert.deepEqual(d.model.view(), expected, `device ${k} differs from the server at ${label} (seed ${seed})`);
    }
    checks++;
    return { newest, expected };
  }

  for (let i = 0; i < ops; i++) {
    // Mid-run checkpoints catch states the end may no longer show (reads above the watermark
    // that a later read of the whole conversation would cover).
    if (i > 0 && i % 50 === 0) await converge(`operation ${i}`, [0, 1, 2].filter((k) => online[k]));
    const r = random();
    const session = pick(sessions);
    if (r < 0.3) {
      const s = Math.floor(random() * 3);
      const kind = s < 2 ? pick(['direct', 'group', 'multi']) : pick(['direct', 'multi']);
      const to = kind === 'direct' ? { users: ['uma'] } : kind === 'group' ? { groups: ['team'] } : { users: ['uma', others[(s + 1) % 3].user.handle] };
      const m = await others[s].client.send({ to, subject: `op ${i} ${kind}`, body: `from ${others[s].user.handle}`, client_msg_id: `op-${i}` });
      received.push(m);
      theirs.set(m.id, s);
      conversations.add(m.conversation_id);
      count(`send:${kind}`);
    } else if (r < 0.45 && received.length) {
      // Mostly recent messages: those are the ones above the watermark, read out of order.
      const recent = random() < 0.8 ? received.slice(-6) : received;
      await tolerate404(session.markRead(pick(recent).id));
      count('read message');
    } else if (r < 0.55 && received.length) {
      const m = pick(received);
      if (random() < 0.5) await session.markConversationRead(m.conversation_id);
      else await session.markConversationRead(m.conversation_id, m.seq);
      count('read conversation');
    } else if (r < 0.65 && received.length) {
      await tolerate404(session.reply(pick(received).id, { body: `reply ${i}`, reply_all: random() < 0.5 }).then((m) => {
        mine.push(m.id);
        conversations.add(m.conversation_id);
      }));
      count('reply');
    } else if (r < 0.7) {
      const o = Math.floor(random() * 3);
      const m = await session.send({ to: { users: [others[o].user.handle] }, subject: `mine ${i}`, body: '...' });
      mine.push(m.id);
      mineTo.set(m.id, o);
      conversations.add(m.conversation_id);
      count('send:own');
    } else if (r < 0.75 && mine.length) {
      await tolerate404(session.withdraw(pick(mine)));
      count('withdraw:own');
    } else if (r < 0.8 && theirs.size) {
      const id = pick([...theirs.keys()]);
      await others[theirs.get(id)].client.withdraw(id);
      count('withdraw:theirs');
    } else if (r < 0.85 && mineTo.size) {
      const id = pick([...mineTo.keys()]);
      await tolerate404(others[mineTo.get(id)].client.reply(id, { body: `answer ${i}` }).then((m) => received.push(m)));
      count('reply to uma');
    } else if (r < 0.95) {
      const k = Math.floor(random() * 3);
      const d = devices[k];
      if (!online[k]) {
        d.dev.start().catch((e) => d.errors.push(e));
        online[k] = true;
        count('device start');
      } else if (random() < 0.5) {
        d.dev.reconnect();
        count('device drop');
      } else {
        d.dev.stop();
        await d.dev.stopped();
        online[k] = false;
        count('device stop');
      }
    } else if (r < 0.985) {
      await new Promise((resolve) => setTimeout(resolve, Math.floor(random() * 30)));
      count('pause');
    } else {
      // Every device loses its connection (close 1001) and comes back to a server with the
      // same data; the sessions survive.
      await env.server.restart();
      count('server restart');
    }
  }

  for (let k = 0; k < 3; k++) if (!online[k]) devices[k].dev.start().catch((e) => devices[k].errors.push(e));
  const { newest, expected } = await converge('the end', [0, 1, 2]);
  for (const d of devices) d.dev.stop();
  await Promise.all(devices.map((d) => d.dev.stopped()));
  // Coverage: messages read on their own still above the watermark at the end (the case a
  // device gets wrong if it ignores a read entry's message_id).
  const model = devices[0].model;
  let readAlone = 0;
  for (const c of model.conversations.values()) {
    for (const slot of c.slots.values()) {
      if (slot.seq > c.read_seq && model.visible(slot) && c.read_alone.has(slot.message.id)) readAlone++;
    }
  }
  const seconds = ((Date.now() - started) / 1000).toFixed(1);
  console.log(`three-devices: seed ${seed}: ${ops} operations, ${newest} timeline entries, ${expected.length} conversations, ${checks} checkpoints, ${readAlone} read alone above the watermark at the end, ${seconds} s; ${JSON.stringify(counts)}`);
});
