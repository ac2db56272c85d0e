// How long the inbox of a user with 10,000 messages takes to open (printed, not asserted: the
// figure depends on the machine). The messages are spread over 50 conversations (49 groups and
// one direct), sent through the API 32 at a time.
import { test, before, after } from 'node:test';
import { closeStack, openStack, newUserPage, createUser, withScreenshot } from './helpers.mjs';

const MESSAGES = Number(process.env.MISSIVE_WEB_PERF_MESSAGES || 10000);
const GROUPS = 49;

let stack, browser, admin;
before(async () => ({ stack, browser, admin } = await openStack()));
after(() => closeStack({ stack, browser }));

async function pool(count, width, fn) {
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < count) await fn(next++);
  }));
}

test(`the inbox of a user with ${MESSAGES} messages: inbox open time (printed)`, { timeout: 120000 }, async () => {
  const quinn = await createUser(admin, 'quinn', { first_name: 'Quinn', last_name: 'Norton' });
  const groups = [];
  for (let g = 0; g < GROUPS; g++) {
    const group = await admin.createGroup({ name: `Team ${g + 1}` });
    await admin.addMember(group.id, quinn.user.id);
    groups.push(group.id);
  }
  const t0 = Date.now();
  await pool(MESSAGES, 32, async (i) => {
    const slot = i % (GROUPS + 1);
    const to = slot === GROUPS ? { users: [quinn.user.id] } : { groups: [groups[slot]] };
    await admin.send({ to, subject: `Status report ${i + 1}`, body: `Everything nominal in step ${i + 1}.` });
  });
  console.log(`# arranged ${MESSAGES} messages in ${Date.now() - t0} ms`);

  const page = await newUserPage(browser, stack.url, quinn.handle, quinn.password);
  await withScreenshot(page, 'perf-inbox', async () => {
    // A cold open: load the page on the inbox and wait until every row has its label.
    const rowsReady = async () => {
      await page.locator('li[data-conversation]').nth(GROUPS).waitFor({ timeout: 30000 });
      await page.waitForFunction(() => {
        const titles = [...document.querySelectorAll('li[data-conversation] .row-title')];
        return titles.length > 0 && titles.every((t) => t.textContent !== '…');
      }, null, { timeout: 30000 });
    };
    const start = Date.now();
    await page.reload();
    await rowsReady();
    const cold = Date.now() - start;

    // A warm open: from another page of the app back to the inbox.
    await page.getByRole('link', { name: 'Sent' }).click();
    await page.getByRole('heading', { name: 'Sent' }).waitFor();
    const warmStart = Date.now();
    await page.getByRole('link', { name: /^Inbox/ }).click();
    await rowsReady();
    const warm = Date.now() - warmStart;
    console.log(`# inbox open with ${MESSAGES} messages in ${GROUPS + 1} conversations: cold page load ${cold} ms, in-app ${warm} ms`);
    await page.getByText(`${GROUPS + 1} conversations, ${MESSAGES} unread`).waitFor();
  });
  await page.context().close();
});
