// Shared helpers of the browser tests (web/test/*.test.mjs; the admin and dashboard tests use
// them too, so keep the exports stable). A real `missive serve` serving the
// page, Debian's Chromium driven by playwright-core (no browser is ever downloaded), an admin
// SDK client to arrange data, and checks every page must pass: axe-core and CSP.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';
import { buildSync } from 'esbuild';
import { startServer } from '../../sdk/js/testing/server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const webRoot = join(here, '..');
export const resultsDir = join(webRoot, 'test-results');

// The SDK is TypeScript and Node 20 cannot import .ts: bundle it once for Node (the page gets
// it through esbuild too), so the tests arrange data with the very client the page uses.
function bundleSdk() {
  const out = join(mkdtempSync(join(tmpdir(), 'missive-web-sdk-')), 'sdk.mjs');
  buildSync({
    entryPoints: [join(webRoot, '../sdk/js/src/index.ts')],
    outfile: out,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    logLevel: 'error',
    nodePaths: [join(webRoot, '../sdk/js/node_modules')],
    external: ['bufferutil', 'utf-8-validate'],
    banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" },
  });
  return out;
}

export const sdk = await import(pathToFileURL(bundleSdk()).href);
const { MissiveClient } = sdk;

// The page under test: by default the one embedded in the binary, which is what users get
// (`make test` builds both from the same sources). `npm test` builds the page from web/src
// into a directory and passes it in MISSIVE_WEB_DIR, so a change to the page is tested without
// rebuilding the binary; the server then serves it with --web-dir.
const webDir = process.env.MISSIVE_WEB_DIR ? resolve(process.env.MISSIVE_WEB_DIR) : null;

// A real server serving the page: {server, url}. Call server.stop() at the end.
export async function startStack({ args = [], env = {} } = {}) {
  const server = await startServer({ args: [...(webDir ? ['--web-dir', webDir] : []), ...args], env });
  return { server, url: server.url };
}

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

// Collects console messages and page errors about the Content-Security-Policy. Call before
// navigating; the returned array fills as the page runs (assert it is empty at the end).
export function cspViolations(page) {
  const found = [];
  page.on('console', (msg) => {
    const text = msg.text();
    if (/Content[- ]Security[- ]Policy/i.test(text)) found.push(text);
  });
  page.on('pageerror', (err) => {
    if (/Content[- ]Security[- ]Policy|unsafe-eval|unsafe-inline/i.test(String(err))) found.push(String(err));
  });
  return found;
}

// A new browser context and page, logged in through the login form. The page carries
// `page.csp`, the CSP violations seen so far.
export async function newUserPage(browser, url, handle, password, { viewport } = {}) {
  const context = await browser.newContext(viewport ? { viewport } : {});
  const page = await context.newPage();
  page.csp = cspViolations(page);
  await page.goto(`${url}/#/inbox`);
  await page.getByLabel('Handle').fill(handle);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('button', { name: 'Log out' }).waitFor();
  return page;
}

// An SDK client logged in as the server's admin (bearer token), for arranging data.
// `server` is the object startStack returned, or just its url with the default password.
export async function api(urlOrServer, handle = 'admin', password) {
  const url = typeof urlOrServer === 'string' ? urlOrServer : urlOrServer.url;
  const pw = password ?? (typeof urlOrServer === 'string' ? 'admin-password-1' : urlOrServer.adminPassword);
  const client = new MissiveClient({ baseUrl: url });
  await client.login(handle, pw);
  return client;
}

let userCounter = 0;

// Creates a user through the admin client: createUser(admin, 'ada', {first_name, ...}) →
// {user, handle, password}. A handle is made unique per process when none is given.
export async function createUser(admin, handle, fields = {}) {
  const h = handle ?? `user${process.pid}x${++userCounter}`;
  const password = fields.password ?? `${h}-password`;
  const user = await admin.createUser({
    handle: h,
    first_name: fields.first_name ?? h[0].toUpperCase() + h.slice(1),
    last_name: fields.last_name ?? 'Tester',
    password,
    ...(fields.attributes ? { attributes: fields.attributes } : {}),
    ...(fields.is_admin ? { is_admin: true } : {}),
  });
  return { user, handle: h, password };
}

// Saves a screenshot of `page` to web/test-results/<name>.png (name defaults to the test's
// name). Call it where a test fails: `catch (err) { await screenshotOnFailure(t, page, 'x'); throw err; }`;
// withScreenshot(page, name, fn) does exactly that around fn.
export async function screenshotOnFailure(t, page, name) {
  if (!page || page.isClosed()) return;
  const file = (name ?? t?.name ?? 'failure').replace(/[^A-Za-z0-9_.-]+/g, '-');
  mkdirSync(resultsDir, { recursive: true });
  await page.screenshot({ path: join(resultsDir, `${file}.png`), fullPage: true }).catch(() => {});
}

// Runs fn(); if it throws, saves a screenshot of each page given and rethrows.
export async function withScreenshot(pages, name, fn) {
  try {
    return await fn();
  } catch (err) {
    const list = Array.isArray(pages) ? pages : [pages];
    await Promise.all(list.map((p, i) => screenshotOnFailure(null, p, list.length > 1 ? `${name}-${i + 1}` : name)));
    throw err;
  }
}

const axeSource = () => readFileSync(join(webRoot, 'node_modules/axe-core/axe.min.js'), 'utf8');

// Runs axe-core on the page as it is now; returns the violations of impact serious or
// critical (each {id, impact, help, nodes: [html...]}). The page's CSP forbids inline scripts,
// so axe's source is evaluated through the DevTools protocol (page.evaluate), which CSP does
// not govern, rather than injected as a <script>.
export async function axeScan(page, { exclude = [] } = {}) {
  const loaded = await page.evaluate(() => typeof window.axe !== 'undefined');
  if (!loaded) await page.evaluate(axeSource());
  const results = await page.evaluate(async (excluded) => {
    const context = excluded.length ? { exclude: excluded.map((s) => [s]) } : document;
    const r = await window.axe.run(context, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.map((n) => n.html) }));
  }, exclude);
  return results.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

// Polls fn() until it returns something truthy (or throws after `timeout` ms): for state that
// arrives live and has no element to wait for.
export async function until(fn, what = 'a condition', timeout = 10000) {
  const deadline = Date.now() + timeout;
  let last;
  for (;;) {
    last = await fn();
    if (last) return last;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
