// Drives the supervisor console in real headless Chromium (Debian's
// package) with playwright-core, as a supervisor would: keyboard and
// labelled controls. Run by tests/tests/console_browser.rs:
//
//   node console.mjs review   — sign in, open the queue and the record,
//                                approve one note, request changes on another
//   node console.mjs amended  — sign in, find the approved note back in the
//                                queue as amended, and its diff
//
// Settings come from the environment (CONSOLE_URL, USERNAME, PASSWORD,
// PARTICIPANT, APPROVE_NOTE, CHANGES_NOTE, COMMENT, SCREENSHOTS, CHROMIUM).
// Screenshots of each page go to SCREENSHOTS. Exits non-zero with a message
// on the first thing that is not as expected.
import { chromium } from 'playwright-core';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};
const step = process.argv[2];
const base = env('CONSOLE_URL').replace(/\/$/, '');
const shots = env('SCREENSHOTS');
mkdirSync(shots, { recursive: true });
const timeout = 20000;

function check(ok, message) {
  if (!ok) throw new Error(message);
}

async function shot(page, name) {
  await page.screenshot({ path: join(shots, `${step}-${name}.png`), fullPage: true });
}

async function signIn(page) {
  await page.goto(`${base}/signin`);
  // Keyboard only: the username field has the focus, Tab moves to the
  // password, Enter signs in.
  const focused = await page.evaluate(() => document.activeElement?.id);
  check(focused === 'username', `focus on load is ${JSON.stringify(focused)}, expected username`);
  await page.keyboard.type(env('USERNAME'));
  await page.keyboard.press('Tab');
  await page.keyboard.type(env('PASSWORD'));
  check(
    (await page.getByLabel('Password').inputValue()) === env('PASSWORD'),
    'Tab from the username reaches the labelled password field',
  );
  await shot(page, 'signin');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Team overview' }).waitFor({ timeout });
  await shot(page, 'overview');
}

async function openRecord(page) {
  await page.getByRole('link', { name: 'Review queue' }).click();
  await page.getByRole('heading', { name: 'Review queue' }).waitFor({ timeout });
  await shot(page, 'queue');
  await page.locator('#queue').getByRole('link', { name: env('PARTICIPANT') }).first().click();
  await page.getByRole('heading', { name: env('PARTICIPANT'), level: 1 }).waitFor({ timeout });
}

async function review(page) {
  await signIn(page);
  await openRecord(page);
  for (const id of [env('APPROVE_NOTE'), env('CHANGES_NOTE')]) {
    const state = await page.locator(`#note-${id}`).getAttribute('data-state');
    check(state === 'awaiting', `note ${id} is ${state}, expected awaiting`);
  }
  await shot(page, 'participant');
  const approve = page.locator(`#note-${env('APPROVE_NOTE')}`);
  await approve.getByRole('button', { name: 'Approve' }).click();
  await page.locator(`#note-${env('APPROVE_NOTE')}[data-state="approved"]`).waitFor({ timeout });
  await page.getByText('Review saved').first().waitFor({ timeout });
  const changes = page.locator(`#note-${env('CHANGES_NOTE')}`);
  await changes.getByLabel('Comment for the worker').fill(env('COMMENT'));
  await changes.getByRole('button', { name: 'Request changes' }).click();
  await page
    .locator(`#note-${env('CHANGES_NOTE')}[data-state="changes-requested"]`)
    .waitFor({ timeout });
  check(
    (await page.locator(`#note-${env('CHANGES_NOTE')}`).textContent()).includes(env('COMMENT')),
    'the comment is shown with the note',
  );
  await shot(page, 'reviewed');
}

async function amended(page) {
  await signIn(page);
  await page.getByRole('link', { name: 'Review queue' }).click();
  const row = page.locator(`#queue tr[data-note="${env('APPROVE_NOTE')}"]`);
  await row.waitFor({ timeout });
  const state = await row.getAttribute('data-state');
  check(state === 'amended', `the edited note is ${state} in the queue, expected amended`);
  await shot(page, 'queue');
  await row.getByRole('link').click();
  const note = page.locator(`#note-${env('APPROVE_NOTE')}`);
  await note.getByText('Changed since the last review').waitFor({ timeout });
  check((await note.locator('del').allTextContents()).length > 0, 'the diff shows the old value');
  await shot(page, 'diff');
}

const browser = await chromium.launch({
  executablePath: env('CHROMIUM'),
  headless: true,
  args: ['--no-sandbox'],
});
try {
  // A 10-inch tablet in landscape.
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  page.setDefaultTimeout(timeout);
  if (step === 'review') await review(page);
  else if (step === 'amended') await amended(page);
  else throw new Error(`unknown step ${step}`);
  console.log(`${step}: ok`);
} catch (e) {
  console.error(`${step}: ${e.message}`);
  process.exitCode = 1;
} finally {
  await browser.close();
}
