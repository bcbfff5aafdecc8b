// Browser tests of the CMS (registered here, run by e2e/main.mjs): an editor uploads an image with alt text,
// writes a news item in two languages with the toolbar and the live preview, inserts the image and sends
// it to review; the reviewer approves; the item is on the public site at once (its list too), and its
// history shows both revisions. The CMS pages pass axe.

import assert from 'node:assert/strict';
import {
  test, newPage, shot, pathOf, visit, follow, axeCheck, axeFindings, account, signIn, PHONE,
} from './harness.mjs';

// A 1×1 PNG.
const PNG = Buffer.from(
  '89504e470d0a1a0a0000000d4948445200000001000000010806000000' +
  '1f15c4890000000a49444154789c63000100000500010d0a2db40000000049454e44ae426082', 'hex');

let itemId;

test('j. cms: an editor writes news in two languages with an image, the reviewer approves, the public sees it', async (log) => {
  const ed = account('editor@mfa.tj');
  const rev = account('reviewer@mfa.tj');
  const editor = await newPage();
  const reviewer = await newPage();
  const citizen = await newPage();
  const slug = `e2e-consular-${Date.now()}`;
  try {
    // The public list is cached before the change; it must show the item once published.
    await visit(citizen, '/en/mfa/news');
    assert.ok(!(await citizen.content()).includes('Consular section opens earlier'));

    await signIn(editor, ed.email, ed.password);
    await visit(editor, '/admin/media?org=mfa');
    await editor.setInputFiles('#m-file', { name: 'consulate.png', mimeType: 'image/png', buffer: PNG });
    await editor.fill('#m-alt-en', 'Entrance of the consular section');
    await editor.fill('#m-alt-ru', 'Вход в консульский отдел');
    await follow(editor, editor.locator('main form[enctype] button[type="submit"]'), 'upload');
    assert.equal(await editor.locator('.media-grid img[alt="Entrance of the consular section"]').count(), 1, 'image in the library');

    await visit(editor, '/admin/content/new');
    await editor.selectOption('#f-kind', 'news');
    await editor.fill('#f-slug', slug);
    await editor.fill('#title-en', 'Consular section opens earlier');
    await editor.fill('#title-ru', 'Консульский отдел открывается раньше');
    await editor.fill('#summary-en', 'From 1 December the section opens at 8:00.');
    // The toolbar and the live preview work under the page's real Content-Security-Policy.
    await editor.fill('#body-en', 'From 1 December the consular section opens at ');
    await editor.locator('#body-en').press('End');
    await editor.locator('.md-toolbar[data-for="body-en"] button[data-md="bold"]').click();
    await editor.locator('#preview-en strong').waitFor({ timeout: 5000 });
    assert.equal(await editor.locator('#preview-en strong').innerText(), 'text');
    await editor.fill('#body-ru', 'С 1 декабря консульский отдел открывается в 8:00.');
    await shot(editor, 'j-cms-new-item');
    await follow(editor, editor.locator('form.cms-form button[type="submit"]'), 'create draft');
    const m = pathOf(editor).match(/^\/admin\/content\/(\d+)\?saved=1$/);
    assert.ok(m, `after creating: ${pathOf(editor)}`);
    itemId = m[1];

    // Second revision: the image from the library, inserted at the cursor; then to review.
    await editor.locator('details.media-pick summary').click();
    await editor.locator('#body-en').focus();
    await editor.locator('.insert-image').first().click();
    assert.match(await editor.inputValue('#body-en'), /!\[Entrance of the consular section\]\(\/media\/[0-9a-f]{64}\/consulate\.png\)/);
    await editor.fill('#f-note', 'added the photo');
    await follow(editor, editor.locator('form.cms-form button[value="submit"]'), 'save and send to review');
    assert.match(await editor.locator('.badge').first().innerText(), /review/i);
    assert.equal(await editor.locator('form[action$="/step/approve"]').count(), 0, 'an editor has no approve button');

    await signIn(reviewer, rev.email, rev.password);
    await visit(reviewer, `/admin/content/${itemId}`);
    await shot(reviewer, 'j-cms-review');
    await follow(reviewer, reviewer.locator('form[action$="/step/approve"] button'), 'approve');
    assert.match(await reviewer.locator('.badge').first().innerText(), /published/i);

    await visit(citizen, `/en/mfa/news/${slug}`);
    assert.equal(await citizen.locator('main h1').innerText(), 'Consular section opens earlier');
    assert.equal(await citizen.locator('main img[alt="Entrance of the consular section"]').count(), 1, 'image with alt text');
    await shot(citizen, 'j-public-news');
    await visit(citizen, `/ru/mfa/news/${slug}`);
    assert.equal(await citizen.locator('main h1').innerText(), 'Консульский отдел открывается раньше');
    // The server's cached list was refreshed (each node drops pages within a second of a change). A new
    // browser context, because a browser may keep its own copy for the minute the page allows.
    let listed = false;
    for (let i = 0; i < 20 && !listed; i += 1) {
      const fresh = await newPage();
      await visit(fresh, '/en/mfa/news');
      listed = (await fresh.content()).includes('Consular section opens earlier');
      await fresh.context().close();
      if (!listed) await citizen.waitForTimeout(150);
    }
    assert.ok(listed, 'the news list shows the new item');

    await visit(editor, `/admin/content/${itemId}/history`);
    assert.equal(await editor.locator('table.history tbody tr').count(), 2, 'two revisions');
    assert.match(await editor.locator('table.history').innerText(), /added the photo/);
    await shot(editor, 'j-cms-history');
    await follow(editor, editor.locator(`a[href="/admin/content/${itemId}/diff?from=1&to=2"]`), 'changes 1 → 2');
    assert.ok((await editor.locator('pre.diff-text ins').count()) >= 1, 'the diff marks what was added');
    await shot(editor, 'j-cms-diff');
    log(`item ${itemId} published as /en/mfa/news/${slug}`);
  } finally {
    await editor.context().close();
    await reviewer.context().close();
    await citizen.context().close();
  }
});

// Accessibility of every CMS page. Each account signs in once (sign-in is throttled per account and per
// address), and every page is checked to be the one asked for, not a sign-in page it was sent to.
function a11yPages(label, email, paths, opts = {}) {
  test(`e. a11y: ${label}`, async (log) => {
    const page = await newPage({ ...opts, bypassCSP: true });
    try {
      const a = account(email);
      await signIn(page, a.email, a.password);
      assert.ok(pathOf(page).startsWith('/admin'), `${email} signed in (now on ${pathOf(page)})`);
      for (const p of paths) {
        const want = typeof p === 'function' ? p() : p;
        await visit(page, want);
        assert.equal(pathOf(page), want, `asked for ${want}, got ${pathOf(page)}`);
        await shot(page, `e-${label}-${want}`.replace(/[^a-z0-9]+/gi, '-').replace(/^-|-$/g, '').toLowerCase().slice(0, 80));
        const { serious, notes } = await axeCheck(page, `${label} (${want})`);
        axeFindings.push({ label, path: want, serious, notes });
        for (const n of notes) log(`note: ${n}`);
        assert.equal(serious.length, 0, `${want}: ${serious.length} serious/critical axe violation(s):\n  ${serious.join('\n  ')}`);
      }
    } finally {
      await page.context().close();
    }
  });
}

a11yPages('cms pages as an editor', 'editor@mfa.tj', [
  '/admin/content?org=mfa',
  '/admin/content/new',
  () => `/admin/content/${itemId}`,
  () => `/admin/content/${itemId}/history`,
  () => `/admin/content/${itemId}/diff?from=1&to=2`,
  () => `/admin/content/${itemId}/translate?from=en&to=tg`,
  '/admin/media?org=mfa',
  '/admin/password',
]);
a11yPages('cms pages on a phone (390x844) as an agency admin', 'admin@mfa.tj', [
  () => `/admin/content/${itemId}`,
  '/admin/users?org=mfa',
  '/admin/content?org=mfa&missing=tg',
], { viewport: PHONE, isMobile: true });
a11yPages('platform oversight', 'admin@aidt.tj', ['/admin/freshness', '/admin/audit?action=content.']);
