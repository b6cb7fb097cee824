// What the console leaves in the browser's storage, in real headless
// Chromium (Debian's package) with a profile on disk, so that a browser
// restart can be looked at. Run by tests/tests/console_sign_out_storage.rs:
//
//   node storage.mjs signout
//
// 1. signs in and browses the queue and every participant's record the way
//    a supervisor clicks (htmx-boosted links), checking that each page shows
//    its participant's text, and goes Back once;
// 2. reads localStorage, sessionStorage and the Cache Storage: none may hold
//    any of that text (htmx's history cache is off);
// 3. plants the text in all three (as any other script or cache might) and
//    signs out: none may hold it afterwards (Clear-Site-Data);
// 4. closes the browser, starts it again on the same profile, and reads
//    the storage once more.
//
// Settings come from the environment: CONSOLE_URL, USERNAME, PASSWORD,
// PARTICIPANTS (JSON: [{name, note}]), PROFILE (a folder), SCREENSHOTS,
// CHROMIUM. Prints one JSON line with what each read found; exits non-zero
// with a message on the first thing that is not as expected.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const base = env('CONSOLE_URL').replace(/\/$/, '');
const shots = env('SCREENSHOTS');
mkdirSync(shots, { recursive: true });
const participants = JSON.parse(env('PARTICIPANTS'));
const secrets = participants.flatMap((p) => [p.name, p.note]);
const timeout = 20000;

function check(ok, message) {
  if (!ok) throw new Error(message);
}

async function launch() {
  const context = await chromium.launchPersistentContext(env('PROFILE'), {
    executablePath: env('CHROMIUM'),
    headless: true,
    args: ['--no-sandbox'],
    viewport: { width: 1280, height: 800 },
  });
  const page = context.pages()[0] ?? (await context.newPage());
  page.setDefaultTimeout(timeout);
  return { context, page };
}

// Everything the page's origin keeps in localStorage, sessionStorage and
// the Cache Storage, as text.
async function storage(page) {
  return page.evaluate(async () => {
    const dump = (s) => {
      const out = {};
      for (let i = 0; i < s.length; i++) out[s.key(i)] = s.getItem(s.key(i));
      return out;
    };
    const caches_ = {};
    for (const name of await caches.keys()) {
      const cache = await caches.open(name);
      for (const request of await cache.keys()) {
        const response = await cache.match(request);
        caches_[`${name} ${request.url}`] = response ? await response.text() : '';
      }
    }
    return { localStorage: dump(localStorage), sessionStorage: dump(sessionStorage), caches: caches_ };
  });
}

function size(found) {
  return Object.fromEntries(
    Object.entries(found).map(([area, entries]) => [
      area,
      Object.entries(entries).reduce((n, [k, v]) => n + k.length + v.length, 0),
    ]),
  );
}

function assertNoSecrets(found, when) {
  for (const [area, entries] of Object.entries(found)) {
    for (const [key, value] of Object.entries(entries)) {
      for (const secret of secrets) {
        check(
          !key.includes(secret) && !value.includes(secret),
          `${when}: ${area}[${JSON.stringify(key)}] holds ${JSON.stringify(secret)} ` +
            `(${value.length} characters)`,
        );
      }
    }
  }
}

async function signIn(page) {
  await page.goto(`${base}/signin`);
  await page.getByLabel('Username').fill(env('USERNAME'));
  await page.getByLabel('Password').fill(env('PASSWORD'));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { name: 'Team overview' }).waitFor();
}

async function browse(page) {
  // A boosted link keeps the page's scripts running; a full load would not.
  await page.evaluate(() => {
    window.alongsideStillHere = true;
  });
  for (const p of participants) {
    await page.getByRole('link', { name: 'Review queue' }).click();
    await page.getByRole('heading', { name: 'Review queue', level: 1 }).waitFor();
    await page.locator('#queue').getByRole('link', { name: p.name }).first().click();
    await page.getByRole('heading', { name: p.name, level: 1 }).waitFor();
    check(
      (await page.locator('main').textContent()).includes(p.note),
      `the record of ${p.name} shows its note`,
    );
    await page.screenshot({ path: join(shots, `storage-${participants.indexOf(p)}.png`) });
  }
  await page.getByRole('link', { name: 'Accompaniments' }).click();
  await page.getByRole('heading', { name: 'Accompaniments', level: 1 }).waitFor();
  check(
    await page.evaluate(() => window.alongsideStillHere === true && typeof htmx === 'object'),
    'the pages were loaded by htmx (boosted links), not as full loads',
  );
  // Back still works without the history cache: the last record again.
  await page.goBack();
  const last = participants[participants.length - 1];
  await page.getByRole('heading', { name: last.name, level: 1 }).waitFor();
  check(
    (await page.locator('main').textContent()).includes(last.note),
    'Back shows the last record again',
  );
}

async function plant(page) {
  const text = participants[0].note;
  await page.evaluate(async (text) => {
    localStorage.setItem('planted', text);
    sessionStorage.setItem('planted', text);
    const cache = await caches.open('planted');
    await cache.put('/planted', new Response(text));
  }, text);
  const found = await storage(page);
  check(
    found.localStorage.planted === text &&
      found.sessionStorage.planted === text &&
      Object.values(found.caches).includes(text),
    `planting worked: ${JSON.stringify(size(found))}`,
  );
}

async function signout() {
  const report = {};
  let { context, page } = await launch();
  try {
    await signIn(page);
    await browse(page);
    const browsed = await storage(page);
    report.browsed = size(browsed);
    report.browsedKeys = Object.keys(browsed.localStorage);
    assertNoSecrets(browsed, 'signed in, after browsing');

    await plant(page);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in', level: 1 }).waitFor();
    const signedOut = await storage(page);
    report.signedOut = size(signedOut);
    assertNoSecrets(signedOut, 'after signing out');
  } finally {
    await context.close();
  }

  ({ context, page } = await launch());
  try {
    await page.goto(`${base}/signin`);
    const restarted = await storage(page);
    report.restarted = size(restarted);
    assertNoSecrets(restarted, 'after signing out and restarting the browser');
  } finally {
    await context.close();
  }
  return report;
}

try {
  const step = process.argv[2];
  if (step !== 'signout') throw new Error(`unknown step ${step}`);
  console.log(JSON.stringify(await signout()));
} catch (e) {
  console.error(`storage: ${e.message}`);
  process.exitCode = 1;
}
