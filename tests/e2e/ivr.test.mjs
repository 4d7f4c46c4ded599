// The IVR example (examples/ivr) against the real wegwijzer:
//  - walkthrough.sh: web advice -> session -> handover code -> IVR claim -> agentContext,
//    each step's printed facts checked against what the server holds;
//  - wegwijzer-agi.py driven through a fake Asterisk AGI channel: we write the agi_*
//    environment and "200 result=..." answers on its stdin and read its commands from its
//    stdout, checking it sets the queue the rules choose.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import path from 'node:path';
import { SOURCE_ROOT, startWegwijzer, freePort, request } from './support.mjs';

const IVR = path.join(SOURCE_ROOT, 'examples', 'ivr');
const MORNING = '2026-12-01T10:15:00+01:00';   // Tuesday: KCC and Sociaal Team open
const EVENING = '2026-12-01T19:00:00+01:00';   // Tuesday evening: only the callback form

const CHRISTMAS_EVE = '2026-12-24T16:30:00+01:00';   // Thursday: telefoon closed from 16:00
const KEY = 'sleutel-van-de-centrale';

// ww: the bundled rules as shipped. strict: codes live 10 s (the shortest --handover-ttl),
// and 2 wrong codes per caller lock that caller out (410 and 429 within a test's time).
let ww;
let strict;
before(async () => {
  ww = await startWegwijzer();
  strict = await startWegwijzer(['--handover-ttl', '10', '--claim-fail-limit', '2']);
});
after(async () => {
  for (const s of [ww, strict]) {
    const r = await s.stop();
    assert.equal(r.code, 0, `wegwijzer exits 0 on SIGTERM; log:\n${s.log()}`);
  }
});

function run(cmd, args, env) {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { env: { ...process.env, ...env } });
    let out = '';
    let err = '';
    p.stdout.on('data', (d) => { out += d; });
    p.stderr.on('data', (d) => { err += d; });
    const t = setTimeout(() => p.kill('SIGKILL'), 60000);
    p.on('error', reject);
    p.on('exit', (code) => { clearTimeout(t); resolve({ code, out, err }); });
  });
}

// "name: value" lines of the walk-through, in order (names may repeat: 'gebeurtenis').
function facts(out) {
  const list = [];
  for (const line of out.split('\n')) {
    const m = line.match(/^([a-zA-Z.\- ]+): (.*)$/);
    if (m) list.push([m[1], m[2]]);
  }
  const one = (k) => list.find(([n]) => n === k)?.[1];
  return { list, one, all: (k) => list.filter(([n]) => n === k).map(([, v]) => v) };
}

async function webSessionWithCode(service, { base = ww.base, citizen, chosen } = {}) {
  const s = await request(base, 'POST', '/v1/sessions', { channel: 'website', service });
  assert.equal(s.status, 201);
  const id = s.body.session.id;
  const a = await request(base, 'POST', '/v1/advice',
                          { service, sessionId: id, context: { time: MORNING },
                            ...(citizen ? { citizen } : {}) });
  assert.equal(a.status, 200);
  if (chosen) {
    const c = await request(base, 'POST', `/v1/sessions/${id}/events`,
                            { channel: chosen, type: 'chosen', service });
    assert.equal(c.status, 201);
  }
  const h = await request(base, 'POST', `/v1/sessions/${id}/handover`,
                          { channel: 'website', to: 'telefoon' });
  assert.equal(h.status, 201);
  return { id, code: h.body.code, advised: a.body.channels[0] };
}

test('walkthrough.sh: each step prints what the server did', async () => {
  const r = await run('sh', [path.join(IVR, 'walkthrough.sh'), 'verhuizing'],
                      { WEGWIJZER_URL: ww.base, WEGWIJZER_TIME: MORNING });
  assert.equal(r.code, 0, r.out + r.err);
  const f = facts(r.out);
  for (let i = 1; i <= 6; i++) assert.match(r.out, new RegExp(`== Stap ${i}:`));

  const sid = f.one('sessie');
  assert.match(sid, /^[0-9a-f]{32}$/);
  const api = await request(ww.base, 'POST', '/v1/advice',
                            { service: 'verhuizing', context: { time: MORNING } });
  assert.equal(f.one('eerste kanaal').split(' ')[0], api.body.channels[0].id);
  assert.equal(f.one('advies-sessie'), sid, 'the advice was given on the session');
  assert.match(f.one('code'), /^\d{3} \d{3}$/);
  assert.match(f.one('geldig tot'), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$/);
  assert.equal(f.one('doel'), 'telefoon');
  assert.equal(f.one('wachtrij'), 'kcc');
  assert.equal(f.one('prioriteit'), '5');
  assert.equal(f.one('route-sessie'), sid, 'the IVR claim joined the web session');
  assert.equal(f.one('agentContext.service'), 'verhuizing');
  const ev = f.all('gebeurtenis').map((e) => e.split(' ').slice(1).join(' '));
  assert.deepEqual(ev, ['website advice', 'website handover', 'telefoon claimed']);
  assert.equal(f.one('tweede claim'), 'HTTP 404');
  assert.match(r.out, /\nklaar\n$/);

  // What it printed is what the store holds.
  const s = await request(ww.base, 'GET', `/v1/sessions/${sid}`);
  assert.equal(s.status, 200);
  assert.deepEqual(s.body.session.events.map((e) => `${e.channel} ${e.type}`), ev);
  const code = f.one('code').replace(' ', '');
  assert.equal(s.body.session.events[1].detail.code, code);
});

test('walkthrough.sh fails loudly when the server is not there', async () => {
  const r = await run('sh', [path.join(IVR, 'walkthrough.sh')],
                      { WEGWIJZER_URL: `http://127.0.0.1:${await freePort()}` });
  assert.notEqual(r.code, 0);
  assert.doesNotMatch(r.out, /klaar/);
});

// ---- a fake Asterisk AGI channel ----

// Runs the AGI script; 'answer(cmd)' gives the line Asterisk would send back.
// Resolves {code, commands, vars, stderr}.
function agi({ args = [], env = {}, answer, callerid = '0612345678' }) {
  return new Promise((resolve, reject) => {
    const p = spawn(path.join(IVR, 'wegwijzer-agi.py'), [], {
      env: { ...process.env, WEGWIJZER_URL: ww.base, WEGWIJZER_CALLER_KEY: KEY, ...env },
    });
    const commands = [];
    const vars = {};
    let stderr = '';
    p.stderr.on('data', (d) => { stderr += d; });
    const lines = createInterface({ input: p.stdout });
    lines.on('line', (cmd) => {
      commands.push(cmd);
      const m = cmd.match(/^SET VARIABLE (\w+) "((?:[^"\\]|\\.)*)"$/);
      if (m) vars[m[1]] = m[2].replace(/\\(.)/g, '$1');
      const reply = answer(cmd, commands);
      if (reply !== null) p.stdin.write(reply + '\n');
    });
    p.stdin.on('error', () => {});   // the script may exit before reading everything
    const t = setTimeout(() => p.kill('SIGKILL'), 60000);
    p.on('error', reject);
    p.on('exit', (code) => {
      clearTimeout(t);
      resolve({ code, commands, vars, stderr });
    });
    // The AGI environment, as Asterisk sends it, ended by an empty line.
    const envLines = [
      'agi_request: wegwijzer-agi.py', 'agi_channel: PJSIP/kpn-00000042',
      'agi_language: nl', 'agi_type: PJSIP', 'agi_uniqueid: 1764578100.42',
      'agi_version: 20.5.0', `agi_callerid: ${callerid}`, 'agi_calleridname: unknown',
      'agi_context: wegwijzer', 'agi_extension: s', 'agi_priority: 1',
      'agi_enhanced: 0.0', 'agi_accountcode: ', 'agi_threadid: 140243',
      ...args.map((a, i) => `agi_arg_${i + 1}: ${a}`),
    ];
    p.stdin.write(envLines.join('\n') + '\n\n');
  });
}

// Answers like Asterisk: GET DATA from 'digits' (one entry per prompt), OK for the rest.
function asterisk(digits) {
  let n = 0;
  return (cmd) => {
    if (cmd.startsWith('GET DATA ')) {
      const d = digits[n++];
      if (d === 'hangup') return '200 result=-1';
      return d === '' ? '200 result= (timeout)' : `200 result=${d}`;
    }
    if (cmd.startsWith('STREAM FILE ')) return '200 result=0 endpos=24000';
    if (cmd.startsWith('SET VARIABLE') || cmd.startsWith('VERBOSE')) return '200 result=1';
    return '510 Invalid or unknown command';
  };
}

// What the caller hears: the prompts of GET DATA and STREAM FILE, in order.
const heard = (r) => r.commands.filter((c) => /^(GET DATA|STREAM FILE) /.test(c))
  .map((c) => c.split(' ')[2]);

// The variables an ACD or agent desktop reads (extensions.conf hands them to the agent).
const DESKTOP = ['WEGWIJZER_SERVICE', 'WEGWIJZER_SERVICE_NAME', 'WEGWIJZER_ADVISED',
                 'WEGWIJZER_ADVISED_NAME', 'WEGWIJZER_ADVISED_REASON',
                 'WEGWIJZER_LAST_CHANNEL', 'WEGWIJZER_CHOSEN_CHANNEL', 'WEGWIJZER_NEEDS',
                 'WEGWIJZER_LANGUAGE', 'WEGWIJZER_SUMMARY'];

test('AGI: the caller keys in the website code -> the rules\' queue, the web session', async () => {
  const { id, code } = await webSessionWithCode('verhuizing');
  const r = await agi({ args: ['verhuizing'], env: { WEGWIJZER_TIME: MORNING },
                        answer: asterisk([code]) });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.commands[0], 'GET DATA wegwijzer/toets-code 6000 6');
  assert.equal(r.vars.WEGWIJZER_QUEUE, 'kcc');
  assert.equal(r.vars.WEGWIJZER_KIND, 'queue');
  assert.equal(r.vars.WEGWIJZER_PRIORITY, '5');
  assert.equal(r.vars.WEGWIJZER_TARGET, 'telefoon');
  assert.equal(r.vars.WEGWIJZER_SESSION, id);
  assert.equal(r.vars.WEGWIJZER_CODE, 'ok');
  assert.equal(r.vars.WEGWIJZER_DEGRADED, '0');
  // the AGI claimed the code: it is used up, and the session shows the call
  const again = await request(ww.base, 'POST', '/v1/handover/claim', { code, channel: 'telefoon' });
  assert.equal(again.status, 404);
  const s = await request(ww.base, 'GET', `/v1/sessions/${id}`);
  assert.ok(s.body.session.events.some((e) => e.channel === 'telefoon' && e.type === 'claimed'));
});

test('AGI: no code (#) for wmo -> the Sociaal Team queue, no session', async () => {
  const r = await agi({ args: ['wmo'], env: { WEGWIJZER_TIME: MORNING }, answer: asterisk(['']) });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.vars.WEGWIJZER_QUEUE, 'sociaal_team');
  assert.equal(r.vars.WEGWIJZER_TARGET, 'telefoon_zorg');
  assert.equal(r.vars.WEGWIJZER_SESSION, '');
  assert.equal(r.vars.WEGWIJZER_CODE, 'none');
});

test('AGI: a wrong code is asked again with the "unknown code" prompt, then routed without', async () => {
  const r = await agi({ args: ['paspoort'], env: { WEGWIJZER_TIME: MORNING },
                        answer: asterisk(['999999', '']) });
  assert.equal(r.code, 0, r.stderr);
  const prompts = r.commands.filter((c) => c.startsWith('GET DATA'));
  assert.deepEqual(prompts, ['GET DATA wegwijzer/toets-code 6000 6',
                             'GET DATA wegwijzer/code-onbekend 6000 6']);
  assert.equal(r.vars.WEGWIJZER_QUEUE, 'kcc');
  assert.equal(r.vars.WEGWIJZER_CODE, 'wrong');
  assert.equal(r.vars.WEGWIJZER_SESSION, '');
});

test('AGI: in the evening the rules route to the callback queue', async () => {
  const r = await agi({ args: ['verhuizing'], env: { WEGWIJZER_TIME: EVENING },
                        answer: asterisk(['']) });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.vars.WEGWIJZER_KIND, 'callback');
  assert.equal(r.vars.WEGWIJZER_QUEUE, 'kcc_terugbellen');
  assert.equal(r.vars.WEGWIJZER_TARGET, 'terugbelverzoek');
});

test('AGI: wegwijzer unreachable -> the fallback queue from the AGI arguments, degraded', async () => {
  const dead = `http://127.0.0.1:${await freePort()}`;
  const r = await agi({ args: ['verhuizing', 'WEGWIJZER_FALLBACK_QUEUE=noodlijn'],
                        env: { WEGWIJZER_URL: dead }, answer: asterisk(['483920']) });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.vars.WEGWIJZER_QUEUE, 'noodlijn');
  assert.equal(r.vars.WEGWIJZER_DEGRADED, '1');
  assert.equal(r.vars.WEGWIJZER_SERVICE, 'verhuizing');
  for (const v of DESKTOP.slice(1)) assert.equal(r.vars[v], '', v);
});

test('AGI: no valid service argument -> fallback queue without asking wegwijzer', async () => {
  const r = await agi({ args: ['Paspoort; DROP'], answer: asterisk(['']) });
  assert.equal(r.code, 0, r.stderr);
  assert.ok(!r.commands.some((c) => c.startsWith('GET DATA')));
  assert.equal(r.vars.WEGWIJZER_QUEUE, 'kcc');
  assert.equal(r.vars.WEGWIJZER_DEGRADED, '1');
});

test('AGI: the caller hangs up at the prompt -> exits quietly, sets nothing', async () => {
  const r = await agi({ args: ['verhuizing'], answer: asterisk(['hangup']) });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(r.vars, {});
  assert.equal(r.stderr, '');
});

test('AGI 200: the agent desktop gets the service, the journey, needs, language and summary', async () => {
  const { id, code, advised } = await webSessionWithCode('verhuizing',
    { citizen: { needs: ['visual'], language: 'nld' }, chosen: 'telefoon' });
  const r = await agi({ args: ['verhuizing'], env: { WEGWIJZER_TIME: MORNING },
                        answer: asterisk([code]) });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(heard(r), ['wegwijzer/toets-code']);
  assert.equal(r.vars.WEGWIJZER_CODE, 'ok');
  assert.equal(r.vars.WEGWIJZER_SESSION, id);
  assert.equal(r.vars.WEGWIJZER_SERVICE, 'verhuizing');
  assert.equal(r.vars.WEGWIJZER_SERVICE_NAME, 'Verhuizing doorgeven');
  assert.equal(r.vars.WEGWIJZER_LAST_CHANNEL, 'website');
  assert.equal(r.vars.WEGWIJZER_CHOSEN_CHANNEL, 'telefoon');
  assert.equal(r.vars.WEGWIJZER_NEEDS, 'visual');
  assert.equal(r.vars.WEGWIJZER_LANGUAGE, 'nld');
  // what the website advised first (agentContext.advised), as the advice answer said it
  assert.equal(r.vars.WEGWIJZER_ADVISED, advised.id);
  assert.equal(r.vars.WEGWIJZER_ADVISED_NAME, advised.name);
  assert.equal(r.vars.WEGWIJZER_ADVISED_REASON, advised.reasons[0]);
  assert.equal(r.vars.WEGWIJZER_SUMMARY,
               `Verhuizing doorgeven. Kwam via Website voorbeeldstad.nl. Advies: ${advised.name} (${advised.reasons[0].replace(/\.$/, "")}). Koos zelf Telefoon 14 039. Behoeften: visual. Taal: nld.`);
  assert.equal(r.vars.WEGWIJZER_REASON, '');   // an open queue needs no excuse
});

test('AGI: no code -> the menu\'s service for the desktop, the rest empty', async () => {
  const r = await agi({ args: ['verhuizing'], env: { WEGWIJZER_TIME: MORNING },
                        answer: asterisk(['']) });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.vars.WEGWIJZER_SERVICE, 'verhuizing');
  for (const v of DESKTOP.slice(1)) assert.equal(r.vars[v], '', v);
});

test('AGI short entry: 5 digits are asked again with their own prompt, then the code works', async () => {
  const { id, code } = await webSessionWithCode('verhuizing');
  const r = await agi({ args: ['verhuizing'], env: { WEGWIJZER_TIME: MORNING },
                        answer: asterisk([code.slice(0, 5), code]) });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(heard(r), ['wegwijzer/toets-code', 'wegwijzer/code-kort']);
  assert.equal(r.vars.WEGWIJZER_CODE, 'ok');
  assert.equal(r.vars.WEGWIJZER_SESSION, id);
});

test('AGI short entry twice -> routed without a code, state "short"', async () => {
  const r = await agi({ args: ['verhuizing'], env: { WEGWIJZER_TIME: MORNING },
                        answer: asterisk(['12345', '1']) });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(heard(r), ['wegwijzer/toets-code', 'wegwijzer/code-kort']);
  assert.equal(r.vars.WEGWIJZER_CODE, 'short');
  assert.equal(r.vars.WEGWIJZER_QUEUE, 'kcc');
  assert.equal(r.vars.WEGWIJZER_SESSION, '');
});

test('AGI 404: a used code is "unknown or used", asked again, then routed without', async () => {
  const { code } = await webSessionWithCode('verhuizing');
  const first = await request(ww.base, 'POST', '/v1/handover/claim', { code, channel: 'telefoon' });
  assert.equal(first.status, 200);
  const r = await agi({ args: ['verhuizing'], env: { WEGWIJZER_TIME: MORNING },
                        answer: asterisk([code, code]) });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(heard(r), ['wegwijzer/toets-code', 'wegwijzer/code-onbekend']);
  assert.equal(r.vars.WEGWIJZER_CODE, 'wrong');
  assert.equal(r.vars.WEGWIJZER_QUEUE, 'kcc');
  assert.equal(r.vars.WEGWIJZER_SESSION, '');
  assert.equal(r.vars.WEGWIJZER_SUMMARY, '');
});

test('AGI 410: a lapsed code hears "code verlopen", no retry, routed without it', async () => {
  const { code } = await webSessionWithCode('verhuizing', { base: strict.base });
  await new Promise((res) => setTimeout(res, 11000));   // --handover-ttl 10
  const r = await agi({ args: ['verhuizing'], callerid: '0611111111',
                        env: { WEGWIJZER_URL: strict.base, WEGWIJZER_TIME: MORNING },
                        answer: asterisk([code]) });
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(heard(r), ['wegwijzer/toets-code', 'wegwijzer/code-verlopen']);
  assert.equal(r.vars.WEGWIJZER_CODE, 'expired');
  assert.equal(r.vars.WEGWIJZER_QUEUE, 'kcc');
  assert.equal(r.vars.WEGWIJZER_SESSION, '');
  assert.equal(r.vars.WEGWIJZER_DEGRADED, '0');
});

test('AGI 429: a caller locked out hears "geblokkeerd"; callerRef is keyed, so other callers and keys are not', async () => {
  const caller = '0622222222';
  const call = (digits, env = {}, callerid = caller) => agi({
    args: ['paspoort'], callerid, answer: asterisk(digits),
    env: { WEGWIJZER_URL: strict.base, WEGWIJZER_TIME: MORNING, ...env } });
  const wrong = await call(['900001', '900002']);   // two failures: the limit of 'strict'
  assert.equal(wrong.vars.WEGWIJZER_CODE, 'wrong');
  const r = await call(['900003']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(heard(r), ['wegwijzer/toets-code', 'wegwijzer/code-geblokkeerd']);
  assert.equal(r.vars.WEGWIJZER_CODE, 'limited');
  assert.equal(r.vars.WEGWIJZER_QUEUE, 'kcc');
  assert.equal(r.vars.WEGWIJZER_DEGRADED, '0');
  // the next caller with a valid code is not locked out
  const { id, code } = await webSessionWithCode('verhuizing', { base: strict.base });
  const next = await agi({ args: ['verhuizing'], callerid: '0633333333', answer: asterisk([code]),
                           env: { WEGWIJZER_URL: strict.base, WEGWIJZER_TIME: MORNING } });
  assert.equal(next.vars.WEGWIJZER_CODE, 'ok');
  assert.equal(next.vars.WEGWIJZER_SESSION, id);
  // the same number under another platform key is another callerRef: the hash is keyed
  const other = await call(['900004', ''], { WEGWIJZER_CALLER_KEY: 'een-andere-sleutel' });
  assert.deepEqual(heard(other), ['wegwijzer/toets-code', 'wegwijzer/code-onbekend']);
  assert.equal(other.vars.WEGWIJZER_CODE, 'wrong');
});

test('AGI callerRef: HMAC-SHA256 of the caller id under the key file, never the number', async () => {
  const fs = await import('node:fs/promises');
  const os = await import('node:os');
  const { createHmac } = await import('node:crypto');
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'ww-ivr-'));
  const keyFile = path.join(dir, 'caller.key');
  await fs.writeFile(keyFile, 'sleutel-uit-bestand\n', { mode: 0o600 });
  // A stand-in wegwijzer that records the request body: is callerRef the keyed hash?
  const http = await import('node:http');
  const bodies = [];
  const srv = http.createServer((req, res) => {
    let b = '';
    req.on('data', (d) => { b += d; });
    req.on('end', () => {
      bodies.push(JSON.parse(b));
      res.writeHead(404, { 'Content-Type': 'application/problem+json' });
      res.end('{"status":404,"code":"not_found","title":"Not Found"}');
    });
  });
  await new Promise((res) => srv.listen(0, '127.0.0.1', res));
  try {
    const r = await agi({ args: ['paspoort'], answer: asterisk(['123456', '']),
                          env: { WEGWIJZER_URL: `http://127.0.0.1:${srv.address().port}`,
                                 WEGWIJZER_CALLER_KEY: '', WEGWIJZER_CALLER_KEY_FILE: keyFile } });
    assert.equal(r.code, 0, r.stderr);
    const expect = createHmac('sha256', 'sleutel-uit-bestand').update('0612345678').digest('hex');
    assert.equal(bodies[0].handoverCode, '123456');
    assert.equal(bodies[0].callerRef, expect);
    assert.ok(!JSON.stringify(bodies).includes('0612345678'));
    // no key at all: no callerRef (the platform's address counts), and a warning in the log
    bodies.length = 0;
    const n = await agi({ args: ['paspoort'], answer: asterisk(['123456', '']),
                          env: { WEGWIJZER_URL: `http://127.0.0.1:${srv.address().port}`,
                                 WEGWIJZER_CALLER_KEY: '',
                                 WEGWIJZER_CALLER_KEY_FILE: path.join(dir, 'absent') } });
    assert.equal(n.code, 0, n.stderr);
    assert.equal(bodies[0].callerRef, undefined);
    assert.ok(n.commands.some((c) => c.startsWith('VERBOSE') && c.includes('CALLER_KEY')));
  } finally {
    srv.close();
    await fs.rm(dir, { recursive: true });
  }
});

test('AGI: a code for Wmo with menu option verhuizing routes for Wmo, unless the dialplan keeps the menu', async () => {
  const a = await webSessionWithCode('wmo');
  const r = await agi({ args: ['verhuizing'], env: { WEGWIJZER_TIME: MORNING },
                        answer: asterisk([a.code]) });
  assert.equal(r.vars.WEGWIJZER_CODE, 'ok');
  assert.equal(r.vars.WEGWIJZER_TARGET, 'telefoon_zorg');
  assert.equal(r.vars.WEGWIJZER_QUEUE, 'sociaal_team');
  assert.equal(r.vars.WEGWIJZER_SERVICE, 'wmo');
  const b = await webSessionWithCode('wmo');
  const k = await agi({ args: ['verhuizing', 'WEGWIJZER_KEEP_SERVICE=1'],
                        env: { WEGWIJZER_TIME: MORNING }, answer: asterisk([b.code]) });
  assert.equal(k.vars.WEGWIJZER_CODE, 'ok');
  assert.equal(k.vars.WEGWIJZER_SESSION, b.id);
  assert.equal(k.vars.WEGWIJZER_TARGET, 'telefoon');
  assert.equal(k.vars.WEGWIJZER_QUEUE, 'kcc');
});

test('AGI closure prompts say what is true now: "volgende werkdag" only outside opening hours', async () => {
  const evening = await agi({ args: ['verhuizing'], env: { WEGWIJZER_TIME: EVENING },
                              answer: asterisk(['']) });
  assert.equal(evening.vars.WEGWIJZER_KIND, 'callback');
  assert.match(evening.vars.WEGWIJZER_REASON, /volgende werkdag/);
  // Christmas Eve 16:30: a planned closure of the phone on a working day
  const eve = await agi({ args: ['verhuizing'], env: { WEGWIJZER_TIME: CHRISTMAS_EVE },
                          answer: asterisk(['']) });
  assert.equal(eve.vars.WEGWIJZER_KIND, 'callback');
  assert.equal(eve.vars.WEGWIJZER_QUEUE, 'kcc_terugbellen');
  assert.doesNotMatch(eve.vars.WEGWIJZER_REASON, /volgende werkdag/);
  assert.match(eve.vars.WEGWIJZER_REASON, /zodra het weer kan/);
  // the dialplan's recorded callback prompt claims nothing about when
  const fs = await import('node:fs/promises');
  const readme = await fs.readFile(path.join(IVR, 'README.md'), 'utf8');
  const conf = await fs.readFile(path.join(IVR, 'extensions.conf'), 'utf8');
  assert.doesNotMatch(conf.split('\n').filter((l) => /Playback/.test(l)).join('\n'),
                      /volgende werkdag/);
  assert.doesNotMatch(readme.match(/\| `terugbellen` \|[^\n]*/)[0], /volgende werkdag/);
});
