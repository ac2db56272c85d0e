// s3rver, an S3-compatible server on 127.0.0.1 for the BlobStore tests.
//
//   node --openssl-legacy-provider server.mjs DIR BUCKET
//
// Stores objects under DIR/data, creates BUCKET, listens on a free port and, once listening,
// writes DIR/url (http://127.0.0.1:PORT) through a rename so a reader never sees half of it.
// Runs until SIGTERM or SIGINT. Path-style requests only (no virtual-host buckets).
//
// s3rver 3.7 checks only the access key of a SigV4 request, not its signature, so this
// wrapper verifies every signature itself (the key pair is s3rver's fixed S3RVER / S3RVER)
// and answers 403 SignatureDoesNotMatch like S3. It trusts the signed x-amz-content-sha256
// (the body is streamed to s3rver, not hashed here). It also fixes the order of paged listings
// (below), and answers injected faults (below). The legacy provider: s3rver encrypts
// its list continuation tokens with DES, which OpenSSL 3 only has there.
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import S3rver from 's3rver';

const [dir, bucket] = process.argv.slice(2);
if (!dir || !bucket) {
  console.error('usage: node --openssl-legacy-provider server.mjs DIR BUCKET');
  process.exit(2);
}
const SECRET = 'S3RVER';
fs.mkdirSync(path.join(dir, 'data'), { recursive: true });

const sha256 = (data) => crypto.createHash('sha256').update(data).digest('hex');
const hmac = (key, data) => crypto.createHmac('sha256', key).update(data).digest();
// RFC 3986 unreserved bytes stay; everything else is %XX, as SigV4 wants.
const encode = (text) =>
  encodeURIComponent(text).replace(/[!'()*]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());

// The signature error for this request, or null when its SigV4 signature is right.
function signatureError(req) {
  const auth = req.headers.authorization;
  if (!auth) return null; // anonymous: s3rver decides
  const match = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/s3\/aws4_request,\s*SignedHeaders=([^,]+),\s*Signature=([0-9a-f]{64})$/.exec(auth);
  if (!match) return 'malformed Authorization header';
  const [, , date, region, signedHeaders, signature] = match;
  const [rawPath, rawQuery = ''] = req.url.split('?');
  const query = rawQuery
    .split('&')
    .filter((pair) => pair !== '')
    .map((pair) => {
      const [name, value = ''] = pair.split('=');
      return [encode(decodeURIComponent(name)), encode(decodeURIComponent(value))];
    })
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] < b[1] ? -1 : a[1] > b[1] ? 1 : 0))
    .map(([name, value]) => `${name}=${value}`)
    .join('&');
  const names = signedHeaders.split(';');
  const headers = names.map((name) => `${name}:${String(req.headers[name] ?? '').trim().replace(/\s+/g, ' ')}\n`).join('');
  const canonical = [req.method, rawPath, query, headers, signedHeaders, req.headers['x-amz-content-sha256']].join('\n');
  const amzDate = req.headers['x-amz-date'];
  const toSign = ['AWS4-HMAC-SHA256', amzDate, `${date}/${region}/s3/aws4_request`, sha256(canonical)].join('\n');
  let key = hmac('AWS4' + SECRET, date);
  for (const part of [region, 's3', 'aws4_request']) key = hmac(key, part);
  const expected = hmac(key, toSign).toString('hex');
  return expected === signature ? null : `signature mismatch; canonical request:\n${canonical}`;
}

const s3rver = new S3rver({
  silent: true,
  directory: path.join(dir, 'data'),
  vhostBuckets: false,
  configureBuckets: [{ name: bucket }],
});
await s3rver.configureBuckets();

// s3rver pages through a listing in its directory walk's order, not S3's key order: "a/b-c"
// comes after everything under "a/b/" although '-' < '/', so a continuation token skips it.
// Listing everything and paging here, in key order, gives S3's answer.
const listObjects = s3rver.store.listObjects.bind(s3rver.store);
s3rver.store.listObjects = async (name, options) => {
  const all = await listObjects(name, { ...options, startAfter: '', maxKeys: Infinity });
  const startAfter = options.startAfter ?? '';
  const maxKeys = options.maxKeys ?? Infinity;
  const objects = all.objects
    .filter((object) => object.key > startAfter)
    .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return { ...all, objects: objects.slice(0, maxKeys), isTruncated: objects.length > maxKeys };
};
// Faults for the client's retry tests: POST /__faults?path=/BUCKET/KEY&status=500&count=2
// makes the next 2 requests for that path answer 500 with S3's error document.
const faults = new Map(); // path -> { status, count }
const faultCode = { 500: 'InternalError', 503: 'SlowDown' };
function answerFault(req, res) {
  const fault = faults.get(req.url.split('?')[0]);
  if (!fault) return false;
  if (--fault.count === 0) faults.delete(req.url.split('?')[0]);
  req.resume();
  res.writeHead(fault.status, { 'Content-Type': 'application/xml' });
  res.end(
    `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${faultCode[fault.status] ?? 'InjectedFault'}</Code>` +
      '<Message>An injected fault. Please try again.</Message></Error>',
  );
  return true;
}

const handle = s3rver.callback();
const server = http.createServer((req, res) => {
  if (req.method === 'POST' && req.url.startsWith('/__faults?')) {
    const query = new URLSearchParams(req.url.split('?')[1]);
    faults.set(query.get('path'), { status: Number(query.get('status')), count: Number(query.get('count')) });
    req.resume();
    res.writeHead(204);
    return res.end();
  }
  if (answerFault(req, res)) return;
  const error = signatureError(req);
  if (error === null) return handle(req, res);
  console.error(`${req.method} ${req.url}: ${error}`);
  req.resume();
  res.writeHead(403, { 'Content-Type': 'application/xml' });
  res.end(
    '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SignatureDoesNotMatch</Code>' +
      '<Message>The request signature we calculated does not match the signature you provided.</Message></Error>',
  );
});
server.listen(0, '127.0.0.1', () => {
  const url = `http://127.0.0.1:${server.address().port}`;
  fs.writeFileSync(path.join(dir, 'url.tmp'), url + '\n');
  fs.renameSync(path.join(dir, 'url.tmp'), path.join(dir, 'url'));
});

const stop = () => server.close(() => process.exit(0));
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
