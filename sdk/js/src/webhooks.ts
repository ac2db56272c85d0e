// Receiving Missive's webhooks: each delivery is signed as the Standard Webhooks specification
// says (https://www.standardwebhooks.com/, docs/notifications.md). The signature is an
// HMAC-SHA256, with the endpoint's key, of "<webhook-id>.<webhook-timestamp>.<body>", sent as
// "v1,<base64>" in webhook-signature (several, space-separated, while a secret is rotated).
// WebCrypto only (crypto.subtle), so this runs in browsers, Node 20+, Deno and workers alike.

import type { WebhookEvent } from './types.js';

/** The JSON body of a delivery. */
export interface WebhookPayload {
  type: WebhookEvent;
  /** When the event happened (RFC 3339). */
  timestamp: string;
  /** The event's details: message_id, subject, sender, user (with attributes), round, final, ... */
  data: Record<string, unknown>;
}

/** Why a delivery was refused: no or bad headers, a wrong signature, a timestamp too far off. */
export class WebhookVerificationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'WebhookVerificationError';
  }
}

/** Headers as a fetch `Headers`, or a plain object (Node's req.headers; any case). */
export type WebhookHeaders = Headers | Record<string, string | string[] | undefined>;

export interface VerifyOptions {
  /** Seconds the timestamp may be off the clock either way (default 300): older ones may be replays. */
  toleranceSeconds?: number;
  /** The clock, for tests (default Date.now()). */
  now?: Date | number;
}

const PREFIX = 'whsec_';
const encoder = new TextEncoder();

/**
 * Checks a delivery's signature and timestamp against the endpoint's secret ("whsec_..." as
 * createWebhook answered it) and resolves to the parsed body. Pass the body exactly as
 * received (the raw bytes or text, not re-serialised JSON). Throws WebhookVerificationError.
 */
export async function verifyWebhook(secret: string, headers: WebhookHeaders, body: string | Uint8Array,
    options: VerifyOptions = {}): Promise<WebhookPayload> {
  const id = header(headers, 'webhook-id');
  const timestamp = header(headers, 'webhook-timestamp');
  const signatures = header(headers, 'webhook-signature');
  if (!id || !timestamp || !signatures) {
    throw new WebhookVerificationError('missing webhook-id, webhook-timestamp or webhook-signature');
  }
  if (!/^[0-9]{1,15}$/.test(timestamp)) throw new WebhookVerificationError('webhook-timestamp is not a number of seconds');
  const now = Math.floor(Number(options.now ?? Date.now()) / 1000);
  const tolerance = options.toleranceSeconds ?? 300;
  const skew = now - Number(timestamp);
  if (skew > tolerance) throw new WebhookVerificationError('the timestamp is too old');
  if (skew < -tolerance) throw new WebhookVerificationError('the timestamp is in the future');

  const key = await hmacKey(secret, 'verify');
  const content = signedContent(id, timestamp, body);
  for (const entry of signatures.split(' ')) {
    const comma = entry.indexOf(',');
    // Other versions (v1a: asymmetric) are for other receivers: skip, do not fail.
    if (comma < 0 || entry.slice(0, comma) !== 'v1') continue;
    const signature = decodeBase64(entry.slice(comma + 1));
    // subtle.verify compares in constant time, so the check leaks nothing about the expected value.
    if (signature && await crypto.subtle.verify('HMAC', key, signature, content)) {
      return parseBody(body);
    }
  }
  throw new WebhookVerificationError('no signature matches');
}

/**
 * The webhook-signature value ("v1,<base64>") the server sends for this delivery: for a
 * receiver's own tests. `timestamp` in seconds.
 */
export async function signWebhook(secret: string, id: string, timestamp: number, body: string | Uint8Array): Promise<string> {
  const key = await hmacKey(secret, 'sign');
  const mac = await crypto.subtle.sign('HMAC', key, signedContent(id, String(timestamp), body));
  return `v1,${encodeBase64(new Uint8Array(mac))}`;
}

async function hmacKey(secret: string, usage: 'sign' | 'verify'): Promise<CryptoKey> {
  // The prefix is optional, as in the specification's libraries.
  const raw = decodeBase64(secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret);
  if (!raw || raw.length === 0) throw new WebhookVerificationError('the secret is not "whsec_" + base64');
  return crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, [usage]);
}

function signedContent(id: string, timestamp: string, body: string | Uint8Array): Uint8Array<ArrayBuffer> {
  const head = encoder.encode(`${id}.${timestamp}.`);
  const tail = typeof body === 'string' ? encoder.encode(body) : body;
  const out = new Uint8Array(head.length + tail.length);
  out.set(head);
  out.set(tail, head.length);
  return out;
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as Headers).get === 'function') return (headers as Headers).get(name) ?? undefined;
  for (const [key, value] of Object.entries(headers as Record<string, string | string[] | undefined>)) {
    // Node joins repeated headers into an array; a signature list is space-separated anyway.
    if (key.toLowerCase() === name) return Array.isArray(value) ? value.join(' ') : value;
  }
  return undefined;
}

function parseBody(body: string | Uint8Array): WebhookPayload {
  const text = typeof body === 'string' ? body : new TextDecoder().decode(body);
  try {
    return JSON.parse(text) as WebhookPayload;
  } catch {
    throw new WebhookVerificationError('the body is not JSON');
  }
}

function decodeBase64(text: string): Uint8Array<ArrayBuffer> | null {
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 === 1) return null;
  const binary = atob(text);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

function encodeBase64(bytes: Uint8Array): string {
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}
