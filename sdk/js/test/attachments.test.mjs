// Attachments through the SDK against a real server (docs/attachments.md): resumable uploads
// over tus (one chunk, many chunks, a failed PATCH resumed from the offset HEAD reports), the
// one-request upload and its idempotency key, and a message carrying uploads whose bytes its
// recipient downloads while anyone else gets 404.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { MissiveClient, ApiError } from '../dist/index.js';
import { setup } from '../testing/helpers.mjs';
import { passwordFor } from '../testing/util.mjs';

let env, ada, bob, eve;
before(async () => {
  env = await setup();
  ada = await env.user('ada');
  bob = await env.user('bob');
  eve = await env.user('eve');
});
after(() => env.close());

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const bytesOf = async (response) => new Uint8Array(await response.arrayBuffer());

// A client of `handle` whose fetch goes through `wrap(fetch, url, init)`.
async function clientWith(handle, wrap) {
  const client = new MissiveClient({ baseUrl: env.server.url, fetch: (url, init) => wrap(fetch, url, init) });
  await client.login(handle, passwordFor(handle));
  return client;
}

test('media config states the limits and the tus endpoint', async () => {
  const config = await ada.client.mediaConfig();
  assert.equal(config.tus.endpoint, '/v1/tus');
  assert.equal(config.tus.version, '1.0.0');
  assert.ok(config.tus.chunk_size > 0);
  assert.ok(config.upload_limit > 0 && config.max_attachments > 0);
});

test('a small file in one chunk', async () => {
  const data = new TextEncoder().encode('hello, attachments\n');
  const progress = [];
  const upload = await ada.client.upload(data, { name: 'hello.txt', type: 'text/plain', onProgress: (sent, total) => progress.push([sent, total]) });
  assert.equal(upload.state, 'complete');
  assert.equal(upload.name, 'hello.txt');
  assert.equal(upload.size, data.length);
  assert.equal(upload.offset, data.length);
  assert.equal(upload.sha256, sha256(data));
  assert.deepEqual(progress.at(-1), [data.length, data.length]);
  assert.deepEqual(await bytesOf(await ada.client.attachment(upload.id)), data);
});

test('a file in many chunks reports progress per chunk', async () => {
  const data = randomBytes(300 * 1024 + 17);
  const progress = [];
  const upload = await ada.client.upload(new Blob([data]), {
    name: 'noise.bin', chunkSize: 64 * 1024, onProgress: (sent) => progress.push(sent),
  });
  assert.equal(upload.state, 'complete');
  assert.equal(upload.sha256, sha256(data));
  assert.deepEqual(progress, [0, 65536, 131072, 196608, 262144, 307217]);
});

test('a failed PATCH is resumed from the offset HEAD reports', async () => {
  const data = randomBytes(200 * 1024);
  let patches = 0;
  const methods = [];
  // The second PATCH never reaches the server; the third reaches it but its answer is lost.
  const client = await clientWith('ada', async (realFetch, url, init = {}) => {
    methods.push(init.method ?? 'GET');
    if (init.method === 'PATCH') {
      patches++;
      if (patches === 2) throw new TypeError('fetch failed (test: before sending)');
      if (patches === 3) {
        await realFetch(url, init);
        throw new TypeError('fetch failed (test: answer lost)');
      }
    }
    return realFetch(url, init);
  });
  const retries = [];
  const upload = await client.upload(data, {
    name: 'resumed.bin', chunkSize: 64 * 1024, retryDelays: [10, 10, 10],
    onRetry: (attempt, delay, error) => retries.push(String(error.message)),
  });
  assert.equal(retries.length, 2);
  assert.equal(methods.filter((m) => m === 'HEAD').length, 2);
  assert.equal(upload.state, 'complete');
  assert.equal(upload.sha256, sha256(data));
  assert.deepEqual(await bytesOf(await ada.client.attachment(upload.id)), new Uint8Array(data));
});

test('an aborted upload rejects with the abort reason', async () => {
  const controller = new AbortController();
  const data = randomBytes(256 * 1024);
  await assert.rejects(ada.client.upload(data, {
    name: 'aborted.bin', chunkSize: 64 * 1024, signal: controller.signal,
    onProgress: (sent) => { if (sent >= 64 * 1024) controller.abort(); },
  }), (err) => err.name === 'AbortError');
});

test('one-request upload: a retry with the same client_upload_id answers the first', async () => {
  const data = new TextEncoder().encode('one request');
  const first = await ada.client.createUpload(data, { name: 'one.txt', type: 'text/plain', clientUploadId: 'one-1' });
  const again = await ada.client.createUpload(data, { name: 'one.txt', type: 'text/plain', clientUploadId: 'one-1' });
  assert.equal(again.id, first.id);
  assert.equal(first.state, 'complete');
  assert.equal(first.sha256, sha256(data));
});

test('a message carries uploads: the recipient downloads the same bytes, anyone else gets 404', async () => {
  const big = randomBytes(150 * 1024);
  const small = new TextEncoder().encode('notes\n');
  const u1 = await ada.client.upload(big, { name: 'data.bin', chunkSize: 64 * 1024 });
  const u2 = await ada.client.upload(small, { name: 'notes.txt', type: 'text/plain' });
  const sent = await ada.client.send({ to: { users: ['bob'] }, subject: 'files', body: 'two files', attachments: [u1.id, u2.id] });
  assert.deepEqual(sent.attachments.map((a) => [a.id, a.name, a.size, a.sha256]),
    [[u1.id, 'data.bin', big.length, sha256(big)], [u2.id, 'notes.txt', small.length, sha256(small)]]);
  // Once a message carries it, the upload no longer expires.
  assert.equal((await ada.client.getUpload(u1.id)).expires_at, undefined);

  const received = await bob.client.getMessage(sent.id);
  assert.deepEqual(received.attachments.map((a) => a.id), [u1.id, u2.id]);
  assert.deepEqual(await bytesOf(await bob.client.attachment(u1.id)), new Uint8Array(big));
  const part = await bob.client.attachment(u1.id, { range: 'bytes=10-19' });
  assert.equal(part.status, 206);
  assert.deepEqual(await bytesOf(part), new Uint8Array(big.subarray(10, 20)));
  const seen = await bob.client.getUpload(u1.id);
  assert.equal(seen.sha256, sha256(big));
  // The signed URL works without credentials.
  assert.ok(seen.url);
  assert.deepEqual(await bytesOf(await fetch(env.server.url + seen.url)), new Uint8Array(big));

  // A reply carries attachments the same way.
  const u3 = await bob.client.upload(small, { name: 'reply.txt', type: 'text/plain' });
  const reply = await bob.client.reply(sent.id, { body: 'back', attachments: [u3.id] });
  assert.deepEqual(reply.attachments.map((a) => a.id), [u3.id]);
  assert.deepEqual(await bytesOf(await ada.client.attachment(u3.id)), small);

  for (const call of [() => eve.client.attachment(u1.id), () => eve.client.getUpload(u1.id), () => eve.client.attachmentThumbnail(u1.id)]) {
    await assert.rejects(call(), (err) => err instanceof ApiError && err.status === 404);
  }
  // Someone else's upload cannot be attached.
  await assert.rejects(eve.client.send({ to: { users: ['bob'] }, subject: 'x', body: 'x', attachments: [u2.id] }),
    (err) => err instanceof ApiError && err.status === 422);
});

// docs/attachments.md, "Search".
test('search with has_attachment keeps only messages that carry files', async () => {
  const u = await ada.client.upload(new TextEncoder().encode('x'), { name: 'quarterly.txt', type: 'text/plain' });
  const with_ = await ada.client.send({ to: { users: ['bob'] }, subject: 'quarterly report', body: 'attached', attachments: [u.id] });
  await ada.client.send({ to: { users: ['bob'] }, subject: 'quarterly report', body: 'no file' });
  const hits = await bob.client.search({ q: 'quarterly', has_attachment: true });
  assert.deepEqual(hits.results.map((r) => r.message.id), [with_.id]);
});
