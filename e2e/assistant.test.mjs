// Browser tests of the citizens' assistant and the hand-over to a person (registered here, run by
// e2e/main.mjs): the page works without JavaScript (form posts) and better with it; an appeal goes to the
// agency, which answers it in /admin/appeals; the citizen reads the answer with the tracking number.

import assert from 'node:assert/strict';
import {
  test, newPage, shot, pathOf, pathnameOf, visit, follow, a11y, axeCheck, axeFindings, account, signIn, PHONE,
} from './harness.mjs';

/** Asks through the form: a page load without JavaScript, an added exchange with it. */
async function askByForm(page, question, { js = false } = {}) {
  await page.fill('#question', question);
  if (js) {
    const before = await page.locator('.exchange').count();
    await page.locator('#ask-form button[type="submit"]').click();
    await page.locator('.exchange').nth(before).waitFor();
    return;
  }
  const nav = page.waitForNavigation({ waitUntil: 'load' });
  await page.locator('#ask-form button[type="submit"]').click();
  const res = await nav;
  assert.ok(res && res.status() === 200, `asking answered ${res && res.status()}`);
}

test('h. assistant without JavaScript: a sourced answer, then an appeal and its status', async () => {
  const page = await newPage({ javaScriptEnabled: false });
  try {
    await visit(page, '/en/assistant');
    await askByForm(page, 'How can I book a consular appointment?');
    assert.equal(pathnameOf(page), '/en/assistant');
    assert.equal(await page.locator('.service-hint').count(), 1, 'no service shown first');
    const sources = page.locator('ol.sources li');
    assert.ok((await sources.count()) >= 1, 'no sources listed');
    // Every citation in the answer points at a listed source.
    const cites = await page.locator('.answer-text a[href^="#source-"], .service-hint a[href^="#source-"]').evaluateAll(
      (as) => as.map((a) => a.getAttribute('href')));
    for (const c of cites) assert.equal(await page.locator(c).count(), 1, `citation ${c} has no source`);
    await shot(page, 'h-assistant-answer');
    // The source link opens the item itself.
    const href = await sources.first().locator('a').getAttribute('href');
    assert.ok(href.startsWith('/en/mfa/'), `first source is ${href}`);

    // Something nobody published: a plain refusal and the hand-over, open.
    await askByForm(page, 'Who won the football match yesterday?');
    assert.equal(await page.locator('.answer-not-found').count(), 1, 'no not-found message');
    assert.equal(await page.locator('#handover details[open]').count(), 1, 'the hand-over is not offered open');
    await page.selectOption('#appeal-agency', 'mfa');
    await page.fill('#appeal-name', 'Browser Test Citizen');
    await page.fill('#appeal-contact', 'citizen@example.tj');
    const nav = page.waitForNavigation({ waitUntil: 'load' });
    await page.locator('#handover form button[type="submit"]').click();
    await nav;
    const number = (await page.locator('.tracking').innerText()).trim();
    assert.match(number, /^[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/, `tracking number ${number}`);
    await shot(page, 'h-appeal-sent');
    await follow(page, page.locator('.appeal-sent a[href*="/appeals?number="]'), 'status link');
    assert.ok((await page.locator('main').innerText()).includes('Waiting for an answer'), 'status is not waiting');
  } finally {
    await page.context().close();
  }
});

test('h. assistant with JavaScript: answers join the conversation without a reload', async () => {
  const page = await newPage();
  try {
    await visit(page, '/ru/assistant');
    let navigated = false;
    page.on('framenavigated', (f) => { if (f === page.mainFrame()) navigated = true; });
    await page.fill('#question', 'Когда экспортёры встретятся с банками и логистическими компаниями?');
    await page.locator('#ask-form button[type="submit"]').click();
    await page.locator('.exchange').first().waitFor();
    await page.fill('#question', 'Как приготовить настоящий плов дома?');
    await page.locator('#ask-form button[type="submit"]').click();
    await page.locator('.exchange').nth(1).waitFor();
    assert.equal(navigated, false, 'the page reloaded');
    assert.ok((await page.locator('.exchange').first().locator('ol.sources li').count()) >= 1, 'first answer has no sources');
    assert.equal(await page.locator('.exchange').nth(1).locator('.answer-not-found').count(), 1, 'second is not a refusal');
    assert.equal(await page.locator('#handover details[open]').count(), 1, 'the hand-over did not open');
    assert.equal(await page.inputValue('#appeal-text'), 'Как приготовить настоящий плов дома?', 'the hand-over text is not the question');
    await shot(page, 'h-assistant-conversation');
  } finally {
    await page.context().close();
  }
});

test('h. an agency answers an appeal in /admin; the citizen reads it in Tajik', async (log) => {
  const editor = account('editor@tax.tj');
  const page = await newPage({ bypassCSP: true });
  try {
    await signIn(page, editor.email, editor.password);
    await visit(page, '/admin/appeals?status=new');
    const r = await axeCheck(page, 'signed in (/admin/appeals)');
    axeFindings.push({ label: 'admin appeals', path: pathOf(page), serious: r.serious, notes: r.notes });
    for (const n of r.notes) log(`note: ${n}`);
    assert.equal(r.serious.length, 0, r.serious.join('\n'));
    await follow(page, page.locator('main a', { hasText: 'DEM0-0000-0002' }), 'the demo appeal');
    await page.fill('#answer', 'Эъломия то 1 апрел супорида мешавад. (ҷавоби санҷишӣ)');
    await follow(page, page.locator('main form button[type="submit"]'), 'send the answer');
    assert.ok((await page.locator('main').innerText()).includes('ҷавоби санҷишӣ'), 'the answer is not shown');
    await shot(page, 'h-admin-appeal-answered');
  } finally {
    await page.context().close();
  }
  const citizen = await newPage();
  try {
    await visit(citizen, '/tg/appeals?number=dem0-0000-0002');
    assert.ok((await citizen.locator('main').innerText()).includes('ҷавоби санҷишӣ'), 'the citizen does not see the answer');
    await shot(citizen, 'h-appeal-status-tg');
  } finally {
    await citizen.context().close();
  }
});

a11y('assistant page tg', (page) => visit(page, '/tg/assistant'));
a11y('assistant answer en', async (page) => {
  await visit(page, '/en/assistant');
  await askByForm(page, 'How many government websites are on the Hukumat.tj portal?', { js: true });
});
a11y('assistant refusal with the hand-over open ru', async (page) => {
  await visit(page, '/ru/assistant');
  await askByForm(page, 'Как приготовить настоящий плов дома?', { js: true });
});
a11y('appeal status ru', (page) => visit(page, '/ru/appeals?number=DEM0-0000-0001'));
a11y('assistant on a phone (390x844)', (page) => visit(page, '/en/assistant'), { viewport: PHONE, isMobile: true });
