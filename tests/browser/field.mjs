// Drives the field app (/field/) in real headless Chromium (Debian's
// package) with playwright-core, on a phone-sized window, as a worker
// would: keyboard and labelled controls. Run by tests/tests/field_app.rs:
//
//   node field.mjs caseload — a wrong password is refused under the form;
//                             the right one enrols the device and shows
//                             the caseload, online, with no CSP violation
//                             and nothing written to the browser's storage
//
// Settings come from the environment (FIELD_URL, USERNAME, PASSWORD,
// PARTICIPANT, SCREENSHOTS, CHROMIUM). Screenshots go to SCREENSHOTS.
// Exits non-zero with a message on the first thing that is not as expected.
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

const browser = await chromium.launch({
  executablePath: env('CHROMIUM'),
  headless: true,
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
    '--no-first-run',
  ],
});
try {
  const context = await browser.newContext({ viewport: { width: 360, height: 640 } });
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  const problems = [];
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

  if (step !== 'caseload') throw new Error(`unknown step ${step}`);
  await page.goto(url);
  await page.getByLabel('Username').waitFor({ timeout });
  const focused = await page.evaluate(() => document.activeElement?.id);
  check(focused === 'username', `focus on load is ${JSON.stringify(focused)}, expected username`);
  await shot('signin');

  // A wrong password: said under the form, where the worker is looking.
  await page.keyboard.type(env('USERNAME'));
  await page.keyboard.press('Tab');
  await page.keyboard.type('not-the-password');
  await page.keyboard.press('Enter');
  const error = page.getByRole('alert');
  await error.filter({ hasText: 'do not match' }).waitFor({ timeout });
  await shot('wrong-password');

  await page.getByLabel('Password').fill(env('PASSWORD'));
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Caseload' }).waitFor({ timeout });
  const name = page.locator('.caseload .name', { hasText: env('PARTICIPANT') });
  await name.waitFor({ timeout });
  await page.getByRole('status').filter({ hasText: 'Online' }).waitFor({ timeout });
  await shot('caseload');

  const stored = await page.evaluate(async () => ({
    localStorage: localStorage.length,
    sessionStorage: sessionStorage.length,
    indexedDB: (await indexedDB.databases()).map((d) => d.name),
    caches: await caches.keys(),
  }));
  check(
    stored.localStorage === 0 && stored.sessionStorage === 0 && stored.indexedDB.length === 0 && stored.caches.length === 0,
    `nothing is stored until the encrypted store lands: ${JSON.stringify(stored)}`,
  );
  // Expected, and nothing else: the wrong password's 401, and cbor-x (in
  // automerge-repo) probing once whether `new Function` works — the policy
  // says no, and it decodes without it.
  const probes = problems.filter((p) => p === 'CSP violation: script-src eval');
  check(probes.length <= 1, `eval was tried ${probes.length} times`);
  const unexpected = problems.filter((p) => !p.includes('401') && !probes.includes(p));
  check(unexpected.length === 0, `errors in the page: ${JSON.stringify(unexpected)}`);
  console.log(JSON.stringify({ step, stored }));
} finally {
  await browser.close();
}
