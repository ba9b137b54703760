// The console, end to end, in headless Chromium (Debian's package), driven
// by playwright-core: every role logs in (by keyboard), and the reported
// scenario is walked through the pages. Screenshots of the main pages are
// saved; the HTML of each is checked by the Nu validator; any console
// error fails the run.
//
// Started by scripts/console-e2e, which makes the store and serves it:
//   MUSTER_URL, MUSTER_PASSWORD, MUSTER_ORDERS (the reference orders),
//   SCREENSHOTS (a folder).

import { chromium } from 'playwright-core';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const base = process.env.MUSTER_URL;
const password = process.env.MUSTER_PASSWORD;
const orders = process.env.MUSTER_ORDERS;
const shots = process.env.SCREENSHOTS;
mkdirSync(shots, { recursive: true });

const failures = [];
function check(condition, what) {
  console.log(`${condition ? 'ok  ' : 'FAIL'} ${what}`);
  if (!condition) failures.push(what);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

const consoleErrors = [];
const saved = [];
/** Pages the run opens knowing they are refused: their status is no error. */
const refusedOnPurpose = new Set();

/** Logs a user in with the keyboard only, on a new browser context. */
async function logIn(name) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 768 } });
  const page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    if (refusedOnPurpose.has(message.location().url)) return;
    consoleErrors.push(`${name}: ${message.text()} (${message.location().url})`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`${name}: ${error}`));
  await page.goto(`${base}/`);
  check(page.url() === `${base}/login`, `${name}: a page without a session leads to the login`);
  // The name field takes the focus on load (autofocus): wait for it, or
  // the first keys may land before it has it.
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'name');
  await page.keyboard.type(name);
  await page.keyboard.press('Tab');
  await page.keyboard.type(password);
  await page.keyboard.press('Enter');
  try {
    await page.waitForURL(`${base}/`);
  } catch (error) {
    console.log(`FAIL ${name}: the login did not lead to the dashboard; the page says: ${await page.locator('main').innerText().catch(() => '?')}`);
    throw error;
  }
  check(await page.getByRole('heading', { name: /Dashboard/ }).isVisible(), `${name}: logged in, sees the dashboard`);
  return page;
}

/** Opens a page; saves its HTML (as served) and a screenshot under `shot`. */
async function open(page, address, shot) {
  const response = await page.goto(`${base}${address}`);
  if (shot) {
    const file = path.join(shots, `${shot}.html`);
    writeFileSync(file, await response.text());
    saved.push(file);
    await page.screenshot({ path: path.join(shots, `${shot}.png`), fullPage: true });
  }
  return response;
}

const users = {
  ministry: 'minister', department: 'errd-officer', 'unit-admin': 'c8-officer',
  placement: 'placer', analyst: 'analyst', auditor: 'auditor',
};
const pages = {};
for (const [role, name] of Object.entries(users)) {
  pages[role] = await logIn(name);
  await open(pages[role], '/', `dashboard-${role}`);
}

// The department drafts the Gomdok delay, previews it with the strength of
// the site, and issues it.
{
  const page = pages.department;
  await open(page, '/orders/draft');
  await page.getByLabel('Order (TOML)').fill(readFileSync(path.join(orders, 'errd-2020-031.toml'), 'utf8'));
  await page.getByLabel('As of').fill('2020-09-25');
  await page.getByLabel('Strength of site').selectOption('gomdok');
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByRole('heading', { name: 'What it would do' }).waitFor();
  check((await page.locator('figure svg').count()) === 2, 'department: the preview draws the strength without and with the order');
  await page.screenshot({ path: path.join(shots, 'draft-preview-gomdok.png'), fullPage: true });
  await page.getByRole('button', { name: 'Issue' }).click();
  await page.getByText('order errd-2020-031 issued on 2020-09-25').waitFor();
  check(true, 'department: issues the Gomdok delay');
}

// The ministry drafts the Chagang order: a typo first (the diagnostics
// appear as it types), then the order, its preview, and its issue.
{
  const page = pages.ministry;
  await open(page, '/orders/draft');
  const text = readFileSync(path.join(orders, 'mod-2024-001.toml'), 'utf8');
  const editor = page.getByLabel('Order (TOML)');
  await editor.fill(text.replace('person.home_province', 'person.home_provinse'));
  await editor.press('End');
  await editor.type(' ');
  await page.locator('#result').getByText(/1 error/).waitFor();
  check(await page.locator('#result').getByText(/line \d+, column \d+/).isVisible(), 'ministry: a typo is shown inline with its line and column');
  await page.screenshot({ path: path.join(shots, 'draft-diagnostics.png'), fullPage: true });
  await editor.fill(text);
  await page.getByLabel('As of').fill('2024-01-02');
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByRole('heading', { name: 'What it would do' }).waitFor();
  check(await page.getByText('newly excluded p002, p004').isVisible(), 'ministry: the preview names p002 and p004 on haebit-2023');
  await page.screenshot({ path: path.join(shots, 'draft-preview-chagang.png'), fullPage: true });
  await page.getByRole('button', { name: 'Issue' }).click();
  await page.getByText('order mod-2024-001 issued on 2024-01-02').waitFor();
  check(true, 'ministry: issues the Chagang order');
  await open(page, '/orders?as_of=2024-01-10', 'orders');
  await open(page, '/orders/mod-2024-001?as_of=2024-01-10', 'order-mod-2024-001');
  const response = await open(page, '/people/p004?as_of=2024-01-10', 'person-p004');
  const body = await response.text();
  check(body.includes('Why: overseas-posting') && body.includes('mod-2024-001 rule 1'), 'ministry: the person page gives the reason, rule by rule');
}

// The placement officer sees his list flagged, and cannot open another
// organisation's list by its address.
{
  const page = pages.placement;
  const dashboard = await (await open(page, '/?as_of=2024-01-10')).text();
  check(/haebit-2023[\s\S]*?class="number flagged">2</.test(dashboard), 'placement: the dashboard counts 2 flagged on haebit-2023');
  await open(page, '/lists/haebit-2023?as_of=2024-01-10', 'list-haebit-2023');
  await page.getByLabel('Status').selectOption('flagged');
  await page.getByRole('button', { name: 'Show' }).click();
  const rows = page.locator('table.entries tbody tr');
  check((await rows.count()) === 2, 'placement: two flagged entries');
  check(await page.getByText('mod-2024-001 rule 1: Home province Chagang').isVisible(), 'placement: the reason of p004 is shown');
  // He changes his list: adds by a condition, removes one, re-checks.
  await open(page, '/lists/haebit-2023?as_of=2024-01-10');
  await page.getByText('Change the list').click();
  await page.getByLabel('or everyone for whom').fill('person.id == "p010"');
  await page.getByRole('button', { name: 'Add' }).click();
  await page.getByText(/added 1 person on 2024-01-10/).waitFor();
  check(true, 'placement: adds a person by a condition');
  await page.getByRole('button', { name: 'Remove p003' }).click();
  await page.getByText('removed p003 on 2024-01-10').waitFor();
  check(true, 'placement: removes an entry');
  await page.getByRole('button', { name: /Re-check/ }).click();
  await page.getByText(/re-checked on 2024-01-10: 2 flagged/).waitFor();
  check(true, 'placement: re-checks the list');
  await page.screenshot({ path: path.join(shots, 'list-changed.png'), fullPage: true });
  refusedOnPurpose.add(`${base}/lists/sonbong-2024?as_of=2024-01-10`);
  const other = await open(page, '/lists/sonbong-2024?as_of=2024-01-10', 'list-forbidden');
  check(other.status() === 403, 'placement: another organisation\'s list is refused');
  check(!(await page.getByRole('link', { name: 'Orders' }).count()), 'placement: no orders in the navigation');
}

/** Saves the page as it now stands (after a form's answer), for the validator. */
async function save(page, shot) {
  const file = path.join(shots, `${shot}.html`);
  writeFileSync(file, await page.content());
  saved.push(file);
  await page.screenshot({ path: path.join(shots, `${shot}.png`), fullPage: true });
}

// Acts from a person's page. The unit administration transfers one of its
// men between its units; it is offered no discharge.
{
  const page = pages['unit-admin'];
  await open(page, '/people/p001?as_of=2024-01-10', 'person-acts-unit-admin');
  check(!(await page.locator('summary', { hasText: 'Discharge' }).count()), 'unit-admin: no discharge is offered');
  check(await page.locator('summary', { hasText: 'Record an event' }).count() === 1, 'unit-admin: recording an event is offered');
  await page.getByText('Assign to a unit').click();
  await page.getByLabel('Unit').selectOption('c8-1');
  await page.getByRole('button', { name: 'Assign' }).click();
  await page.getByText(/act \d+ \(assign\) done: assign p001 to c8-1/).waitFor();
  check(await page.getByText(/assigned to c8-1/).isVisible(), 'unit-admin: assigns p001 to c8-1, and the page shows it at once');
  await save(page, 'person-assigned');
}

// The placement officer posts from his list: one excluded by the Chagang
// order is refused in place, with the rule; one eligible is posted.
{
  const page = pages.placement;
  refusedOnPurpose.add(`${base}/people/p009/acts`);
  await open(page, '/people/p009?as_of=2024-01-10');
  await page.getByText('Post abroad from a list').click();
  await page.getByLabel('Country').fill('Russia');
  await page.getByRole('button', { name: 'Post' }).click();
  await page.getByText(/The post was refused:[\s\S]*mod-2024-001 rule 1/).waitFor();
  check(true, 'placement: posting an excluded person is refused in place, naming the rule');
  await save(page, 'person-post-refused');
  await open(page, '/people/p008?as_of=2024-01-10');
  await page.getByText('Post abroad from a list').click();
  await page.getByLabel('Country').fill('Russia');
  await page.getByRole('button', { name: 'Post' }).click();
  await page.getByText(/act \d+ \(post\) done/).waitFor();
  check(await page.getByText('as of 2024-01-10: abroad').isVisible(), 'placement: posts an eligible person, who is abroad at once');
}

// The ministry finds the posting among the acts, and reverses it.
{
  const page = pages.ministry;
  await open(page, '/acts?kind=post', 'acts');
  await page.getByRole('link', { name: /^\d+$/ }).first().click();
  await page.getByRole('heading', { name: /Act \d+/ }).waitFor();
  await save(page, 'act');
  await page.getByText('Reverse this act').click();
  await page.getByLabel('Reason').fill('posted in error');
  await page.getByRole('button', { name: 'Reverse' }).click();
  await page.getByText(/reversed by act \d+/).waitFor();
  check(true, 'ministry: reverses the posting from its page');
  await open(page, '/people/p008?as_of=2024-01-10');
  check(!(await page.getByText('as of 2024-01-10: abroad').count()), 'ministry: after the reversal p008 is not abroad');
}

// The roster of 2020-autumn shows the Gomdok delay; the strength chart of
// the site with and without it.
{
  const page = pages.department;
  const roster = await (await open(page, '/discharge?cycle=2020-autumn&as_of=2020-12-31', 'discharge-2020-autumn')).text();
  check(roster.includes('status delayed') && roster.includes('errd-2020-031'), 'department: the roster shows the delayed and the order');
  await open(page, '/strength?site=gomdok&from=2020-06&to=2021-03&order=errd-2020-031&as_of=2020-12-31', 'strength-gomdok');
  check((await page.locator('figure svg').count()) === 2, 'department: the strength of Gomdok with and without the delay');
}

// The department carries out the discharges of 2020-autumn from the
// roster's page: the preview counts the due and lists the delayed with
// their rule; confirmed, the act runs with a progress bar, and its result
// has the outcome per person, a CSV of it, and its reversal.
{
  const page = pages.department;
  await open(page, '/discharge?cycle=2020-autumn&as_of=2020-12-31');
  await page.getByRole('button', { name: /Preview the carry-out/ }).click();
  await page.getByRole('heading', { name: /Preview: the carry-out of the discharges of 2020-autumn/ }).waitFor();
  await save(page, 'mass-preview-carry-out');
  check(await page.locator('#would-be-done').textContent() === '3', 'department: the preview would discharge the 3 due');
  check(await page.locator('#refused-count').textContent() === '4', 'department: the preview lists the 4 delayed as refused');
  check(await page.getByRole('cell', { name: /errd-2020-031 rule 1: Gomdok restoration/ }).count() === 4, 'department: each refused with the rule that delays him');
  await page.getByLabel(/I confirm the carry-out of the discharges of 2020-autumn: 3 people/).check();
  await page.getByRole('button', { name: 'Carry out' }).click();
  await page.waitForURL(/\/acts\/\d+\/result$/);
  await page.getByRole('heading', { name: /Act \d+: the carry-out of the discharges of 2020-autumn/ }).waitFor();
  await save(page, 'mass-result-carry-out');
  check(await page.locator('#done-count').textContent() === '3', 'department: the carry-out discharged 3, as previewed');
  const csv = await (await page.request.get(`${page.url()}.csv`)).text();
  check(csv.trim().split('\n').length === 8 && csv.includes('p011,done') && csv.includes('p010,refused,delayed'), 'department: the CSV has every person\'s outcome');
  const roster = await (await page.request.get(`${base}/discharge?cycle=2020-autumn&as_of=2020-12-31`)).text();
  check((roster.match(/status discharged/g) || []).length === 3, 'department: the roster shows the 3 discharged');
  await page.getByText('Reverse this act').click();
  await page.getByLabel('Reason').fill('carried out too early');
  await page.getByRole('button', { name: 'Reverse' }).click();
  await page.getByText(/reversed by act \d+/).waitFor();
  const after = await (await page.request.get(`${base}/discharge?cycle=2020-autumn&as_of=2020-12-31`)).text();
  check(!after.includes('status discharged'), 'department: after the reversal no one of 2020-autumn is discharged');
}

// The placement officer posts the eligible of his list abroad: the preview
// refuses those the Chagang order excludes, with the rule; the act posts
// the others; he is offered no reversal (his role has none).
{
  const page = pages.placement;
  await open(page, '/lists/haebit-2023?as_of=2024-01-10', 'list-mass');
  await page.getByText('Post abroad the eligible entries').click();
  await page.getByLabel('to country').fill('Russia');
  await page.locator('#mass_on').fill('2024-01-10');
  await page.getByRole('button', { name: 'Preview' }).click();
  await page.getByRole('heading', { name: /Preview: the list-post of list haebit-2023/ }).waitFor();
  const would = await page.locator('#would-be-done').textContent();
  check(Number(would) > 0 && await page.getByRole('cell', { name: /mod-2024-001 rule 1/ }).count() > 0, `placement: the preview would post ${would} and refuses the excluded with the rule`);
  await page.getByLabel(/I confirm/).check();
  await page.getByRole('button', { name: 'Carry out' }).click();
  await page.waitForURL(/\/acts\/\d+\/result$/);
  check(await page.locator('#done-count').textContent() === would, 'placement: the act posted as many as previewed');
  check(!(await page.getByText('Reverse this act').count()), 'placement: no reversal is offered');
}

// The department enters an exemption paper from the register's form; the
// auditor reads it, keeps a note, and reads the anomaly report with its
// chart of each issuer beside its peers.
{
  const page = pages.department;
  await open(page, '/exemptions', 'papers');
  await page.getByText('Enter a paper').click();
  const form = page.locator('form[method="post"][action="/exemptions"]');
  await form.getByLabel('Document number').fill('MED-2024/000777');
  await form.getByLabel('Person').fill('p010');
  await form.getByLabel('Scope').fill('redeployment');
  await form.getByLabel('Grounds').selectOption('medical');
  await form.getByLabel('Issuer').fill('central-univ');
  await form.getByLabel('Day it bears').fill('2024-01-05');
  await form.getByLabel('Text').fill('a fractured wrist');
  await form.getByRole('button', { name: 'Enter' }).click();
  await page.waitForURL(/note=/);
  // The department enters papers but reads none: the register says what
  // was entered.
  const entered = await page.getByRole('status').textContent();
  const id = (entered.match(/X-\d+/) || [''])[0];
  check(/X-\d+ entered by act \d+/.test(entered), `department: enters paper ${id} from the form (${entered})`);
  const auditor = pages.auditor;
  await open(auditor, `/exemptions/${id}`, 'paper');
  check(await auditor.getByText('a fractured wrist').isVisible(), 'auditor: reads the paper the department entered');
  check(!(await auditor.getByText('Revoke this paper').count()), 'auditor: no revocation is offered');
  await auditor.getByText('Add a note').click();
  await auditor.getByRole('textbox', { name: 'Note' }).fill('asked the hospital for its admission book');
  await auditor.getByRole('button', { name: 'Keep the note' }).click();
  await auditor.waitForURL(/note=/);
  check(await auditor.getByText(/asked the hospital for its admission book/).isVisible(), 'auditor: the note is on the paper\'s page');
  await open(auditor, '/exemptions/anomalies?from=2020-01-01&to=2025-12-31', 'anomalies');
  check((await auditor.locator('figure svg').count()) >= 1, 'auditor: the report draws each issuer beside its peers');
  check(await auditor.locator('#finding-counts').isVisible(), 'auditor: the report counts its findings');
}

{
  await open(pages.analyst, '/evidence?event=awol&by=home_province&as_of=2024-01-10', 'evidence');
  check(await pages.analyst.getByText(/Cohorts of fewer than 10/).isVisible(), 'analyst: small cohorts are counted together');
  await open(pages.auditor, '/audit', 'audit');
  check(await pages.auditor.getByText('The log is intact').isVisible(), 'auditor: the audit log verifies');
  // The checkpoint: downloaded, then given back as a file.
  const auditor = pages.auditor;
  const [download] = await Promise.all([
    auditor.waitForEvent('download'),
    auditor.getByRole('link', { name: 'Download the checkpoint' }).click(),
  ]);
  const kept = path.join(shots, 'checkpoint.txt');
  await download.saveAs(kept);
  const size = Number(await auditor.locator('#tree-size').textContent());
  check(readFileSync(kept, 'utf8').split('\n')[1] === String(size), `auditor: downloads the checkpoint of ${size} entries`);
  await auditor.goto(`${base}/audit`);
  await auditor.getByLabel('or its file').setInputFiles(kept);
  await auditor.waitForFunction(() => document.getElementById('kept').value.length > 0);
  await auditor.getByRole('button', { name: 'Check the log against it' }).click();
  await auditor.locator('#checked').waitFor();
  check(/extends the checkpoint of \d+ entries/.test(await auditor.locator('#checked').textContent()), 'auditor: the log extends the checkpoint kept');
}

// Logging out ends the session.
{
  const page = pages.auditor;
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.waitForURL(`${base}/login`);
  await page.goto(`${base}/audit`);
  check(page.url() === `${base}/login`, 'auditor: after logging out, pages lead to the login');
}

await browser.close();

check(consoleErrors.length === 0, `no console errors${consoleErrors.length ? `: ${consoleErrors.join('; ')}` : ''}`);

// The HTML of every saved page, as served, by the Nu validator.
const here = path.dirname(fileURLToPath(import.meta.url));
const vnu = path.join(here, 'node_modules', 'vnu-jar', 'build', 'dist', 'vnu.jar');
try {
  execFileSync('java', ['-jar', vnu, '--errors-only', ...saved], { stdio: 'inherit' });
  check(true, `the HTML of ${saved.length} pages is valid`);
} catch {
  check(false, `the HTML of ${saved.length} pages is valid`);
}

if (failures.length) {
  console.error(`${failures.length} failed: ${failures.join('; ')}`);
  process.exit(1);
}
console.log(`all checks passed; screenshots in ${shots}`);
