// Reading: a thread three levels deep is shown as a nested tree; a conversation pages its
// history backwards and shows placeholders for withdrawn messages; a hostile subject is text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { closeStack, openStack, newUserPage, api, createUser, withScreenshot, waitFor } from './helpers.mjs';

let stack, browser, admin;
before(async () => ({ stack, browser, admin } = await openStack()));
after(() => closeStack({ stack, browser }));

test('a thread three levels deep is shown nested, and replying in it works', async () => {
  const kim = await createUser(admin, 'kim', { first_name: 'Kim', last_name: 'Polese' });
  const kimApi = await api(stack.url, kim.handle, kim.password);
  const root = await admin.send({ to: { users: [kim.user.id] }, subject: 'Design review', body: 'Level zero.' });
  const r1 = await kimApi.reply(root.id, { body: 'Level one.' });
  const r2 = await admin.reply(r1.id, { body: 'Level two.' });
  const r3 = await kimApi.reply(r2.id, { body: 'Level three.' });
  const page = await newUserPage(browser, stack.url, kim.handle, kim.password);
  await withScreenshot(page, 'thread-nested', async () => {
    await page.goto(`${stack.url}/#/m/${r2.id}`);
    for (const [id, depth] of [[root.id, 0], [r1.id, 1], [r2.id, 2], [r3.id, 3]]) {
      const card = page.locator(`article[data-message="${id}"]`);
      await card.waitFor();
      // Nesting is in the markup: the card's list item sits `depth` lists deep in the tree.
      const nested = await card.evaluate((el) => {
        let n = 0;
        for (let e = el.parentElement; e && !e.classList.contains('tree'); e = e.parentElement) if (e.tagName === 'OL') n++;
        return n;
      });
      assert.equal(nested, depth, `message ${id} nested ${nested} levels, not ${depth}`);
    }
    assert.equal(await page.locator(`article[data-message="${r2.id}"]`).getAttribute('aria-current'), 'true');
    // Indentation is visible too.
    const x0 = (await page.locator(`article[data-message="${root.id}"]`).boundingBox()).x;
    const x3 = (await page.locator(`article[data-message="${r3.id}"]`).boundingBox()).x;
    assert.ok(x3 > x0 + 20, `level three is not indented (${x0} → ${x3})`);

    // A reply to the deepest message becomes the fourth level, live.
    await page.locator(`article[data-message="${r3.id}"]`).getByRole('button', { name: 'Reply', exact: true }).click();
    await page.getByLabel(/^Reply to/).fill('Level four.');
    await page.getByRole('button', { name: 'Send reply' }).click();
    const four = page.locator('article', { hasText: 'Level four.' });
    await four.waitFor();
    assert.equal(await four.evaluate((el) => el.closest('li').getAttribute('data-depth')), '4');
    assert.deepEqual(page.csp, []);
  });
  await page.context().close();
});

test('a conversation pages backwards and shows placeholders for withdrawn messages', async () => {
  const lee = await createUser(admin, 'lee', { first_name: 'Lee', last_name: 'Felsenstein' });
  const sent = [];
  for (let i = 1; i <= 35; i++) sent.push(await admin.send({ to: { users: [lee.user.id] }, subject: `Note ${i}`, body: `Body ${i}` }));
  await admin.withdraw(sent[33].id);
  const page = await newUserPage(browser, stack.url, lee.handle, lee.password);
  await withScreenshot(page, 'conversation-paging', async () => {
    await page.goto(`${stack.url}/#/c/${sent[0].conversation_id}`);
    await page.getByText('Body 35').waitFor();
    assert.equal(await page.locator(`[data-placeholder="${sent[33].seq}"]`).count(), 1);
    assert.equal(await page.getByText('Body 34', { exact: true }).count(), 0);
    assert.equal(await page.getByText('Body 1', { exact: true }).count(), 0);
    await page.getByRole('button', { name: 'Load older messages' }).click();
    await page.getByText('Body 1', { exact: true }).waitFor();
    assert.equal(await page.getByRole('button', { name: 'Load older messages' }).count(), 0);
    // Viewing marked the conversation read.
    const leeApi = await api(stack.url, lee.handle, lee.password);
    await waitFor('the conversation to be read', async () => (await leeApi.conversations()).conversations[0].unread === 0, 5000);
  });
  await page.context().close();
});

test('a subject and body holding HTML show as text and run nothing', async () => {
  const mo = await createUser(admin, 'mo', { first_name: 'Mo', last_name: '<b>Bold</b>' });
  const hostile = '<img src=x onerror=alert(1)>';
  await admin.send({ to: { users: [mo.user.id] }, subject: hostile, body: `<script>alert(2)</script> «${hostile}»` });
  const page = await newUserPage(browser, stack.url, mo.handle, mo.password);
  let dialogs = 0;
  page.on('dialog', async (d) => { dialogs++; await d.dismiss(); });
  await withScreenshot(page, 'xss', async () => {
    const row = page.locator('li[data-conversation]').first();
    await row.getByText(hostile).waitFor();
    await row.getByRole('link').click();
    await page.getByRole('heading', { name: hostile, exact: true }).first().waitFor();
    assert.equal(await page.locator('main img').count(), 0);
    assert.equal(await page.locator('main script').count(), 0);
    await page.goto(`${stack.url}/#/search?q=img`);
    await page.locator('[data-result] .snippet').first().waitFor();
    assert.equal(await page.locator('main img').count(), 0);
    assert.equal(await page.locator('.me').innerText(), 'mo');
    await page.waitForTimeout(300);
    assert.equal(dialogs, 0);
    assert.deepEqual(page.csp, []);
  });
  await page.context().close();
});
