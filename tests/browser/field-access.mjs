// Drives the field app (/field/) in real headless Chromium through access
// ending, on a profile on disk. Run by tests/tests/field_access_ends.rs:
//
//   node field-access.mjs enrol     — signs in and chooses a PIN; the
//                                     caseload shows every record; no
//                                     WebSocket URL holds the token
//   node field-access.mjs reconnect — started again online with nothing
//                                     changed: reports the sync frames the
//                                     app sent (the change feed keeps it to
//                                     the index, not one per record)
//   node field-access.mjs offline   — started again offline: a draft note
//                                     on MOVED (the record about to be
//                                     reassigned), saved on this phone only
//   node field-access.mjs purge     — started again online after MOVED was
//                                     reassigned away: the app says a record
//                                     was removed, the caseload no longer
//                                     lists it, and IndexedDB holds none of
//                                     its chunks
//   node field-access.mjs revoked   — started again online after the device
//                                     was revoked: the app wipes its store
//                                     and shows the sign-in screen saying
//                                     why; IndexedDB holds nothing
//
// Settings come from the environment (FIELD_URL, USERNAME, PASSWORD, PIN,
// KEPT, MOVED, MOVED_ID, PROFILE, SCREENSHOTS, CHROMIUM). Exits non-zero
// with a message on the first thing that is not as expected; prints one
// JSON line on success.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const step = process.argv[2];
const url = env('FIELD_URL');
const shots = env('SCREENSHOTS');
mkdirSync(shots, { recursive: true });
const timeout = 20000;

function check(ok, message) {
  if (!ok) throw new Error(message);
}

const context = await chromium.launchPersistentContext(env('PROFILE'), {
  executablePath: env('CHROMIUM'),
  headless: true,
  viewport: { width: 360, height: 640 },
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
const problems = [];
try {
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(timeout);
  page.on('pageerror', (e) => problems.push(e.message));
  const sockets = [];
  let framesSent = 0;
  page.on('websocket', (ws) => {
    sockets.push(ws.url());
    ws.on('framesent', () => (framesSent += 1));
  });
  const shot = (name) => page.screenshot({ path: join(shots, `field-access-${step}-${name}.png`), fullPage: true });
  const row = (name) => page.locator('.caseload .name', { hasText: name });
  const unlock = async () => {
    await page.goto(url);
    await page.getByRole('heading', { name: 'Alongside is locked' }).waitFor({ timeout });
    await page.getByLabel('PIN').fill(env('PIN'));
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'Caseload' }).waitFor({ timeout });
  };
  /** The chunk keys IndexedDB holds, and whether the app's database exists. */
  const stored = () =>
    page.evaluate(async () => {
      const names = (await indexedDB.databases()).map((d) => d.name);
      if (names.length === 0) return { databases: names, chunks: [] };
      const db = await new Promise((resolve, reject) => {
        const open = indexedDB.open(names[0]);
        open.onsuccess = () => resolve(open.result);
        open.onerror = () => reject(open.error);
      });
      if (!db.objectStoreNames.contains('chunks')) return { databases: names, chunks: [] };
      const keys = await new Promise((resolve, reject) => {
        const request = db.transaction('chunks').objectStore('chunks').getAllKeys();
        request.onsuccess = () => resolve(request.result.map(String));
        request.onerror = () => reject(request.error);
      });
      db.close();
      return { databases: names, chunks: keys };
    });
  const report = { step };

  if (step === 'enrol') {
    await page.goto(url);
    await page.getByLabel('Username').fill(env('USERNAME'));
    await page.getByLabel('Password').fill(env('PASSWORD'));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Choose a PIN' }).waitFor({ timeout });
    await page.getByLabel('PIN', { exact: true }).fill(env('PIN'));
    await page.getByLabel('PIN again').fill(env('PIN'));
    await page.keyboard.press('Enter');
    await row(env('MOVED')).waitFor({ timeout });
    await row(env('KEPT')).waitFor({ timeout });
    await page.locator('.status .online').waitFor({ timeout });
    // The service worker holds the app, for the offline start.
    await page.evaluate(() => navigator.serviceWorker.ready);
    // Let every record the caseload opened reach the disk and the cursor
    // settle before the browser closes.
    await page.waitForTimeout(1500);
    report.sockets = sockets;
  } else if (step === 'reconnect') {
    await unlock();
    await row(env('KEPT')).waitFor({ timeout });
    await page.locator('.status .online').waitFor({ timeout });
    await page.waitForTimeout(1500);
    report.framesSent = framesSent;
    report.sockets = sockets;
  } else if (step === 'offline') {
    await context.setOffline(true);
    await unlock();
    await row(env('MOVED')).click();
    await page.getByRole('heading', { name: env('MOVED') }).waitFor({ timeout });
    await page.getByRole('button', { name: 'New note' }).click();
    await page.getByLabel('What you did').fill('Typed before the record moved away.');
    await page.getByRole('button', { name: 'Save draft' }).click();
    await page.getByRole('status').filter({ hasText: 'Saved as a draft.' }).waitFor({ timeout });
    await shot('draft');
  } else if (step === 'purge') {
    await unlock();
    await page
      .getByRole('alert')
      .filter({ hasText: 'A record you no longer have access to was removed from this phone.' })
      .waitFor({ timeout });
    await row(env('KEPT')).waitFor({ timeout });
    await row(env('MOVED')).waitFor({ state: 'detached', timeout });
    await shot('removed');
    const { chunks } = await stored();
    const moved = chunks.filter((k) => k.startsWith(env('MOVED_ID')));
    check(moved.length === 0, `IndexedDB still holds the moved record: ${moved}`);
    check(chunks.length > 0, 'IndexedDB holds nothing at all');
  } else if (step === 'revoked') {
    await page.goto(url);
    await page.getByRole('heading', { name: 'Alongside is locked' }).waitFor({ timeout });
    await page.getByLabel('PIN').fill(env('PIN'));
    await page.keyboard.press('Enter');
    await page
      .getByRole('status')
      .filter({ hasText: "This phone's access was withdrawn by your programme" })
      .waitFor({ timeout });
    await page.getByLabel('Username').waitFor({ timeout });
    await shot('withdrawn');
    const { databases, chunks } = await stored();
    check(chunks.length === 0, `IndexedDB still holds ${chunks.length} chunks (${databases})`);
    report.databases = databases;
  } else {
    throw new Error(`unknown step ${step}`);
  }
  check(problems.length === 0, `errors in the page: ${JSON.stringify(problems)}`);
  console.log(JSON.stringify(report));
} catch (e) {
  const page = context.pages()[0];
  const text = page ? await page.evaluate(() => document.body.innerText).catch(() => '(no page)') : '(no page)';
  throw new Error(`${e.message}\n--- the page said:\n${text}\n--- errors: ${JSON.stringify(problems)}`);
} finally {
  await context.close();
}
