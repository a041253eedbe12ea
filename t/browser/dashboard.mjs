// Drives Debian's chromium (headless, through playwright-core) against a
// running quick-start nginx and checks the dashboard; t/050-dashboard.t
// starts nginx and runs this.  One JSON line per check on stdout:
// {"check": name, "ok": bool, "diag": ...}, then {"done": true}.
//
//   node t/browser/dashboard.mjs --base http://127.0.0.1:PORT/ \
//        --screenshot build/dashboard.png [--chromium /usr/bin/chromium]
//
// The checks, in order: the page connects (hello, compact frames over a
// permessage-deflate connection, controls shown); a seek made through
// page A (the time box) reaches page B within 1 s; the replay plays at
// 8x through the yellow flag, the safety car and the first stops, set
// through the speed box; Space pauses it; then the tower's order equals
// f1_replay_info?t= at the last frame's session time, every car is drawn
// where that frame puts it (the frame taken from a WebSocket of the
// test's own, canvas pixels read at the page's projection of it), the map
// does not change for 1 s, the event timeline seeks (jump to the first
// safety car), the help overlay opens with "?", the delay setting puts
// page B 2 s behind, a reload of nginx (--nginx-pid, SIGHUP: clients
// closed with 1001) is followed by a reconnection, the console has no
// errors; a screenshot is written.

import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) {
    args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
}
const BASE = args.base;
const SHOT = args.screenshot;
const EXE = args.chromium || '/usr/bin/chromium';
const LIMIT_MS = Number(args.limit || 150000);

function out(obj) {
    process.stdout.write(JSON.stringify(obj) + '\n');
}
function check(name, ok, diag) {
    out({ check: name, ok: !!ok, diag: ok ? undefined : diag });
    return !!ok;
}

const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'f1dash-chromium-'));
let context = null;

async function finish(code) {
    try {
        if (context) await context.close();
    } catch (e) { /* gone */ }
    fs.rmSync(profile, { recursive: true, force: true });
    process.exit(code);
}

const watchdog = setTimeout(() => {
    out({ check: 'finished within the time limit', ok: false,
          diag: `${LIMIT_MS} ms` });
    finish(2);
}, LIMIT_MS);

const sleep = ms => new Promise(r => setTimeout(r, ms));

async function until(page, fn, arg, timeout = 10000, what = 'condition') {
    const end = Date.now() + timeout;
    for (;;) {
        const v = await page.evaluate(fn, arg).catch(() => null);
        if (v) return v;
        if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
        await sleep(20);
    }
}

async function getJSON(url) {
    const r = await fetch(url);
    if (!r.ok) throw new Error(`${url}: HTTP ${r.status}`);
    return r.json();
}

async function post(body) {
    const r = await fetch(new URL('control/', BASE).href, {
        method: 'POST', body: JSON.stringify(body) });
    return r.json();
}

async function main() {
    // a replay left paused or fast by an earlier run: play at 1x
    await post({ action: 'resume' });
    await post({ action: 'speed', speed: 1 });

    context = await chromium.launchPersistentContext(profile, {
        executablePath: EXE,
        headless: true,
        viewport: { width: 1600, height: 900 },
        // two pages side by side: neither is throttled as a background one
        args: ['--no-sandbox', '--disable-gpu', '--disable-quic',
               '--no-first-run', '--disable-background-networking',
               '--disable-component-update', '--disable-sync',
               '--disable-renderer-backgrounding',
               '--disable-backgrounding-occluded-windows',
               '--disable-background-timer-throttling'],
    });

    const errors = [];
    const watch = (page, name) => {
        page.on('console', m => {
            if (m.type() === 'error') errors.push(`${name}: ${m.text()}`);
        });
        page.on('pageerror', e => errors.push(`${name}: ${e.message}`));
        page.on('requestfailed', r =>
            errors.push(`${name}: request failed ${r.url()}`));
    };

    // page A, with the WebSocket's handshake and messages watched
    const a = context.pages()[0] || await context.newPage();
    watch(a, 'A');
    const cdp = await context.newCDPSession(a);
    await cdp.send('Network.enable');
    let extensions = null;
    cdp.on('Network.webSocketHandshakeResponseReceived', e => {
        const h = e.response.headers || {};
        for (const k of Object.keys(h)) {
            if (k.toLowerCase() === 'sec-websocket-extensions') extensions = h[k];
        }
    });
    // full frames come until the server has the page's subscribe (how
    // many depends on the round trip); after its "subscribed", none
    const kinds = {};
    let subscribed = false;
    a.on('websocket', ws => {
        let sub = false;
        ws.on('framereceived', f => {
            const m = /^\{"type":"(\w+)"/.exec(typeof f.payload === 'string'
                                                ? f.payload : '');
            const k = m ? m[1] : '?';
            kinds[k] = (kinds[k] || 0) + 1;
            if (k === 'subscribed') {
                sub = subscribed = true;
            } else if (k === 'frame' && sub) {
                kinds.frame_after_subscribed =
                    (kinds.frame_after_subscribed || 0) + 1;
            }
        });
    });

    await a.goto(BASE);
    await until(a, () => window.f1dash && f1dash.stats().frames > 50
                          && f1dash.connection() === 'open', null, 15000,
                'page A frames');
    const protocol = await a.evaluate(() => f1dash.protocol());
    check('page A connects: hello, then frames', protocol >= 1,
          { protocol });
    check('... permessage-deflate negotiated',
          /permessage-deflate/.test(extensions || ''), { extensions });
    check('... compact frames ("f") once subscribed',
          subscribed && kinds.f > 40 && !kinds.frame_after_subscribed,
          kinds);
    await until(a, () => f1dash.controlOK() && f1dash.timeline() > 0, null,
                5000, 'control discovered').catch(() => null);
    const ctl = await a.evaluate(() => ({
        ok: f1dash.controlOK(),
        shown: !document.getElementById('play').closest('[data-control]')
                .hidden,
        events: f1dash.timeline(),
    }));
    check('... control answers: controls shown, timeline loaded',
          ctl.ok && ctl.shown && ctl.events > 0, ctl);

    // page B
    const b = await context.newPage();
    watch(b, 'B');
    await b.goto(BASE);
    await until(b, () => window.f1dash && f1dash.stats().frames > 20, null,
                15000, 'page B frames');

    // a seek through page A's time box reaches page B within 1 s
    const target = 2250000;                        // 00:37:30, lap 22
    await a.bringToFront();
    await a.fill('#time-input', '00:37:30');
    const t0 = await a.evaluate(() => Date.now());
    await a.press('#time-input', 'Enter');
    const seenB = await until(b, (tg) => {
        const j = f1dash.lastJump();
        return j && j.t >= tg && j.t < tg + 1000 ? j : null;
    }, target, 3000, 'page B after the seek').catch(e => ({ error: e.message }));
    const clockB = await b.evaluate(() => f1dash.lastClock());
    const lag = seenB.at ? seenB.at - t0 : null;
    check('a seek made in page A reaches page B within 1 s',
          lag !== null && lag < 1000 && clockB.reason === 'seek'
          && clockB.t === target,
          { lag_ms: lag, seenB, clockB });
    out({ info: 'seek latency A -> B (first frame at the new time)',
          ms: lag, clock_ms: clockB.at - t0 });

    // 8x through the page's speed box, while a WebSocket of the test's own
    // records every frame (JSON) in page A
    await a.evaluate((url) => {
        window.__probe = { last: null, n: 0 };
        const ws = new WebSocket(url);
        ws.onmessage = (e) => {
            const m = JSON.parse(e.data);
            if (m.type === 'frame') {
                window.__probe.last = m;
                window.__probe.n++;
            }
        };
        window.__probeWs = ws;
    }, new URL('ws', BASE).href.replace(/^http/, 'ws'));
    await a.selectOption('#speed', '8');
    await until(a, () => f1dash.clock() && f1dash.clock().speed === 8, null,
                3000, 'speed 8');
    await sleep(10000);                            // about 80 s of the race

    // pause with the keyboard (Space on the page)
    await a.locator('#map').click({ position: { x: 5, y: 5 } });
    await a.keyboard.press('Space');
    await until(a, () => f1dash.clock().state === 'paused', null, 3000,
                'paused');
    // the map drawn at the newest frame, the panels refreshed
    await until(a, () => {
        const d = f1dash.lastDraw(), f = f1dash.latest();
        return d && f && d.rt === f.t;
    }, null, 3000, 'a draw at the newest frame').catch(() => null);
    await sleep(600);

    const st = await a.evaluate(() => ({
        latest: f1dash.latest(),
        order: f1dash.towerOrder(),
        probe: window.__probe.last,
        probeN: window.__probe.n,
        stats: f1dash.stats(),
        drawn: f1dash.drawn(),
        radius: f1dash.radius(),
    }));
    const lt = st.latest;
    check('paused at 8x after about 80 s of the race',
          lt && lt.t > target + 40000, { t: lt && lt.t });

    // the tower equals f1_replay_info at the same session time
    const info = await getJSON(new URL(`info?t=${lt.t}`, BASE).href);
    const infoOrder = info.cars.map(c => c.number);
    check(`tower order equals f1_replay_info?t=${lt.t}`,
          JSON.stringify(st.order) === JSON.stringify(infoOrder),
          { page: st.order, info: infoOrder });
    // the other fields of the cars, as information (not checked: the
    // archive's tyre age follows the line by a few seconds, with no event)
    const cars = await a.evaluate(() => f1dash.cars());
    const diff = {};
    for (const ic of info.cars) {
        const pc = cars.find(c => c.number === ic.number) || {};
        for (const k of Object.keys(ic)) {
            const x = JSON.stringify(pc[k]), y = JSON.stringify(ic[k]);
            if (k !== 'tla' && x !== y) {
                (diff[k] = diff[k] || []).push(`${ic.number}: ${x}, info ${y}`);
            }
        }
    }
    out({ info: 'tower fields unlike f1_replay_info', diff });
    const orderB = await b.evaluate(() => f1dash.towerOrder());
    check('... on page B too',
          JSON.stringify(orderB) === JSON.stringify(infoOrder),
          { page: orderB, info: infoOrder });

    // each car is drawn where the latest frame puts it
    const pf = st.probe;
    check('the test\'s own WebSocket got the same last frame',
          pf && pf.tick === lt.tick && pf.t === lt.t,
          { probe: pf && [pf.tick, pf.t], page: [lt.tick, lt.t] });
    const px = await a.evaluate((frame) => {
        const cv = document.getElementById('map');
        const ctx = cv.getContext('2d', { willReadFrequently: true });
        const d = f1dash.dpr();
        return frame.cars.filter(c => c.x != null).map(c => {
            const [x, y] = f1dash.project(c.x, c.y);
            const p = ctx.getImageData(Math.floor(x * d), Math.floor(y * d),
                                       1, 1).data;
            return { n: c.n, x, y, rgba: [...p] };
        });
    }, pf);
    const drawn = new Map(st.drawn.map(d => [d.n, d]));
    const hex = (rgb) => '#' + rgb.slice(0, 3).map(v => v.toString(16)
                                                    .padStart(2, '0')).join('');
    const near = (p, q) => p.slice(0, 3).every((v, i) => Math.abs(v - q[i]) <= 3);
    const rgbOf = (h) => [1, 3, 5].map(i => parseInt(h.slice(i, i + 2), 16));
    const bad = [];
    let own = 0, checked = 0;
    for (const p of px) {
        const d = drawn.get(p.n);
        if (!d) {
            bad.push({ n: p.n, why: 'not drawn' });
            continue;
        }
        if (Math.hypot(d.x - p.x, d.y - p.y) > 0.5) {
            bad.push({ n: p.n, why: 'drawn elsewhere', drawn: [d.x, d.y],
                       frame: [p.x, p.y] });
            continue;
        }
        checked++;
        // a retired car is a dark grey disc (#374151), without its colour
        const want = d.style === 'retired' ? '#374151' : d.colour;
        if (p.rgba[3] === 0) {
            bad.push({ n: p.n, why: 'nothing at its position' });
            continue;
        }
        if (near(p.rgba, rgbOf(want))) {
            own++;
            continue;
        }
        // another car drawn over it (cars side by side)
        const over = st.drawn.filter(o => o.n !== p.n
            && Math.hypot(o.x - p.x, o.y - p.y) <= st.radius + 1
            && near(p.rgba, rgbOf(o.style === 'retired' ? '#374151'
                                                        : o.colour)));
        if (!over.length) {
            bad.push({ n: p.n, why: 'wrong colour', got: hex(p.rgba), want,
                       style: d.style });
        }
    }
    check(`every car drawn at its projected position in its team colour `
          + '(a retired one: a grey disc) '
          + `(${checked} cars, ${own} with their own colour on top)`,
          px.length >= 18 && checked === px.length && !bad.length
          && own >= px.length - 4, { bad, n: px.length });

    // pause stops the map
    const hash = () => a.evaluate(() => {
        const cv = document.getElementById('map');
        const data = cv.getContext('2d').getImageData(0, 0, cv.width,
                                                      cv.height).data;
        let h = 2166136261;
        for (let i = 0; i < data.length; i += 7) {
            h = Math.imul(h ^ data[i], 16777619);
        }
        return [h >>> 0, JSON.stringify(f1dash.drawn()), f1dash.stats().frames,
                f1dash.latest().tick];
    });
    const h1 = await hash();
    await sleep(1000);
    const h2 = await hash();
    check('pause stops the map: same pixels, positions and frames over 1 s',
          h1[0] === h2[0] && h1[1] === h2[1] && h1[2] === h2[2]
          && h1[3] === h2[3], { before: [h1[0], h1[2], h1[3]],
                                after: [h2[0], h2[2], h2[3]] });

    await a.screenshot({ path: SHOT });
    out({ info: 'screenshot', path: SHOT });

    // jump to an event from the timeline
    await a.keyboard.press('e');
    await a.selectOption('#events-filter', 'safety_car,vsc,red_flag');
    const first = a.locator('#events-list button').first();
    const evId = Number(await first.getAttribute('data-id'));
    const evT = Number(await first.getAttribute('data-t'));
    await first.click();
    const ev = await until(a, (t) => {
        const c = f1dash.lastClock();
        return c && c.reason === 'seek' && c.t === t ? c : null;
    }, evT, 3000, 'seek to the event').catch(e => ({ error: e.message }));
    check(`the event timeline seeks: event ${evId} at ${evT} ms`,
          ev && ev.t === evT, ev);
    await a.keyboard.press('Escape');

    // the help overlay
    await a.locator('#map').click({ position: { x: 5, y: 5 } });
    await a.keyboard.press('?');
    const helpOpen = await a.evaluate(() => document.getElementById('help').open);
    await a.keyboard.press('Escape');
    const helpClosed = await a.evaluate(() => !document.getElementById('help').open);
    check('"?" opens the keyboard help, Esc closes it', helpOpen && helpClosed,
          { helpOpen, helpClosed });

    // resume, then the delay setting on page B
    await a.keyboard.press('Space');
    await until(a, () => f1dash.clock().state === 'playing', null, 3000,
                'playing');
    await b.fill('#delay-input', '2');
    await b.press('#delay-input', 'Enter');
    await until(b, () => f1dash.clock() && f1dash.clock().delay_ms === 2000,
                null, 5000, 'delay 2 s').catch(() => null);
    await sleep(3000);
    const ta = await a.evaluate(() => f1dash.latest().t);
    const tb = await b.evaluate(() => f1dash.latest().t);
    const speed = await a.evaluate(() => f1dash.clock().speed);
    const behind = (ta - tb) / speed;
    check('a delay of 2 s set on page B puts it 2 s behind page A',
          behind > 1800 && behind < 2300, { a: ta, b: tb, speed, behind });

    // a reload of nginx closes every client with 1001: the page reconnects
    if (args['nginx-pid']) {
        const h0 = await a.evaluate(() => f1dash.stats().hellos);
        const r0 = Date.now();
        process.kill(Number(args['nginx-pid']), 'SIGHUP');
        const back = await until(a, (h) => {
            const s = f1dash.stats();
            return s.hellos > h && f1dash.connection() === 'open'
                   && f1dash.latest() ? s : null;
        }, h0, 10000, 'reconnection').catch(e => ({ error: e.message }));
        const statusSeen = await a.evaluate(() =>
            document.getElementById('conn').textContent);
        check('after a reload of nginx (close 1001) the page reconnects by '
              + 'itself', !back.error, { back, ms: Date.now() - r0,
                                          status: statusSeen });
        out({ info: 'reconnected after a reload', ms: Date.now() - r0 });
    }

    await sleep(300);
    check('no console errors, page errors or failed requests',
          errors.length === 0, errors);

    const sa = await a.evaluate(() => f1dash.stats());
    out({ info: 'page A', protocol, stats: sa, kinds });
    out({ done: true });
}

main().then(() => {
    clearTimeout(watchdog);
    return finish(0);
}).catch((e) => {
    out({ check: 'the run completes', ok: false, diag: String(e && e.stack || e) });
    clearTimeout(watchdog);
    return finish(1);
});
