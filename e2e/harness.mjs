// The browser-test harness of the Open eGov Platform: test registry, pages with error capture, screenshots,
// axe-core checks, sign-in, and the runner. Test files (portal.test.mjs, assistant.test.mjs) register tests;
// e2e/main.mjs imports them and runs. Small named tests run one after another, each printing
// `ok - name` or `not ok - name: reason`; the exit code is 1 if any failed.
// Run it through `bash e2e/run.sh`, which starts the demo platform and sets
//   BASE_URL          where the platform answers, e.g. http://127.0.0.1:18180
//   E2E_CREDENTIALS   the data folder's demo-credentials.json
// Screenshots (full page PNG) go to target/e2e/ in the repository.

import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const HERE = path.dirname(fileURLToPath(import.meta.url));
export const ROOT = path.resolve(HERE, '..');
const SHOTS = path.join(ROOT, 'target', 'e2e');
const AXE = path.join(HERE, 'node_modules', 'axe-core', 'axe.min.js');
const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';

const BASE_URL = (process.env.BASE_URL || '').replace(/\/+$/, '');
export const CREDENTIALS = process.env.E2E_CREDENTIALS || process.env.CREDENTIALS || '';
if (!BASE_URL) fatal('BASE_URL is not set (run the tests through `bash e2e/run.sh`)');
if (!CREDENTIALS || !fs.existsSync(CREDENTIALS)) {
  fatal(`the demo credentials file is missing: E2E_CREDENTIALS=${JSON.stringify(CREDENTIALS)}`);
}
if (!fs.existsSync(CHROMIUM)) fatal(`${CHROMIUM} is missing: install it with \`apt-get install -y chromium\``);
if (!fs.existsSync(AXE)) fatal('e2e/node_modules is missing: run `cd e2e && npm ci`');

export const LANGS = ['tg', 'ru', 'en'];
const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];
export const DESKTOP = { width: 1280, height: 900 };
export const PHONE = { width: 390, height: 844 };

function fatal(msg) {
  console.error(`error: ${msg}`);
  process.exit(2);
}

// ---------------------------------------------------------------- harness

const tests = [];
export function test(name, fn) {
  tests.push({ name, fn });
}

let browser;
let shotCount = 0;
let openedPages = []; // pages of the running test, checked for console errors after it

/** A fresh browser context (own cookies) with one page. */
export async function newPage(opts = {}) {
  const context = await browser.newContext({
    viewport: opts.viewport || DESKTOP,
    locale: opts.locale || 'en-US',
    // The portal's Content-Security-Policy forbids inline script, which is how addScriptTag injects axe;
    // only the accessibility tests bypass it, every other test runs under the real policy.
    bypassCSP: !!opts.bypassCSP,
    javaScriptEnabled: opts.javaScriptEnabled !== false,
    ...(opts.isMobile ? { isMobile: true, hasTouch: true, deviceScaleFactor: 1 } : {}),
  });
  context.setDefaultTimeout(10_000);
  context.setDefaultNavigationTimeout(15_000);
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    // A failed document load is checked by the test itself (the 404 page, the 401 of a wrong password).
    if (m.type() === 'error' && !/^Failed to load resource/.test(m.text())) errors.push(m.text());
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && r.request().resourceType() !== 'document') {
      errors.push(`${r.request().resourceType()} ${r.url()} answered ${r.status()}`);
    }
  });
  page.consoleErrors = errors;
  openedPages.push(page);
  return page;
}

export async function shot(page, name) {
  shotCount += 1;
  const file = path.join(SHOTS, `${String(shotCount).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

export const url = (p) => BASE_URL + p;
export const pathOf = (page) => {
  const u = new URL(page.url());
  return u.pathname + u.search;
};
export const pathnameOf = (page) => new URL(page.url()).pathname;

/** Go to a path; assert the answer's status (200 unless told). */
export async function visit(page, p, status = 200) {
  const res = await page.goto(url(p), { waitUntil: 'load' });
  assert.ok(res, `no response for ${p}`);
  assert.equal(res.status(), status, `GET ${p} answered ${res.status()}, expected ${status}`);
  return res;
}

/** Click a locator (must exist, exactly one) and wait for the navigation it starts. */
export async function follow(page, locator, what) {
  const n = await locator.count();
  assert.ok(n > 0, `${what}: no such link on ${pathOf(page)}`);
  const target = locator.first();
  const nav = page.waitForNavigation({ waitUntil: 'load' });
  await target.click();
  const res = await nav;
  if (res) assert.ok(res.status() < 400, `${what}: ${pathOf(page)} answered ${res.status()}`);
  return res;
}

export async function hrefOf(locator) {
  return locator.first().evaluate((a) => a.href);
}

export async function htmlLang(page) {
  return page.evaluate(() => document.documentElement.lang);
}

export async function htmlHasClass(page, cls) {
  return page.evaluate((c) => document.documentElement.classList.contains(c), cls);
}

// ---------------------------------------------------------------- e. accessibility (axe-core)

/** Run axe on the page; return { serious: [...], notes: [...] } as printable lines. */
export async function axeCheck(page, label) {
  await page.addScriptTag({ path: AXE });
  const result = await page.evaluate(async (tags) => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: 'tag', values: tags } });
    const pick = (v, kind) => ({
      kind,
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      count: v.nodes.length,
      nodes: v.nodes.slice(0, 2).map((n) => ({
        target: n.target.join(' '),
        html: n.html.replace(/\s+/g, ' ').slice(0, 200),
        summary: (n.failureSummary || (n.any[0] && n.any[0].message) || '').replace(/\s+/g, ' ').slice(0, 300),
      })),
    });
    return [...r.violations.map((v) => pick(v, 'violation')), ...r.incomplete.map((v) => pick(v, 'needs review'))];
  }, AXE_TAGS);
  const serious = [];
  const notes = [];
  for (const v of result) {
    const head = `${v.kind === 'violation' ? '' : 'needs review: '}${label} | ${v.id} (${v.impact}, ${v.count} element${v.count === 1 ? '' : 's'}) | ${v.help}`;
    const lines = [head, ...v.nodes.map((n) => `    at ${n.target}: ${n.html}\n      ${n.summary}`)];
    if (v.kind === 'violation' && (v.impact === 'serious' || v.impact === 'critical')) serious.push(lines.join('\n'));
    else notes.push(lines.join('\n'));
  }
  return { serious, notes, raw: result };
}

export const axeFindings = [];

/**
 * One a11y test per page type. `open` brings the page to the state to check.
 * `locate` (optional) finds the path to check by following links first.
 */
export function a11y(label, open, opts = {}) {
  test(`e. a11y: ${label}`, async (log) => {
    const page = await newPage({ ...opts, bypassCSP: true });
    try {
      await open(page);
      const where = `${label} (${pathOf(page)})`;
      await shot(page, `e-${label.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase()}`);
      const { serious, notes } = await axeCheck(page, where);
      axeFindings.push({ label, path: pathOf(page), serious, notes });
      for (const n of notes) log(`note: ${n}`);
      assert.equal(serious.length, 0, `${serious.length} serious/critical axe violation(s):\n  ${serious.join('\n  ')}`);
    } finally {
      await page.context().close();
    }
  });
}

// ---------------------------------------------------------------- f, g. signing in

export function platformAdmin() {
  const creds = JSON.parse(fs.readFileSync(CREDENTIALS, 'utf8'));
  assert.ok(Array.isArray(creds.accounts), 'demo-credentials.json has no accounts array');
  const admin = creds.accounts.find((a) => a.role === 'platform-admin');
  assert.ok(admin && admin.email && admin.password, 'no platform-admin account in demo-credentials.json');
  return admin;
}

/** A demo account of demo-credentials.json by its e-mail address. */
export function account(email) {
  const creds = JSON.parse(fs.readFileSync(CREDENTIALS, 'utf8'));
  const a = (creds.accounts || []).find((x) => x.email === email);
  assert.ok(a && a.password, `no demo account ${email} in demo-credentials.json`);
  return a;
}

export async function signIn(page, email, password) {
  await visit(page, '/login');
  await page.fill('#email', email);
  await page.fill('#password', password);
  const nav = page.waitForNavigation({ waitUntil: 'load' });
  await page.locator('main form button[type="submit"], main form [type="submit"]').first().click();
  return nav;
}

// ---------------------------------------------------------------- run

export async function run() {
  fs.mkdirSync(SHOTS, { recursive: true });
  for (const f of fs.readdirSync(SHOTS)) if (f.endsWith('.png')) fs.rmSync(path.join(SHOTS, f));
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const started = Date.now();
  let failed = 0;
  console.log(`# ${tests.length} tests against ${BASE_URL} (Chromium ${browser.version()})`);
  for (const t of tests) {
    const notes = [];
    const t0 = Date.now();
    openedPages = [];
    try {
      await t.fn((line) => notes.push(line));
      // A script error, a CSP violation or a failed subresource (CSS, image…) fails the test.
      const errors = openedPages.flatMap((p) => p.consoleErrors);
      assert.ok(errors.length === 0, `the browser logged errors:\n    ${errors.join('\n    ')}`);
      console.log(`ok - ${t.name} (${Date.now() - t0} ms)`);
    } catch (e) {
      failed += 1;
      const msg = (e && e.message ? e.message : String(e)).replace(/\n\s*\n/g, '\n');
      console.log(`not ok - ${t.name}: ${msg}`);
    }
    for (const n of notes) console.log(`  # ${n.replace(/\n/g, '\n  #   ')}`);
  }
  await browser.close();

  const serious = axeFindings.reduce((n, f) => n + f.serious.length, 0);
  const notes = axeFindings.reduce((n, f) => n + f.notes.length, 0);
  console.log(`# axe: ${serious} serious/critical, ${notes} moderate/minor across ${axeFindings.length} pages`);
  console.log(`# screenshots: ${path.relative(ROOT, SHOTS)}/ (${shotCount})`);
  console.log(`# ${tests.length - failed} passed, ${failed} failed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  process.exitCode = failed ? 1 : 0;
}
