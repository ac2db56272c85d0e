// Logging in and out through the page; a wrong password is reported; the session is an
// HttpOnly cookie that scripts cannot read; the page is served with the strict CSP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, launchBrowser, newUserPage, api, createUser, cspViolations, withScreenshot } from './helpers.mjs';

let stack, browser, admin;
before(async () => {
  stack = await startStack();
  browser = await launchBrowser();
  admin = await api(stack.server);
});
after(async () => {
  await browser?.close();
  await stack?.server.stop();
});

test('the page is served with a strict Content-Security-Policy and no inline script or style', async () => {
  const res = await fetch(`${stack.url}/`);
  assert.equal(res.status, 200);
  const csp = res.headers.get('content-security-policy') ?? '';
  for (const directive of ["default-src 'self'", "script-src 'self'", "style-src 'self'", "object-src 'none'", "frame-ancestors 'none'"]) {
    assert.ok(csp.includes(directive), `CSP ${csp} lacks ${directive}`);
  }
  const html = await res.text();
  assert.doesNotMatch(html, /<script(?![^>]*\bsrc=)[^>]*>/i, 'an inline <script>');
  assert.doesNotMatch(html, /<style|style=/i, 'an inline style');
  const js = await fetch(`${stack.url}/assets/app.js`);
  assert.equal(js.status, 200);
  assert.match(js.headers.get('content-type') ?? '', /javascript/);
});

test('log in with a wrong password, then the right one, then log out', async () => {
  const { handle, password } = await createUser(admin, 'lovelace', { first_name: 'Ada', last_name: 'Lovelace' });
  const context = await browser.newContext();
  const page = await context.newPage();
  const csp = cspViolations(page);
  await withScreenshot(page, 'auth-login', async () => {
    await page.goto(stack.url);
    await page.getByLabel('Handle').fill(handle);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'Wrong handle or password' }).waitFor();

    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    assert.equal(await page.locator('.me').textContent(), handle);
    // Non-admins see no Admin link; everyone sees the dashboard.
    assert.equal(await page.getByRole('link', { name: 'Admin' }).count(), 0);
    assert.equal(await page.getByRole('link', { name: 'Dashboard' }).count(), 1);

    // The session cookie is HttpOnly: invisible to scripts, sent by the browser.
    assert.equal(await page.evaluate(() => document.cookie.includes('missive_session')), false);
    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === 'missive_session');
    assert.ok(session, 'no missive_session cookie');
    assert.equal(session.httpOnly, true);
    assert.equal(session.sameSite, 'Strict');

    // A reload keeps the session.
    await page.reload();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByLabel('Handle').waitFor();
    await page.reload();
    await page.getByLabel('Handle').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Log out' }).count(), 0);
    assert.deepEqual(csp, []);
  });
  await context.close();
});

test('an admin sees the Admin link and its pages', async () => {
  const page = await newUserPage(browser, stack.url, 'admin', stack.server.adminPassword);
  await withScreenshot(page, 'auth-admin', async () => {
    await page.getByRole('link', { name: 'Admin' }).click();
    await page.waitForURL(/#\/admin\/users$/);
    await page.getByRole('heading', { level: 1 }).first().waitFor();
    assert.deepEqual(page.csp, []);
  });
  await page.context().close();
});

test('a state-changing request with the cookie but from another origin is refused', async () => {
  const { handle, password } = await createUser(admin);
  const login = await fetch(`${stack.url}/v1/sessions`, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ handle, password, cookie: true }),
  });
  assert.equal(login.status, 201);
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0];
  assert.match(cookie, /^missive_session=/);
  assert.equal((await login.json()).token, undefined, 'a cookie login must not hand the token to scripts');
  const forged = await fetch(`${stack.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, origin: 'https://evil.example' },
    body: JSON.stringify({ to: { users: ['admin'] }, subject: 'forged', body: '' }),
  });
  assert.ok(forged.status === 403 || forged.status === 401, `status ${forged.status}`);
  const me = await fetch(`${stack.url}/v1/me`, { headers: { cookie } });
  assert.equal(me.status, 200);
});

test('a session ended elsewhere (account deactivated) brings back the login form', async () => {
  const { user, handle, password } = await createUser(admin);
  const page = await newUserPage(browser, stack.url, handle, password);
  await withScreenshot(page, 'auth-ended', async () => {
    await page.locator('.live-live').waitFor();
    await admin.deactivateUser(user.id);
    // The next request (or the next push to its WebSocket) finds the session revoked.
    await page.getByRole('link', { name: 'Sent' }).click();
    await page.getByLabel('Handle').waitFor({ timeout: 10000 });
    assert.deepEqual(page.csp, []);
  });
  await page.context().close();
});
