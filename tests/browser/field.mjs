// Drives the field app (/field/) in real headless Chromium (Debian's
// package) with playwright-core, on a phone-sized window with a profile on
// disk, as a worker would: keyboard and labelled controls. Run by
// tests/tests/field_app.rs:
//
//   node field.mjs enrol   — a wrong password is refused under the form;
//                            the right one enrols the device; two PINs that
//                            differ are refused, then one is chosen; the
//                            caseload shows, online, and the service worker
//                            holds the app
//   node field.mjs offline — the browser starts again on the same profile
//                            with no network: the app opens from the
//                            service worker, refuses a wrong PIN, unlocks
//                            with the right one and shows the caseload from
//                            the encrypted store
//
// Settings come from the environment (FIELD_URL, USERNAME, PASSWORD, PIN,
// PARTICIPANT, PROFILE, SCREENSHOTS, CHROMIUM). Screenshots go to
// SCREENSHOTS. Exits non-zero with a message on the first thing that is not
// as expected; prints one JSON line on success.
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
  page.on('console', (m) => {
    if (m.type() === 'error') problems.push(m.text());
  });
  page.on('pageerror', (e) => problems.push(e.message));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) =>
      console.error(`CSP violation: ${e.violatedDirective} ${e.blockedURI}`),
    );
  });
  const shot = (name) => page.screenshot({ path: join(shots, `field-${step}-${name}.png`), fullPage: true });
  const caseload = async (status) => {
    await page.getByRole('heading', { name: 'Caseload' }).waitFor({ timeout });
    await page.locator('.caseload .name', { hasText: env('PARTICIPANT') }).waitFor({ timeout });
    await page.getByRole('status').filter({ hasText: status }).waitFor({ timeout });
  };
  let report = { step };

  if (step === 'enrol') {
    // The token the server hands out, for the test to look for on disk.
    let token = null;
    page.on('response', async (response) => {
      if (response.url().endsWith('/api/v1/devices') && response.status() === 201) {
        token = (await response.json()).token;
      }
    });
    await page.goto(url);
    await page.getByLabel('Username').waitFor({ timeout });
    const focused = await page.evaluate(() => document.activeElement?.id);
    check(focused === 'username', `focus on load is ${JSON.stringify(focused)}, expected username`);
    await shot('signin');

    await page.keyboard.type(env('USERNAME'));
    await page.keyboard.press('Tab');
    await page.keyboard.type('not-the-password');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'do not match' }).waitFor({ timeout });
    await shot('wrong-password');
    await page.getByLabel('Password').fill(env('PASSWORD'));
    await page.keyboard.press('Enter');

    await page.getByRole('heading', { name: 'Choose a PIN' }).waitFor({ timeout });
    await page.getByLabel('PIN', { exact: true }).fill(env('PIN'));
    await page.getByLabel('PIN again').fill(`${env('PIN')}9`);
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'differ' }).waitFor({ timeout });
    await page.getByLabel('PIN again').fill(env('PIN'));
    await shot('pin');
    await page.keyboard.press('Enter');
    await caseload('Online');
    await shot('caseload');

    // The app is held by the service worker, and the records are stored.
    const ready = await page.evaluate(
      () =>
        new Promise((resolve) => {
          setTimeout(() => resolve(false), 15000);
          navigator.serviceWorker.ready.then(() => resolve(true));
        }),
    );
    check(ready, 'the service worker never became ready');
    const deadline = Date.now() + timeout;
    for (;;) {
      const stored = await page.evaluate(
        () =>
          new Promise((resolve) => {
            const open = indexedDB.open('alongside-field');
            open.onsuccess = () => {
              const count = open.result.transaction('chunks').objectStore('chunks').count();
              count.onsuccess = () => resolve(count.result);
            };
          }),
      );
      const cached = await page.evaluate(async () => (await caches.keys()).length);
      if (stored >= 2 && cached === 1) {
        check(token, 'the enrolment answer was seen');
        report = { ...report, chunks: stored, caches: cached, token };
        break;
      }
      check(Date.now() < deadline, `stored ${stored} chunk(s), ${cached} cache(s)`);
      await page.waitForTimeout(200);
    }
  } else if (step === 'offline') {
    await context.setOffline(true);
    await page.goto(url);
    await page.getByRole('heading', { name: 'Alongside is locked' }).waitFor({ timeout });
    await page.getByLabel('PIN').fill('000000');
    await page.keyboard.press('Enter');
    await page.getByRole('alert').filter({ hasText: 'not right' }).waitFor({ timeout });
    await shot('wrong-pin');
    // The first wrong PIN makes the next attempt wait 2 s.
    await page.getByRole('button', { name: 'Unlock' }).isEnabled({ timeout: 10000 });
    await page.waitForFunction(() => !document.querySelector('button')?.disabled, null, { timeout: 10000 });
    await page.getByLabel('PIN').fill(env('PIN'));
    await page.keyboard.press('Enter');
    await caseload('Offline');
    await shot('caseload');
  } else {
    throw new Error(`unknown step ${step}`);
  }

  // Expected, and nothing else: 401 for the wrong password; network
  // failures while offline; cbor-x (in automerge-repo) probing once whether
  // `new Function` works — the policy says no, and it decodes without it.
  const probes = problems.filter((p) => p === 'CSP violation: script-src eval');
  check(probes.length <= 1, `eval was tried ${probes.length} times`);
  const unexpected = problems.filter(
    (p) => !p.includes('401') && !probes.includes(p) && !(step === 'offline' && /ERR_INTERNET_DISCONNECTED|WebSocket/.test(p)),
  );
  check(unexpected.length === 0, `errors in the page: ${JSON.stringify(unexpected)}`);
  console.log(JSON.stringify(report));
} finally {
  await context.close();
}
