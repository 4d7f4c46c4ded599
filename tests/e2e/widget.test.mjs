// The website widget (examples/website) in real headless Chromium against a real wegwijzer:
// the right first channel for two services, the handover code after "Ik wil bellen" (pressed
// with the keyboard), the code really claims the widget's session, the static fallback when
// the API is down or CORS refuses the page, contrast and focus. Screenshots go to
// $WW_BUILD_ROOT/test-artifacts/. Run through run.mjs (it finds Chromium + playwright-core).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { SOURCE_ROOT, startWegwijzer, startStatic, freePort, request, artifactPath,
         launchChromium } from './support.mjs';

const SITE = path.join(SOURCE_ROOT, 'examples', 'website');
const PLACEHOLDER = 'https://wegwijzer.voorbeeldstad.nl';
// A Tuesday morning: every channel with office hours is open; the answer is deterministic.
const TIME = '2026-12-01T10:15:00+01:00';

let ww, site, browser, deadPort;

before(async () => {
  deadPort = await freePort();   // nothing listens here: "the API is down"
  // The static server's port is needed for --cors-origin, so start it first.
  let apiBase = null;
  site = await startStatic(SITE, (p, html) => {
    const target = p.startsWith('/down/') ? `http://127.0.0.1:${deadPort}` : apiBase;
    return html.replaceAll(PLACEHOLDER, target);
  }, { strip: '/down' });
  ww = await startWegwijzer(['--cors-origin', site.base]);
  apiBase = ww.base;
  browser = await launchChromium();
});

after(async () => {
  if (browser) await browser.close();
  if (site) await site.stop();
  if (ww) {
    const r = await ww.stop();
    assert.equal(r.code, 0, `wegwijzer exits 0 on SIGTERM; log:\n${ww.log()}`);
  }
});

async function openPage(file, { origin = site.base, width = 900 } = {}) {
  const context = await browser.newContext({ locale: 'nl-NL', viewport: { width, height: 900 },
                                             timezoneId: 'Europe/Amsterdam' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(`${origin}/${file}?wegwijzer-tijd=${encodeURIComponent(TIME)}`);
  await page.waitForSelector('#wegwijzer[data-state]', { timeout: 20000 });
  return { page, context, errors };
}

async function apiFirst(service) {
  const r = await request(ww.base, 'POST', '/v1/advice', { service, context: { time: TIME } });
  assert.equal(r.status, 200);
  return r.body;
}

// Each text node's colour against its effective background, WCAG 2.1 contrast ratio.
async function worstContrast(page) {
  return page.evaluate(() => {
    const lum = (rgb) => {
      const [r, g, b] = rgb.map((v) => {
        v /= 255;
        return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
      });
      return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const parse = (c) => (c.match(/[\d.]+/g) || []).map(Number);
    const bg = (el) => {
      for (let n = el; n; n = n.parentElement) {
        const c = parse(getComputedStyle(n).backgroundColor);
        if (c.length === 3 || (c.length === 4 && c[3] > 0)) return c.slice(0, 3);
      }
      return [255, 255, 255];
    };
    let worst = { ratio: 99, text: '' };
    const root = document.querySelector('#wegwijzer');
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    for (let t = walker.nextNode(); t; t = walker.nextNode()) {
      const el = t.parentElement;
      if (!t.textContent.trim() || el.closest('.ww-sr') || !el.getClientRects().length) continue;
      const fg = parse(getComputedStyle(el).color).slice(0, 3);
      const [l1, l2] = [lum(fg), lum(bg(el))].sort((a, b) => b - a);
      const ratio = (l1 + 0.05) / (l2 + 0.05);
      if (ratio < worst.ratio) worst = { ratio, text: t.textContent.trim().slice(0, 40) };
    }
    return worst;
  });
}

test('paspoort: the first advised channel is the desk, shown as an accessible list', async () => {
  const api = await apiFirst('paspoort');
  assert.equal(api.channels[0].id, 'balie', 'bundled rules: paspoort only at the desk');
  const { page, context, errors } = await openPage('index.html');
  try {
    assert.equal(await page.getAttribute('#wegwijzer', 'data-state'), 'ready');
    assert.equal(await page.getAttribute('html', 'lang'), 'nl');
    const ids = await page.$$eval('#wegwijzer ol.ww-channels > li', (li) =>
      li.map((n) => n.dataset.channel));
    assert.deepEqual(ids, api.channels.map((c) => c.id), 'the list follows the API ranking');
    const first = page.locator('#wegwijzer ol.ww-channels > li').first();
    assert.match(await first.innerText(), /Ons advies/);
    assert.match(await first.innerText(), /Balie stadskantoor/);
    assert.match(await first.innerText(), /Nu open/);
    // the rule's reason is shown, in Dutch
    assert.match(await first.innerText(), new RegExp(api.channels[0].reasons[0].slice(0, 20)));
    assert.equal(await first.locator('a.ww-action').getAttribute('href'),
                 'https://www.voorbeeldstad.nl/afspraak');
    // excluded channels with their reason, in a native <details>
    assert.ok(api.excluded.length > 0);
    assert.equal(await page.locator('#wegwijzer details.ww-excluded li').count(),
                 api.excluded.length);
    // by the channel's name from the answer, never its raw id (issue 13 §7)
    assert.ok(api.excluded.every((x) => x.name && x.name !== x.id));
    assert.ok((await page.locator('#wegwijzer details.ww-excluded li').first().textContent())
      .startsWith(api.excluded[0].name + ':'));
    const c = await worstContrast(page);
    assert.ok(c.ratio >= 4.5, `contrast ${c.ratio.toFixed(2)} < 4.5 at "${c.text}"`);
    await page.screenshot({ path: await artifactPath('widget-paspoort.png'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('verhuizing: first channel per the rules; "Ik wil bellen" by keyboard gives a code that claims this session', async () => {
  const api = await apiFirst('verhuizing');
  assert.notEqual(api.channels[0].id, 'balie', 'a different service gives a different advice');
  const { page, context, errors } = await openPage('verhuizing.html');
  try {
    const firstId = await page.getAttribute('#wegwijzer ol.ww-channels > li:first-child',
                                            'data-channel');
    assert.equal(firstId, api.channels[0].id);
    // the best three in view, the rest (same order) behind "Meer manieren"
    assert.ok(api.channels.length > 4);
    assert.equal(await page.locator('#wegwijzer > ol.ww-channels > li').count(), 3);
    assert.deepEqual(await page.$$eval('#wegwijzer ol.ww-channels > li', (li) =>
      li.map((n) => n.dataset.channel)), api.channels.map((ch) => ch.id));
    await page.click('#wegwijzer details.ww-more > summary');
    assert.match(await page.innerText('#wegwijzer'), /Goed om te weten/);
    assert.match(await page.innerText('#wegwijzer'), new RegExp(api.notes[0].slice(0, 25)));
    const sid = await page.evaluate(() => sessionStorage.getItem('wegwijzer.sessionId'));
    assert.match(sid, /^[0-9a-f]{32}$/, 'the widget created and kept a session');

    // Keyboard only: Tab until the button has focus, then Enter.
    let focused = false;
    for (let i = 0; i < 60 && !focused; i++) {
      await page.keyboard.press('Tab');
      focused = await page.evaluate(() => document.activeElement?.textContent === 'Ik wil bellen');
    }
    assert.ok(focused, 'the button is reachable with Tab');
    const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert.notEqual(outline, 'none', 'focus is visible');
    await page.locator('#wegwijzer .ww-handover').screenshot(
      { path: await artifactPath('widget-focus.png') });
    await page.keyboard.press('Enter');

    const live = page.locator('#wegwijzer [aria-live="polite"]');
    await live.locator('[data-code]').waitFor({ timeout: 15000 });
    const code = await live.locator('[data-code]').getAttribute('data-code');
    assert.match(code, /^\d{6}$/);
    const shown = await live.innerText();
    assert.ok(shown.includes(`Noem dan code ${code.slice(0, 3)} ${code.slice(3)}`), shown);
    assert.match(shown, /14 039/);
    const c = await worstContrast(page);
    assert.ok(c.ratio >= 4.5, `contrast ${c.ratio.toFixed(2)} < 4.5 at "${c.text}"`);
    await page.screenshot({ path: await artifactPath('widget-verhuizing-code.png'), fullPage: true });

    // The IVR claims the code: it is the widget's session, with the web advice on it.
    const r = await request(ww.base, 'POST', '/v1/route',
                            { service: 'verhuizing', handoverCode: code, context: { time: TIME } });
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(r.body.sessionId, sid);
    const types = r.body.agentContext.events.map((e) => `${e.channel}:${e.type}`);
    assert.ok(types.includes('web:advice'), types.join(','));
    assert.ok(types.includes('web:handover'), types.join(','));
    assert.deepEqual(errors, []);

    // A reload keeps the session (sessionStorage), and the new advice lands on it.
    await page.reload();
    await page.waitForSelector('#wegwijzer[data-state="ready"]', { timeout: 20000 });
    assert.equal(await page.evaluate(() => sessionStorage.getItem('wegwijzer.sessionId')), sid);
    const s = await request(ww.base, 'GET', `/v1/sessions/${sid}`);
    assert.equal(s.status, 200);
    assert.equal(s.body.session.events.filter((e) => e.type === 'advice' && e.channel === 'web').length, 2);
  } finally {
    await context.close();
  }
});

test('API down: the static fallback with the phone number', async () => {
  const { page, context } = await openPage('down/index.html');   // endpoint: a dead port
  try {
    assert.equal(await page.getAttribute('#wegwijzer', 'data-state'), 'fallback');
    assert.match(await page.innerText('#wegwijzer'), /kan nu niet worden geladen/);
    assert.equal(await page.getAttribute('#wegwijzer .ww-fallback a.ww-action', 'href'),
                 'tel:14039');
    await page.screenshot({ path: await artifactPath('widget-fallback.png'), fullPage: true });
  } finally {
    await context.close();
  }
});

test('CORS: a page from an origin not in --cors-origin gets the fallback, not the advice', async () => {
  const other = site.base.replace('127.0.0.1', 'localhost');   // another origin, same files
  const { page, context } = await openPage('index.html', { origin: other });
  try {
    assert.equal(await page.getAttribute('#wegwijzer', 'data-state'), 'fallback');
  } finally {
    await context.close();
  }
});

test('narrow screen (320 px, WCAG reflow): no horizontal scrolling', async () => {
  const { page, context } = await openPage('index.html', { width: 320 });
  try {
    assert.equal(await page.getAttribute('#wegwijzer', 'data-state'), 'ready');
    const overflow = await page.evaluate(() =>
      document.documentElement.scrollWidth - document.documentElement.clientWidth);
    assert.ok(overflow <= 0, `page scrolls sideways by ${overflow}px`);
    await page.screenshot({ path: await artifactPath('widget-paspoort-320.png'), fullPage: true });
  } finally {
    await context.close();
  }
});
