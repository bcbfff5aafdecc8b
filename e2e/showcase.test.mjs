// Browser tests of the bridge's showcase (registered here, run by e2e/main.mjs): a consumer finds a service
// by filtering, opens its passport, and downloads its OpenAPI document.

import assert from 'node:assert/strict';
import {
  test, newPage, shot, url, pathOf, visit, follow, a11y, axeCheck, axeFindings, account, signIn, PHONE,
} from './harness.mjs';

test('i. showcase: filter to personal-data services, open a passport, download its OpenAPI', async () => {
  const page = await newPage();
  try {
    await visit(page, '/en/services');
    await page.selectOption('#spd', 'yes');
    await page.selectOption('#sprov', 'mia');
    await follow(page, page.locator('.showcase-filters button[type="submit"]'), 'filter button');
    assert.ok(pathOf(page).includes('personal=yes') && pathOf(page).includes('provider=mia'), pathOf(page));
    const cards = page.locator('.service-cards li.card');
    assert.equal(await cards.count(), 2, 'two personal-data services of the Ministry of Internal Affairs');
    await follow(page, cards.first().locator('h2 a'), 'first service');
    assert.match(await page.locator('code.service-id').innerText(), /^TJ\/GOV\/\d+\/[a-z-]+\/[a-z-]+$/);
    assert.ok((await page.locator('section.operation').count()) >= 1, 'no operations rendered');
    await shot(page, 'i-passport');
    // The download link answers the document as an attachment named after the passport.
    const href = await page.locator('main a[download]').getAttribute('href');
    const res = await page.request.get(url(href));
    assert.equal(res.status(), 200, `${href} answered ${res.status()}`);
    assert.match(res.headers()['content-disposition'] || '', /MIA-S-\d{4}\.openapi\.json/);
    assert.equal((await res.json()).openapi, '3.0.3');
  } finally {
    await page.context().close();
  }
});

a11y('showcase', (page) => visit(page, '/tg/services'));
a11y('service passport', (page) => visit(page, '/en/services/MOJ-S-0001'));
a11y('service passport on a phone (390x844)', (page) => visit(page, '/ru/services/TAX-S-0001'), { viewport: PHONE, isMobile: true });

test('i. bridge: a bank applies from the showcase, the Tax Committee approves, the bank sees the grant and gets a token', async (log) => {
  const bank = account('admin@bank.tj');
  const tax = account('admin@tax.tj');
  const consumer = await newPage({ bypassCSP: true });
  let id;
  try {
    await signIn(consumer, bank.email, bank.password);
    await visit(consumer, '/en/services?provider=tax');
    await follow(consumer, consumer.locator('.service-cards h2 a').first(), 'the tax register service');
    await follow(consumer, consumer.locator('main a[href^="/admin/bridge/apply/"]'), 'apply link');
    await consumer.check('input[name="environment"][value="test"]');
    await consumer.fill('#purpose', 'Checking companies before opening accounts (browser test)');
    await consumer.fill('#legal_basis', 'Law on Banks (sample)');
    await follow(consumer, consumer.locator('main form button[type="submit"]'), 'send the application');
    const m = pathOf(consumer).match(/^\/admin\/bridge\/applications\/(\d+)$/);
    assert.ok(m, `after applying the browser is on ${pathOf(consumer)}`);
    id = m[1];
    const r = await axeCheck(consumer, 'bridge application (consumer)');
    axeFindings.push({ label: 'bridge application', path: pathOf(consumer), serious: r.serious, notes: r.notes });
    for (const n of r.notes) log(`note: ${n}`);
    assert.equal(r.serious.length, 0, r.serious.join('\n'));
    await shot(consumer, 'i-application-pending');
  } finally {
    await consumer.context().close();
  }
  const provider = await newPage();
  try {
    await signIn(provider, tax.email, tax.password);
    await visit(provider, '/admin/bridge/applications');
    assert.ok((await provider.locator('main').innerText()).includes('New application for TAX-S-0001'), 'no notification');
    await visit(provider, `/admin/bridge/applications/${id}`);
    await provider.fill('#quota', '25');
    await follow(provider, provider.locator('form[action$="/decide"] button', { hasText: 'Approve' }), 'approve');
    assert.ok((await provider.locator('main').innerText()).includes('Approved'), 'not approved');
  } finally {
    await provider.context().close();
  }
  const again = await newPage({ bypassCSP: true });
  try {
    await signIn(again, bank.email, bank.password);
    await visit(again, '/admin/bridge/grants');
    const rows = again.locator('main table tbody tr', { hasText: 'TAX-S-0001' });
    assert.ok((await rows.count()) >= 2, 'the demo grant and the new one');
    assert.ok((await again.locator('main').innerText()).includes('25'), 'the quota of the new grant');
    const r = await axeCheck(again, 'bridge grants');
    axeFindings.push({ label: 'bridge grants', path: pathOf(again), serious: r.serious, notes: r.notes });
    assert.equal(r.serious.length, 0, r.serious.join('\n'));
    await shot(again, 'i-grants');
    // A token for the bank's system: shown once, then only its label.
    await visit(again, '/admin/bridge/credentials');
    await again.fill('#label', 'Browser test');
    await follow(again, again.locator('main form[action="/admin/bridge/credentials"] button'), 'issue a token');
    const token = (await again.locator('code.token').innerText()).trim();
    assert.match(token, /^egov_[A-Za-z0-9]{40}$/);
    const c = await axeCheck(again, 'bridge credentials');
    axeFindings.push({ label: 'bridge credentials', path: pathOf(again), serious: c.serious, notes: c.notes });
    assert.equal(c.serious.length, 0, c.serious.join('\n'));
    await shot(again, 'i-token-issued');
    await visit(again, '/admin/bridge/credentials');
    assert.ok(!(await again.content()).includes(token), 'the token is shown again');
    // The new token calls the service through the gateway at once.
    const called = await again.request.get(url('/r1/TJ/GOV/020000105/tax-register/company-lookup/companies/020000101'), {
      headers: { 'X-Road-Client': 'TJ/COM/030000201/loan-desk', Authorization: `Bearer ${token}` },
    });
    assert.equal(called.status(), 200, await called.text());
    const id = called.headers()['x-road-id'];
    // The call shows in the monitoring page and is found by its message id.
    await visit(again, `/admin/bridge/monitoring?message_id=${encodeURIComponent(id)}`);
    assert.ok((await again.locator('main svg.chart').count()) === 1, 'no chart');
    assert.ok((await again.locator('main').innerText()).includes(id), 'the call is not found');
    const m = await axeCheck(again, 'gateway monitoring');
    axeFindings.push({ label: 'gateway monitoring', path: pathOf(again), serious: m.serious, notes: m.notes });
    assert.equal(m.serious.length, 0, m.serious.join('\n'));
    await shot(again, 'i-monitoring');
    // The provider's registry page, where systems and services are registered.
    await visit(again, '/admin/bridge/systems');
    const sys = await axeCheck(again, 'bridge systems');
    axeFindings.push({ label: 'bridge systems', path: pathOf(again), serious: sys.serious, notes: sys.notes });
    assert.equal(sys.serious.length, 0, sys.serious.join('\n'));
    await shot(again, 'i-systems');
  } finally {
    await again.context().close();
  }
});
