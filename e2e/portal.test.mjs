// Browser tests of the portal's public pages and sign-in (registered here, run by e2e/main.mjs).

import assert from 'node:assert/strict';
import {
  test, newPage, shot, url, pathOf, pathnameOf, visit, follow, hrefOf, htmlLang, htmlHasClass,
  a11y, axeCheck, axeFindings, platformAdmin, signIn, LANGS, DESKTOP, PHONE,
} from './harness.mjs';

/** The section menu entry whose href ends with `/{suffix}` (language-independent). */
function sectionLink(page, suffix) {
  return page.locator(`nav.sections a[href$="/${suffix}"]`);
}

/** Links in the main content (not the menu) whose path starts with `prefix/`. */
function mainLinksUnder(page, prefix) {
  return page.locator(`main .agency-main a[href^="${prefix}/"]:not(nav a)`);
}

// ---------------------------------------------------------------- a. citizen's path

test('a. citizen: / redirects to a language home', async () => {
  const page = await newPage();
  try {
    await visit(page, '/');
    assert.match(pathnameOf(page), /^\/(tg|ru|en)\/$/, `/ ended on ${pathOf(page)}`);
    await shot(page, 'a-root-redirect');
  } finally {
    await page.context().close();
  }
});

test('a. citizen: national home → MFA → News → news item → ru → en', async () => {
  const page = await newPage();
  try {
    await visit(page, '/tg/');
    assert.equal(await htmlLang(page), 'tg');
    const mfa = page.locator('main a[href="/tg/mfa/"]');
    assert.ok((await mfa.count()) > 0, 'the national home has no link to /tg/mfa/');
    const bodies = await page.locator('main a[href^="/tg/"]').count();
    assert.ok(bodies >= 8, `the national home lists only ${bodies} links to state bodies`);
    await shot(page, 'a-national-home-tg');

    await follow(page, mfa, 'Ministry of Foreign Affairs');
    assert.equal(pathnameOf(page), '/tg/mfa/');
    assert.equal(await page.locator('h1').count(), 1, 'agency home has no single h1');
    await shot(page, 'a-agency-home-tg');

    await follow(page, sectionLink(page, 'news'), 'News in nav.sections');
    assert.equal(pathnameOf(page), '/tg/mfa/news');
    await shot(page, 'a-news-list-tg');

    const items = mainLinksUnder(page, '/tg/mfa/news');
    assert.ok((await items.count()) > 0, 'the news list has no news items');
    await follow(page, items, 'first news item');
    const itemPath = pathnameOf(page);
    assert.match(itemPath, /^\/tg\/mfa\/news\/[^/]+$/, `news item ended on ${itemPath}`);
    assert.ok((await page.locator('h1').count()) === 1, 'news item has no single h1');
    assert.ok((await page.locator('h1').first().innerText()).trim().length > 0, 'news item h1 is empty');
    assert.ok((await page.locator('nav.crumbs').count()) === 1, 'news item has no nav.crumbs');
    assert.ok((await page.locator('nav.crumbs a').count()) >= 2, 'breadcrumbs have fewer than 2 links');
    await shot(page, 'a-news-item-tg');

    for (const lang of ['ru', 'en']) {
      const link = page.locator(`nav.lang-switch a[hreflang="${lang}"]`);
      await follow(page, link, `language switcher → ${lang}`);
      const expected = itemPath.replace(/^\/tg\//, `/${lang}/`);
      assert.equal(pathnameOf(page), expected, `switching to ${lang} did not stay on the same item`);
      assert.equal(await htmlLang(page), lang, `<html lang> after switching to ${lang}`);
      assert.ok((await page.locator('h1').count()) === 1, `no h1 after switching to ${lang}`);
      const current = page.locator(`nav.lang-switch [aria-current][lang="${lang}"]`);
      assert.equal(await current.count(), 1, `the switcher does not mark ${lang} as current`);
      await shot(page, `a-news-item-${lang}`);
    }
    assert.ok(page.consoleErrors.length === 0, `the browser logged errors:\n    ${page.consoleErrors.join('\n    ')}`);
  } finally {
    await page.context().close();
  }
});

// ---------------------------------------------------------------- b. visually-impaired mode

test('b. visually-impaired mode: on, persists, off', async () => {
  const page = await newPage();
  try {
    await visit(page, '/en/mfa/news');
    await follow(page, mainLinksUnder(page, '/en/mfa/news'), 'first news item');
    const itemPath = pathnameOf(page);
    assert.equal(await htmlHasClass(page, 'vi'), false, 'vi is on before asking for it');

    await follow(page, page.locator('header a[href^="/settings/vi?on=1"]'), 'vi-on link in the header');
    assert.equal(pathnameOf(page), itemPath, 'turning vi on did not come back to the same page');
    assert.equal(await htmlHasClass(page, 'vi'), true, '<html> lacks class vi after turning it on');
    await shot(page, 'b-vi-news-item');

    await follow(page, page.locator('.agency-head a[href="/en/mfa/"], nav.crumbs a[href="/en/mfa/"]'), 'agency home');
    assert.equal(pathnameOf(page), '/en/mfa/');
    assert.equal(await htmlHasClass(page, 'vi'), true, 'vi did not persist to the agency home');
    await shot(page, 'b-vi-agency-home');

    await follow(page, page.locator('header a[href^="/settings/vi?on=0"]'), 'vi-off link in the header');
    assert.equal(pathnameOf(page), '/en/mfa/', 'turning vi off did not come back to the same page');
    assert.equal(await htmlHasClass(page, 'vi'), false, '<html> still has class vi after turning it off');
    assert.equal(await page.locator('header a[href^="/settings/vi?on=1"]').count(), 1, 'no vi-on link after turning it off');
  } finally {
    await page.context().close();
  }
});

// ---------------------------------------------------------------- c. keyboard

test('c. keyboard: first Tab focuses the skip link, Enter moves to #content', async () => {
  const page = await newPage();
  try {
    await visit(page, '/tg/');
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => {
      const a = document.activeElement;
      return { tag: a.tagName, cls: a.className, href: a.getAttribute('href') };
    });
    assert.equal(focused.tag, 'A', `first Tab focused <${focused.tag.toLowerCase()}>`);
    assert.ok(focused.cls.split(/\s+/).includes('skip-link'), `first Tab focused a.${focused.cls}, not a.skip-link`);
    const box = await page.locator('a.skip-link').boundingBox();
    assert.ok(box && box.width > 0 && box.height > 0 && box.y >= 0 && box.x >= 0,
      `the focused skip link is not visible on screen (box ${JSON.stringify(box)})`);
    await shot(page, 'c-skip-link-focused');
    await page.keyboard.press('Enter');
    await page.waitForFunction(() => location.hash === '#content');
    const active = await page.evaluate(() => {
      const a = document.activeElement;
      const c = document.getElementById('content');
      return { id: a.id, inside: !!c && c.contains(a) };
    });
    assert.ok(active.inside, `focus after the skip link is on #${active.id}, not in #content`);
    // The next Tab must go to the first link inside the main content, not back to the header.
    await page.keyboard.press('Tab');
    const next = await page.evaluate(() => document.getElementById('content').contains(document.activeElement));
    assert.ok(next, 'the Tab after the skip link left #content');
  } finally {
    await page.context().close();
  }
});

test('c. keyboard: every element reached by Tab shows a visible focus indicator', async () => {
  const page = await newPage();
  try {
    await visit(page, '/en/mfa/documents/order-2025-31');
    const bad = [];
    const seen = [];
    for (let i = 0; i < 80; i += 1) {
      await page.keyboard.press('Tab');
      const f = await page.evaluate(() => {
        const a = document.activeElement;
        if (!a || a === document.body) return null;
        window.__seenFocus = window.__seenFocus || new WeakSet();
        if (window.__seenFocus.has(a)) return null; // wrapped around
        window.__seenFocus.add(a);
        const cs = getComputedStyle(a);
        const r = a.getBoundingClientRect();
        return {
          key: a.outerHTML.slice(0, 120),
          outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) > 0,
          shadow: cs.boxShadow && cs.boxShadow !== 'none',
          visible: r.width > 0 && r.height > 0,
        };
      });
      if (!f) break;
      seen.push(f.key);
      if (!f.visible || !(f.outline || f.shadow)) bad.push(f.key);
    }
    assert.ok(seen.length >= 10, `only ${seen.length} elements reachable by Tab`);
    assert.ok(bad.length === 0, `focused elements without a visible focus indicator:\n    ${bad.join('\n    ')}`);
  } finally {
    await page.context().close();
  }
});

test('c. reflow: no horizontal scrolling at 320 CSS px (WCAG 1.4.10), normal and vi mode', async () => {
  const page = await newPage({ viewport: { width: 320, height: 640 }, isMobile: true });
  try {
    const pages = ['/en/', '/tg/mfa/', '/en/mfa/news', '/en/mfa/news/2025-02-12-tokayev-receives-muhriddin',
      '/en/moj/documents', '/en/mfa/documents/order-2025-31', '/en/mfa/leadership', '/en/mfa/contacts', '/login'];
    const wide = [];
    const check = async (p, mode) => {
      await visit(page, p);
      const w = await page.evaluate(() => {
        const vw = document.documentElement.clientWidth;
        const over = [...document.querySelectorAll('body *')]
          .filter((e) => e.getBoundingClientRect().right > vw + 1 && e.getClientRects().length)
          .map((e) => e.tagName.toLowerCase() + (e.className ? '.' + String(e.className).split(' ')[0] : ''));
        return { sw: document.documentElement.scrollWidth, vw, over: [...new Set(over)].slice(0, 4) };
      });
      if (w.sw > w.vw + 1) wide.push(`${mode} ${p}: ${w.sw}px wide in a ${w.vw}px viewport (${w.over.join(', ')})`);
    };
    for (const p of pages) await check(p, 'normal');
    await shot(page, 'c-reflow-320');
    await follow(page, page.locator('header a[href^="/settings/vi?on=1"]'), 'vi-on link');
    for (const p of pages) await check(p, 'vi');
    await shot(page, 'c-reflow-320-vi');
    assert.ok(wide.length === 0, `pages that scroll horizontally:\n    ${wide.join('\n    ')}`);
  } finally {
    await page.context().close();
  }
});

// ---------------------------------------------------------------- d. three clicks

test('d. every section is at most 3 clicks from the national home (every agency)', async () => {
  const page = await newPage();
  try {
    await visit(page, '/en/');
    const agencies = await page.locator('main ul.cards a[href^="/en/"]').evaluateAll((as) =>
      as.map((a) => a.getAttribute('href')));
    assert.ok(agencies.length >= 8, `only ${agencies.length} agencies on /en/`);
    assert.ok(agencies.includes('/en/mfa/'), 'no /en/mfa/ on /en/');
    const problems = [];

    // Each path: national home → agency (1) → section (2) → item (3), by clicking links.
    async function fromHome(agency) {
      await visit(page, '/en/');
      await follow(page, page.locator(`main a[href="${agency}"]`), `agency ${agency}`);
    }

    for (const agency of agencies) {
      const base = agency.replace(/\/$/, '');
      try {
        // news item
        await fromHome(agency);
        await follow(page, sectionLink(page, 'news'), `${base}: News in the section menu`);
        await follow(page, mainLinksUnder(page, `${base}/news`), `${base}: a news item`);
        assert.match(pathnameOf(page), new RegExp(`^${base}/news/[^/]+$`));
        assert.equal(await page.locator('h1').count(), 1, `${pathOf(page)}: no h1`);

        // document and its attachment
        await fromHome(agency);
        await follow(page, sectionLink(page, 'documents'), `${base}: Documents in the section menu`);
        await follow(page, mainLinksUnder(page, `${base}/documents`), `${base}: a document`);
        assert.match(pathnameOf(page), new RegExp(`^${base}/documents/[^/]+$`));
        const files = page.locator('main a[href*="/files/"]');
        assert.ok((await files.count()) > 0, `${pathOf(page)}: no attachment link (/files/)`);
        const fileUrl = await hrefOf(files);
        const res = await page.request.get(fileUrl);
        assert.equal(res.status(), 200, `attachment ${fileUrl} answered ${res.status()}`);

        // leadership
        await fromHome(agency);
        await follow(page, sectionLink(page, 'leadership'), `${base}: Leadership in the section menu`);
        assert.equal(pathnameOf(page), `${base}/leadership`);
        assert.equal(await page.locator('h1').count(), 1, `${base}/leadership: no h1`);
      } catch (e) {
        problems.push(e.message.split('\n')[0]);
      }
    }
    assert.ok(problems.length === 0, `paths that failed:\n    ${problems.join('\n    ')}`);
  } finally {
    await page.context().close();
  }
});

async function firstLinkUnder(page, p, prefix, what) {
  await visit(page, p);
  const links = mainLinksUnder(page, prefix);
  assert.ok((await links.count()) > 0, `${what}: none on ${p}`);
  return links.first().getAttribute('href');
}

a11y('national home tg', (page) => visit(page, '/tg/'));
a11y('national home en', (page) => visit(page, '/en/'));
a11y('agency home', (page) => visit(page, '/ru/mfa/'));
a11y('news list', (page) => visit(page, '/en/mfa/news'));
a11y('news item', async (page) => {
  await visit(page, await firstLinkUnder(page, '/en/mfa/news', '/en/mfa/news', 'news item'));
});
a11y('documents list', (page) => visit(page, '/en/moj/documents'));
a11y('document page', async (page) => {
  await visit(page, await firstLinkUnder(page, '/en/moj/documents', '/en/moj/documents', 'document'));
});
a11y('leadership', (page) => visit(page, '/en/mfa/leadership'));
a11y('structure', (page) => visit(page, '/en/mfa/structure'));
a11y('contacts', (page) => visit(page, '/en/mfa/contacts'));
a11y('vacancies', (page) => visit(page, '/en/mfa/vacancies'));
a11y('events', (page) => visit(page, '/en/mfa/events'));
a11y('services', (page) => visit(page, '/en/mfa/services'));
a11y('free page', async (page) => {
  await visit(page, '/en/mfa/');
  const link = page.locator('nav.sections a[href*="/pages/"]');
  assert.ok((await link.count()) > 0, 'no free page (/pages/) in the MFA section menu');
  await visit(page, await link.first().getAttribute('href'));
});
a11y('sign-in page', (page) => visit(page, '/login'));
a11y('404 page', (page) => visit(page, '/en/no-such-agency/', 404));
a11y('search results', (page) => visit(page, '/ru/search?q=' + encodeURIComponent('договор')));
a11y('search with no results and a suggestion', (page) => visit(page, '/en/search?q=Mukhridin'));
a11y('agency search', (page) => visit(page, '/tg/tax/search?q=' + encodeURIComponent('андоз')));
a11y('news item in vi mode', async (page) => {
  await visit(page, await firstLinkUnder(page, '/en/mfa/news', '/en/mfa/news', 'news item'));
  await follow(page, page.locator('header a[href^="/settings/vi?on=1"]'), 'vi-on link');
  assert.equal(await htmlHasClass(page, 'vi'), true, 'vi mode did not turn on');
});
a11y('news list on a phone (390x844)', (page) => visit(page, '/en/mfa/news'), { viewport: PHONE, isMobile: true });

test('f. sign in, audit log, sign out', async () => {
  const { email, password } = platformAdmin();
  const page = await newPage();
  try {
    await signIn(page, email, password);
    assert.equal(pathnameOf(page), '/admin', `signing in landed on ${pathOf(page)}`);
    const text = await page.locator('main').innerText();
    assert.ok(text.includes(email), `/admin does not show ${email}`);
    await shot(page, 'f-admin');

    await visit(page, '/admin/audit');
    assert.ok((await page.locator('main table').count()) > 0, '/admin/audit has no table');
    assert.ok((await page.locator('main table tbody tr, main table tr').count()) > 1, 'the audit table is empty');
    await shot(page, 'f-audit');

    const signOut = page.locator('header form[action="/logout"] button, header form[action="/logout"] [type="submit"]');
    await follow(page, signOut, 'sign-out button in the header');
    assert.ok(!pathnameOf(page).startsWith('/admin') && !pathnameOf(page).startsWith('/login'),
      `after signing out the browser is on ${pathOf(page)}, not a public page`);
    assert.equal(await page.locator('header form[action="/logout"]').count(), 0, 'still a sign-out button after signing out');
    assert.ok((await page.locator('header a[href^="/login"]').count()) > 0, 'no sign-in link after signing out');
    await shot(page, 'f-signed-out');

    await visit(page, '/admin');
    assert.equal(pathnameOf(page), '/login', `/admin after signing out ended on ${pathOf(page)}, not /login`);
  } finally {
    await page.context().close();
  }
});

test('e. a11y: signed-in pages (/admin, /admin/audit)', async (log) => {
  const { email, password } = platformAdmin();
  const page = await newPage({ bypassCSP: true });
  try {
    await signIn(page, email, password);
    assert.equal(pathnameOf(page), '/admin', `signing in landed on ${pathOf(page)}`);
    const serious = [];
    for (const p of ['/admin', '/admin/audit']) {
      await visit(page, p);
      const r = await axeCheck(page, `signed in (${p})`);
      axeFindings.push({ label: `signed in ${p}`, path: p, serious: r.serious, notes: r.notes });
      serious.push(...r.serious);
      for (const n of r.notes) log(`note: ${n}`);
    }
    assert.equal(serious.length, 0, `${serious.length} serious/critical axe violation(s):\n  ${serious.join('\n  ')}`);
  } finally {
    await page.context().close();
  }
});

test('g. a wrong password shows the alert and does not sign in', async () => {
  const { email } = platformAdmin();
  const page = await newPage();
  try {
    await signIn(page, email, 'not-the-password-0000');
    assert.equal(pathnameOf(page), '/login', `a wrong password ended on ${pathOf(page)}`);
    const alert = page.locator('[role=alert]');
    assert.ok((await alert.count()) > 0, 'no [role=alert] after a wrong password');
    assert.ok(await alert.first().isVisible(), 'the alert is not visible');
    assert.ok((await alert.first().innerText()).trim().length > 0, 'the alert is empty');
    assert.equal(await page.locator('header form[action="/logout"]').count(), 0, 'a sign-out button appeared');
    await shot(page, 'g-wrong-password');
    await visit(page, '/admin');
    assert.equal(pathnameOf(page), '/login', `/admin after a failed sign-in ended on ${pathOf(page)}`);
  } finally {
    await page.context().close();
  }
});
