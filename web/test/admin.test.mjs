// Admin users and reminders pages in a real Chromium against a real server: create a user
// (keyboard only, with typed attributes), edit the attributes, deactivate and reactivate; the
// reminders due table; "Admins only" when the server refuses; phone width; axe and CSP.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeStack, openStack, newUserPage, api, createUser, withScreenshot, axeScan, waitFor, waitForText, day } from './helpers.mjs';

let stack, browser, admin, page;

before(async () => {
  ({ stack, browser, admin } = await openStack());
  page = await newUserPage(browser, stack.url, 'admin', stack.server.adminPassword);
});

after(() => closeStack({ stack, browser }));

test('users: create (keyboard only, typed attributes), edit attributes, deactivate, activate', async () => {
  await withScreenshot(page, 'admin-users', async () => {
    await page.goto(`${stack.url}/#/admin/users`);
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    assert.equal(await page.title(), 'Users — Missive');
    assert.deepEqual(await axeScan(page), [], 'axe: users page');

    // Two attribute rows first (a text and a number), then the fields by Tab, submitted by Enter.
    await page.getByRole('button', { name: 'Add attribute' }).click();
    await page.getByRole('button', { name: 'Add attribute' }).click();
    const rows = page.locator('.admin-form .attr-row');
    await rows.nth(0).getByLabel('Name').fill('team');
    await rows.nth(0).getByLabel('Value').fill('blue, "green"');
    await rows.nth(1).getByLabel('Name').fill('level');
    await rows.nth(1).getByLabel('Type').selectOption('number');
    await rows.nth(1).getByLabel('Value').fill('3');
    await page.locator('#new-user-handle').focus();
    await page.keyboard.type('zed');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Zed');
    await page.keyboard.press('Tab');
    await page.keyboard.type('Shaw');
    await page.keyboard.press('Tab');
    await page.keyboard.type('zed-password-1');
    await page.keyboard.press('Enter');
    await waitForText(page.locator('.admin-status'), 'Created zed.');
    const row = page.locator('tr[data-handle="zed"]');
    await waitForText(row, 'Zed Shaw');
    let zed = await admin.getUserByHandle('zed');
    assert.deepEqual(zed.attributes, { team: 'blue, "green"', level: 3 });
    assert.equal(zed.is_admin, false);

    // A bad number is refused in the page before anything is sent.
    await page.getByRole('button', { name: 'Edit zed' }).click();
    const edit = page.locator('.admin-edit');
    assert.equal(await page.evaluate(() => document.activeElement?.id), `edit-user-${zed.id}-first`, 'focus moves into the editor');
    assert.deepEqual(await axeScan(page), [], 'axe: users page with the editor open');
    const names = await edit.locator('.attr-row input[id$="-key"]').evaluateAll((inputs) => inputs.map((i) => i.value));
    const level = edit.locator('.attr-row').nth(names.indexOf('level'));
    await level.getByLabel('Value').fill('three');
    await edit.getByRole('button', { name: 'Save' }).click();
    await waitForText(edit.locator('[role="alert"]'), '"three" is not a number');
    // Remove "team", change "level": the PATCH must send team: null to drop it.
    await level.getByLabel('Value').fill('4');
    await edit.getByRole('button', { name: 'Remove attribute team' }).click();
    await edit.getByRole('button', { name: 'Save' }).click();
    await waitForText(page.locator('.admin-status'), 'Saved zed.');
    zed = await admin.getUserByHandle('zed');
    assert.deepEqual(zed.attributes, { level: 4 });
    await waitForText(row, 'level=4');

    await page.getByRole('button', { name: 'Deactivate zed' }).click();
    await waitForText(row, 'deactivated');
    assert.equal((await admin.getUser(zed.id)).is_active, false);
    await assert.rejects(api(stack.url, 'zed', 'zed-password-1'), (e) => e.status === 401, 'a deactivated user cannot log in');
    await page.getByRole('button', { name: 'Activate zed' }).click();
    await waitForText(row, /\bactive\b/);
    assert.equal((await admin.getUser(zed.id)).is_active, true);
    await api(stack.url, 'zed', 'zed-password-1');
    assert.deepEqual(page.csp, []);
  });
});

test('users: paged by the server cursor, filtered by q', async () => {
  await withScreenshot(page, 'admin-users-pages', async () => {
    for (let i = 0; i < 26; i++) await createUser(admin, `pager${String(i).padStart(2, '0')}`);
    await page.goto(`${stack.url}/#/admin/users`);
    await page.reload();
    await page.getByRole('heading', { name: 'Users', level: 1 }).waitFor();
    await waitFor('a page of 25', async () => (await page.locator('tbody tr[data-handle]').count()) === 25);
    await page.getByRole('button', { name: 'Next page' }).click();
    await waitForText(page.locator('.admin-pager'), 'Page 2');
    await waitFor('pager25 on page 2', async () => (await page.locator('tr[data-handle="pager25"]').count()) === 1);
    await page.getByLabel('Filter by handle or name').fill('pager2');
    await waitFor('pager20..pager25', async () => (await page.locator('tbody tr[data-handle]').count()) === 6);
    await waitForText(page.locator('.admin-pager'), 'Page 1');
  });
});

test('reminders due: the scheduler\'s work ahead, with action, due date and unread count', async () => {
  await withScreenshot(page, 'admin-reminders', async () => {
    const { user } = await createUser(admin, 'rita');
    await admin.send({ to: { users: [user.id] }, subject: 'Sign the form', body: 'Please.',
      expiry_date: day(3), reminders: { frequency: 'daily' } });
    await page.goto(`${stack.url}/#/admin/reminders`);
    await page.getByRole('heading', { name: 'Reminders due', level: 1 }).waitFor();
    assert.equal(await page.title(), 'Reminders due — Missive');
    await waitForText(page.locator('.admin-page [role="status"]'), /^0 due by/);
    // Look two days ahead: the first daily reminder (tomorrow at the send time) is due by then.
    const ahead = new Date(Date.now() + 2 * 86400000);
    const local = new Date(ahead.getTime() - ahead.getTimezoneOffset() * 60000).toISOString().slice(0, 16);
    await page.getByLabel('Due by (empty: now)').fill(local);
    const row = page.locator('tbody tr', { hasText: 'Sign the form' }).first();
    await waitForText(row, 'Reminder');
    const cells = await row.locator('td').allInnerTexts();
    assert.equal(cells[0], 'Reminder');
    assert.equal(cells[2], '1', 'one recipient has not read it');
    const expected = (await admin.dueReminders({ until: ahead.toISOString().slice(0, 16) + ':00Z' })).due
      .find((d) => d.subject === 'Sign the form');
    assert.equal(await row.locator('time').getAttribute('datetime'), expected.due_at);
    assert.equal(await row.getByRole('link', { name: 'Sign the form' }).getAttribute('href'), `#/dashboard/${expected.message_id}`);
    assert.deepEqual(await axeScan(page), [], 'axe: reminders page');
    assert.deepEqual(page.csp, []);
  });
});

test('policy: the form saves the organisation policy; permissions are granted on the user form', async () => {
  await withScreenshot(page, 'admin-policy', async () => {
    await page.goto(`${stack.url}/#/admin/policy`);
    await page.getByRole('heading', { name: 'Policy', level: 1 }).waitFor();
    assert.equal(await page.title(), 'Policy — Missive');
    const audience = page.getByLabel('Sends reaching more recipients than this need a permission');
    await waitFor('the policy loaded', async () => (await audience.inputValue()) === '100');
    assert.equal(await page.getByLabel('Who may create rule groups').inputValue(), 'granted');
    assert.deepEqual(await axeScan(page), [], 'axe: policy page');
    // Keyboard only: choose with the arrow keys, type the number, submit with Enter.
    await page.getByLabel('Who sees other users’ attributes').selectOption('admins');
    await audience.fill('abc');
    await audience.press('Enter');
    await waitForText(page.locator('.admin-form [role="alert"]'), 'whole number');
    await audience.fill('250');
    await audience.press('Enter');
    await waitForText(page.locator('.admin-status'), 'Saved the policy.');
    assert.deepEqual(await admin.policy(),
      { create_groups: 'everyone', create_rule_groups: 'granted', large_audience: 250, see_attributes: 'admins' });
    await admin.setPolicy({ large_audience: 100, see_attributes: 'granted' });

    const { user } = await createUser(admin, 'pia');
    await page.goto(`${stack.url}/#/admin/users`);
    await page.getByLabel('Filter by handle or name').fill('pia');
    await page.getByRole('button', { name: 'Edit pia' }).click();
    const edit = page.locator('.admin-edit');
    const ruleGroups = edit.getByLabel('Create rule groups');
    await ruleGroups.focus();
    await page.keyboard.press('Space');
    assert.equal(await ruleGroups.isChecked(), true);
    assert.deepEqual(await axeScan(page), [], 'axe: the user editor with permissions');
    await edit.getByRole('button', { name: 'Save' }).click();
    await waitForText(page.locator('.admin-status'), 'Saved pia.');
    assert.deepEqual((await admin.getUser(user.id)).permissions, ['create_rule_groups']);
    await waitForText(page.locator('tr[data-handle="pia"]'), 'create_rule_groups');
    assert.deepEqual(page.csp, []);
  });
});

test('"Admins only" when the server refuses (an admin demoted while logged in)', async () => {
  const { user, handle, password } = await createUser(admin, 'eve', { is_admin: true });
  const evePage = await newUserPage(browser, stack.url, handle, password);
  await withScreenshot(evePage, 'admin-forbidden', async () => {
    const { user: victim } = await createUser(admin, 'victor');
    const group = await admin.createGroup({ name: 'AdminsGroup' });
    await admin.updateUser(user.id, { is_admin: false });
    // The shell still holds the admin `me`; the server now answers 403. Anyone may list users
    // and groups, so there the refusal comes with the first change.
    await evePage.evaluate(() => { location.hash = '#/admin/users'; });
    await evePage.getByLabel('Filter by handle or name').fill('victor');
    await evePage.getByRole('button', { name: 'Deactivate victor' }).click();
    await evePage.getByRole('heading', { name: 'Admins only' }).waitFor();
    assert.equal((await admin.getUser(victim.id)).is_active, true);
    await evePage.evaluate(() => { location.hash = '#/admin/groups'; });
    await evePage.getByRole('button', { name: 'Deactivate AdminsGroup' }).click();
    await evePage.getByRole('heading', { name: 'Admins only' }).waitFor();
    assert.equal((await admin.getGroup(group.id)).is_active, true);
    await evePage.evaluate(() => { location.hash = '#/admin/reminders'; });
    await evePage.getByRole('heading', { name: 'Admins only' }).waitFor();
    await evePage.evaluate(() => { location.hash = '#/admin/policy'; });
    await evePage.getByRole('heading', { name: 'Admins only' }).waitFor();
    assert.deepEqual(await axeScan(evePage), [], 'axe: admins only');
  });
  await evePage.context().close();
});

test('phone width: the admin pages fit (tables scroll inside their box)', async () => {
  const phone = await newUserPage(browser, stack.url, 'admin', stack.server.adminPassword, { viewport: { width: 375, height: 740 } });
  await withScreenshot(phone, 'admin-phone', async () => {
    for (const route of ['users', 'groups', 'reminders']) {
      await phone.evaluate((r) => { location.hash = `#/admin/${r}`; }, route);
      await phone.locator('.admin-table tbody tr').first().waitFor();
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 1, `#/admin/${route} overflows the phone width by ${overflow}px`);
    }
    assert.deepEqual(phone.csp, []);
  });
  await phone.context().close();
});
