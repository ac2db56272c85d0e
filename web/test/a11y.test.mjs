// Accessibility and layout of every page this project owns: axe-core finds no serious or
// critical violation, the CSP is never violated, and at phone width nothing overflows sideways.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeStack, openStack, newUserPage, api, createUser, withScreenshot, axeScan, cspViolations, waitFor } from './helpers.mjs';

let stack, browser, admin, pat, patApi, message;
before(async () => {
  ({ stack, browser, admin } = await openStack());
  pat = await createUser(admin, 'pat', { first_name: 'Pat', last_name: 'Hanrahan' });
  patApi = await api(stack.url, pat.handle, pat.password);
  const group = await admin.createGroup({ name: 'Readers' });
  await admin.addMember(group.id, pat.user.id);
  message = await admin.send({ to: { groups: [group.id] }, subject: 'Welcome aboard', body: 'A first message.\nWith two lines.' });
  const reply = await patApi.reply(message.id, { body: 'Thanks!', reply_all: true });
  await admin.reply(reply.id, { body: 'You are welcome.' });
  await patApi.send({ to: { users: ['admin'] }, subject: 'Question', body: 'Where is the wiki?' });
});
after(() => closeStack({ stack, browser }));

// [name, route, heading, document title]
const pages = () => [
  ['inbox', '#/inbox', 'Inbox', 'Inbox'],
  ['conversation', `#/c/${message.conversation_id}`, 'Welcome aboard', 'Welcome aboard'],
  ['thread', `#/m/${message.id}`, 'Thread: Welcome aboard', 'Welcome aboard'],
  ['compose', '#/compose', 'New message', 'Compose'],
  ['sent', '#/sent', 'Sent', 'Sent'],
  ['search', '#/search?q=message', 'Search', 'Search: message'],
  ['dashboard', '#/dashboard', 'Read dashboard', 'Read dashboard'],
  ['settings', '#/settings', 'Settings', 'Settings'],
  ['not found', '#/admin/users', 'Not found', 'Not found'],
];

async function check(page, name) {
  const violations = await axeScan(page);
  assert.deepEqual(violations, [], `${name}: ${JSON.stringify(violations, null, 1)}`);
}

test('the login page passes axe', async () => {
  const context = await browser.newContext();
  const page = await context.newPage();
  const csp = cspViolations(page);
  await withScreenshot(page, 'a11y-login', async () => {
    await page.goto(stack.url);
    await page.getByLabel('Handle').waitFor();
    await check(page, 'login');
    assert.deepEqual(csp, []);
  });
  await context.close();
});

for (const width of [1280, 375]) {
  test(`every page passes axe and keeps the CSP at ${width} px`, async () => {
    const page = await newUserPage(browser, stack.url, pat.handle, pat.password, { viewport: { width, height: 800 } });
    for (const [name, hash, heading, title] of pages()) {
      await withScreenshot(page, `a11y-${name}-${width}`, async () => {
        await page.goto(`${stack.url}/${hash}`);
        await page.getByRole('heading', { level: 1, name: heading }).waitFor();
        // Let the data arrive (names, rows) before scanning.
        await page.waitForLoadState('networkidle').catch(() => {});
        if (name === 'search') await page.locator('[data-result]').first().waitFor();
        if (name === 'sent') {
          await page.getByRole('button', { name: 'Who read' }).first().click();
          await page.locator('.who').waitFor();
        }
        if (name === 'compose') {
          await page.getByRole('combobox', { name: 'To' }).fill('adm');
          await page.getByRole('option').first().waitFor();
          await page.getByLabel('Frequency').selectOption('weekly');
        }
        // The title follows the page's data by a render: wait for it rather than read it once.
        await waitFor(`${name}: the document title`, async () => (await page.title()) === `${title} — Missive`).catch(() => {});
        assert.equal(await page.title(), `${title} — Missive`, `${name}: the document title`);
        await check(page, `${name} at ${width}px`);
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
        assert.ok(overflow <= 1, `${name} at ${width}px scrolls sideways by ${overflow}px`);
      });
    }
    assert.deepEqual(page.csp, []);
    await page.context().close();
  });
}
