// The README's screenshot of the inbox (docs/img/web-inbox.png), taken only when asked:
//   MISSIVE_WEB_SCREENSHOTS=1 node --test web/test/screenshots.test.mjs
import { test } from 'node:test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startStack, launchBrowser, newUserPage, api, createUser, webRoot } from './helpers.mjs';

test('screenshot of the inbox for the README', { skip: process.env.MISSIVE_WEB_SCREENSHOTS !== '1' }, async () => {
  const { server, url } = await startStack();
  const browser = await launchBrowser();
  try {
    const admin = await api(server);
    const ada = await createUser(admin, 'ada', { first_name: 'Ada', last_name: 'Lovelace' });
    const people = [];
    for (const [h, f, l] of [['bob', 'Bob', 'Kahn'], ['cyd', 'Cyd', 'Charisse'], ['dee', 'Dee', 'Hock']]) {
      const u = await createUser(admin, h, { first_name: f, last_name: l });
      people.push(await api(url, u.handle, u.password));
    }
    const ops = await admin.createGroup({ name: 'Ops' });
    for (const id of [ada.user.id]) await admin.addMember(ops.id, id);
    await admin.send({ to: { groups: [ops.id] }, subject: 'Maintenance tonight', body: 'The database is down 22:00-23:00.' });
    await people[0].send({ to: { users: [ada.user.id] }, subject: 'Lunch on Friday?', body: 'The usual place at noon.' });
    const adaApi = await api(url, ada.handle, ada.password);
    const q = await people[1].send({ to: { users: [ada.user.id, 'dee'] }, subject: 'Quarterly review slides', body: 'Draft attached in the wiki.' });
    await adaApi.reply(q.id, { body: 'Looks good, two comments inline.', reply_all: true });
    await people[1].send({ to: { users: [ada.user.id] }, subject: 'Re: Quarterly review slides', body: 'Thanks!' });
    await people[2].send({ to: { users: [ada.user.id] }, subject: '東京オフィスの会議', body: '明日は東京で会議があります。' });
    await admin.send({ to: { users: [ada.user.id] }, subject: 'Sign the security form', body: 'By the end of the month.',
      expiry_date: new Date(Date.now() + 20 * 86400000).toISOString().slice(0, 10), reminders: { frequency: 'weekly' } });
    const page = await newUserPage(browser, url, ada.handle, ada.password, { viewport: { width: 1000, height: 560 } });
    await page.locator('li[data-conversation]').nth(4).waitFor();
    await page.waitForFunction(() => [...document.querySelectorAll('.row-title')].every((t) => t.textContent !== '…'));
    await page.locator('.live-live').waitFor();
    const dir = join(webRoot, '../docs/img');
    mkdirSync(dir, { recursive: true });
    await page.screenshot({ path: join(dir, 'web-inbox.png') });
  } finally {
    await browser.close();
    await server.stop();
  }
});
