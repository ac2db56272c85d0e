// The page as the binary serves it (embedded at build time, no --web-dir): its files, their
// security headers and compression, and the checks that keep another site from using a
// user's session cookie (docs/web.md, docs/security.md).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { startServer } from '../../sdk/js/testing/server.mjs';
import { BUDGET_GZIP_BYTES } from '../build.mjs';

let server;
before(async () => { server = await startServer(); });
after(async () => { await server?.stop(); });

async function cookieLogin() {
  const response = await fetch(`${server.url}/v1/sessions`, {
    method: 'POST',
    headers: { origin: server.url },
    body: JSON.stringify({ handle: 'admin', password: server.adminPassword, cookie: true }),
  });
  assert.equal(response.status, 201);
  const body = await response.json();
  assert.equal(body.token, undefined, 'the token stays out of reach of the page script');
  const setCookie = response.headers.get('set-cookie');
  assert.match(setCookie, /HttpOnly/);
  assert.match(setCookie, /SameSite=Strict/);
  return setCookie.split(';')[0];
}

// The status of a WebSocket upgrade of /ws with these headers (101 when accepted).
function upgradeStatus(headers) {
  const { hostname, port } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const req = request({
      hostname, port, path: '/ws',
      headers: {
        connection: 'Upgrade', upgrade: 'websocket', 'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', ...headers,
      },
    });
    req.on('upgrade', (res, socket) => { socket.destroy(); resolve(res.statusCode); });
    req.on('response', (res) => { res.resume(); resolve(res.statusCode); });
    req.on('error', reject);
    req.end();
  });
}

test('the embedded page is served with a strict Content-Security-Policy and nothing inline', async () => {
  const page = await fetch(`${server.url}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-type'), /^text\/html/);
  const csp = page.headers.get('content-security-policy') ?? '';
  for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "connect-src 'self'",
    "object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "form-action 'self'"]) {
    assert.ok(csp.includes(directive), `CSP ${csp} lacks ${directive}`);
  }
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.equal(page.headers.get('x-content-type-options'), 'nosniff');
  const html = await page.text();
  assert.match(html, /src="\/assets\/app\.js"/);
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, 'an inline <script>');
  assert.doesNotMatch(html, /<style|style=/i, 'an inline style');

  const script = await fetch(`${server.url}/assets/app.js`);
  assert.equal(script.status, 200);
  assert.match(script.headers.get('content-type'), /^text\/javascript/);
  const etag = script.headers.get('etag');
  const again = await fetch(`${server.url}/assets/app.js`, { headers: { 'if-none-match': etag } });
  assert.equal(again.status, 304);
});

test('the script is sent gzip-compressed within the size budget', async () => {
  const { hostname, port } = new URL(server.url);
  const { encoding, body } = await new Promise((resolve, reject) => {
    request({ hostname, port, path: '/assets/app.js', headers: { 'accept-encoding': 'gzip' } },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }));
      }).on('error', reject).end();
  });
  assert.equal(encoding, 'gzip');
  assert.ok(body.length <= BUDGET_GZIP_BYTES, `app.js is ${body.length} bytes gzipped, over ${BUDGET_GZIP_BYTES}`);
  assert.ok(gunzipSync(body).length > body.length);
});

test('the session cookie works only from the page itself', async () => {
  const cookie = await cookieLogin();
  const me = await fetch(`${server.url}/v1/me`, { headers: { cookie } });
  assert.equal(me.status, 200);
  const send = (origin) => fetch(`${server.url}/v1/groups`, {
    method: 'POST',
    headers: { cookie, ...(origin ? { origin } : {}) },
    body: JSON.stringify({ name: `g-${Math.random()}` }),
  });
  assert.equal((await send('http://evil.example')).status, 403);
  assert.equal((await send(null)).status, 403);
  assert.equal((await send(server.url)).status, 201);
  const groups = await (await fetch(`${server.url}/v1/groups`, { headers: { cookie } })).json();
  assert.equal(groups.groups.length, 1, 'the refused requests created nothing');
});

test('another site cannot open a WebSocket with the cookie', async () => {
  const cookie = await cookieLogin();
  const host = new URL(server.url).host;
  assert.equal(await upgradeStatus({ cookie, origin: 'http://evil.example', host }), 403);
  assert.equal(await upgradeStatus({ cookie, origin: server.url, host }), 101);
  assert.equal(await upgradeStatus({ cookie: 'missive_session=forged', origin: server.url, host }), 401);
});
