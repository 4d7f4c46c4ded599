/*
 * wegwijzer-widget.js — toont op een productpagina via welk kanaal een inwoner iets regelt.
 *
 * Insluiten (zie README.md):
 *   <div id="wegwijzer"></div>
 *   <script src="/js/wegwijzer-widget.js" data-endpoint="https://wegwijzer.gemeente.nl"
 *           data-service="paspoort" defer></script>
 *
 * Plain JavaScript (ES2017), no build step, no dependencies. Every text from the API is set
 * with textContent (never innerHTML) and only http(s)/tel/mailto links are made, so a wrong
 * rule text can never inject markup into the municipality's page.
 */
(function () {
  'use strict';

  var script = document.currentScript;
  if (!script) return;   /* loaded as a module or injected late: nothing to configure from */

  var ds = script.dataset;
  var cfg = {
    endpoint: (ds.endpoint || '').replace(/\/+$/, ''),
    service: ds.service || '',
    target: ds.target || '#wegwijzer',
    origin: ds.origin || 'web',
    /* the catalogue channel this page is (sessions and their events name catalogue ids) */
    channel: ds.channel || 'website',
    token: ds.token || '',            /* an advice-role token, if the server needs one */
    time: ds.time || '',
    fallbackPhone: ds.fallbackPhone || '14 + netnummer',
    fallbackUrl: ds.fallbackUrl || '',
    headingLevel: Math.min(6, Math.max(2, parseInt(ds.headingLevel || '2', 10) || 2)),
    timeoutMs: parseInt(ds.timeout || '6000', 10) || 6000,
    maxChannels: Math.max(1, parseInt(ds.maxChannels || '3', 10) || 3),
    css: ds.css !== 'false'
  };
  var VERSION = '2.0.0';

  /* The citizen's profile, if the page knows it (logged in with DigiD, a language choice, a
   * stated need): data-auth-level, data-language, data-needs, data-digital-skills, or
   * Wegwijzer.setProfile({...}) / window.wegwijzerProfile. Only these four fields are sent:
   * a BSN (citizen.id) never goes through the browser, the server adds it if it has one. */
  var PROFILE_KEYS = ['authLevel', 'language', 'needs', 'digitalSkills'];
  function cleanProfile(p) {
    var out = {};
    if (!p || typeof p !== 'object') return out;
    if (typeof p.authLevel === 'string' && /^[a-z]+$/.test(p.authLevel)) out.authLevel = p.authLevel;
    if (typeof p.language === 'string' && /^[a-z]{3}$/.test(p.language)) out.language = p.language;
    if (typeof p.digitalSkills === 'string' && /^[a-z]+$/.test(p.digitalSkills)) {
      out.digitalSkills = p.digitalSkills;
    }
    var needs = typeof p.needs === 'string' ? p.needs.split(/[\s,]+/) : p.needs;
    if (Array.isArray(needs)) {
      needs = needs.filter(function (n) { return typeof n === 'string' && /^[a-z_]+$/.test(n); });
      if (needs.length) out.needs = needs;
    }
    return out;
  }
  var profile = cleanProfile({ authLevel: ds.authLevel, language: ds.language, needs: ds.needs,
                               digitalSkills: ds.digitalSkills });
  if (window.wegwijzerProfile) profile = cleanProfile(window.wegwijzerProfile);
  /* Preview the advice at another moment: ?wegwijzer-tijd=2026-12-05T11:00:00+01:00.
   * Only changes which channels are shown, so harmless to allow from the URL. */
  try {
    var qt = new URLSearchParams(window.location.search).get('wegwijzer-tijd');
    if (qt && /^\d{4}-\d\d-\d\dT\d\d:\d\d(:\d\d)?([+-]\d\d:\d\d|Z)$/.test(qt)) cfg.time = qt;
  } catch (e) { /* old browser: no preview */ }

  var STORE_KEY = 'wegwijzer.sessionId';
  /* What a channel's link does, by kind; a channel's contact.label says it better. */
  var KIND_ACTION = {
    online: 'Regel het online', portal: 'Log in en bekijk uw aanvraag', phone: 'Bel ons',
    desk: 'Bekijk adres en openingstijden', chat: 'Start een chat', email: 'Stuur een e-mail',
    callback: 'Vraag een terugbelverzoek aan', video: 'Start videobellen',
    post: 'Stuur een brief', social: 'Stuur een bericht', other: 'Neem contact op'
  };

  /* ------------------------------------------------------------------ small helpers */

  function el(tag, attrs, text) {
    var n = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (Object.prototype.hasOwnProperty.call(attrs, k)) n.setAttribute(k, attrs[k]);
      }
    }
    if (text != null) n.textContent = text;
    return n;
  }

  function safeUrl(u) {
    return typeof u === 'string' && /^(https?:|mailto:|tel:)/i.test(u) ? u : null;
  }

  function telHref(phone) {
    var digits = String(phone).replace(/[^\d+]/g, '');
    return digits ? 'tel:' + digits : null;
  }

  function getSession() {
    try { return window.sessionStorage.getItem(STORE_KEY); } catch (e) { return null; }
  }

  function setSession(id) {
    try {
      if (id) window.sessionStorage.setItem(STORE_KEY, id);
      else window.sessionStorage.removeItem(STORE_KEY);
    } catch (e) { /* private mode: the code then works for this page view only */ }
  }

  /* "483920" -> "483 920": easier to read out on the phone. */
  function groupCode(code) {
    return code.length === 6 ? code.slice(0, 3) + ' ' + code.slice(3) : code;
  }

  function minutesText(seconds) {
    if (seconds < 60) return 'minder dan een minuut';
    var m = Math.round(seconds / 60);
    return m === 1 ? 'ongeveer 1 minuut' : 'ongeveer ' + m + ' minuten';
  }

  function clockText(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return '';
    try {
      return d.toLocaleTimeString('nl-NL', { hour: '2-digit', minute: '2-digit',
                                             timeZone: 'Europe/Amsterdam' });
    } catch (e) {
      return d.toLocaleTimeString();
    }
  }

  /* POST JSON (GET without a body); resolves {status, body}; rejects on network error or
   * timeout. */
  function post(path, body, method) {
    var ctl = typeof AbortController === 'function' ? new AbortController() : null;
    var timer = ctl ? setTimeout(function () { ctl.abort(); }, cfg.timeoutMs) : null;
    var headers = { 'Accept': 'application/json' };
    if (!method) headers['Content-Type'] = 'application/json';
    if (cfg.token) headers.Authorization = 'Bearer ' + cfg.token;
    return fetch(cfg.endpoint + path, {
      method: method || 'POST', headers: headers,
      body: method ? undefined : JSON.stringify(body || {}),
      mode: 'cors', credentials: 'omit', signal: ctl ? ctl.signal : undefined
    }).then(function (res) {
      if (timer) clearTimeout(timer);
      return res.json().catch(function () { return null; }).then(function (b) {
        return { status: res.status, body: b };
      });
    }, function (err) {
      if (timer) clearTimeout(timer);
      throw err;
    });
  }

  /* The stored session, or a new one. Resolves to an id or null (advice works without). */
  function ensureSession() {
    var id = getSession();
    if (id) return Promise.resolve(id);
    return post('/v1/sessions', { channel: cfg.channel, service: cfg.service })
      .then(function (r) {
        var sid = r.status === 201 && r.body && r.body.session && r.body.session.id;
        setSession(sid || null);
        return sid || null;
      }, function () { return null; });
  }

  /* ------------------------------------------------------------------ rendering */

  /* "Bel 14 039", "Bel 14 039, keuze 2": one link per number and menu choice. */
  function callText(c) {
    return 'Bel ' + c.phone + (c.keuze ? ', keuze ' + c.keuze : '');
  }

  function contactAction(ch) {
    var c = ch.contact || {};
    var label = c.label || KIND_ACTION[ch.kind] || KIND_ACTION.other;
    if (ch.kind === 'phone' && c.phone) return { href: telHref(c.phone), text: callText(c) };
    if (safeUrl(c.url)) return { href: c.url, text: label };
    if (c.phone) return { href: telHref(c.phone), text: callText(c) };
    if (c.email) return { href: 'mailto:' + c.email, text: 'Mail naar ' + c.email };
    return null;
  }

  function renderChannel(ch, first, onChoose, seen) {
    var li = el('li', { 'class': 'ww-channel' + (first ? ' ww-first' : '') +
                                 (ch.open ? '' : ' ww-closed'),
                        'data-channel': ch.id });
    var head = el('div', { 'class': 'ww-head' });
    if (first) head.appendChild(el('span', { 'class': 'ww-advice' }, 'Ons advies'));
    head.appendChild(el('span', { 'class': 'ww-name' }, ch.name));
    /* State in words, not colour alone (WCAG 1.4.1). Only where a person answers: a form,
     * e-mail or letter is "open" around the clock, saying so is noise. */
    if (ch.assisted || !ch.open) {
      head.appendChild(el('span', { 'class': 'ww-state ' + (ch.open ? 'ww-open' : 'ww-shut') },
                          ch.open ? 'Nu open' : 'Nu gesloten'));
    }
    li.appendChild(head);

    if (ch.open && typeof ch.waitSeconds === 'number') {
      li.appendChild(el('p', { 'class': 'ww-wait' }, 'Wachttijd: ' + minutesText(ch.waitSeconds)));
    }
    var reasons = (ch.reasons || []).filter(function (t) {
      return t && t !== 'Nu gesloten';   /* already said by the state label */
    });
    if (reasons.length) {
      var ul = el('ul', { 'class': 'ww-reasons' });
      reasons.forEach(function (t) { ul.appendChild(el('li', null, t)); });
      li.appendChild(ul);
    }
    var c = ch.contact || {};
    var act = contactAction(ch);
    if (act && act.href && !seen[act.text]) {
      seen[act.text] = true;
      var a = el('a', { 'class': 'ww-action', href: act.href }, act.text);
      a.addEventListener('click', function () { onChoose(ch.id); });
      li.appendChild(a);
    }
    if (c.address) li.appendChild(el('p', { 'class': 'ww-address' }, 'Adres: ' + c.address));
    return li;
  }

  function heading(text) {
    return el('h' + cfg.headingLevel, { 'class': 'ww-title', id: 'ww-title' }, text);
  }

  function renderFallback(root, why) {
    root.textContent = '';
    root.setAttribute('aria-busy', 'false');
    root.appendChild(heading('Hoe regelt u dit?'));
    var box = el('div', { 'class': 'ww-fallback', role: 'status' });
    box.appendChild(el('p', null, why));
    var p = el('p');
    p.appendChild(document.createTextNode('Bel ons op '));
    var tel = telHref(cfg.fallbackPhone);
    if (tel && /\d/.test(cfg.fallbackPhone)) {
      p.appendChild(el('a', { 'class': 'ww-action', href: tel }, cfg.fallbackPhone));
    } else {
      p.appendChild(el('strong', null, cfg.fallbackPhone));
    }
    p.appendChild(document.createTextNode('. Wij helpen u graag.'));
    box.appendChild(p);
    if (safeUrl(cfg.fallbackUrl)) {
      var q = el('p');
      q.appendChild(el('a', { href: cfg.fallbackUrl }, 'Bekijk alle contactmogelijkheden'));
      box.appendChild(q);
    }
    root.appendChild(box);
  }

  /* The first advised channel of this kind that is open now (with a number, for a phone). */
  function openOf(advice, kind) {
    var list = advice.channels || [];
    for (var i = 0; i < list.length; i++) {
      var ch = list[i];
      if (ch.kind === kind && ch.open && (kind !== 'phone' || (ch.contact && ch.contact.phone))) {
        return ch;
      }
    }
    return null;
  }

  function closedPhoneOf(advice) {
    var list = advice.channels || [];
    for (var i = 0; i < list.length; i++) if (list[i].kind === 'phone') return list[i];
    return null;
  }

  /* The phone is closed: no code (nobody can take it), but the callback request if the advice
   * has one, else what the advice says about the phone (when it opens again). */
  function renderPhoneClosed(root, advice, onChoose) {
    var box = el('div', { 'class': 'ww-handover', 'data-phone': 'closed' });
    var cb = openOf(advice, 'callback');
    var phone = closedPhoneOf(advice);
    box.appendChild(el('p', null, 'De telefoon is nu gesloten.'));
    if (phone) {
      (phone.reasons || []).forEach(function (t) {
        if (t && t !== 'Nu gesloten') box.appendChild(el('p', { 'class': 'ww-phone-when' }, t));
      });
    }
    if (cb && safeUrl((cb.contact || {}).url)) {
      var p = el('p');
      p.appendChild(document.createTextNode('Wilt u dat wij u bellen? '));
      var a = el('a', { 'class': 'ww-action ww-callback', href: cb.contact.url },
                 (cb.contact.label || KIND_ACTION.callback));
      a.addEventListener('click', function () { onChoose(cb.id); });
      p.appendChild(a);
      box.appendChild(p);
    }
    if (box.childNodes.length > 1) root.appendChild(box);
  }

  function renderHandover(root, advice, onChoose) {
    var phone = openOf(advice, 'phone');
    if (!phone) return renderPhoneClosed(root, advice, onChoose);
    var box = el('div', { 'class': 'ww-handover', 'data-phone': 'open' });
    box.appendChild(el('p', null, 'Wilt u liever bellen? Dan krijgt u een code. Noem die code ' +
                                  'aan de telefoon. Dan weet de medewerker meteen waar het over gaat.'));
    var btn = el('button', { type: 'button', 'class': 'ww-button' }, 'Ik wil bellen');
    var live = el('div', { 'class': 'ww-code', 'aria-live': 'polite', 'aria-atomic': 'true' });
    box.appendChild(btn);
    box.appendChild(live);

    function show(code, expiresAt) {
      live.textContent = '';
      var p = el('p', { 'class': 'ww-code-line' });
      p.appendChild(document.createTextNode('Belt u ons? Noem dan code '));
      var strong = el('strong', { 'class': 'ww-code-digits', 'data-code': code });
      /* shown grouped, read out digit by digit */
      strong.appendChild(el('span', { 'aria-hidden': 'true' }, groupCode(code)));
      strong.appendChild(el('span', { 'class': 'ww-sr' }, code.split('').join(' ')));
      p.appendChild(strong);
      p.appendChild(document.createTextNode('.'));
      live.appendChild(p);
      var num = phone ? phone.contact.phone : cfg.fallbackPhone;
      var q = el('p');
      q.appendChild(document.createTextNode('Ons nummer is '));
      var tel = telHref(num);
      if (tel && /\d/.test(num)) q.appendChild(el('a', { href: tel }, num));
      else q.appendChild(el('strong', null, num));
      var until = clockText(expiresAt);
      q.appendChild(document.createTextNode(until
        ? '. De code werkt één keer en is geldig tot ' + until + ' uur.'
        : '. De code werkt één keer en is 15 minuten geldig.'));
      live.appendChild(q);
    }

    function fail() {
      live.textContent = '';
      var p = el('p', { 'class': 'ww-error' });
      p.appendChild(document.createTextNode('Er ging iets mis. U kunt ons ook zonder code bellen op '));
      p.appendChild(el('strong', null, phone ? phone.contact.phone : cfg.fallbackPhone));
      p.appendChild(document.createTextNode('.'));
      live.appendChild(p);
    }

    function request(retry) {
      return ensureSession().then(function (sid) {
        if (!sid) return fail();
        var body = { channel: cfg.channel };
        if (phone) body.to = phone.id;
        return post('/v1/sessions/' + encodeURIComponent(sid) + '/handover', body)
          .then(function (r) {
            if (r.status === 201 && r.body && /^\d{6}$/.test(r.body.code || '')) {
              show(r.body.code, r.body.expiresAt);
            } else if (r.status === 404 && retry) {
              setSession(null);   /* the session expired: start a new one once */
              return request(false);
            } else {
              fail();
            }
          });
      }).catch(fail);
    }

    btn.addEventListener('click', function () {
      btn.disabled = true;
      btn.setAttribute('aria-disabled', 'true');
      live.textContent = 'Code wordt aangemaakt…';
      request(true).then(function () {
        btn.disabled = false;
        btn.removeAttribute('aria-disabled');
        btn.textContent = 'Nieuwe code';
      });
    });
    root.appendChild(box);
  }

  /* The heading: the service's own question from the catalogue (`vraag` in services.lua),
   * else "Zo regelt u: <name>" (a name like "Paspoort aanvragen" is no question). */
  function headingText(advice, entry) {
    if (entry && typeof entry.vraag === 'string' && entry.vraag) return entry.vraag;
    var name = advice.service && advice.service.name;
    return name ? 'Zo regelt u: ' + name : 'Hoe regelt u dit?';
  }

  function render(root, advice, entry) {
    root.textContent = '';
    root.setAttribute('aria-busy', 'false');
    root.appendChild(heading(headingText(advice, entry)));

    var notes = advice.notes || [];
    if (notes.length) {
      var nb = el('div', { 'class': 'ww-notes' });
      nb.appendChild(el('p', { 'class': 'ww-notes-title' }, 'Goed om te weten'));
      var nl = el('ul');
      notes.forEach(function (t) { nl.appendChild(el('li', null, t)); });
      nb.appendChild(nl);
      root.appendChild(nb);
    }

    var chosen = function (id) {
      var sid = getSession();
      if (!sid) return;
      /* keepalive: the page may be navigating away */
      var headers = { 'Content-Type': 'application/json' };
      if (cfg.token) headers.Authorization = 'Bearer ' + cfg.token;
      try {
        fetch(cfg.endpoint + '/v1/sessions/' + encodeURIComponent(sid) + '/events', {
          method: 'POST', mode: 'cors', credentials: 'omit', keepalive: true, headers: headers,
          /* "chosen": the citizen picked channel 'id' (not a step in an application) */
          body: JSON.stringify({ channel: id, type: 'chosen', service: cfg.service })
        }).catch(function () {});
      } catch (e) { /* best effort */ }
    };

    /* The best few first; the rest behind a native disclosure, so the page stays short.
     * Never hide just one: a toggle for a single item costs more than it saves. */
    var list = advice.channels || [];
    var shown = list.length <= cfg.maxChannels + 1 ? list.length : cfg.maxChannels;
    var ol = el('ol', { 'class': 'ww-channels', 'aria-labelledby': 'ww-title' });
    var seen = {};
    list.slice(0, shown).forEach(function (ch, i) {
      ol.appendChild(renderChannel(ch, i === 0, chosen, seen));
    });
    root.appendChild(ol);
    if (shown < list.length) {
      var more = el('details', { 'class': 'ww-more' });
      more.appendChild(el('summary', null, 'Meer manieren om dit te regelen (' +
                                           (list.length - shown) + ')'));
      var ol2 = el('ol', { 'class': 'ww-channels', start: String(shown + 1) });
      list.slice(shown).forEach(function (ch) { ol2.appendChild(renderChannel(ch, false, chosen, seen)); });
      more.appendChild(ol2);
      root.appendChild(more);
    }

    var ex = advice.excluded || [];
    if (ex.length) {
      var det = el('details', { 'class': 'ww-excluded' });
      det.appendChild(el('summary', null, 'Waarom niet via een ander kanaal?'));
      var ul = el('ul');
      ex.forEach(function (x) {
        var why = (x.reasons || []).join(' ');
        /* by name only: a raw id ("mijn_omgeving") means nothing to a citizen */
        ul.appendChild(el('li', null, (x.name || 'Een ander kanaal') + (why ? ': ' + why : '')));
      });
      det.appendChild(ul);
      root.appendChild(det);
    }
    renderHandover(root, advice, chosen);
  }

  /* ------------------------------------------------------------------ styles */

  /* Contrast: every text/background pair here is at least 4.5:1 (most 7:1); focus is a
   * 3 px outline plus a yellow ring, visible on white and on the coloured labels. */
  var CSS =
    '.ww{font:inherit;color:#1a1a1a;max-width:40rem}' +
    '.ww-title{margin:0 0 .75rem}' +
    '.ww-channels{list-style:none;margin:0;padding:0}' +
    '.ww-channel{border:1px solid #6f777b;border-radius:4px;padding:.75rem 1rem;margin:0 0 .75rem;background:#fff}' +
    '.ww-first{border:3px solid #00703c}' +
    '.ww-closed{background:#f3f2f1}' +
    '.ww-head{display:flex;flex-wrap:wrap;gap:.5rem;align-items:baseline}' +
    '.ww-name{font-weight:700;flex:1 1 auto}' +
    '.ww-advice{background:#00703c;color:#fff;padding:0 .4rem;border-radius:2px;font-weight:700}' +
    '.ww-state{padding:0 .4rem;border-radius:2px;border:1px solid currentColor}' +
    '.ww-open{color:#005a30;background:#e6f4ea}' +
    '.ww-shut{color:#1a1a1a;background:#dedede}' +
    '.ww-reasons{margin:.5rem 0;padding-left:1.25rem}' +
    '.ww-wait,.ww-address{margin:.4rem 0}' +
    '.ww a{color:#0b4f91;text-decoration:underline;text-underline-offset:2px}' +
    '.ww a:hover{color:#06315c;text-decoration-thickness:3px}' +
    '.ww-action{display:inline-block;margin-top:.25rem;padding:.5rem 0;font-weight:700;min-height:24px}' +
    '.ww-notes{border-left:5px solid #0b4f91;background:#eef4fa;padding:.5rem 1rem;margin:0 0 1rem}' +
    '.ww-notes-title{font-weight:700;margin:0}' +
    '.ww-notes ul{margin:.25rem 0;padding-left:1.25rem}' +
    '.ww-excluded,.ww-more{margin:.5rem 0 1rem}' +
    '.ww-more>ol{margin-top:.75rem}' +
    '.ww-excluded summary,.ww-more summary{cursor:pointer;color:#0b4f91;text-decoration:underline;padding:.25rem 0}' +
    '.ww-handover{border-top:1px solid #6f777b;padding-top:.75rem;margin-top:.5rem}' +
    '.ww-button{font:inherit;font-weight:700;color:#fff;background:#00703c;border:2px solid #00703c;' +
      'border-radius:4px;padding:.6rem 1.2rem;min-height:44px;cursor:pointer;box-shadow:0 2px 0 #002d18}' +
    '.ww-button:hover{background:#005a30}' +
    '.ww-button[disabled]{background:#505a5f;border-color:#505a5f;cursor:wait}' +
    '.ww a:focus-visible,.ww-button:focus-visible,.ww summary:focus-visible{outline:3px solid #1a1a1a;' +
      'outline-offset:2px;box-shadow:0 0 0 6px #ffdd00;background-color:#ffdd00;color:#1a1a1a}' +
    '.ww-code{margin-top:.75rem;font-size:1.1em}' +
    '.ww-code-digits{font-size:1.5em;letter-spacing:.08em;font-variant-numeric:tabular-nums;white-space:nowrap}' +
    '.ww-error,.ww-fallback{border-left:5px solid #d4351c;padding:.25rem 1rem}' +
    '.ww-sr{position:absolute!important;width:1px;height:1px;margin:-1px;padding:0;overflow:hidden;' +
      'clip:rect(0 0 0 0);white-space:nowrap;border:0}';

  function addCss() {
    if (!cfg.css || document.getElementById('ww-css')) return;
    var s = el('style', { id: 'ww-css' });
    s.textContent = CSS;
    document.head.appendChild(s);
  }

  /* ------------------------------------------------------------------ start */

  /* The catalogue entry (for the heading), best effort: without it the generic heading. */
  var entryOnce = null;
  function catalogueEntry() {
    if (!entryOnce) {
      entryOnce = post('/v1/services/' + encodeURIComponent(cfg.service), null, 'GET')
        .then(function (r) { return r.status === 200 && r.body ? r.body : null; },
              function () { return null; });
    }
    return entryOnce;
  }

  var root = null;

  /* Ask for the advice (with the page's profile) and show it. */
  function advise() {
    var sent = null;
    var entry = catalogueEntry();
    return ensureSession().then(function (sid) {
      sent = sid;
      var req = { service: cfg.service, context: { origin: cfg.origin } };
      if (cfg.time) req.context.time = cfg.time;
      if (window.matchMedia && window.matchMedia('(max-width: 40em)').matches) {
        req.context.device = 'mobile';
      }
      var citizen = {};
      PROFILE_KEYS.forEach(function (k) { if (profile[k] !== undefined) citizen[k] = profile[k]; });
      if (Object.keys(citizen).length) req.citizen = citizen;
      if (sid) req.sessionId = sid;
      return Promise.all([post('/v1/advice', req), entry]);
    }).then(function (both) {
      var r = both[0];
      if (r.status !== 200 || !r.body || !Array.isArray(r.body.channels) ||
          r.body.channels.length === 0) {
        throw new Error('advice status ' + r.status);
      }
      /* the store forgot the session (expired): a new one is made when needed */
      if (sent && (r.body.sessionExpired || r.body.sessionId !== sent)) setSession(null);
      render(root, r.body, both[1]);
      root.setAttribute('data-state', 'ready');
    }).catch(function () {
      renderFallback(root, 'Het advies kan nu niet worden geladen.');
      root.setAttribute('data-state', 'fallback');
    });
  }

  function start() {
    root = document.querySelector(cfg.target);
    if (!root) {
      root = el('div');
      script.parentNode.insertBefore(root, script.nextSibling);
    }
    root.classList.add('ww');
    if (!root.hasAttribute('role')) root.setAttribute('role', 'region');
    root.setAttribute('aria-labelledby', 'ww-title');
    root.setAttribute('lang', 'nl');
    addCss();
    if (root.dataset.service) cfg.service = root.dataset.service;
    if (!cfg.endpoint || !cfg.service || typeof fetch !== 'function') {
      renderFallback(root, 'Het advies kan hier niet worden getoond.');
      return;
    }
    root.setAttribute('aria-busy', 'true');
    root.textContent = '';
    root.appendChild(heading('Hoe regelt u dit?'));
    root.appendChild(el('p', { 'class': 'ww-loading' }, 'Het advies wordt geladen…'));
    advise();
  }

  /* The small JS API: Wegwijzer.setProfile({authLevel, language, needs, digitalSkills})
   * asks for the advice again with that profile (e.g. after a DigiD login or a language
   * choice); anything else in the object, a BSN included, is dropped. */
  window.Wegwijzer = {
    version: VERSION,
    setProfile: function (p) {
      profile = cleanProfile(p);
      if (!root || !cfg.endpoint || !cfg.service) return Promise.resolve();
      root.setAttribute('aria-busy', 'true');
      root.removeAttribute('data-state');
      return advise();
    }
  };

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
