// Shared helpers of the browser tests (web/test/*.test.mjs). A real `missive serve` serving the
// page, Debian's Chromium driven by playwright-core (no browser is ever downloaded), SDK clients
// to arrange data, checks every page must pass (axe-core and CSP), and waiting: waitFor and day
// come from sdk/js/testing/util.mjs, shared with the SDK's tests.
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { startServer, ADMIN_PASSWORD } from '../../sdk/js/testing/server.mjs';
import { passwordFor, waitFor } from '../../sdk/js/testing/util.mjs';
import { bundleForNode } from './bundle.mjs';

export { waitFor, day } from '../../sdk/js/testing/util.mjs';

const here = dirname(fileURLToPath(import.meta.url));
export const webRoot = join(here, '..');
export const resultsDir = join(webRoot, 'test-results');

// The SDK is TypeScript and Node 20 cannot import .ts: it is bundled for Node (as the page
// bundles it), so the tests arrange data with the very client the page uses.
export const sdk = await bundleForNode('../sdk/js/src/index.ts');
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

// `fakeMedia`: a fake microphone and camera (a beep and a test pattern) that the page may use
// without asking, for the voice recorder's tests.
export async function launchBrowser({ fakeMedia = false } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
      ...(fakeMedia ? ['--use-fake-device-for-media-stream', '--use-fake-ui-for-media-stream'] : [])],
  });
}

// What most test files share: a server, a browser and the admin's API client, opened in
// before() as `({ stack, browser, admin } = await openStack())` and closed in after().
// `browser` holds launchBrowser's options; the rest are startStack's.
export async function openStack({ browser: browserOptions, ...options } = {}) {
  const stack = await startStack(options);
  const browser = await launchBrowser(browserOptions);
  const admin = await api(stack.server);
  return { stack, browser, admin };
}

export async function closeStack({ stack, browser }) {
  await browser?.close();
  await stack?.server.stop();
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

// An SDK client logged in (bearer token), by default as the server's admin, for arranging data.
// `urlOrServer` is the server startStack returned, or its url.
export async function api(urlOrServer, handle = 'admin', password) {
  const url = typeof urlOrServer === 'string' ? urlOrServer : urlOrServer.url;
  const client = new MissiveClient({ baseUrl: url });
  await client.login(handle, password ?? (handle === 'admin' ? ADMIN_PASSWORD : passwordFor(handle)));
  return client;
}

let userCounter = 0;

// Creates a user through the admin client: createUser(admin, 'ada', {first_name, ...}) →
// {user, handle, password}. A handle is made unique per process when none is given.
export async function createUser(admin, handle, fields = {}) {
  const h = handle ?? `user${process.pid}x${++userCounter}`;
  const password = fields.password ?? passwordFor(h);
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

// Polls until the locator's text contains `pattern` (a string) or matches it (a RegExp);
// returns the text. playwright-core has no expect().
export async function waitForText(locator, pattern, timeout = 10000) {
  let text = '';
  const matches = async () => {
    text = (await locator.innerText().catch(() => '')) ?? '';
    return typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text);
  };
  await waitFor(`${pattern}`, matches, timeout, 50).catch(() => {
    throw new Error(`timed out waiting for ${pattern} in: ${JSON.stringify(text)}`);
  });
  return text;
}
