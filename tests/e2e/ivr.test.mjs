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

let ww;
before(async () => { ww = await startWegwijzer(); });
after(async () => {
  const r = await ww.stop();
  assert.equal(r.code, 0, `wegwijzer exits 0 on SIGTERM; log:\n${ww.log()}`);
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

async function webSessionWithCode(service) {
  const s = await request(ww.base, 'POST', '/v1/sessions', { channel: 'website', service });
  assert.equal(s.status, 201);
  const id = s.body.session.id;
  const a = await request(ww.base, 'POST', '/v1/advice',
                          { service, sessionId: id, context: { time: MORNING } });
  assert.equal(a.status, 200);
  const h = await request(ww.base, 'POST', `/v1/sessions/${id}/handover`,
                          { channel: 'website', to: 'telefoon' });
  assert.equal(h.status, 201);
  return { id, code: h.body.code };
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
function agi({ args = [], env = {}, answer }) {
  return new Promise((resolve, reject) => {
    const p = spawn(path.join(IVR, 'wegwijzer-agi.py'), [], {
      env: { ...process.env, WEGWIJZER_URL: ww.base, ...env },
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
      'agi_version: 20.5.0', 'agi_callerid: 0612345678', 'agi_calleridname: unknown',
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
    if (cmd.startsWith('SET VARIABLE') || cmd.startsWith('VERBOSE')) return '200 result=1';
    return '510 Invalid or unknown command';
  };
}

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
                        env: { WEGWIJZER_URL: dead }, answer: asterisk(['']) });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.vars.WEGWIJZER_QUEUE, 'noodlijn');
  assert.equal(r.vars.WEGWIJZER_DEGRADED, '1');
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
