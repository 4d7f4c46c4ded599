// De werkbank: the browser UI for changing the rules safely (docs/rules.md, "Werkbank").
// It talks only to the public API, with the bearer token the user typed in (kept in
// sessionStorage: no cookies, so no CSRF). Everything that comes from rule files, traces or
// requests goes into the page as text (textContent / createTextNode), never as HTML.
'use strict';

(function () {
  const TOKEN_KEY = 'wegwijzer-werkbank-token';
  const DRAFT_KEY = 'wegwijzer-werkbank-concept';
  const SCREENS = ['bekijken', 'bewerken', 'proberen', 'testen', 'effect', 'publiceren'];
  const CHECK_DELAY_MS = 600;

  const state = {
    token: null,
    role: null,          // 'author' | 'admin'
    rules: null,         // GET /v1/rules
    services: [],
    channels: [],
    liveFiles: null,     // {path: text} of the live version
    files: null,         // {path: text}: the draft being edited
    current: null,       // the file in the editor
    check: null,         // last POST /v1/rules/check answer
    draft: null,         // the saved draft (GET /v1/rules/drafts/{id})
    editor: null,
    checkTimer: null,
    checkSeq: 0,
    marks: [],
  };

  const $ = (id) => document.getElementById(id);

  // An element with text children only: strings become text nodes, never HTML.
  function el(tag, attrs, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const kid of kids.flat()) {
      if (kid === null || kid === undefined || kid === false) continue;
      e.appendChild(typeof kid === 'string' || typeof kid === 'number'
        ? document.createTextNode(String(kid)) : kid);
    }
    return e;
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }
  function put(node, ...kids) { clear(node); for (const k of kids.flat()) if (k) node.appendChild(k); }

  // A table inside a focusable scroll box (keyboard users can scroll it).
  function table(caption, heads, rows) {
    const t = el('table', {},
      el('caption', { text: caption }),
      el('thead', {}, el('tr', {}, heads.map((h) => el('th', { scope: 'col', text: h })))),
      el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c) =>
        el('td', {}, c instanceof Node ? c : String(c ?? '')))))));
    return t;
  }
  function tableBox(node, caption, heads, rows) {
    put(node, table(caption, heads, rows));
    node.setAttribute('tabindex', '0');
    node.setAttribute('role', 'region');
    node.setAttribute('aria-label', caption);
  }

  function say(text) { $('melding').textContent = text; }
  function fail(text) { $('fout').textContent = text; }
  function clearMessages() { say(''); fail(''); }

  // ---- the API ----
  class ApiError extends Error {
    constructor(message, status, problem) { super(message); this.status = status; this.problem = problem; }
  }

  // A Dutch sentence for a refused request, from its status and problem code.
  function explain(method, path, status, p) {
    const code = p && p.code;
    const where = p && p.file ? ` (${p.file}${p.line ? ':' + p.line : ''})` : '';
    if (status === 0) return 'De server is niet bereikbaar. Controleer uw verbinding en probeer het opnieuw.';
    if (status === 401) return 'Uw sleutel klopt niet of is niet meer geldig. Log opnieuw in met een geldige sleutel.';
    if (status === 403 && code === 'same_author')
      return 'U heeft dit concept zelf gemaakt. Een collega met een andere naam moet het goedkeuren (vier ogen).';
    if (status === 403)
      return 'Dit mag u niet met deze sleutel. Daarvoor is de rol admin (beheerder) nodig.';
    if (status === 404 && code === 'not_found')
      return `Deze functie is nog niet beschikbaar op deze server (${method} ${path.split('?')[0]}).`;
    if (status === 404) return 'Niet gevonden: ' + ((p && p.detail) || path) + '.';
    if (status === 409 && code === 'approval_required')
      return 'Dit concept moet eerst door een collega worden goedgekeurd.';
    if (status === 409 && code === 'draft_invalid')
      return 'Dit concept heeft fouten of tests die mislukken. Los die eerst op.';
    if (status === 409 && code === 'candidate_invalid')
      return 'Dit concept laadt niet op deze server, dus het kan niet in de schaduw draaien. Los eerst de fouten op.';
    if (status === 413)
      return 'Uw concept is groter dan deze server aanneemt. Vraag de beheerder om wegwijzer te ' +
        'starten met een hogere --max-body (bijvoorbeeld 3000000).';
    if (status === 429) return 'Te veel verzoeken. Wacht even en probeer het opnieuw.';
    if (p && p.detail) return p.detail + where;
    return `Er ging iets mis (${status}). Probeer het opnieuw.`;
  }

  async function api(method, path, body) {
    const headers = { Accept: 'application/json' };
    if (state.token) headers.Authorization = 'Bearer ' + state.token;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    let res;
    try {
      res = await fetch(path, { method, headers, cache: 'no-store',
        body: body === undefined ? undefined : JSON.stringify(body) });
    } catch (e) {
      throw new ApiError(explain(method, path, 0, null), 0, null);
    }
    let data = null;
    const text = await res.text();
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    if (!res.ok) {
      const err = new ApiError(explain(method, path, res.status, data), res.status, data);
      if (res.status === 401 && state.token) { logout(); fail(err.message); }
      throw err;
    }
    return data;
  }

  // Run an action; show its Dutch error in the alert region.
  async function guarded(fn) {
    fail('');
    try { return await fn(); } catch (e) {
      fail(e instanceof ApiError ? e.message : 'Er ging iets mis: ' + e.message);
      return undefined;
    }
  }

  // ---- log in / out ----
  async function login(token) {
    state.token = token;
    let role = null;
    try {
      await api('GET', '/v1/rules');
      // Only an admin may read a channel's status override: tells admin from author. A 404
      // ("no override") comes from past the role check, so it means admin too.
      const first = ((await api('GET', '/v1/channels')).channels || [])[0];
      try {
        await api('GET', `/v1/channels/${encodeURIComponent(first ? first.id : 'website')}/status`);
        role = 'admin';
      } catch (e) {
        if (e.status === 404) role = 'admin';
        else if (e.status !== 403) throw e;
      }
      if (!role) {
        // An advice token may not read versions; an author may.
        try { await api('GET', '/v1/rules/versions'); role = 'author'; } catch (e) {
          if (e.status === 403) throw new ApiError(
            'Deze sleutel is niet voor de werkbank. U heeft de rol author of admin nodig. ' +
            'Vraag de beheerder om een andere sleutel.', 403, e.problem);
          throw e;
        }
      }
    } catch (e) {
      state.token = null;
      throw e;
    }
    state.role = role;
    sessionStorage.setItem(TOKEN_KEY, token);
  }

  function logout() {
    sessionStorage.removeItem(TOKEN_KEY);
    sessionStorage.removeItem(DRAFT_KEY);
    Object.assign(state, { token: null, role: null, files: null, liveFiles: null, draft: null,
                           check: null, current: null });
    if (state.editor) state.editor.setValue('');
    $('menu').hidden = true;
    $('uitloggen').hidden = true;
    $('wie').textContent = '';
    for (const s of SCREENS) $(s).hidden = true;
    $('inloggen').hidden = false;
    $('sleutel').value = '';
    if (location.hash) history.replaceState(null, '', location.pathname);
  }

  async function afterLogin() {
    $('inloggen').hidden = true;
    $('menu').hidden = false;
    $('uitloggen').hidden = false;
    $('wie').textContent = state.role === 'admin'
      ? 'Ingelogd als beheerder (admin)' : 'Ingelogd als schrijver (author)';
    await loadCatalogue();
    const saved = sessionStorage.getItem(DRAFT_KEY);
    if (saved) await guarded(() => openDraft(saved, false));
    route();
  }

  // ---- live rule set and catalogue ----
  async function loadCatalogue() {
    await guarded(async () => {
      state.rules = await api('GET', '/v1/rules');
      state.services = (await api('GET', '/v1/services')).services || [];
      state.channels = (await api('GET', '/v1/channels')).channels || [];
      fillTryForm();
    });
  }

  async function loadLiveFiles() {
    if (state.liveFiles) return state.liveFiles;
    const v = await api('GET', '/v1/rules/versions/' + encodeURIComponent(state.rules.version));
    state.liveFiles = v.files || {};
    return state.liveFiles;
  }

  // Rules as the DSL declares them: a line starting with  rule "name"  (docs/rules.md).
  function rulesOf(files) {
    const out = [];
    for (const path of Object.keys(files).sort()) {
      if (!path.startsWith('steering/')) continue;
      files[path].split('\n').forEach((line, i) => {
        const m = /^\s*rule\s*"((?:[^"\\]|\\.)*)"/.exec(line);
        if (m) out.push({ rule: m[1], file: path, line: i + 1 });
      });
    }
    return out;
  }

  // A button that opens FILE:LINE in the editor.
  function sourceButton(file, line) {
    const label = line ? `${file}:${line}` : file;
    return el('button', { type: 'button', class: 'link', text: label,
      'aria-label': `Open ${label} in de editor`,
      onclick: () => openAt(file, line) });
  }
  function sourceOf(text) {   // "steering/x.lua:12"
    const m = /^(.*):(\d+)$/.exec(text || '');
    return m ? sourceButton(m[1], Number(m[2])) : el('span', { class: 'bron', text: text || '' });
  }

  async function showView() {
    const r = state.rules;
    if (!r) return;
    const info = $('live-info');
    clear(info);
    const add = (k, v) => { info.appendChild(el('dt', { text: k })); info.appendChild(el('dd', { text: v })); };
    add('Versie', r.version);
    add('Geladen', r.loadedAt || '');
    add('Tests', r.tests ? `${r.tests.passed} geslaagd, ${r.tests.failed} mislukt` : 'onbekend');
    add('Aantallen', `${r.rules} regels, ${r.services} diensten, ${r.channels} kanalen, ${r.cases} testgevallen`);
    tableBox($('live-diensten'), 'Diensten', ['Code', 'Naam', 'Inloggen', 'Online', 'Persoonlijk'],
      state.services.map((s) => [s.id, s.name, s.auth || '', s.online === false ? 'nee' : 'ja',
                                 s.presence ? 'ja' : 'nee']));
    tableBox($('live-kanalen'), 'Kanalen', ['Code', 'Naam', 'Soort', 'Met een medewerker', 'Nu'],
      state.channels.map((c) => [c.id, c.name, c.kind, c.assisted ? 'ja' : 'nee', c.open ? 'open' : 'dicht']));
    await guarded(async () => {
      try {
        const list = await api('GET', '/v1/rules/versions');
        const live = (list.versions || []).find((v) => v.live) || {};
        add('Gepubliceerd door', live.actor || 'onbekend');
        add('Bron', { files: 'bestanden op de server', publish: 'gepubliceerd', rollback: 'teruggezet' }[live.source] || live.source || '');
      } catch (e) { if (e.status !== 404) throw e; add('Gepubliceerd door', 'onbekend (deze server houdt nog geen versies bij)'); }
      let files = null;
      try { files = await loadLiveFiles(); } catch (e) {
        if (e.status !== 404) throw e;
        put($('live-bestanden'), el('p', { text: 'De inhoud van de bestanden is op deze server nog niet te zien.' }));
        tableBox($('live-regels'), 'Bestanden', ['Bestand'], r.files.map((f) => [f]));
        return;
      }
      tableBox($('live-bestanden'), 'Bestanden', ['Bestand', 'Regels tekst'],
        Object.keys(files).sort().map((p) => [sourceButton(p, 1), files[p].split('\n').length]));
      tableBox($('live-regels'), 'Regels', ['Regel', 'Waar'],
        rulesOf(files).map((x) => [x.rule, sourceButton(x.file, x.line)]));
    });
  }

  // ---- the editor ----
  function makeEditor() {
    if (state.editor || typeof CodeMirror === 'undefined') return;
    state.editor = CodeMirror($('editor'), {
      value: '', mode: 'lua', lineNumbers: true, indentUnit: 2, tabSize: 2,
      inputStyle: 'contenteditable', gutters: ['CodeMirror-linenumbers', 'ww-dekking'],
      // Tab and Shift-Tab leave the editor (no keyboard trap, WCAG 2.1.2).
      extraKeys: { Tab: false, 'Shift-Tab': false },
    });
    const input = state.editor.getInputField();
    input.setAttribute('aria-label', 'Regelbestand');
    input.setAttribute('aria-describedby', 'editor-uitleg');
    state.editor.on('change', (cm, ch) => {
      if (ch.origin === 'setValue' || !state.files) return;
      state.files[state.current] = cm.getValue();
      scheduleCheck();
    });
  }

  async function ensureDraftFiles() {
    if (state.files) return true;
    try {
      const live = await loadLiveFiles();
      state.files = Object.assign({}, live);
    } catch (e) {
      if (e.status !== 404) throw e;
      put($('controle-lijst'));
      $('concept-info').textContent = 'Bewerken kan pas als deze server de regelbestanden laat zien ' +
        '(GET /v1/rules/versions/{versie} ontbreekt nog).';
      return false;
    }
    return true;
  }

  function fillFileSelect() {
    const sel = $('bestand');
    clear(sel);
    for (const p of Object.keys(state.files).sort()) sel.appendChild(el('option', { value: p, text: p }));
    if (!state.current || !(state.current in state.files)) state.current = Object.keys(state.files).sort().find((p) => p.startsWith('steering/')) || sel.options[0].value;
    sel.value = state.current;
  }

  function showFile(path) {
    state.current = path;
    $('bestand').value = path;
    state.editor.setValue(state.files[path] || '');
    decorate();
  }

  async function showEdit() {
    makeEditor();
    await guarded(async () => {
      if (!(await ensureDraftFiles())) return;
      fillFileSelect();
      showFile(state.current);
      $('concept-info').textContent = state.draft
        ? `Concept ${state.draft.id} (${statusText(state.draft.status)}). Wijzigingen bewaart u met "Concept opslaan".`
        : 'U werkt aan een nieuw concept, gebaseerd op de live regels. Niets gaat live zonder publiceren.';
      state.editor.refresh();
      if (!state.check) scheduleCheck(0);
    });
  }

  async function openAt(file, line) {
    location.hash = '#bewerken';
    await showEdit();
    if (!state.files || !(file in state.files)) return;
    showFile(file);
    const ln = Math.max(0, (line || 1) - 1);
    state.editor.setCursor({ line: ln, ch: 0 });
    state.editor.scrollIntoView({ line: ln, ch: 0 }, 100);
    state.editor.focus();
  }

  function scheduleCheck(delay = CHECK_DELAY_MS) {
    clearTimeout(state.checkTimer);
    $('controle-samenvatting').textContent = 'Bezig met controleren…';
    state.checkTimer = setTimeout(runCheck, delay);
  }

  async function runCheck() {
    const seq = ++state.checkSeq;
    try {
      const res = await api('POST', '/v1/rules/check', { files: state.files });
      if (seq !== state.checkSeq) return;   // a newer check is on its way
      state.check = res;
    } catch (e) {
      if (seq !== state.checkSeq) return;
      state.check = null;
      $('controle-samenvatting').textContent = e.message;
      clear($('controle-lijst'));
      decorate();
      return;
    }
    showCheck();
  }

  function showCheck() {
    const c = state.check;
    const errors = c.errors || [], warnings = c.warnings || [];
    $('controle-samenvatting').textContent = errors.length === 0
      ? `Geen fouten gevonden${warnings.length ? `, ${warnings.length} waarschuwing(en)` : ''}.`
      : `${errors.length} fout(en) gevonden. Los ze op voordat u opslaat.`;
    const list = $('controle-lijst');
    clear(list);
    for (const [kind, items, cls] of [['Fout', errors, 'fout-teken'], ['Waarschuwing', warnings, 'let-teken']])
      for (const x of items)
        list.appendChild(el('li', {}, el('span', { class: cls, text: (kind === 'Fout' ? '✖ ' : '⚠ ') + kind + ': ' }),
          x.file ? sourceButton(x.file, x.line) : '', ' ', x.message || ''));
    decorate();
  }

  // Underline each error at its line; shade lines run / not run by the draft's tests.
  function decorate() {
    const cm = state.editor;
    if (!cm) return;
    for (const m of state.marks) m.clear();
    state.marks = [];
    cm.clearGutter('ww-dekking');
    for (let i = 0; i < cm.lineCount(); i++)
      cm.removeLineClass(i, 'background');
    const cov = state.draft && state.draft.coverage && state.draft.coverage.files &&
                state.draft.coverage.files[state.current];
    if (cov && state.draft.files && state.draft.files[state.current] === state.files[state.current]) {
      for (const [lines, cls, sign, word] of [[cov.run || [], 'ww-wel', '✓', 'uitgevoerd'],
                                               [cov.notRun || [], 'ww-niet', '○', 'niet uitgevoerd']])
        for (const n of lines) {
          if (n < 1 || n > cm.lineCount()) continue;
          cm.addLineClass(n - 1, 'background', cls);
          cm.setGutterMarker(n - 1, 'ww-dekking', el('span', { class: 'ww-dekking-teken', title: word, text: sign }));
        }
    }
    const errors = (state.check && state.check.errors) || [];
    for (const e of errors) {
      if (e.file !== state.current || !e.line || e.line > cm.lineCount()) continue;
      const ln = e.line - 1;
      cm.addLineClass(ln, 'background', 'ww-fout-regel');
      state.marks.push(cm.markText({ line: ln, ch: 0 }, { line: ln, ch: cm.getLine(ln).length },
        { className: 'ww-fout-tekst', attributes: { title: e.message || 'fout' } }));
      cm.setGutterMarker(ln, 'ww-dekking', el('span', { class: 'fout-teken', title: e.message || 'fout', text: '✖' }));
    }
  }

  async function saveDraft() {
    clearMessages();
    if (!state.files) return;
    await guarded(async () => {
      const d = await api('POST', '/v1/rules/drafts', { files: state.files });
      state.draft = d;
      sessionStorage.setItem(DRAFT_KEY, d.id);
      say(`Concept ${d.id} is opgeslagen: ${statusText(d.status)}. Bekijk de tests bij stap 4.`);
      location.hash = '#testen';
    });
  }

  async function openDraft(id, go = true) {
    const d = await api('GET', '/v1/rules/drafts/' + encodeURIComponent(id));
    state.draft = d;
    if (d.files) state.files = Object.assign({}, d.files);
    sessionStorage.setItem(DRAFT_KEY, d.id);
    if (go) say(`Concept ${d.id} van ${d.author} is geopend.`);
    return d;
  }

  function statusText(s) {
    return { invalid: 'heeft fouten', ready: 'klaar om goed te keuren', approved: 'goedgekeurd',
             published: 'gepubliceerd' }[s] || s || 'onbekend';
  }

  // ---- try: a citizen's question ----
  const AUTH = ['none', 'basis', 'midden', 'substantieel', 'hoog', 'eh2', 'eh2+', 'eh3', 'eh4'];
  const SKILLS = [['', 'onbekend'], ['low', 'laag'], ['medium', 'gemiddeld'], ['high', 'hoog']];
  const NEEDS = [['visual', 'zien'], ['hearing', 'horen'], ['mobility', 'bewegen'],
                 ['cognitive', 'begrijpen'], ['literacy', 'lezen en schrijven'], ['language', 'taal']];
  // The languages the API names for citizen.language, and any a channel speaks.
  const LANGUAGES = ['nld', 'eng', 'tur', 'ara', 'pol', 'ukr', 'sgn'];
  const ORIGINS = ['web', 'app', 'ivr', 'kcc', 'balie', 'chat', 'email', 'post', 'other'];

  function options(sel, pairs) {
    clear(sel);
    for (const [v, t] of pairs) sel.appendChild(el('option', { value: v, text: t }));
  }

  function fillTryForm() {
    options($('p-dienst'), state.services.map((s) => [s.id, `${s.name} (${s.id})`]));
    options($('p-digid'), [['', 'onbekend']].concat(AUTH.map((a) => [a, a === 'none' ? 'geen' : a])));
    options($('p-vaardig'), SKILLS);
    const langs = new Set(LANGUAGES);
    for (const c of state.channels) for (const l of c.languages || []) langs.add(l);
    options($('p-taal'), [['', 'onbekend']].concat([...langs].sort().map((l) => [l, l])));
    options($('p-herkomst'), ORIGINS.map((o) => [o, o]));
    options($('p-storing'), [['', 'geen storing']].concat(state.channels.map((c) => [c.id, `${c.name} (${c.id})`])));
    const box = $('p-behoeften');
    while (box.children.length > 1) box.removeChild(box.lastChild);
    for (const [v, t] of NEEDS)
      box.appendChild(el('label', {}, el('input', { type: 'checkbox', value: v, name: 'behoefte' }), t));
    if (!$('p-datum').value) {
      const now = new Date();
      $('p-datum').value = now.toISOString().slice(0, 10);
      $('p-tijd').value = '10:00';
    }
  }

  // "+01:00": Europe/Amsterdam's offset on that day (opening hours are Dutch time).
  function amsterdamOffset(date, time) {
    const guess = new Date(`${date}T${time}:00Z`);
    const part = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Amsterdam', timeZoneName: 'longOffset' })
      .formatToParts(guess).find((p) => p.type === 'timeZoneName');
    const m = /GMT([+-]\d\d:\d\d)/.exec(part ? part.value : '');
    return m ? m[1] : '+01:00';
  }

  function tryRequest() {
    const citizen = {};
    if ($('p-digid').value) citizen.authLevel = $('p-digid').value;
    if ($('p-vaardig').value) citizen.digitalSkills = $('p-vaardig').value;
    if ($('p-taal').value) citizen.language = $('p-taal').value;
    if ($('p-leeftijd').value !== '') citizen.age = Number($('p-leeftijd').value);
    const needs = [...document.querySelectorAll('input[name="behoefte"]:checked')].map((i) => i.value);
    if (needs.length) citizen.needs = needs;
    const context = { origin: $('p-herkomst').value };
    if ($('p-datum').value && $('p-tijd').value)
      context.time = `${$('p-datum').value}T${$('p-tijd').value}:00${amsterdamOffset($('p-datum').value, $('p-tijd').value)}`;
    return { service: $('p-dienst').value, citizen, context, explain: true };
  }

  // Fill the form from a request (a counterexample, a changed decision) and run it;
  // 'status': a counterexample's outage ({channel: {open: false}}), or none.
  function tryThis(req, status) {
    location.hash = '#proberen';
    const c = req.citizen || {};
    $('p-dienst').value = req.service || '';
    $('p-digid').value = c.authLevel || '';
    $('p-vaardig').value = c.digitalSkills || '';
    $('p-taal').value = c.language || '';
    $('p-leeftijd').value = c.age ?? '';
    for (const i of document.querySelectorAll('input[name="behoefte"]')) i.checked = (c.needs || []).includes(i.value);
    const ctx = req.context || {};
    if (ctx.origin) $('p-herkomst').value = ctx.origin;
    const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d)/.exec(ctx.time || '');
    if (m) { $('p-datum').value = m[1]; $('p-tijd').value = m[2]; }
    $('p-storing').value = Object.keys(status || {})[0] || '';
    runTry();
  }

  function adviceView(a) {
    const box = el('div', { class: 'advies' });
    const chans = a.channels || [];
    box.appendChild(el('h3', { text: chans.length ? `Eerste advies: ${chans[0].name}` : 'Geen advies' }));
    box.appendChild(el('ol', {}, chans.map((c) => el('li', {},
      el('strong', { text: c.name }), ` (${c.id}${c.open === false ? ', nu dicht' : ''})`,
      (c.reasons || []).map((r) => el('p', { class: 'reden', text: r }))))));
    if ((a.notes || []).length) {
      box.appendChild(el('h3', { text: 'Goed om te weten' }));
      box.appendChild(el('ul', {}, a.notes.map((n) => el('li', { text: n }))));
    }
    if ((a.excluded || []).length) {
      box.appendChild(el('h3', { text: 'Niet aangeboden' }));
      box.appendChild(el('ul', {}, a.excluded.map((x) => el('li', {}, el('strong', { text: x.name }),
        ': ', (x.reasons || []).join(' ')))));
    }
    if (a.trace) box.appendChild(traceView(a.trace));
    return box;
  }

  function traceView(trace) {
    const d = el('details', {}, el('summary', { text: `Spoor: ${trace.filter((t) => t.matched).length} van ${trace.length} regels passen` }));
    d.appendChild(table('Regels in volgorde', ['Regel', 'Waar', 'Past', 'Effect'],
      trace.map((t) => [t.rule, sourceOf(t.source), t.matched ? 'ja' : 'nee',
        (t.effects || []).map((e) => typeof e === 'string' ? e : JSON.stringify(e)).join('; ')])));
    return d;
  }

  async function runTry() {
    clearMessages();
    const req = tryRequest();
    put($('uit-live'), el('p', { text: 'Bezig…' }));
    put($('uit-concept'), el('p', { text: state.draft ? 'Bezig…' : 'Sla eerst een concept op (stap 2).' }));
    await guarded(async () => {
      const live = await api('POST', '/v1/advice', req);
      put($('uit-live'), adviceView(live));
    });
    if (!state.draft) return;
    try {
      const closed = $('p-storing').value;
      const d = await api('POST', `/v1/rules/drafts/${encodeURIComponent(state.draft.id)}/advice` +
        (closed ? `?closed=${encodeURIComponent(closed)}` : ''), req);
      put($('uit-concept'), adviceView(d));
    } catch (e) {
      put($('uit-concept'), el('p', { class: 'fout', text: e.message }));
    }
  }

  // ---- test results and coverage ----
  async function showTests() {
    const out = $('test-uitkomst');
    if (!state.draft) { put(out, el('p', { text: 'Sla eerst een concept op (stap 2).' })); return; }
    await guarded(async () => {
      const d = await openDraft(state.draft.id, false);
      const t = d.tests || { passed: 0, failed: 0, cases: [] };
      const parts = [el('p', {}, el('strong', { text: `${t.passed} geslaagd, ${t.failed} mislukt` }),
        ` — concept ${d.id}, ${statusText(d.status)}.`)];
      if ((d.errors || []).length)
        parts.push(el('ul', { class: 'meldingen' }, d.errors.map((x) => el('li', {},
          el('span', { class: 'fout-teken', text: '✖ Fout: ' }), sourceButton(x.file, x.line), ' ', x.message))));
      const cases = (t.cases || []).slice().sort((a, b) => Number(a.passed) - Number(b.passed));
      const box = el('div', { class: 'tabel', tabindex: '0', role: 'region', 'aria-label': 'Testgevallen' });
      box.appendChild(table('Testgevallen (mislukte eerst)', ['Test', 'Uitkomst', 'Melding', 'Waar'],
        cases.map((c) => [c.name, el('span', { class: c.passed ? 'goed-teken' : 'fout-teken',
          text: c.passed ? '✓ geslaagd' : '✖ mislukt' }), c.message || '',
          c.file ? sourceButton(c.file, c.line) : ''])));
      parts.push(box);
      const cov = d.coverage;
      parts.push(el('h2', { text: 'Dekking' }));
      if (!cov) {
        parts.push(el('p', { text: 'Deze server meet de dekking nog niet.' }));
      } else {
        parts.push(el('p', { text: `Regels geraakt door een test: ${cov.rules.covered} van ${cov.rules.total}. ` +
          `Regels code uitgevoerd: ${cov.lines.covered} van ${cov.lines.total}.` }));
        parts.push(el('p', { class: 'legenda' }, 'In de editor: ', el('span', { class: 'ww-wel', text: '✓ uitgevoerd' }),
          el('span', { class: 'ww-niet', text: '○ niet uitgevoerd' })));
        parts.push(el('h3', { text: 'Regels die geen test bereikt' }));
        parts.push((cov.uncovered || []).length
          ? el('ul', {}, cov.uncovered.map((u) => el('li', {}, el('span', { text: u.rule + ' ' }), sourceButton(u.file, u.line))))
          : el('p', { text: 'Elke regel wordt door een test bereikt.' }));
      }
      put(out, ...parts);
      decorate();
    });
  }

  // ---- effect on recorded traffic, duty of care ----
  function chart(byService) {
    const rows = byService.filter((s) => s.changed > 0).sort((a, b) => b.changed - a.changed).slice(0, 15);
    if (!rows.length) return null;
    const NS = 'http://www.w3.org/2000/svg';
    const max = Math.max(...rows.map((r) => r.changed));
    const h = rows.length * 24 + 4;
    const svg = document.createElementNS(NS, 'svg');
    svg.setAttribute('viewBox', `0 0 600 ${h}`);
    svg.setAttribute('role', 'img');
    svg.setAttribute('aria-label', 'Verschoven eerste kanaal per dienst: ' +
      rows.map((r) => `${r.service} ${r.changed}`).join(', '));
    rows.forEach((r, i) => {
      const y = i * 24 + 2;
      const label = document.createElementNS(NS, 'text');
      label.setAttribute('x', '0'); label.setAttribute('y', String(y + 15));
      label.textContent = r.service;
      const bar = document.createElementNS(NS, 'rect');
      bar.setAttribute('class', 'balk');
      bar.setAttribute('x', '200'); bar.setAttribute('y', String(y + 2));
      bar.setAttribute('height', '18');
      bar.setAttribute('width', String(Math.max(2, 340 * r.changed / max)));
      const n = document.createElementNS(NS, 'text');
      n.setAttribute('x', String(205 + 340 * r.changed / max)); n.setAttribute('y', String(y + 15));
      n.textContent = `${r.changed} van ${r.replayed}`;
      svg.append(label, bar, n);
    });
    return el('div', { class: 'grafiek' }, svg);
  }

  function firstOf(side) { return (side && (side.first || (side.channels || [])[0])) || 'geen'; }

  async function showImpact() {
    const out = $('effect-uitkomst');
    if (!state.draft) { put(out, el('p', { text: 'Sla eerst een concept op (stap 2).' })); return; }
    put(out, el('p', { text: 'Bezig met opnieuw beslissen…' }));
    await guarded(async () => {
      let r;
      try {
        r = await api('GET', `/v1/rules/drafts/${encodeURIComponent(state.draft.id)}/impact?since=${$('periode').value}`);
      } catch (e) { put(out, el('p', { text: e.message })); throw e; }
      const parts = [el('p', {}, el('strong', { text: `${r.changed} van ${r.replayed} vragen` }),
        ' krijgen een ander eerste kanaal.',
        r.errorsAfter > r.errorsBefore ? ` Let op: ${r.errorsAfter - r.errorsBefore} nieuwe regelfouten.` : '')];
      const shifts = r.shifts || [];
      const sb = el('div', { class: 'tabel', tabindex: '0', role: 'region', 'aria-label': 'Verschuivingen' });
      sb.appendChild(table('Verschuivingen van het eerste kanaal', ['Van', 'Naar', 'Aantal', 'Diensten'],
        shifts.map((s) => [s.from, s.to, s.count,
          Object.entries(s.services || {}).map(([k, v]) => `${k}: ${v}`).join(', ')])));
      parts.push(sb);
      const g = chart(r.byService || []);
      if (g) parts.push(el('h2', { text: 'Per dienst' }), g);
      if ((r.newlyExcluded || []).length)
        parts.push(el('p', { text: 'Nieuw uitgesloten: ' + r.newlyExcluded.map((x) => `${x.channel} (${x.count})`).join(', ') }));
      if ((r.examples || []).length) {
        parts.push(el('h2', { text: 'Voorbeelden van veranderde adviezen' }));
        r.examples.forEach((ex, i) => {
          const d = el('details', {}, el('summary', { text: `${i + 1}. ${ex.request && ex.request.service}: ${firstOf(ex.before)} → ${firstOf(ex.after)}` }));
          d.appendChild(el('button', { type: 'button', class: 'licht', text: 'Probeer dit', onclick: () => tryThis(ex.request) }));
          d.appendChild(el('h3', { text: 'Voor' }));
          if (ex.before && ex.before.trace) d.appendChild(traceView(ex.before.trace));
          d.appendChild(el('h3', { text: 'Na' }));
          if (ex.after && ex.after.trace) d.appendChild(traceView(ex.after.trace));
          parts.push(d);
        });
      }
      put(out, ...parts);
      say(`Effect berekend: ${r.changed} van ${r.replayed} vragen veranderen.`);
    });
    showDuty();
  }

  // The duty-of-care proof the server ran when the draft was made (draft.dutyOfCare:
  // DutyOfCare in docs/openapi.json; null when the draft does not load).
  function showDuty() {
    const out = $('zorgplicht');
    if (!state.draft) { put(out, el('p', { text: 'Sla eerst een concept op (stap 2).' })); return; }
    const z = state.draft.dutyOfCare;
    if (!z) {
      put(out, el('p', { text: 'Dit concept laadt niet, dus is de zorgplicht niet bewezen. Herstel eerst de fouten (stap 2).' }));
      return;
    }
    const n = (x) => Number(x || 0).toLocaleString('nl-NL');
    const cx = z.counterexamples || [];
    let head;
    if (z.ok) {
      head = el('p', {}, el('strong', { class: 'goed-teken', text: '✓ Zorgplicht gehouden' }),
        `: in alle ${n(z.total)} situaties blijft er een kanaal met een medewerker, of een andere weg zonder computer.`);
    } else if (z.violations > 0) {
      head = el('p', {}, el('strong', { class: 'fout-teken', text: `✖ Zorgplicht geschonden in ${n(z.violations)} situatie(s)` }),
        ': daar houdt het advies alleen digitale kanalen over. ' +
        (cx.length < z.violations ? `Hieronder de eerste ${cx.length}.` : ''));
    } else {
      head = el('p', {}, el('strong', { class: 'fout-teken', text: '✖ Zorgplicht niet helemaal bewezen' }),
        `: de tijd was op na ${n(z.situations)} van ${n(z.total)} situaties. Daarin ging niets mis. ` +
        'Een beheerder kan het hele bewijs laten maken met wegwijzer check --exhaustive.');
    }
    const parts = [head];
    if (cx.length) {
      parts.push(el('ul', { class: 'tegenvoorbeelden' }, cx.map((c) => el('li', {}, c.message || '',
        ' ', el('button', { type: 'button', class: 'licht', text: 'Probeer dit', onclick: () => tryThis(c.request, c.status) })))));
    }
    put(out, ...parts);
  }

  // ---- publish, history, rollback ----
  async function showPublish() {
    await guarded(async () => {
      const box = $('pub-concept');
      if (state.draft) {
        const d = await openDraft(state.draft.id, false);
        const parts = [el('p', { text: `Concept ${d.id} van ${d.author || 'onbekend'}: ${statusText(d.status)}.` +
          (d.approvedBy ? ` Goedgekeurd door ${d.approvedBy}.` : '') })];
        if (state.role === 'admin' && d.status !== 'published') {
          parts.push(el('div', { class: 'rij' },
            d.status === 'ready' &&
              el('button', { type: 'button', id: 'goedkeuren', text: 'Goedkeuren', onclick: () => draftAction('approve') }),
            el('button', { type: 'button', id: 'publiceer', text: 'Publiceren', onclick: () => draftAction('publish') })));
        } else if (state.role !== 'admin') {
          parts.push(el('p', { text: `Vraag een collega-beheerder (admin) om concept ${d.id} goed te keuren en te publiceren. ` +
            'Geef hem of haar de code van het concept.' }));
        }
        put(box, ...parts);
      } else {
        put(box, el('p', { text: 'U heeft nog geen concept. Maak er een bij stap 2, of open er hieronder een.' }));
      }
      await showShadow();
      try {
        const list = await api('GET', '/v1/rules/drafts');
        tableBox($('pub-concepten'), 'Concepten', ['Code', 'Schrijver', 'Gemaakt', 'Stand', ''],
          (list.drafts || []).map((d) => [d.id, d.author || '', d.createdAt || '', statusText(d.status),
            el('button', { type: 'button', class: 'licht', text: 'Open', 'aria-label': `Open concept ${d.id}`,
              onclick: () => guarded(async () => { await openDraft(d.id); await showPublish(); }) })]));
      } catch (e) { if (e.status !== 404) throw e; put($('pub-concepten'), el('p', { text: e.message })); }
      await showVersions();
      try {
        const a = await api('GET', '/v1/rules/audit');
        tableBox($('pub-logboek'), 'Logboek', ['Tijd', 'Wie', 'Goedgekeurd door', 'Wat', 'Van', 'Naar', 'Bestanden'],
          (a.entries || []).map((x) => [x.time, x.actor, x.approvedBy || '', x.action, x.from || '', x.to || '',
            (x.files || []).map((f) => `${f.path} +${f.added} −${f.removed}`).join(', ')]));
      } catch (e) { if (e.status !== 404) throw e; put($('pub-logboek'), el('p', { text: e.message })); }
    });
  }

  async function showVersions() {
    let list;
    try { list = await api('GET', '/v1/rules/versions'); } catch (e) {
      if (e.status !== 404) throw e;
      put($('pub-versies'), el('p', { text: e.message }));
      return;
    }
    const vs = list.versions || [];
    tableBox($('pub-versies'), 'Versies (nieuwste eerst)', ['Versie', 'Geladen', 'Hoe', 'Door', 'Tests', ''],
      vs.map((v) => [v.version + (v.live ? ' (live)' : ''), v.loadedAt || '', v.source || '', v.actor || '',
        v.tests ? `${v.tests.passed} geslaagd, ${v.tests.failed} mislukt` : '',
        !v.live && state.role === 'admin'
          ? el('button', { type: 'button', class: 'licht', text: 'Zet terug', 'aria-label': `Zet terug: versie ${v.version}`,
              onclick: () => rollback(v.version) })
          : '']));
    for (const id of ['diff-van', 'diff-naar']) options($(id), vs.map((v) => [v.version, v.version + (v.live ? ' (live)' : '')]));
    if (vs.length > 1) { $('diff-van').value = vs[1].version; $('diff-naar').value = vs[0].version; }
  }

  async function draftAction(what) {
    clearMessages();
    await guarded(async () => {
      const res = await api('POST', `/v1/rules/drafts/${encodeURIComponent(state.draft.id)}/${what}`, {});
      if (what === 'approve') say(`Concept ${state.draft.id} is goedgekeurd.`);
      else {
        say(`Concept ${state.draft.id} is gepubliceerd. Versie ${res.version} is nu live.`);
        state.rules = res; state.liveFiles = null;
      }
      await showPublish();
    });
  }

  // ---- shadow: the draft decides beside the live rules (POST/GET/DELETE /v1/rules/shadow) ----
  function clock(iso) {
    const t = new Date(iso);
    if (Number.isNaN(t.getTime())) return iso || '';
    const hm = t.toLocaleTimeString('nl-NL', { hour: '2-digit', minute: '2-digit' });
    return t.toDateString() === new Date().toDateString()
      ? hm : `${t.toLocaleDateString('nl-NL', { day: 'numeric', month: 'long' })} ${hm}`;
  }

  function shadowSummary(r) {
    const c = r.counts || { same: 0, different: 0, error: 0, dropped: 0 };
    const total = c.same + c.different + c.error;
    return `Van de ${total} adviezen sinds ${clock(r.startedAt)} zou het concept er ${c.different} anders geven.`;
  }

  // The panel: what GET /v1/rules/shadow says, in plain Dutch. An admin may start a run
  // with the open draft, refresh and stop it; an author only reads.
  async function showShadow(focus) {
    const box = $('pub-schaduw');
    let r;
    try { r = await api('GET', '/v1/rules/shadow'); } catch (e) {
      if (e.status !== 404) throw e;
      put(box);
      return null;
    }
    const admin = state.role === 'admin';
    const d = state.draft;
    const mine = r.active && d && r.candidate && r.candidate.draft === d.id;
    const canStart = admin && d && d.status !== 'published' && !mine;
    if (!r.active && !r.starting && !canStart) {
      put(box);
      if (focus) $('publiceren-kop').focus();   // the panel (and its button) is gone
      return r;
    }
    const parts = [el('h3', { id: 'schaduw-kop', tabindex: '-1', text: 'Schaduw' })];
    if (!r.active) {
      parts.push(el('p', { text: r.starting
        ? 'Er wordt een schaduw gestart. Kijk over een paar seconden opnieuw.'
        : 'Wilt u eerst zien wat het concept met echte vragen doet? Laat het in de schaduw ' +
          'meedraaien: elk live advies wordt dan ook met het concept beslist. Inwoners merken ' +
          'er niets van; zij krijgen het advies van de live regels.' }));
    } else {
      const c = r.counts || { error: 0, dropped: 0 };
      const what = r.candidate && r.candidate.draft ? `Concept ${r.candidate.draft}`
        : `Versie ${(r.candidate && r.candidate.version) || r.version}`;
      parts.push(el('p', { text: `${what} draait in de schaduw naast de live regels` +
        (r.actor ? ` (gestart door ${r.actor}).` : '.') }));
      const notes = [];
      if (c.error) notes.push(`Bij ${c.error} gaf het concept een fout.`);
      if (c.dropped) notes.push(`${c.dropped} adviezen zijn overgeslagen omdat het te druk was.`);
      if (r.sample !== undefined && r.sample < 1)
        notes.push(`Deze server beslist ${Math.round(r.sample * 100)} % van de adviezen in de schaduw.`);
      parts.push(el('p', { id: 'schaduw-stand' }, el('strong', { text: shadowSummary(r) }),
        notes.length ? ' ' + notes.join(' ') : ''));
      const rows = [];
      for (const sh of r.shifts || [])
        for (const [svc, n] of Object.entries(sh.services || {})) rows.push([svc, sh.from || 'geen', sh.to || 'geen', n]);
      rows.sort((a, b) => b[3] - a[3] || a[0].localeCompare(b[0]));
      if (rows.length) {
        const tb = el('div', { class: 'tabel' });
        tableBox(tb, 'Verschuivingen per dienst', ['Dienst', 'Nu live', 'Met het concept', 'Aantal'], rows);
        parts.push(tb);
      }
      const pairs = (r.pairs || []).slice(0, 5);
      if (pairs.length)
        parts.push(el('details', {}, el('summary', { text: 'De laatste verschillen' }),
          el('ul', {}, pairs.map((x) => el('li', { text: `${clock(x.at)} ${x.service}: ` +
            (x.result === 'error' ? `${firstOf(x.before)} → fout` : `${firstOf(x.before)} → ${firstOf(x.after)}`) })))));
      parts.push(el('p', { class: 'klein', text: 'Deze aantallen zijn van deze server. Draaien er meer, ' +
        'dan telt elke server zijn eigen adviezen.' }));
    }
    parts.push(el('div', { class: 'rij' },
      canStart && el('button', { type: 'button', id: 'schaduw-start', text: 'Eerst schaduw draaien',
        'aria-describedby': r.active ? 'schaduw-vervangt' : null, onclick: () => shadowAction('POST') }),
      (r.active || r.starting) && el('button', { type: 'button', id: 'schaduw-vernieuwen', class: 'licht',
        text: 'Vernieuwen', onclick: () => shadowAction('GET') }),
      admin && (r.active || r.starting) && el('button', { type: 'button', id: 'schaduw-stoppen', class: 'licht',
        text: 'Schaduw stoppen', onclick: () => shadowAction('DELETE') })));
    if (canStart && r.active)
      parts.push(el('p', { id: 'schaduw-vervangt', class: 'klein',
        text: 'Met uw concept vervangt u de schaduw die nu draait.' }));
    put(box, ...parts);
    const again = focus && $(focus);
    if (again) again.focus();
    else if (focus) $('schaduw-kop').focus();
    return r;
  }

  async function shadowAction(method) {
    clearMessages();
    await guarded(async () => {
      let focus = 'schaduw-kop';
      if (method === 'POST') {
        await api('POST', '/v1/rules/shadow', { draft: state.draft.id });
        say(`Concept ${state.draft.id} draait nu in de schaduw. Klik later op Vernieuwen.`);
      } else if (method === 'DELETE') {
        await api('DELETE', '/v1/rules/shadow');
        say('De schaduw is gestopt.');
      } else {
        focus = 'schaduw-vernieuwen';
      }
      const r = await showShadow(focus);
      if (method === 'GET' && r) say(r.active ? `Bijgewerkt. ${shadowSummary(r)}` : 'Er draait geen schaduw meer.');
    });
  }

  async function rollback(version) {
    clearMessages();
    await guarded(async () => {
      const res = await api('POST', '/v1/rules/rollback', { version });
      state.rules = res; state.liveFiles = null;
      say(`Versie ${res.version} is teruggezet en nu live.`);
      await showPublish();
    });
  }

  // Lines of a and b as a list of [' '|'+'|'-', line] (longest common subsequence).
  function lineDiff(a, b) {
    const x = a.split('\n'), y = b.split('\n');
    if (x.length * y.length > 4e6) return [['!', 'Te groot om regel voor regel te vergelijken.']];
    const n = x.length, m = y.length, w = m + 1;
    const L = new Uint32Array((n + 1) * w);
    for (let i = n - 1; i >= 0; i--)
      for (let j = m - 1; j >= 0; j--)
        L[i * w + j] = x[i] === y[j] ? L[(i + 1) * w + j + 1] + 1 : Math.max(L[(i + 1) * w + j], L[i * w + j + 1]);
    const out = [];
    let i = 0, j = 0;
    while (i < n && j < m) {
      if (x[i] === y[j]) { out.push([' ', x[i]]); i++; j++; }
      else if (L[(i + 1) * w + j] >= L[i * w + j + 1]) out.push(['-', x[i++]]);
      else out.push(['+', y[j++]]);
    }
    while (i < n) out.push(['-', x[i++]]);
    while (j < m) out.push(['+', y[j++]]);
    return out;
  }

  async function showDiff() {
    const out = $('diff');
    await guarded(async () => {
      const [va, vb] = [$('diff-van').value, $('diff-naar').value];
      const a = (await api('GET', '/v1/rules/versions/' + encodeURIComponent(va))).files || {};
      const b = (await api('GET', '/v1/rules/versions/' + encodeURIComponent(vb))).files || {};
      const paths = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
      const parts = [];
      for (const p of paths) {
        if (a[p] === b[p]) continue;
        const lines = lineDiff(a[p] || '', b[p] || '');
        const pre = el('pre', { class: 'diff', tabindex: '0', role: 'region', 'aria-label': `Verschil in ${p}` });
        let last = -10;
        lines.forEach(([k, t], idx) => {
          // Changed lines with two lines of context around them.
          const near = lines.slice(Math.max(0, idx - 2), idx + 3).some(([kk]) => kk !== ' ');
          if (!near) return;
          if (idx > last + 1 && last >= 0) pre.appendChild(el('span', { text: '…\n' }));
          last = idx;
          pre.appendChild(el('span', { class: k === '+' ? 'diff-plus' : k === '-' ? 'diff-min' : '',
            text: (k === '+' ? '+ ' : k === '-' ? '− ' : '  ') + t + '\n' }));
        });
        parts.push(el('h3', {}, el('code', { text: p }), a[p] === undefined ? ' (nieuw)' : b[p] === undefined ? ' (weg)' : ''), pre);
      }
      put(out, ...(parts.length ? parts : [el('p', { text: 'Geen verschil tussen deze versies.' })]));
    });
  }

  // ---- navigation ----
  async function route() {
    if (!state.token) return;
    const want = location.hash.slice(1);
    const screen = SCREENS.includes(want) ? want : 'bekijken';
    for (const s of SCREENS) $(s).hidden = s !== screen;
    for (const a of document.querySelectorAll('#menu a'))
      if (a.getAttribute('href') === '#' + screen) a.setAttribute('aria-current', 'page');
      else a.removeAttribute('aria-current');
    document.title = `${$(screen + '-kop').textContent} – Werkbank`;
    if (SCREENS.includes(want)) $(screen + '-kop').focus();
    if (screen === 'bekijken') await showView();
    else if (screen === 'bewerken') await showEdit();
    else if (screen === 'testen') await showTests();
    else if (screen === 'effect') { if (!$('effect-uitkomst').firstChild) put($('effect-uitkomst'), el('p', { text: 'Kies een periode en bereken het effect.' })); showDuty(); }
    else if (screen === 'publiceren') await showPublish();
  }

  function start() {
    $('inlog-form').addEventListener('submit', async (ev) => {
      ev.preventDefault();
      clearMessages();
      const token = $('sleutel').value.trim();
      if (!token) { fail('Vul uw sleutel in.'); $('sleutel').focus(); return; }
      try { await login(token); } catch (e) {
        fail(e instanceof ApiError ? e.message : 'Er ging iets mis: ' + e.message);
        $('sleutel').focus();
        return;
      }
      say('U bent ingelogd.');
      await afterLogin();
    });
    $('uitloggen').addEventListener('click', () => { logout(); say('U bent uitgelogd.'); $('sleutel').focus(); });
    $('bestand').addEventListener('change', () => showFile($('bestand').value));
    $('opslaan').addEventListener('click', saveDraft);
    $('herstellen').addEventListener('click', () => guarded(async () => {
      state.files = null; state.draft = null; state.check = null;
      sessionStorage.removeItem(DRAFT_KEY);
      await showEdit();
      say('U begint opnieuw met de live regels.');
    }));
    $('probeer-form').addEventListener('submit', (ev) => { ev.preventDefault(); runTry(); });
    $('testen-vernieuwen').addEventListener('click', showTests);
    $('effect-berekenen').addEventListener('click', showImpact);
    $('diff-knop').addEventListener('click', showDiff);
    window.addEventListener('hashchange', route);
    const saved = sessionStorage.getItem(TOKEN_KEY);
    if (saved) {
      login(saved).then(afterLogin, (e) => { logout(); fail(e.message); });
    } else {
      logout();
    }
  }

  start();
}());
