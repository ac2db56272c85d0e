// Shared by the SDK's own tests (test/*.test.mjs; not a test file itself, so it lives here): a
// server with the admin logged in, users with their own clients, devices, and the server's
// view to compare them with. Tests import the built package (dist/): run `npm run build` first.
// Needs the dev dependency `ws`, so it is not published with the package.
import { WebSocket } from 'ws';
import { MissiveClient, Device, TimelineModel, slotMessage } from '../dist/index.js';
import { startServer } from './server.mjs';
import { passwordFor } from './util.mjs';

export { WebSocket };
export { waitFor, day } from './util.mjs';

export async function setup(options) {
  const server = await startServer(options);
  const admin = new MissiveClient({ baseUrl: server.url });
  await admin.login('admin', server.adminPassword);
  let n = 0;
  // Creates a user and returns {user, client, password} with the client logged in as them.
  async function user(handle, extra = {}) {
    const password = passwordFor(handle);
    const created = await admin.createUser({
      handle, first_name: extra.first_name ?? `First${++n}`, last_name: extra.last_name ?? handle.toUpperCase(),
      password, ...extra,
    });
    return { user: created, client: await session(handle), password };
  }
  // Another session (device) of the same user.
  async function session(handle) {
    const client = new MissiveClient({ baseUrl: server.url });
    await client.login(handle, passwordFor(handle));
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

// A fetch that plays the browser of a page served at `origin`: it keeps the session cookie the
// server sets and sends it back, with the page's Origin, on every request. `cookie()` is the
// cookie now (for a WebSocket upgrade).
export function browserFetch(origin) {
  let cookie = '';
  const fetchLikeABrowser = async (input, init = {}) => {
    const headers = { ...init.headers, Origin: origin, ...(cookie ? { Cookie: cookie } : {}) };
    const response = await fetch(input, { ...init, headers });
    const set = response.headers.get('set-cookie');
    if (set) cookie = set.split(';')[0];
    return response;
  };
  fetchLikeABrowser.cookie = () => cookie;
  return fetchLikeABrowser;
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
    for await (const s of client.conversationSlots(c.id)) slots[s.seq - 1] = slotMessage(s)?.id ?? null;
    out.push({ id: c.id, max_seq: c.max_seq, read_seq: c.read_seq, unread: c.unread, slots });
  }
  return out;
}
