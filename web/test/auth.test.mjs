// Logging in and out through the page; a wrong password is reported; the session is an
// HttpOnly cookie that scripts cannot read; a session ended elsewhere brings back the form.
// (The CSP header and the cookie's Origin rules are checked in serving.test.mjs.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeStack, openStack, newUserPage, createUser, cspViolations, withScreenshot } from './helpers.mjs';

let stack, browser, admin;
before(async () => ({ stack, browser, admin } = await openStack()));
after(() => closeStack({ stack, browser }));

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
    assert.equal(await page.title(), 'Log in — Missive');

    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Inbox' }).waitFor();
    assert.equal(await page.title(), 'Inbox — Missive');
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

test('a session ended elsewhere (account deactivated) brings back the login form', async () => {
  const { user, handle, password } = await createUser(admin);
  const page = await newUserPage(browser, stack.url, handle, password);
  await withScreenshot(page, 'auth-ended', async () => {
    await page.locator('.live-live').waitFor();
    await admin.deactivateUser(user.id);
    // The next request (or the next push to its WebSocket) finds the session revoked. The
    // click makes a request; the login form may also come first (then there is no link).
    await page.getByRole('link', { name: 'Sent' }).click({ timeout: 3000 }).catch(() => {});
    await page.getByLabel('Handle').waitFor({ timeout: 10000 });
    assert.deepEqual(page.csp, []);
  });
  await page.context().close();
});
