// Search: a filtered query, a CJK query, highlighted matches as <mark> elements, paging.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeStack, openStack, newUserPage, api, createUser, withScreenshot } from './helpers.mjs';

let stack, browser, admin, nia, niaPage, other;
before(async () => {
  ({ stack, browser, admin } = await openStack());
  nia = await createUser(admin, 'nia', { first_name: 'Nia', last_name: 'Okafor' });
  other = await createUser(admin, 'otto', { first_name: 'Otto', last_name: 'Lang' });
  const ottoApi = await api(stack.url, other.handle, other.password);
  await admin.send({ to: { users: [nia.user.id] }, subject: 'Deployment plan', body: 'The deployment is on Friday after the backup.' });
  await ottoApi.send({ to: { users: [nia.user.id] }, subject: 'Deployment notes', body: 'Notes on the deployment of the racks.' });
  await admin.send({ to: { users: [nia.user.id] }, subject: '会議', body: '明日は東京で会議があります。' });
  for (let i = 0; i < 25; i++) await admin.send({ to: { users: [nia.user.id] }, subject: `Rollout ${i}`, body: `Rollout step ${i} of the canary.` });
  niaPage = await newUserPage(browser, stack.url, nia.handle, nia.password);
});
after(() => closeStack({ stack, browser }));

test('a query with a sender filter, typed into the form', async () => {
  const page = niaPage;
  await withScreenshot(page, 'search-filter', async () => {
    await page.getByRole('link', { name: 'Search' }).click();
    await page.getByLabel('Search for').fill('deploy*');
    await page.getByLabel('From (handle)').fill(' @otto');  // as people type a handle
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForURL(/#\/search\?q=deploy.*sender=/);
    const hits = page.locator('[data-result]');
    await hits.first().waitFor();
    assert.equal(await hits.count(), 1);
    assert.match(await hits.first().innerText(), /Deployment notes/);
    const marks = await hits.first().locator('mark').allInnerTexts();
    assert.ok(marks.length >= 1 && marks.every((m) => /^deploy/i.test(m)), `marks: ${marks}`);
    // Without the filter both messages are found.
    await page.getByLabel('From (handle)').fill('');
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-result]').length === 2);
  });
});

test('a CJK query highlights the characters inside the sentence', async () => {
  const page = niaPage;
  await withScreenshot(page, 'search-cjk', async () => {
    await page.goto(`${stack.url}/#/search?q=${encodeURIComponent('東京')}`);
    const snippet = page.locator('[data-result] .snippet').first();
    await snippet.waitFor();
    assert.deepEqual(await snippet.locator('mark').allInnerTexts(), ['東京']);
    assert.match(await snippet.innerText(), /明日は東京で会議があります/);
    assert.equal(await snippet.evaluate((el) => el.textContent.includes('«')), false);
  });
});

test('results page with the cursor, and a bad query shows its error', async () => {
  const page = niaPage;
  await withScreenshot(page, 'search-paging', async () => {
    await page.goto(`${stack.url}/#/search?q=rollout&sort=date`);
    await page.waitForFunction(() => document.querySelectorAll('[data-result]').length === 20);
    await page.getByRole('button', { name: 'More results' }).click();
    await page.waitForFunction(() => document.querySelectorAll('[data-result]').length === 25);
    assert.equal(await page.getByRole('button', { name: 'More results' }).count(), 0);
    await page.goto(`${stack.url}/#/search?q=${encodeURIComponent('"unbalanced')}`);
    await page.getByRole('alert').filter({ hasText: /unbalanced quote/ }).waitFor();
    assert.deepEqual(page.csp, []);
  });
});

test('searching again at the same address clears the old error and shows the results', async () => {
  const page = niaPage;
  await withScreenshot(page, 'search-again', async () => {
    await page.goto(`${stack.url}/#/search?q=deployment&sender=pia`);
    await page.getByRole('alert').waitFor();  // no user pia yet
    await createUser(admin, 'pia', { first_name: 'Pia', last_name: 'Lund' });
    const piaApi = await api(stack.url, 'pia');
    await piaApi.send({ to: { users: [nia.user.id] }, subject: 'Deployment window', body: 'The deployment starts at nine.' });
    await page.getByRole('button', { name: 'Search', exact: true }).click();
    await page.locator('[data-result]').first().waitFor();
    assert.equal(await page.getByRole('alert').count(), 0, 'the old error is gone');
    assert.match(await page.locator('[data-result]').first().innerText(), /Deployment window/);
    assert.deepEqual(page.csp, []);
  });
});
