// verifyWebhook and signWebhook (Standard Webhooks signatures) without a server: the
// specification's known answer, several signatures, tampering, the timestamp window, headers
// in any form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, randomBytes } from 'node:crypto';
import { verifyWebhook, signWebhook, WebhookVerificationError } from '../dist/index.js';

// The signing example of the Standard Webhooks libraries' tests.
const KNOWN = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
const knownHeaders = (signature = KNOWN.signature) => ({
  'webhook-id': KNOWN.id, 'webhook-timestamp': String(KNOWN.timestamp), 'webhook-signature': signature,
});
const atKnownTime = { now: KNOWN.timestamp * 1000 };

// A delivery as the server would send it now, signed independently with node:crypto.
function delivery(body = '{"type":"reminder.sent","timestamp":"2026-12-07T09:00:00.000Z","data":{"message_id":42}}') {
  const key = randomBytes(24);
  const secret = `whsec_${key.toString('base64')}`;
  const id = 'ntf_17';
  const timestamp = Math.floor(Date.now() / 1000);
  const mac = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64');
  return { secret, body, headers: { 'webhook-id': id, 'webhook-timestamp': String(timestamp), 'webhook-signature': `v1,${mac}` } };
}

const rejects = (promise, pattern) => assert.rejects(promise, (e) => e instanceof WebhookVerificationError && pattern.test(e.message));

test('the specification\'s known answer: signing and verifying', async () => {
  assert.equal(await signWebhook(KNOWN.secret, KNOWN.id, KNOWN.timestamp, KNOWN.body), KNOWN.signature);
  assert.deepEqual(await verifyWebhook(KNOWN.secret, knownHeaders(), KNOWN.body, atKnownTime), { test: 2432232314 });
  // The same as bytes, and with the secret's prefix left out.
  assert.deepEqual(await verifyWebhook(KNOWN.secret.slice(6), knownHeaders(), new TextEncoder().encode(KNOWN.body), atKnownTime), { test: 2432232314 });
});

test('a delivery signed with node:crypto verifies, with fetch Headers and with Node\'s header object', async () => {
  const d = delivery();
  const payload = await verifyWebhook(d.secret, new Headers(d.headers), d.body);
  assert.equal(payload.type, 'reminder.sent');
  assert.equal(payload.data.message_id, 42);
  const shouted = Object.fromEntries(Object.entries(d.headers).map(([k, v]) => [k.toUpperCase(), v]));
  assert.equal((await verifyWebhook(d.secret, shouted, d.body)).type, 'reminder.sent');
});

test('one good signature among several (a rotation, other versions) is enough', async () => {
  const wrong = 'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=';
  const list = [wrong, 'v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=', 'garbage', KNOWN.signature, wrong].join(' ');
  assert.deepEqual(await verifyWebhook(KNOWN.secret, knownHeaders(list), KNOWN.body, atKnownTime), { test: 2432232314 });
  await rejects(verifyWebhook(KNOWN.secret, knownHeaders(`${wrong} v1,!!!`), KNOWN.body, atKnownTime), /no signature matches/);
});

test('a changed body, id, timestamp or secret fails', async () => {
  await rejects(verifyWebhook(KNOWN.secret, knownHeaders(), '{"test": 2432232315}', atKnownTime), /no signature/);
  await rejects(verifyWebhook(KNOWN.secret, { ...knownHeaders(), 'webhook-id': 'msg_other' }, KNOWN.body, atKnownTime), /no signature/);
  const later = { ...knownHeaders(), 'webhook-timestamp': String(KNOWN.timestamp + 1) };
  await rejects(verifyWebhook(KNOWN.secret, later, KNOWN.body, atKnownTime), /no signature/);
  const other = delivery();
  await rejects(verifyWebhook(other.secret, knownHeaders(), KNOWN.body, atKnownTime), /no signature/);
  await rejects(verifyWebhook('whsec_not base64!', knownHeaders(), KNOWN.body, atKnownTime), /secret/);
});

test('timestamps more than 5 minutes off are refused, within are accepted', async () => {
  const at = (offsetSeconds) => ({ now: (KNOWN.timestamp + offsetSeconds) * 1000 });
  assert.ok(await verifyWebhook(KNOWN.secret, knownHeaders(), KNOWN.body, at(300)));
  assert.ok(await verifyWebhook(KNOWN.secret, knownHeaders(), KNOWN.body, at(-300)));
  await rejects(verifyWebhook(KNOWN.secret, knownHeaders(), KNOWN.body, at(301)), /too old/);
  await rejects(verifyWebhook(KNOWN.secret, knownHeaders(), KNOWN.body, at(-301)), /future/);
  // The default clock is now: the known answer is from 2021.
  await rejects(verifyWebhook(KNOWN.secret, knownHeaders(), KNOWN.body), /too old/);
  assert.ok(await verifyWebhook(KNOWN.secret, knownHeaders(), KNOWN.body, { ...at(3600), toleranceSeconds: 3600 }));
  await rejects(verifyWebhook(KNOWN.secret, { ...knownHeaders(), 'webhook-timestamp': '16e8' }, KNOWN.body, atKnownTime), /number/);
});

test('missing headers are refused', async () => {
  for (const name of ['webhook-id', 'webhook-timestamp', 'webhook-signature']) {
    const headers = knownHeaders();
    delete headers[name];
    await rejects(verifyWebhook(KNOWN.secret, headers, KNOWN.body, atKnownTime), /missing/);
  }
});
