// Admin groups page in a real Chromium against a real server: a rule group typed with its live
// preview (matching users, then a typo's position marked), saved and edited; an explicit group
// with members added through the handle autocomplete and removed; deactivation.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeStack, openStack, newUserPage, createUser, withScreenshot, axeScan, waitFor, waitForText } from './helpers.mjs';

let stack, browser, admin, page;

before(async () => {
  ({ stack, browser, admin } = await openStack());
  await createUser(admin, 'ada', { first_name: 'Ada', last_name: 'Lovelace', attributes: { role: 'dba', region: 'EU' } });
  await createUser(admin, 'bob', { first_name: 'Bob', last_name: 'Kahn', attributes: { role: 'dba', region: 'US' } });
  await createUser(admin, 'cyd', { first_name: 'Cyd', last_name: 'Charisse', attributes: { role: 'dev', region: 'EU' } });
  page = await newUserPage(browser, stack.url, 'admin', stack.server.adminPassword);
});

after(() => closeStack({ stack, browser }));

test('a rule group: live preview while typing, the error position of a typo, saved, edited', async () => {
  await withScreenshot(page, 'admin-rule-group', async () => {
    const previews = [];
    page.on('request', (r) => { if (r.url().endsWith('/v1/groups/preview')) previews.push(r.postData()); });
    await page.goto(`${stack.url}/#/admin/groups`);
    await page.getByRole('heading', { name: 'Groups', level: 1 }).waitFor();
    assert.equal(await page.title(), 'Groups — Missive');
    await page.locator('#new-group-name').fill('DBAs');
    await page.getByLabel('Every user matching a rule').check();
    const rule = page.locator('#new-group-rule');
    const preview = page.locator('#new-group-rule-preview');

    await rule.pressSequentially('role = "dba"', { delay: 15 });
    await waitForText(preview, '2 users match');
    const listed = await preview.locator('li').allInnerTexts();
    assert.deepEqual(listed.map((s) => s.split(' @')[0]).sort(), ['Ada Lovelace', 'Bob Kahn']);
    // Debounced: one request per pause in typing, not one per key (12 keys were typed; a
    // loaded machine may pause between keys now and then, hence the margin).
    assert.ok(previews.length >= 1 && previews.length <= 6, `preview requests: ${previews.length}`);

    // A typo: the server's message, and the character it points at marked under the input.
    await rule.fill('');
    await rule.pressSequentially('role == "dba"', { delay: 15 });
    const expected = await admin.previewRule('role == "dba"').then(() => null, (e) => e);
    assert.ok(expected && expected.status === 422 && expected.position > 0, 'the API refuses the typo with a position');
    await waitForText(preview, expected.message);
    const mark = page.locator('#new-group-rule-marker mark');
    await mark.waitFor();
    assert.equal(Number(await mark.getAttribute('data-position')), expected.position);
    assert.equal(await mark.innerText(), Array.from('role == "dba"')[expected.position - 1]);
    assert.equal(await rule.getAttribute('aria-invalid'), 'true');
    assert.deepEqual(await axeScan(page), [], 'axe: the rule editor showing an error');

    // Positions count characters, as the server does: an emoji (two UTF-16 units) and an
    // accented letter before the error must not shift the mark.
    const wide = 'region = "Zürich 🏔" annd role = "dba"';
    const wideError = await admin.previewRule(wide).then(() => null, (e) => e);
    assert.ok(wideError && wideError.position > 0, 'the API refuses the second typo with a position');
    await rule.fill(wide);
    await waitForText(preview, wideError.message);
    assert.equal(Number(await mark.getAttribute('data-position')), wideError.position);
    assert.equal(await mark.innerText(), Array.from(wide)[wideError.position - 1]);
    assert.equal(await mark.innerText(), 'a', 'the mark is on "annd"');

    // Fixed: the marker goes, the preview narrows, and the group is created with that rule.
    await rule.fill('role = "dba" and region = "EU"');
    await waitForText(preview, '1 user matches');
    assert.equal(await page.locator('#new-group-rule-marker').count(), 0);
    assert.match(await preview.innerText(), /Ada Lovelace/);
    assert.doesNotMatch(await preview.innerText(), /Bob Kahn/);
    assert.deepEqual(await axeScan(page), [], 'axe: the rule editor with a preview');
    await page.getByRole('button', { name: 'Create group' }).click();
    await page.locator('tr[data-group="DBAs"]').waitFor();
    const { groups } = await admin.listGroups({ include_inactive: true });
    const dbas = groups.find((g) => g.name === 'DBAs');
    assert.equal(dbas?.rule, 'role = "dba" and region = "EU"');

    // Edit the rule: its own editor previews too; saving changes the group.
    await page.getByRole('button', { name: 'Manage DBAs' }).click();
    const editRule = page.locator(`#group-${dbas.id}-rule`);
    await editRule.fill('role = "dba"');
    await waitForText(page.locator(`#group-${dbas.id}-rule-preview`), '2 users match');
    await page.getByRole('button', { name: 'Save group' }).click();
    await waitFor('the rule to be saved', async () => (await admin.getGroup(dbas.id)).rule === 'role = "dba"');
    assert.deepEqual(page.csp, []);
  });
});

test('an explicit group: members added by handle with autocomplete, removed; deactivated', async () => {
  await withScreenshot(page, 'admin-explicit-group', async () => {
    await page.goto(`${stack.url}/#/admin/groups`);
    await page.locator('#new-group-name').fill('Ops');
    await page.getByLabel('Chosen one by one').check();
    await page.getByRole('button', { name: 'Create group' }).click();
    // A new members group opens its editor at once: adding members is the next step.
    const add = page.getByLabel('Add a member by handle');
    await add.waitFor();
    const ops = (await admin.listGroups({})).groups.find((g) => g.name === 'Ops');
    assert.ok(ops, 'Ops was created');

    await add.pressSequentially('ad', { delay: 30 });
    const option = page.locator(`#group-${ops.id}-handles option[value="ada"]`);
    await option.waitFor({ state: 'attached' });
    assert.equal(await page.locator(`#group-${ops.id}-handles option[value="bob"]`).count(), 0);
    await add.fill('ada');
    await add.press('Enter');
    const members = page.locator('.members-list li');
    await waitForText(members.first(), 'Ada Lovelace');
    await add.fill(' @cyd ');  // as people type a handle
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await waitFor('two members listed', async () => (await members.count()) === 2);
    assert.deepEqual((await admin.groupMembers(ops.id)).members.map((u) => u.handle).sort(), ['ada', 'cyd']);

    // An unknown handle is refused with a message, and nothing changes.
    await add.fill('nobody');
    await add.press('Enter');
    await waitForText(page.locator('.members-editor [role="alert"]'), 'No active user has the handle "nobody"');
    assert.deepEqual(await axeScan(page), [], 'axe: the members editor');

    await page.getByRole('button', { name: 'Remove ada' }).click();
    await waitFor('one member left', async () => (await members.count()) === 1);
    assert.deepEqual((await admin.groupMembers(ops.id)).members.map((u) => u.handle), ['cyd']);

    await page.getByRole('button', { name: 'Deactivate Ops' }).click();
    await waitForText(page.locator('tr[data-group="Ops"]'), 'deactivated');
    assert.equal((await admin.getGroup(ops.id)).is_active, false);
    await page.getByRole('button', { name: 'Activate Ops' }).click();
    await waitForText(page.locator('tr[data-group="Ops"]'), /\bactive\b/);
    assert.equal((await admin.getGroup(ops.id)).is_active, true);
    assert.deepEqual(page.csp, []);
  });
});

test('who may send: a group whose senders are named, set on the form and changed in the editor', async () => {
  await withScreenshot(page, 'admin-group-senders', async () => {
    await page.goto(`${stack.url}/#/admin/groups`);
    await page.getByRole('heading', { name: 'Groups', level: 1 }).waitFor();
    const create = page.locator('form[aria-labelledby="create-group-title"]');
    await create.locator('#new-group-name').fill('News');
    await create.getByLabel('Only the senders named below').check();
    await create.getByLabel('Named senders (handles, separated by commas)').fill('bob, nobody');
    await create.getByRole('button', { name: 'Create group' }).click();
    await waitForText(create.locator('[role="alert"]'), 'No user has the handle “nobody”');
    assert.equal((await admin.listGroups()).groups.some((g) => g.name === 'News'), false, 'nothing created');
    await create.getByLabel('Named senders (handles, separated by commas)').fill('bob');
    await create.getByRole('button', { name: 'Create group' }).click();
    await waitFor('News created', async () => (await admin.listGroups()).groups.some((g) => g.name === 'News'));
    const bob = await admin.getUserByHandle('bob');
    let news = (await admin.listGroups()).groups.find((g) => g.name === 'News');
    assert.equal(news.senders, 'named');
    assert.deepEqual(news.sender_ids, [bob.id]);

    // A new group of chosen members opens in its editor (members are the next step).
    const editor = page.locator('.admin-edit', { has: page.getByRole('heading', { name: 'Group News' }) });
    await waitFor('the named sender shown by handle', async () =>
      (await editor.getByLabel('Named senders (handles, separated by commas)').inputValue()) === 'bob');
    assert.deepEqual(await axeScan(page), [], 'axe: the group editor with senders');
    await editor.getByLabel('Everyone').check();
    await editor.getByRole('button', { name: 'Save group' }).click();
    await waitForText(editor, 'Saved News.');
    news = await admin.getGroup(news.id);
    assert.equal(news.senders, 'everyone');
    assert.deepEqual(news.sender_ids, []);
    assert.deepEqual(page.csp, []);
  });
});
