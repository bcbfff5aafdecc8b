// Browser tests of the bridge's showcase (registered here, run by e2e/main.mjs): a consumer finds a service
// by filtering, opens its passport, and downloads its OpenAPI document.

import assert from 'node:assert/strict';
import { test, newPage, shot, url, pathOf, visit, follow, a11y, PHONE } from './harness.mjs';

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
