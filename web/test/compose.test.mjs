// Compose: the planned reminder dates are shown before sending (and match the API's rules);
// the whole compose-and-send works with the keyboard alone, focus always visible.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeStack, openStack, newUserPage, api, createUser, withScreenshot, waitFor, day } from './helpers.mjs';

let stack, browser, admin;
before(async () => ({ stack, browser, admin } = await openStack()));
after(() => closeStack({ stack, browser }));

test('compose with reminders shows the planned dates, then sends them', async () => {
  const sender = await createUser(admin, 'grace', { first_name: 'Grace', last_name: 'Hopper' });
  const rcpt = await createUser(admin, 'hedy', { first_name: 'Hedy', last_name: 'Lamarr' });
  const page = await newUserPage(browser, stack.url, sender.handle, sender.password);
  await withScreenshot(page, 'compose-reminders', async () => {
    await page.goto(`${stack.url}/#/compose`);
    const to = page.getByRole('combobox', { name: 'To' });
    await to.fill('Hedy L');  // a full name: the server matches one word, the picker the rest
    await page.getByRole('option', { name: /Hedy Lamarr/ }).click();
    await page.getByLabel('Subject').fill('Sign the form');
    await page.getByLabel('Message', { exact: true }).fill('By the end of next week, please.');
    const expiry = day(10);
    await page.getByLabel('Expires on (optional)').fill(expiry);
    const plan = page.getByRole('list', { name: 'Planned reminders' });

    // Weekly from today with the expiry day in 10 days: one reminder in 7 days, the final one.
    await page.getByLabel('Frequency').selectOption('weekly');
    await plan.locator('li').first().waitFor();
    await waitFor('two planned dates', async () => (await plan.locator('li').count()) === 2);
    const last = plan.locator('li').last();
    assert.equal(await last.getAttribute('data-final'), 'true');
    assert.equal((await last.locator('time').getAttribute('datetime')).slice(0, 10), expiry);
    assert.equal((await plan.locator('li time').first().getAttribute('datetime')).slice(0, 10), day(7));

    // Every 3 days: days 3, 6 and 9, then the final one on day 10.
    await page.getByLabel('Frequency').selectOption('every_days');
    await page.getByLabel('Every how many days').fill('3');
    await waitFor('four planned dates', async () => (await plan.locator('li').count()) === 4);
    const days = await plan.locator('li time').evaluateAll((ts) => ts.map((t) => t.getAttribute('datetime').slice(0, 10)));
    assert.deepEqual(days, [day(3), day(6), day(9), expiry]);

    await page.getByLabel(/Deactivate recipients/).check();
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.waitForURL(/#\/c\/\d+$/);
    const rcptApi = await api(stack.url, rcpt.handle, rcpt.password);
    const inbox = (await rcptApi.inbox({ limit: 1 })).messages[0];
    assert.equal(inbox.subject, 'Sign the form');
    const mine = await (await api(stack.url, sender.handle, sender.password)).getMessage(inbox.id);
    assert.equal(mine.reminders.frequency, 'every_days');
    assert.equal(mine.reminders.period_days, 3);
    assert.equal(mine.reminders.expiry_day, expiry);
    assert.equal(mine.reminders.deactivate_non_responders, true);
    assert.deepEqual(page.csp, []);
  });
  await page.context().close();
});

test('reminders without an expiry date are explained, not sent', async () => {
  const u = await createUser(admin);
  const page = await newUserPage(browser, stack.url, u.handle, u.password);
  await withScreenshot(page, 'compose-no-expiry', async () => {
    await page.goto(`${stack.url}/#/compose`);
    await page.getByLabel('Frequency').selectOption('daily');
    await page.getByText('Reminders need an expiry date').waitFor();
  });
  await page.context().close();
});

// Presses Tab until the focused element matches `predicate` (evaluated in the page).
async function tabTo(page, predicate, what, max = 40) {
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    if (await page.evaluate(predicate)) return;
  }
  throw new Error(`Tab never reached ${what}`);
}

async function focusVisible(page) {
  return page.evaluate(() => {
    const s = getComputedStyle(document.activeElement);
    return s.outlineStyle !== 'none' && s.outlineWidth !== '0px';
  });
}

test('keyboard only: compose to a group with the autocomplete, and send', async () => {
  const writer = await createUser(admin, 'ivan', { first_name: 'Ivan', last_name: 'Sutherland' });
  const r1 = await createUser(admin, 'judy', { first_name: 'Judy', last_name: 'Estrin' });
  const group = await admin.createGroup({ name: 'Graphics lab' });
  await admin.addMember(group.id, writer.user.id);
  await admin.addMember(group.id, r1.user.id);
  const page = await newUserPage(browser, stack.url, writer.handle, writer.password);
  await withScreenshot(page, 'compose-keyboard', async () => {
    await tabTo(page, () => document.activeElement?.textContent === 'Compose', 'the Compose link');
    assert.ok(await focusVisible(page), 'focus is not visible on the Compose link');
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'New message' }).waitFor();
    await tabTo(page, () => document.activeElement?.id === 'compose-to', 'the To field');
    assert.ok(await focusVisible(page), 'focus is not visible in the To field');
    await page.keyboard.type('graph');
    await page.getByRole('option', { name: /Graphics lab/ }).waitFor();
    // The listbox follows the arrow keys; Enter picks the highlighted option.
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowUp');
    const activeId = await page.getByRole('combobox', { name: 'To' }).getAttribute('aria-activedescendant');
    assert.match(await page.locator(`#${activeId}`).innerText(), /Graphics lab/);
    await page.keyboard.press('Enter');
    await page.locator('.chip', { hasText: 'Graphics lab' }).waitFor();
    await tabTo(page, () => document.activeElement?.id === 'compose-subject', 'the subject');
    await page.keyboard.type('Render farm');
    await page.keyboard.press('Tab');
    await page.keyboard.type('The farm is back online.');
    await tabTo(page, () => document.activeElement?.textContent === 'Send', 'the Send button');
    assert.ok(await focusVisible(page), 'focus is not visible on Send');
    await page.keyboard.press('Enter');
    await page.waitForURL(/#\/c\/\d+$/);
    await page.getByText('The farm is back online.').waitFor();
    const judy = await api(stack.url, r1.handle, r1.password);
    const got = (await judy.inbox({ limit: 1 })).messages[0];
    assert.equal(got.subject, 'Render farm');
    assert.deepEqual(got.via_groups, [group.id]);
    assert.deepEqual(page.csp, []);
  });
  await page.context().close();
});
