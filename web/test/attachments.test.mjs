// Attachments on the page (docs/attachments.md, docs/web.md): an image dropped on the compose
// form uploads with a progress bar and reaches its recipient as a thumbnail that opens the full
// image; an upload whose first chunk fails says "reconnecting" and still completes with the
// right bytes; a voice recording (Chromium's fake microphone) reaches the recipient as a player
// with its waveform; an HTML file is only ever a download and none of its script runs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { closeStack, openStack, launchBrowser, newUserPage, api, createUser, withScreenshot, waitFor, axeScan } from './helpers.mjs';
import { pngBytes } from '../../sdk/js/testing/media.mjs';

let stack, browser, admin;
before(async () => ({ stack, browser, admin } = await openStack()));
after(() => closeStack({ stack, browser }));

const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Opens compose addressed to `handle` with a subject and a body.
async function startCompose(page, handle, subject) {
  await page.goto(`${stack.url}/#/compose?to=${handle}`);
  await page.locator('.chip').first().waitFor();
  await page.getByLabel('Subject').fill(subject);
  await page.getByLabel('Message', { exact: true }).fill(`${subject}: see the files.`);
}

// Drops a file on `target` as a browser would: dragover, then drop with a DataTransfer.
async function dropFile(page, target, { name, mimeType, buffer }) {
  const dataTransfer = await page.evaluateHandle(({ b64, name, mimeType }) => {
    const bin = atob(b64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    const dt = new DataTransfer();
    dt.items.add(new File([bytes], name, { type: mimeType }));
    return dt;
  }, { b64: buffer.toString('base64'), name, mimeType });
  await target.dispatchEvent('dragover', { dataTransfer });
  await target.dispatchEvent('drop', { dataTransfer });
}

// The newest message `client` received, once it is there.
async function received(client, subject) {
  return waitFor(`the message "${subject}"`, async () => (await client.inbox({ limit: 5 })).messages.find((m) => m.subject === subject));
}

const fileRow = (page, name) => page.locator('.pending-file', { hasText: name });

test('an image dropped on compose shows progress, then its thumbnail in the recipient\'s conversation', async () => {
  const ada = await createUser(admin, 'ada', { first_name: 'Ada', last_name: 'Lovelace' });
  const bob = await createUser(admin, 'bob', { first_name: 'Bob', last_name: 'Kahn' });
  const image = pngBytes(700, 700, { noise: true });  // about 1.4 MB: three chunks of the page's 512 KB
  const notes = Buffer.from('Meeting notes\n');
  const page = await newUserPage(browser, stack.url, ada.handle, ada.password);
  await withScreenshot(page, 'attachments-drop', async () => {
    // Slow chunks, so the progress can be watched.
    await page.route('**/v1/tus/*', async (route) => {
      if (route.request().method() === 'PATCH') await sleep(400);
      await route.continue();
    });
    await startCompose(page, bob.handle, 'Photos');
    await dropFile(page, page.locator('form.card'), { name: 'cat.png', mimeType: 'image/png', buffer: image });
    await page.locator('input[type="file"]').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: notes });

    const progress = page.getByRole('progressbar', { name: 'Uploading cat.png' });
    await progress.waitFor();
    const send = page.getByRole('button', { name: 'Send', exact: true });
    assert.ok(await send.isDisabled(), 'Send is enabled while a file uploads');
    const seen = new Set();
    await waitFor('cat.png uploaded', async () => {
      const value = await progress.evaluate((p) => p.value).catch(() => null);
      if (value !== null) seen.add(value);
      return (await fileRow(page, 'cat.png').getAttribute('data-state')) === 'done';
    }, 20000, 30);
    assert.ok([...seen].some((v) => v > 0 && v < image.length), `no progress between 0 and the end: ${[...seen]}`);
    await waitFor('notes.txt uploaded', async () => (await fileRow(page, 'notes.txt').getAttribute('data-state')) === 'done');
    assert.deepEqual(await axeScan(page), []);
    await page.setViewportSize({ width: 375, height: 800 });
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth <= 375), 'compose scrolls sideways at phone width');
    await page.setViewportSize({ width: 1280, height: 800 });

    assert.ok(await send.isEnabled());
    await send.click();
    await page.waitForURL(/#\/c\/\d+$/);
    assert.deepEqual(page.csp, []);
  });

  const bobApi = await api(stack.url, bob.handle, bob.password);
  const message = await received(bobApi, 'Photos');
  assert.deepEqual(message.attachments.map((a) => [a.name, a.size, a.sha256]),
    [['cat.png', image.length, sha256(image)], ['notes.txt', notes.length, sha256(notes)]]);
  const bobPage = await newUserPage(browser, stack.url, bob.handle, bob.password);
  await withScreenshot(bobPage, 'attachments-thumbnail', async () => {
    await bobPage.goto(`${stack.url}/#/c/${message.conversation_id}`);
    // The thumbnail appears once the server has made it (at once, or on the live entry).
    const thumb = bobPage.locator(`li[data-attachment="${message.attachments[0].id}"] img`);
    await waitFor('the thumbnail loaded', () => thumb.evaluate((img) => img.complete && img.naturalWidth > 0).catch(() => false), 20000);
    assert.match(await thumb.getAttribute('src'), new RegExp(`/v1/attachments/${message.attachments[0].id}/thumbnail$`));
    await bobPage.getByRole('button', { name: 'Open image cat.png' }).click();
    const full = bobPage.locator('dialog.lightbox img');
    await waitFor('the full image loaded', () => full.evaluate((img) => img.complete && img.naturalWidth === 700).catch(() => false));
    await bobPage.keyboard.press('Escape');
    await waitFor('the image closed', async () => !(await bobPage.locator('dialog.lightbox[open]').count()));
    const link = bobPage.getByRole('link', { name: /notes\.txt/ });
    assert.equal(await link.getAttribute('download'), 'notes.txt');
    assert.deepEqual(await axeScan(bobPage), []);
    assert.deepEqual(bobPage.csp, []);
  });
  await page.context().close();
  await bobPage.context().close();
});

test('an upload whose first chunk fails says "reconnecting" and completes with the right bytes', async () => {
  const cy = await createUser(admin, 'cy');
  const dee = await createUser(admin, 'dee');
  const data = pngBytes(600, 600, { noise: true });
  const page = await newUserPage(browser, stack.url, cy.handle, cy.password);
  await withScreenshot(page, 'attachments-resume', async () => {
    let failed = 0;
    await page.route('**/v1/tus/*', async (route) => {
      const method = route.request().method();
      if (method === 'PATCH' && failed === 0) { failed++; await route.abort('connectionreset'); return; }
      // Asking where to go on takes a while, so "reconnecting" can be seen.
      if (method === 'HEAD') await sleep(1000);
      await route.continue();
    });
    await startCompose(page, dee.handle, 'Resumed');
    await page.locator('input[type="file"]').setInputFiles({ name: 'big.png', mimeType: 'image/png', buffer: data });
    await waitFor('reconnecting shown', async () => (await fileRow(page, 'big.png').getAttribute('data-state')) === 'reconnecting');
    await fileRow(page, 'big.png').getByText('Reconnecting…').waitFor();
    await waitFor('big.png uploaded', async () => (await fileRow(page, 'big.png').getAttribute('data-state')) === 'done', 20000);
    assert.equal(failed, 1);
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.waitForURL(/#\/c\/\d+$/);
  });
  const deeApi = await api(stack.url, dee.handle, dee.password);
  const message = await received(deeApi, 'Resumed');
  const upload = await deeApi.getUpload(message.attachments[0].id);
  assert.equal(upload.state, 'complete');
  assert.equal(upload.size, data.length);
  assert.equal(upload.sha256, sha256(data));
  const bytes = Buffer.from(await (await deeApi.attachment(upload.id)).arrayBuffer());
  assert.ok(bytes.equals(data), 'the downloaded bytes differ from the file');
  await page.context().close();
});

test('a voice recording reaches the recipient as a player with its waveform', async () => {
  const eve = await createUser(admin, 'eve');
  const fay = await createUser(admin, 'fay');
  const mediaBrowser = await launchBrowser({ fakeMedia: true });
  try {
    const page = await newUserPage(mediaBrowser, stack.url, eve.handle, eve.password);
    await withScreenshot(page, 'attachments-voice', async () => {
      await startCompose(page, fay.handle, 'Voice');
      await page.getByRole('button', { name: 'Record voice' }).click();
      await page.getByRole('status').filter({ hasText: /Recording/ }).waitFor();
      await sleep(2000);
      await page.getByRole('button', { name: 'Stop recording' }).click();
      const preview = page.locator('.voice audio');
      await preview.waitFor();
      await page.getByRole('button', { name: 'Attach recording' }).click();
      const row = page.locator('.pending-file', { hasText: /^voice-/ });
      await waitFor('the recording uploaded', async () => (await row.getAttribute('data-state')) === 'done', 20000);
      assert.match(await row.locator('.pending-name').innerText(), /^voice-\d{4}-\d\d-\d\dT\d\d-\d\d\.(webm|ogg)$/);
      await page.getByRole('button', { name: 'Send', exact: true }).click();
      await page.waitForURL(/#\/c\/\d+$/);
      assert.deepEqual(page.csp, []);
    });
    await page.context().close();
  } finally {
    await mediaBrowser.close();
  }

  const fayApi = await api(stack.url, fay.handle, fay.password);
  const message = await received(fayApi, 'Voice');
  assert.match(message.attachments[0].type, /^audio\//);
  const fayPage = await newUserPage(browser, stack.url, fay.handle, fay.password);
  await withScreenshot(fayPage, 'attachments-voice-recipient', async () => {
    await fayPage.goto(`${stack.url}/#/c/${message.conversation_id}`);
    const item = fayPage.locator(`li[data-attachment="${message.attachments[0].id}"]`);
    await item.locator('audio[controls]').waitFor();
    // The waveform is drawn once the server has computed it (at once, or on the live entry).
    await waitFor('a waveform of 64 bars', async () => (await item.locator('svg.waveform rect').count()) === 64, 20000);
    assert.match(await item.locator('.duration').innerText(), /^0:0[1-3]$/);
    assert.match(await item.locator('audio').getAttribute('src'), /\/v1\/attachments\/\d+$/);
    assert.deepEqual(await axeScan(fayPage), []);
  });
  await fayPage.context().close();
});

test('an HTML file is offered as a download and its script never runs in the page\'s origin', async () => {
  const gus = await createUser(admin, 'gus');
  const hal = await createUser(admin, 'hal');
  const html = Buffer.from('<!doctype html><p>hello</p><script>localStorage.setItem("pwned", "1");'
    + 'fetch("/v1/sessions/current", {method: "DELETE"});</script>');
  const page = await newUserPage(browser, stack.url, gus.handle, gus.password);
  await withScreenshot(page, 'attachments-html', async () => {
    await startCompose(page, hal.handle, 'A page');
    await page.locator('input[type="file"]').setInputFiles({ name: 'page.html', mimeType: 'text/html', buffer: html });
    await waitFor('page.html uploaded', async () => (await fileRow(page, 'page.html').getAttribute('data-state')) === 'done');
    await page.getByRole('button', { name: 'Send', exact: true }).click();
    await page.waitForURL(/#\/c\/\d+$/);
  });
  await page.context().close();

  const halApi = await api(stack.url, hal.handle, hal.password);
  const message = await received(halApi, 'A page');
  const halPage = await newUserPage(browser, stack.url, hal.handle, hal.password);
  await withScreenshot(halPage, 'attachments-html-recipient', async () => {
    await halPage.goto(`${stack.url}/#/c/${message.conversation_id}`);
    const link = halPage.getByRole('link', { name: /page\.html/ });
    await link.waitFor();
    assert.equal(await link.getAttribute('download'), 'page.html');
    const href = await link.getAttribute('href');
    const response = await halPage.request.get(`${stack.url}${href}`);
    assert.equal(response.status(), 200);
    const headers = response.headers();
    assert.match(headers['content-disposition'], /^attachment/);
    assert.match(headers['content-security-policy'], /sandbox/);
    assert.equal(headers['x-content-type-options'], 'nosniff');

    // Opening the file's URL in a tab downloads it; nothing renders, nothing runs.
    const tab = await halPage.context().newPage();
    const download = tab.waitForEvent('download', { timeout: 5000 }).catch(() => null);
    await tab.goto(`${stack.url}${href}`).catch(() => {});
    const file = await download;
    if (file) assert.equal(file.suggestedFilename(), 'page.html');
    await sleep(300);
    await tab.close();
    assert.equal(await halPage.evaluate(() => localStorage.getItem('pwned')), null);
    assert.equal(await halPage.evaluate(async () => (await fetch('/v1/me')).status), 200, 'the session was ended');
    assert.deepEqual(halPage.csp, []);
  });
  await halPage.context().close();
});
