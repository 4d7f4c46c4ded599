// The website widget (examples/website) in real headless Chromium against a real wegwijzer:
// the right first channel for two services, the handover code after "Ik wil bellen" (pressed
// with the keyboard), the code really claims the widget's session, the static fallback when
// the API is down or CORS refuses the page, contrast and focus. Screenshots go to
// $WW_BUILD_ROOT/test-artifacts/. Run through run.mjs (it finds Chromium + playwright-core).
// Issue 18: no code while the phone is closed (the callback instead), no raw channel id at
// 1280 and 320 px, a Dutch heading for every bundled service, a profile from the page, a
// click and return that keeps the advice, axe-core, and the minified build with its SRI hash.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
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
  // ?dienst=ID: the page for another service; ?attr=A: more attributes on the widget's
  // script tag; ?src=FILE&sri=HASH: the page loads FILE (the minified build) with that hash.
  site = await startStatic(SITE, (p, html, q) => {
    const target = p.startsWith('/down/') ? `http://127.0.0.1:${deadPort}` : apiBase;
    html = html.replaceAll(PLACEHOLDER, target);
    if (q.get('dienst')) html = html.replace(/data-service="[a-z_]+"/, `data-service="${q.get('dienst')}"`);
    if (q.get('attr')) html = html.replace('data-service=', `${q.get('attr')} data-service=`);
    if (q.get('src')) {
      html = html.replace('src="wegwijzer-widget.js"',
                          `src="${q.get('src')}" integrity="${q.get('sri')}" crossorigin="anonymous"`);
    }
    return html;
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

async function openPage(file, { origin = site.base, width = 900, time = TIME, setup } = {}) {
  const context = await browser.newContext({ locale: 'nl-NL', viewport: { width, height: 900 },
                                             timezoneId: 'Europe/Amsterdam' });
  const page = await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  if (setup) await setup(page);
  const sep = file.includes('?') ? '&' : '?';
  await page.goto(`${origin}/${file}${sep}wegwijzer-tijd=${encodeURIComponent(time)}`);
  await page.waitForSelector('#wegwijzer[data-state]', { timeout: 20000 });
  return { page, context, errors };
}

async function apiFirst(service, time = TIME, citizen = undefined) {
  const r = await request(ww.base, 'POST', '/v1/advice',
                          { service, citizen, context: { time, origin: 'web' } });
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
    assert.ok(types.includes('website:advice'), types.join(','));
    assert.ok(types.includes('website:handover'), types.join(','));
    assert.deepEqual(errors, []);

    // A reload keeps the session (sessionStorage), and the new advice lands on it.
    await page.reload();
    await page.waitForSelector('#wegwijzer[data-state="ready"]', { timeout: 20000 });
    assert.equal(await page.evaluate(() => sessionStorage.getItem('wegwijzer.sessionId')), sid);
    const s = await request(ww.base, 'GET', `/v1/sessions/${sid}`);
    assert.equal(s.status, 200);
    assert.equal(s.body.session.events.filter((e) => e.type === 'advice' && e.channel === 'website').length, 2);
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

// ---------------------------------------------------------------------------- issue 18

// Thursday 17:02: the phone (werkdagen until 17:00) is closed, the callback form is open.
const CLOSED = '2026-12-03T17:02:00+01:00';

// Every bundled service and the heading a citizen reads above its advice. A service added to
// rules/services.lua without a line here fails the test: write its question in Dutch (vraag).
const HEADINGS = {
  paspoort: 'Hoe vraagt u een paspoort aan?',
  identiteitskaart: 'Hoe vraagt u een identiteitskaart aan?',
  rijbewijs_verlengen: 'Hoe verlengt u uw rijbewijs?',
  rijbewijs_omwisselen: 'Hoe wisselt u een buitenlands rijbewijs om?',
  verhuizing: 'Hoe geeft u uw verhuizing door?',
  verhuizing_naar: 'Hoe geeft u door dat u in Voorbeeldstad komt wonen?',
  emigratie: 'Hoe geeft u door dat u naar het buitenland vertrekt?',
  uittreksel_brp: 'Hoe vraagt u een uittreksel uit de BRP aan?',
  geboorteaangifte: 'Hoe doet u aangifte van een geboorte?',
  overlijdensaangifte: 'Hoe doet u aangifte van een overlijden?',
  huwelijk: 'Hoe meldt u een voorgenomen huwelijk?',
  geregistreerd_partnerschap: 'Hoe meldt u een voorgenomen geregistreerd partnerschap?',
  naturalisatie: 'Hoe wordt u Nederlander?',
  parkeervergunning: 'Hoe vraagt u een parkeervergunning aan?',
  gehandicaptenparkeerkaart: 'Hoe vraagt u een gehandicaptenparkeerkaart aan?',
  afvalcontainer: 'Hoe vraagt u een afvalcontainer aan, of laat u die omruilen of repareren?',
  grofvuil: 'Hoe laat u grofvuil ophalen?',
  melding_openbare_ruimte: 'Hoe doet u een melding over de openbare ruimte?',
  bedrijfsafval: 'Hoe laat u bedrijfsafval ophalen?',
  bijstand: 'Hoe vraagt u een bijstandsuitkering aan?',
  wmo: 'Hoe vraagt u hulp of ondersteuning aan (Wmo)?',
  schuldhulp: 'Hoe krijgt u hulp bij geldzorgen en schulden?',
  leerlingenvervoer: 'Hoe vraagt u leerlingenvervoer aan?',
  kwijtschelding: 'Hoe vraagt u kwijtschelding van gemeentelijke belastingen aan?',
  woz_bezwaar: 'Hoe maakt u bezwaar tegen de WOZ-waarde?',
  hondenbelasting: 'Hoe meldt u een hond aan of af?',
  omgevingsvergunning: 'Hoe vraagt u een omgevingsvergunning aan?',
  evenementenvergunning: 'Hoe vraagt u een evenementenvergunning aan?',
  terrasvergunning: 'Hoe vraagt u een terrasvergunning aan?',
  alcoholvergunning: 'Hoe vraagt u een alcoholvergunning aan?',
  standplaatsvergunning: 'Hoe vraagt u een standplaatsvergunning aan?',
  klacht: 'Hoe dient u een klacht in over de gemeente?',
};

const ids = (page) => page.$$eval('#wegwijzer ol.ww-channels > li', (li) =>
  li.map((n) => n.dataset.channel));

// The widget's whole text with every <details> open (what a citizen can get to see).
async function widgetText(page) {
  await page.evaluate(() => document.querySelectorAll('#wegwijzer details')
    .forEach((d) => { d.open = true; }));
  return page.innerText('#wegwijzer');
}

test('phone closed (Thursday 17:02): no call button and no code, the callback offered', async () => {
  const api = await apiFirst('verhuizing', CLOSED);
  const tel = api.channels.find((c) => c.kind === 'phone');
  assert.equal(tel.open, false, 'bundled rules: the phone closes at 17:00');
  const cb = api.channels.find((c) => c.kind === 'callback');
  assert.ok(cb && cb.open, 'the advice offers the callback form');
  const { page, context, errors } = await openPage('verhuizing.html', { time: CLOSED });
  try {
    assert.equal(await page.getAttribute('#wegwijzer', 'data-state'), 'ready');
    assert.equal(await page.locator('#wegwijzer button').count(), 0, 'no "Ik wil bellen"');
    assert.equal(await page.locator('#wegwijzer [data-code]').count(), 0);
    const box = page.locator('#wegwijzer .ww-handover[data-phone="closed"]');
    assert.match(await box.innerText(), /De telefoon is nu gesloten/);
    assert.doesNotMatch(await page.innerText('#wegwijzer'), /Noem dan code|Ik wil bellen/);
    assert.equal(await box.locator('a.ww-callback').getAttribute('href'), cb.contact.url);
    assert.equal(await box.locator('a.ww-callback').innerText(), 'Vraag een terugbelverzoek aan');
    await page.screenshot({ path: await artifactPath('widget-phone-closed.png'), fullPage: true });
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
  // the same page in office hours does offer the code
  const open = await openPage('verhuizing.html');
  try {
    assert.equal(await open.page.locator('#wegwijzer .ww-handover[data-phone="open"] button')
      .innerText(), 'Ik wil bellen');
  } finally {
    await open.context.close();
  }
});

test('no raw channel id on the page at 1280 and 320 px; one "Bel" link per number', async () => {
  // Every channel id the answers name; an id that is not part of its own channel's name
  // (mijn_omgeving, telefoon_zorg, ido, email) must never be read on the page.
  const answers = [];
  for (const svc of ['paspoort', 'verhuizing']) {
    for (const t of [TIME, CLOSED]) answers.push(await apiFirst(svc, t));
  }
  const named = new Map();
  for (const a of answers) {
    for (const c of [...a.channels, ...a.excluded]) named.set(c.id, c.name);
  }
  const raw = [...named].filter(([id, name]) => !name.toLowerCase().includes(id)).map(([id]) => id);
  assert.ok(raw.includes('mijn_omgeving') && raw.includes('telefoon_zorg'), raw.join(','));
  for (const width of [1280, 320]) {
    for (const file of ['index.html', 'verhuizing.html']) {
      for (const time of [TIME, CLOSED]) {
        const { page, context } = await openPage(file, { width, time });
        try {
          assert.equal(await page.getAttribute('#wegwijzer', 'data-state'), 'ready');
          const text = await widgetText(page);
          for (const id of raw) {
            assert.doesNotMatch(text, new RegExp(`\\b${id}\\b`), `${file} ${width}px: "${id}"`);
          }
          assert.doesNotMatch(text, /\b[a-z]+_[a-z_]+\b/, `${file} ${width}px: a snake_case id`);
          const calls = await page.$$eval('#wegwijzer ol.ww-channels a.ww-action', (a) =>
            a.map((n) => n.textContent).filter((t) => t.startsWith('Bel ')));
          assert.equal(new Set(calls).size, calls.length, `one link per number: ${calls}`);
          const links = await page.$$eval('#wegwijzer ol.ww-channels > li', (li) =>
            li.map((n) => [n.dataset.channel, n.querySelector('a.ww-action')?.textContent]));
          for (const [id, label] of links) {
            if (id === 'ido') assert.notEqual(label, 'Maak een afspraak', 'the library is no desk');
          }
          if (time === CLOSED && file === 'verhuizing.html') {
            await page.screenshot({ path: await artifactPath(`widget-no-ids-${width}.png`),
                                    fullPage: true });
          }
        } finally {
          await context.close();
        }
      }
    }
  }
});

test('a Dutch heading for every bundled service (the catalogue\'s vraag)', async () => {
  const cat = await request(ww.base, 'GET', '/v1/services');
  assert.equal(cat.status, 200);
  const services = cat.body.services.map((s) => s.id).sort();
  assert.deepEqual(services, Object.keys(HEADINGS).sort(), 'a heading in the list per service');
  const context = await browser.newContext({ locale: 'nl-NL', timezoneId: 'Europe/Amsterdam' });
  try {
    const page = await context.newPage();
    for (const svc of services) {   // the paspoort page with another data-service
      await page.goto(`${site.base}/index.html?dienst=${svc}&wegwijzer-tijd=${encodeURIComponent(TIME)}`);
      await page.waitForSelector('#wegwijzer[data-state]', { timeout: 20000 });
      assert.equal(await page.getAttribute('#wegwijzer', 'data-state'), 'ready', svc);
      const h = (await page.innerText('#wegwijzer .ww-title')).trim();
      assert.equal(h, HEADINGS[svc], svc);
      assert.match(h, /^Hoe [^?]+\?$/, `${svc}: one question`);
    }
  } finally {
    await context.close();
  }
});

test('a profile from the page changes the advice (data- attributes and Wegwijzer.setProfile), never a BSN', async () => {
  const plain = await apiFirst('verhuizing');
  const low = await apiFirst('verhuizing', TIME, { digitalSkills: 'low' });
  assert.notEqual(plain.channels[0].id, low.channels[0].id, 'the rules weigh digital skills');
  const sent = [];
  const watch = (page) => page.on('request', (r) => {
    if (r.url().endsWith('/v1/advice')) sent.push(JSON.parse(r.postData()));
  });

  // data- attributes on the script tag
  const { page, context, errors } = await openPage(
    `verhuizing.html?attr=${encodeURIComponent('data-digital-skills="low"')}`, { setup: watch });
  try {
    assert.deepEqual(await ids(page), low.channels.map((c) => c.id));
    assert.deepEqual(sent.at(-1).citizen, { digitalSkills: 'low' });
  } finally {
    await context.close();
  }

  // the JS API after load, with a BSN the widget must drop
  const b = await openPage('verhuizing.html', { setup: watch });
  try {
    assert.equal((await ids(b.page))[0], plain.channels[0].id);
    await b.page.evaluate(() => window.Wegwijzer.setProfile(
      { digitalSkills: 'low', id: '999993653', bsn: '999993653' }));
    assert.equal(await b.page.getAttribute('#wegwijzer', 'data-state'), 'ready');
    assert.deepEqual(await ids(b.page), low.channels.map((c) => c.id));
    assert.deepEqual(sent.at(-1).citizen, { digitalSkills: 'low' });
    assert.ok(sent.every((r) => !JSON.stringify(r).includes('999993653')), 'no BSN sent');
    await b.page.screenshot({ path: await artifactPath('widget-profile.png'), fullPage: true });
    assert.deepEqual(errors.concat(b.errors), []);
  } finally {
    await b.context.close();
  }
});

test('a click on a channel is recorded as chosen, and coming back keeps the advice', async () => {
  const { page, context, errors } = await openPage('verhuizing.html', { setup: (p) =>
    p.route('https://www.voorbeeldstad.nl/**', (r) => r.fulfill({
      contentType: 'text/html', body: '<!doctype html><html lang="nl"><title>x</title><p>Formulier</p>' })) });
  try {
    const before = await ids(page);
    const sid = await page.evaluate(() => sessionStorage.getItem('wegwijzer.sessionId'));
    const first = page.locator('#wegwijzer ol.ww-channels > li').first();
    await Promise.all([page.waitForURL('https://www.voorbeeldstad.nl/**'),
                       first.locator('a.ww-action').click()]);
    await page.goBack();
    await page.waitForSelector('#wegwijzer[data-state="ready"]', { timeout: 20000 });
    assert.equal(await page.evaluate(() => sessionStorage.getItem('wegwijzer.sessionId')), sid);
    assert.deepEqual(await ids(page), before, 'the same advice after coming back');
    let chosen = [];
    for (let i = 0; i < 100 && !chosen.length; i++) {
      const s = await request(ww.base, 'GET', `/v1/sessions/${sid}`);
      chosen = s.body.session.events.filter((e) => e.type === 'chosen');
      if (!chosen.length) await new Promise((r) => setTimeout(r, 50));
    }
    assert.equal(chosen.length, 1);
    assert.equal(chosen[0].channel, before[0]);
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('axe-core: no serious or critical violation (both pages, 1280 and 320 px, phone open and closed)', async () => {
  assert.ok(process.env.WW_AXE, 'run.mjs installs axe-core');
  for (const [file, width, time] of [['index.html', 1280, TIME], ['verhuizing.html', 1280, TIME],
                                     ['verhuizing.html', 320, CLOSED], ['index.html', 320, CLOSED]]) {
    const { page, context } = await openPage(file, { width, time });
    try {
      await page.evaluate(() => document.querySelectorAll('#wegwijzer details')
        .forEach((d) => { d.open = true; }));
      await page.addScriptTag({ path: process.env.WW_AXE });
      const res = await page.evaluate(() => window.axe.run(document,
        { runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] }));
      const bad = res.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      assert.deepEqual(bad.map((v) => `${v.id}: ${v.nodes.map((n) => n.target).join(' ')}`), [],
                       `${file} ${width}px`);
      assert.ok(res.passes.length > 10, 'axe really ran');
    } finally {
      await context.close();
    }
  }
});

test('the minified build: versioned, its SRI hash and size in the README, and it works with integrity', async () => {
  const out = path.dirname(await artifactPath('x'));
  const r = spawnSync(process.execPath, [path.join(SITE, 'build.mjs'), '--check', '--out', out],
                      { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stdout + r.stderr);
  const name = r.stdout.match(/^(wegwijzer-widget-\d+\.\d+\.\d+\.min\.js): (\d+) bytes/m);
  const sri = r.stdout.match(/integrity: (sha384-[A-Za-z0-9+/=]+)/)[1];
  assert.ok(name && sri);
  assert.ok(Number(name[2]) < readFileSync(path.join(SITE, 'wegwijzer-widget.js')).length / 1.4,
            'minified');
  const pageWith = (integrity) =>
    `index.html?src=dist/${name[1]}&sri=${encodeURIComponent(integrity)}`;
  const ok = await openPage(pageWith(sri));
  try {
    assert.equal(await ok.page.getAttribute('#wegwijzer', 'data-state'), 'ready');
    assert.equal(await ok.page.evaluate(() => window.Wegwijzer.version),
                 name[1].match(/\d+\.\d+\.\d+/)[0]);
    assert.equal(await ok.page.innerText('#wegwijzer .ww-title'), HEADINGS.paspoort);
  } finally {
    await ok.context.close();
  }
  // a wrong hash: the browser refuses the file, the page's own text stays
  const ctx = await browser.newContext();
  try {
    const page = await ctx.newPage();
    await page.goto(`${site.base}/${pageWith('sha384-' + 'A'.repeat(64))}`);
    await page.waitForLoadState('load');
    assert.equal(await page.getAttribute('#wegwijzer', 'data-state'), null);
    assert.match(await page.innerText('#wegwijzer'), /Maak een afspraak/);
  } finally {
    await ctx.close();
  }
});
