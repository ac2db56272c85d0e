// Device logic against an in-process fake of /ws (no server): the in-order rule, holes,
// pushes during catch-up, acks, resets, unknown kinds, backoff and 1008.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Device, MissiveClient, ApiError } from '../dist/index.js';
import { waitFor } from '../testing/util.mjs';

// A user's timeline and the sockets connected to it. Entries are {seq, kind, conversation, at}.
class FakeServer {
  constructor() {
    this.timeline = [];
    this.sockets = new Set();
    this.acks = [];
    this.syncs = [];
    this.urls = [];
    this.refuse = 0;          // refuse this many connections (closed 1006 before opening)
    this.pruneBelow = 0;      // a cursor below this gets a reset
    const server = this;
    this.WebSocket = class {
      constructor(url) {
        server.urls.push(url);
        this.readyState = 0;
        this.onopen = this.onmessage = this.onclose = this.onerror = null;
        setTimeout(() => {
          if (server.refuse > 0) {
            server.refuse--;
            this.readyState = 3;
            this.onerror?.({});
            this.onclose?.({ code: 1006 });
            return;
          }
          this.readyState = 1;
          server.sockets.add(this);
          this.onopen?.({});
        }, 1);
      }
      send(text) {
        const frame = JSON.parse(text);
        setTimeout(() => server.handle(this, frame), 1);
      }
      close(code = 1000) {
        if (this.readyState === 3) return;
        this.readyState = 3;
        server.sockets.delete(this);
        setTimeout(() => this.onclose?.({ code }), 1);
      }
      deliver(obj) {
        if (this.readyState === 1) this.onmessage?.({ data: JSON.stringify(obj) });
      }
    };
  }
  add(kind = 'message', extra = {}) {
    const e = { seq: this.timeline.length + 1, kind, conversation: 1, at: new Date().toISOString(), ...extra };
    this.timeline.push(e);
    return e;
  }
  push(entries, socket = [...this.sockets][0]) {
    socket.deliver({ type: 'push', entries });
  }
  handle(ws, frame) {
    if (frame.type === 'sync') {
      this.syncs.push(frame.since);
      const newest = this.timeline.length;
      if (frame.since > newest || (frame.since < this.pruneBelow)) {
        ws.deliver({ id: frame.id, type: 'sync', reset: true, entries: [], next: newest, has_more: false });
        this.pruneBelow = 0;
        return;
      }
      const entries = this.timeline.slice(frame.since, frame.since + frame.limit);
      const next = entries.length ? entries.at(-1).seq : frame.since;
      ws.deliver({ id: frame.id, type: 'sync', reset: false, entries, next, has_more: next < newest });
    } else if (frame.type === 'ack') {
      this.acks.push(frame.up_to);
      ws.deliver({ id: frame.id, type: 'ack' });
    } else {
      ws.deliver({ id: frame.id, type: 'error', status: 400, error: { code: 'invalid', message: 'unknown type' } });
    }
  }
  closeAll(code) {
    for (const s of [...this.sockets]) {
      s.readyState = 3;
      this.sockets.delete(s);
      s.onclose?.({ code });
    }
  }
}


function makeDevice(server, options = {}) {
  const seen = [];
  const client = new MissiveClient({ baseUrl: 'http://example.test:8080', token: 't0k', fetch: async () => { throw new Error('no HTTP here'); } });
  const dev = new Device(client, {
    WebSocket: server.WebSocket, minBackoffMs: 5, maxBackoffMs: 20, pageSize: 3,
    onEntry: (e) => { seen.push(e.seq); },
    ...options,
  });
  return { dev, seen };
}

test('catch-up pulls every page from the cursor; the URL carries the token', async () => {
  const server = new FakeServer();
  for (let i = 0; i < 8; i++) server.add();
  const { dev, seen } = makeDevice(server, { cursor: 2 });
  await dev.start();
  assert.deepEqual(seen, [3, 4, 5, 6, 7, 8]);
  assert.equal(dev.cursor, 8);
  assert.deepEqual(server.syncs, [2, 5]); // the second page says has_more: false
  assert.equal(server.urls[0], 'ws://example.test:8080/ws?token=t0k');
  assert.deepEqual(server.acks, []); // a pull needs no ack
  dev.stop();
});

test('pushes: applied when contiguous, overlap skipped, acked with the cursor', async () => {
  const server = new FakeServer();
  server.add();
  const { dev, seen } = makeDevice(server);
  await dev.start();
  const a = server.add(), b = server.add();
  server.push([a, b]);
  await waitFor('ack 3', () => server.acks.includes(3));
  server.push([a, b, server.add()]); // starts at or below the cursor: skip the known part
  await waitFor('ack 4', () => server.acks.includes(4));
  assert.deepEqual(seen, [1, 2, 3, 4]);
  server.push([b]); // entirely old: nothing applied, nothing acked
  await new Promise((r) => setTimeout(r, 20));
  assert.deepEqual(server.acks, [3, 4]);
  dev.stop();
});

test('a push past cursor+1 is a hole: the device pulls instead of applying it', async () => {
  const server = new FakeServer();
  const { dev, seen } = makeDevice(server);
  await dev.start();
  server.add(); server.add();
  const third = server.add();
  server.push([third]);
  await waitFor('pulled', () => dev.cursor === 3);
  assert.deepEqual(seen, [1, 2, 3]);
  assert.deepEqual(server.syncs, [0, 0]);
  assert.deepEqual(server.acks, []); // the pull marked them delivered
  dev.stop();
});

test('unknown kinds move the cursor too; onEntry that throws keeps the cursor before the entry', async () => {
  const server = new FakeServer();
  server.add('message');
  server.add('dance', { steps: 3 });
  server.add('message');
  let fail = true;
  const errors = [];
  const seen = [];
  const { dev } = makeDevice(server, {
    onEntry: (e) => {
      if (e.seq === 3 && fail) { fail = false; throw new Error('disk full'); }
      seen.push(`${e.seq}:${e.kind}`);
    },
    onError: (e) => errors.push(e),
  });
  await dev.start();
  assert.equal(dev.cursor, 3);
  assert.deepEqual(seen, ['1:message', '2:dance', '3:message']);
  assert.match(String(errors[0]), /disk full/);
  assert.ok(server.syncs.filter((s) => s === 2).length >= 1); // retried from the cursor
  dev.stop();
});

test('reset: onReset is awaited, then the device continues from next', async () => {
  const server = new FakeServer();
  for (let i = 0; i < 5; i++) server.add();
  server.pruneBelow = 3;
  const order = [];
  const { dev } = makeDevice(server, {
    cursor: 1,
    onReset: async () => { order.push('reset'); await new Promise((r) => setTimeout(r, 10)); order.push('bootstrapped'); },
    onEntry: (e) => order.push(e.seq),
  });
  await dev.start();
  assert.equal(dev.cursor, 5);
  server.push([server.add()]);
  await waitFor('6', () => dev.cursor === 6);
  assert.deepEqual(order, ['reset', 'bootstrapped', 6]);
  dev.stop();
});

test('reconnects with backoff after refusals and drops, resuming from the cursor', async () => {
  const server = new FakeServer();
  server.add();
  server.refuse = 3;
  const states = [];
  const { dev, seen } = makeDevice(server, { onState: (s) => states.push(s) });
  await dev.start();
  assert.equal(server.urls.length, 4);
  assert.deepEqual(states.slice(0, 2), ['connecting', 'offline']);
  assert.equal(states.at(-1), 'live');
  server.closeAll(1006);
  server.add(); server.add();
  await waitFor('caught up after drop', () => dev.cursor === 3 && dev.state === 'live');
  server.closeAll(4000); // slow consumer
  await waitFor('reconnected', () => server.sockets.size === 1 && dev.state === 'live');
  assert.deepEqual(seen, [1, 2, 3]);
  dev.stop();
  await dev.stopped();
  assert.equal(dev.state, 'offline');
  assert.equal(server.sockets.size, 0);
});

test('1008 stops the device and start() rejects with ApiError 401', async () => {
  const server = new FakeServer();
  server.add();
  const errors = [];
  const { dev } = makeDevice(server, { onError: (e) => errors.push(e) });
  await dev.start();
  server.closeAll(1008);
  await dev.stopped();
  assert.equal(dev.state, 'offline');
  assert.ok(errors[0] instanceof ApiError && errors[0].status === 401);
  const before = server.urls.length;
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(server.urls.length, before); // no reconnection
});

test('stop() during backoff ends the loop; start() again resumes from the cursor', async () => {
  const server = new FakeServer();
  server.add();
  const { dev, seen } = makeDevice(server, { minBackoffMs: 10000, maxBackoffMs: 10000 });
  await dev.start();
  server.closeAll(1001);
  await waitFor('offline', () => dev.state === 'offline');
  dev.stop();
  await dev.stopped();
  server.add();
  await dev.start();
  assert.deepEqual(seen, [1, 2]);
  dev.stop();
});

test('inside onEntry and onReset the cursor is already the one to persist', async () => {
  const server = new FakeServer();
  for (let i = 0; i < 4; i++) server.add();
  server.pruneBelow = 2;
  const log = [];
  let dev;
  ({ dev } = makeDevice(server, {
    cursor: 1,
    onReset: () => log.push(`reset cursor ${dev.cursor}`),
    onEntry: (e) => log.push(`entry ${e.seq} cursor ${dev.cursor}`),
  }));
  await dev.start();
  server.push([server.add()]);
  await waitFor('5', () => dev.cursor === 5);
  assert.deepEqual(log, ['reset cursor 4', 'entry 5 cursor 5']);
  dev.stop();
});
