// The read-% dashboard in a real Chromium against a real server: a message to two groups with
// reminders and some reads — the list row, the per-message page (chart canvas, summary, group
// bars, recipients), the CSV export of the non-readers, and live updates as another client
// reads, without a reload. axe and CSP on both pages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { closeStack, openStack, newUserPage, api, createUser, withScreenshot, axeScan, webRoot, waitFor, waitForText, day } from './helpers.mjs';

let stack, browser, admin, page, survey, people;

// RFC 4180 reader, to check the export round-trips (quoted commas, doubled quotes, CRLF).
function parseCsv(text) {
  const rows = [];
  let row = [], field = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i++; }
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\r' && text[i + 1] === '\n') { row.push(field); rows.push(row); row = []; field = ''; i++; }
    else field += c;
  }
  if (field !== '' || row.length) { row.push(field); rows.push(row); }
  return rows;
}

before(async () => {
  ({ stack, browser, admin } = await openStack());
  people = {};
  for (const [handle, first, last] of [['ann', 'Ann', 'Arbor'], ['ben', 'Ben', 'Bryce'], ['cat', 'Cat', 'Cole'], ['dan', 'Dan', 'O"Neil, Jr.']]) {
    people[handle] = await createUser(admin, handle, { first_name: first, last_name: last });
  }
  const alpha = await admin.createGroup({ name: 'Alpha' });
  const beta = await admin.createGroup({ name: 'Beta' });
  for (const h of ['ann', 'ben']) await admin.addMember(alpha.id, people[h].user.id);
  for (const h of ['cat', 'dan']) await admin.addMember(beta.id, people[h].user.id);
  await admin.send({ to: { groups: ['Alpha'] }, subject: 'Older note', body: 'Hello Alpha.' });
  survey = await admin.send({ to: { groups: ['Alpha', 'Beta'] }, subject: 'Quarterly survey, part 1', body: 'Please fill it in.',
    expiry_date: day(3), reminders: { frequency: 'daily' } });
  for (const h of ['ann', 'cat']) await (await api(stack.url, h, people[h].password)).markRead(survey.id);
  page = await newUserPage(browser, stack.url, 'admin', stack.server.adminPassword);
});

after(() => closeStack({ stack, browser }));

test('the list: one row per sent message with recipients, reads and read %, linking to its page', async () => {
  await withScreenshot(page, 'dashboard-list', async () => {
    await page.goto(`${stack.url}/#/dashboard`);
    const row = page.locator(`tr[data-message="${survey.id}"]`);
    await waitForText(row, '50.0%');
    assert.equal(await page.title(), 'Read dashboard — Missive');
    const cells = await row.locator('td').allInnerTexts();
    assert.match(cells[0], /Alpha.*Beta/);
    assert.equal(cells[2], '4');
    assert.equal(cells[3], '2');
    assert.equal(await page.locator('tbody tr[data-message]').count(), 2);
    assert.deepEqual(await axeScan(page), [], 'axe: dashboard list');
    await row.getByRole('link', { name: 'Quarterly survey, part 1' }).click();
    await page.getByRole('heading', { name: 'Quarterly survey, part 1', level: 1 }).waitFor();
    assert.equal(new URL(page.url()).hash, `#/dashboard/${survey.id}`);
    assert.deepEqual(page.csp, []);
  });
});

test('one message: counts, chart with a text alternative, per-group bars, non-readers as CSV', async () => {
  await withScreenshot(page, 'dashboard-message', async () => {
    await page.goto(`${stack.url}/#/dashboard/${survey.id}`);
    await waitForText(page.locator('[data-count="read"]'), '2');
    assert.equal(await page.locator('[data-count="recipients"]').innerText(), '4');
    assert.match(await page.locator('[data-count="read-percent"]').innerText(), /50\.0%/);
    assert.equal(await page.title(), 'Read report: Quarterly survey, part 1 — Missive');

    // uPlot drew into a canvas of the figure's width; the caption says the same in words.
    const canvas = page.locator('.dash-chart-canvas canvas');
    await canvas.first().waitFor();
    const box = await canvas.first().boundingBox();
    assert.ok(box && box.width > 200 && box.height > 100, `canvas box ${JSON.stringify(box)}`);
    assert.match(await page.locator('.dash-chart-summary').innerText(), /^Read by 2 of 4 recipients \(50\.0 %\)/);
    await page.getByRole('button', { name: 'Show the data as a table' }).click();
    await waitForText(page.locator('.dash-history-table'), 'Sent to 4');

    const bars = page.locator('.dash-group');
    assert.equal(await bars.count(), 2);
    assert.match(await page.locator('.dash-group[data-group="Alpha"]').innerText(), /50\.0%\s*\(1 of 2\)/);
    assert.match(await page.locator('.dash-group[data-group="Beta"]').innerText(), /50\.0%\s*\(1 of 2\)/);
    const fill = await page.locator('.dash-group[data-group="Alpha"] .read-bar-fill').evaluate((el) => el.getBoundingClientRect().width / el.parentElement.getBoundingClientRect().width);
    assert.ok(Math.abs(fill - 0.5) < 0.02, `Alpha's bar is filled ${fill}`);

    // Non-readers are listed by default; the export holds exactly them, properly quoted.
    assert.deepEqual((await page.locator('.dash-recipients tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.handle))).sort(), ['ben', 'dan']);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Export non-readers (CSV)' }).click(),
    ]);
    assert.equal(download.suggestedFilename(), `message-${survey.id}-non-readers.csv`);
    const text = readFileSync(await download.path(), 'utf8');
    assert.ok(text.startsWith('\ufeff'), 'UTF-8 BOM for spreadsheets');
    assert.ok(text.includes('"Dan O""Neil, Jr."'), 'a name with a comma and a quote is quoted');
    const rows = parseCsv(text.slice(1));
    assert.deepEqual(rows[0], ['handle', 'full_name', 'group', 'read', 'read_at', 'delivered_at', 'reminders', 'deactivated']);
    assert.deepEqual(rows.slice(1).map((r) => [r[0], r[1], r[2], r[3]]).sort(),
      [['ben', 'Ben Bryce', 'Alpha', 'no'], ['dan', 'Dan O"Neil, Jr.', 'Beta', 'no']]);

    assert.deepEqual(await axeScan(page), [], 'axe: dashboard message page');
    assert.deepEqual(page.csp, []);
    if (process.env.MISSIVE_WEB_SCREENSHOTS === '1') {
      const dir = join(webRoot, '../docs/img');
      mkdirSync(dir, { recursive: true });
      await page.getByRole('button', { name: 'Hide the data table' }).click();
      await page.evaluate(() => window.scrollTo(0, 0));  // the sticky bar stays at the top
      await page.screenshot({ path: join(dir, 'web-dashboard.png'), fullPage: true });
    }
  });
});

test('live: a read elsewhere updates the counts, chart and list without a reload', async () => {
  await withScreenshot(page, 'dashboard-live', async () => {
    await page.goto(`${stack.url}/#/dashboard/${survey.id}`);
    await waitForText(page.locator('[data-count="read"]'), '2');
    await page.evaluate(() => { window.__notReloaded = true; });
    const ben = await api(stack.url, 'ben', people.ben.password);
    await ben.markRead(survey.id);
    await waitForText(page.locator('[data-count="read-percent"]'), '75.0%');
    assert.equal(await page.locator('[data-count="read"]').innerText(), '3');
    await waitForText(page.locator('.dash-chart-summary'), /^Read by 3 of 4 recipients \(75\.0 %\)/);
    await waitForText(page.locator('.dash-group[data-group="Alpha"]'), /100\.0%/);
    assert.deepEqual(await page.locator('.dash-recipients tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.handle)), ['dan']);

    await page.evaluate(() => { location.hash = '#/dashboard'; });
    const row = page.locator(`tr[data-message="${survey.id}"]`);
    await waitForText(row, '75.0%');
    const dan = await api(stack.url, 'dan', people.dan.password);
    await dan.markRead(survey.id);
    await waitForText(row, '100.0%');
    assert.equal(await page.evaluate(() => window.__notReloaded), true, 'no reload');
    assert.deepEqual(page.csp, []);
  });
});

test('phone width: the dashboard pages fit', async () => {
  const phone = await newUserPage(browser, stack.url, 'admin', stack.server.adminPassword, { viewport: { width: 375, height: 740 } });
  await withScreenshot(phone, 'dashboard-phone', async () => {
    for (const hash of ['#/dashboard', `#/dashboard/${survey.id}`]) {
      await phone.evaluate((h) => { location.hash = h; }, hash);
      await phone.locator('.dash-table tbody tr').first().waitFor();
      const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 1, `${hash} overflows the phone width by ${overflow}px`);
    }
  });
  await phone.context().close();
});

test('the list pages by the server cursor: 25 a page, Older and Newer', async () => {
  await withScreenshot(page, 'dashboard-pages', async () => {
    for (let i = 1; i <= 25; i++) {
      await admin.send({ to: { users: [people.ann.user.id] }, subject: `Batch ${String(i).padStart(2, '0')}`, body: '.' });
    }
    await page.evaluate(() => { location.hash = '#/dashboard'; });
    await page.reload();
    const rows = page.locator('tbody tr[data-message]');
    await page.locator('tr', { hasText: 'Batch 25' }).waitFor();
    assert.equal(await rows.count(), 25);
    assert.equal(await page.getByRole('button', { name: 'Newer' }).isDisabled(), true);
    await page.getByRole('button', { name: 'Older' }).click();
    await page.locator('tr', { hasText: 'Older note' }).waitFor();
    // 27 sent in all: the two oldest are on page 2, newest first.
    assert.deepEqual(await rows.locator('th a').allInnerTexts(), ['Quarterly survey, part 1', 'Older note']);
    assert.equal(await page.getByRole('button', { name: 'Older' }).isDisabled(), true);
    await page.getByRole('button', { name: 'Newer' }).click();
    await page.locator('tr', { hasText: 'Batch 25' }).waitFor();
  });
});

test('a direct recipient is labelled "Direct" on the dashboard and the Sent page; an ended message shows live', async () => {
  await withScreenshot(page, 'dashboard-direct', async () => {
    // Alpha is ann and ben; ben and dan are named directly too: ben is reached both ways.
    const mixed = await admin.send({ to: { groups: ['Alpha'], users: ['ben', 'dan'] }, subject: 'Mixed audience', body: '.' });
    await page.evaluate((id) => { location.hash = `#/dashboard/${id}`; }, mixed.id);
    await page.locator('.dash-group').nth(1).waitFor();
    assert.deepEqual(await page.locator('.dash-group').evaluateAll((items) => items.map((li) => li.dataset.group)).then((g) => g.sort()), ['Alpha', 'Direct']);
    assert.match(await page.locator('.dash-group[data-group="Direct"] .dash-group-name').innerText(), /^Direct$/);
    // The recipients table's Group column: one row per way a person was reached.
    await page.getByLabel('Show', { exact: true }).selectOption('all');
    const groupCells = (handle) => page.locator(`.dash-recipients tr[data-handle="${handle}"]`)
      .evaluateAll((rows) => rows.map((r) => r.querySelector('td').textContent).sort());
    assert.deepEqual(await groupCells('dan'), ['Direct']);
    assert.deepEqual(await groupCells('ben'), ['Alpha', 'Direct']);

    await page.evaluate(() => { location.hash = '#/sent'; });
    const sent = page.locator(`li[data-sent="${mixed.id}"]`);
    await sent.getByRole('button', { name: 'Who read' }).click();
    const notRead = sent.getByRole('list', { name: /^Not read/ });
    await notRead.getByText('Dan O"Neil, Jr. (dan)').waitFor();
    const names = await notRead.locator('li').allInnerTexts();
    assert.ok(names.some((n) => n.startsWith('Dan O"Neil, Jr. (dan) ') && !n.includes(' via ')), `dan, direct only, has no "via": ${names}`);
    assert.ok(names.some((n) => n.startsWith('Ann Arbor (ann) via Alpha ')), `ann via Alpha: ${names}`);
    assert.ok(names.some((n) => /^Ben Bryce \(ben\) via (Alpha, Direct|Direct, Alpha) /.test(n)), `ben both ways: ${names}`);

    // Withdrawing it (an `expiry` entry) ends it on the open dashboard list, without a reload.
    await page.evaluate(() => { location.hash = '#/dashboard'; });
    const row = page.locator(`tr[data-message="${mixed.id}"]`);
    await row.waitFor();
    assert.doesNotMatch(await row.innerText(), /\(ended\)/);
    await admin.withdraw(mixed.id);
    await waitForText(row, '(ended)');
    assert.deepEqual(page.csp, []);
  });
});
