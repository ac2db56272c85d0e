// Shared by the SDK's own tests (test/*.test.mjs; not a test file itself, so it lives here): a server with the admin logged in, users with their own clients, and
// small waiting helpers. Tests import the built package (dist/): run `npm run build` first.
import { WebSocket } from 'ws';
import { MissiveClient, Device, TimelineModel } from '../dist/index.js';
import { startServer } from './server.mjs';

export { WebSocket };

export async function setup(options) {
  const server = await startServer(options);
  const admin = new MissiveClient({ baseUrl: server.url });
  await admin.login('admin', server.adminPassword);
  let n = 0;
  // Creates a user and returns {user, client} with the client logged in as that user.
  async function user(handle, extra = {}) {
    const password = `${handle}-password`;
    const created = await admin.createUser({
      handle, first_name: extra.first_name ?? `First${++n}`, last_name: extra.last_name ?? handle.toUpperCase(),
      password, ...extra,
    });
    const client = new MissiveClient({ baseUrl: server.url });
    await client.login(handle, password);
    return { user: created, client, password };
  }
  // Another session (device) of the same user.
  async function session(handle) {
    const client = new MissiveClient({ baseUrl: server.url });
    await client.login(handle, `${handle}-password`);
    return client;
  }
  // Stops every device the tests started (a failed assertion skips a test's own stop, and a
  // device left reconnecting would keep node running), then the server.
  async function close() {
    for (const dev of started) dev.stop();
    started.clear();
    await server.stop();
  }
  return { server, admin, user, session, close };
}

const started = new Set();

export async function waitFor(what, predicate, timeoutMs = 5000, stepMs = 20) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await predicate();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

// A Device with a TimelineModel, fast backoff for tests, and every entry recorded.
export function device(client, userId, extra = {}) {
  const model = TimelineModel.forClient(client, userId);
  const entries = [];
  const errors = [];
  const dev = new Device(client, {
    WebSocket,
    minBackoffMs: 50,
    maxBackoffMs: 500,
    // Recorded once applied, so a test that waits for an entry also sees its effect on the model.
    onEntry: async (e) => { await model.apply(e); entries.push(e); },
    onError: (e) => errors.push(e),
    ...extra,
  });
  started.add(dev);
  return { dev, model, entries, errors };
}

// The server's view of a user's conversations in TimelineModel.view() form.
export async function serverView(client) {
  const { conversations } = await client.conversations();
  const out = [];
  for (const c of [...conversations].sort((a, b) => a.id - b.id)) {
    const slots = new Array(c.max_seq).fill('missing');
    let before;
    for (;;) {
      const page = await client.conversationMessages(c.id, before === undefined ? { limit: 200 } : { before, limit: 200 });
      for (const s of page.slots) slots[s.seq - 1] = s.placeholder || !s.message ? null : s.message.id;
      if (page.next === null) break;
      before = page.next;
    }
    out.push({ id: c.id, max_seq: c.max_seq, read_seq: c.read_seq, unread: c.unread, slots });
  }
  return out;
}

// The newest seq of the caller's timeline (pulls, so it also marks messages delivered).
export async function newestSeq(client, since = 0) {
  let next = since;
  for (;;) {
    const page = await client.sync({ since: next, limit: 100 });
    if (page.reset) { next = page.next; continue; }
    next = page.next;
    if (!page.has_more) return next;
  }
}
