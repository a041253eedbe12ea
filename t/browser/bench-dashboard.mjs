// The dashboard's rendering cost in Debian's headless chromium, for
// scripts/bench-dashboard.sh (which starts the quick start's nginx):
//
//   node t/browser/bench-dashboard.mjs --base http://127.0.0.1:PORT/ \
//        [--seconds 20] [--dpr 1] [--at 00:20:00]
//
// The replay is put at --at (all 20 cars running in the Dutch GP) at 1x,
// the page gets 5 s to settle, then for --seconds:
//
// - display frames/s: requestAnimationFrame callbacks per second (the
//   page's own counter; headless chromium begins a frame at 60 Hz);
// - frames drawn/s: map redraws per second (the page draws at most once
//   per display frame, when the render time moved); drawn / display
//   frames is the share of display frames drawn; late display frames:
//   rAF intervals over 1.5 times the median (a frame the page missed);
// - stream frames/s: compact frames received;
// - main-thread busy: the renderer main thread's task time
//   (Performance.getMetrics "TaskDuration" of the Chrome DevTools
//   Protocol, the sum of every task the page's main thread ran: script,
//   style, layout, paint recording, parsing the messages, GC) over wall
//   time, as a % of one core; with its script, layout and style parts;
// - map draw: the page's own time inside its map drawing, per frame;
// - processes: CPU time of the renderer (all its threads: main, raster,
//   compositor, network), the browser and the GPU process
//   (SystemInfo.getProcessInfo) over wall time, % of one core.

import { chromium } from 'playwright-core';

const args = {};
for (let i = 2; i < process.argv.length; i += 2) {
    args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
}
const BASE = args.base;
const SECONDS = Number(args.seconds || 20);
const DPR = Number(args.dpr || 1);
const AT = args.at || '00:20:00';
const EXE = args.chromium || '/usr/bin/chromium';

const sleep = ms => new Promise(r => setTimeout(r, ms));

async function post(body) {
    const r = await fetch(new URL('control/', BASE).href, {
        method: 'POST', body: JSON.stringify(body) });
    if (!r.ok) throw new Error(`control: HTTP ${r.status}`);
    return r.json();
}

const watchdog = setTimeout(() => {
    console.error('bench-dashboard: time limit reached');
    process.exit(2);
}, (SECONDS + 60) * 1000);

const browser = await chromium.launch({
    executablePath: EXE,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic',
           '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
});

try {
    const context = await browser.newContext({
        viewport: { width: 1600, height: 900 }, deviceScaleFactor: DPR });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', e => errors.push(e.message));
    page.on('console', m => m.type() === 'error' && errors.push(m.text()));

    await post({ action: 'resume' });
    await post({ action: 'speed', speed: 1 });
    await post({ action: 'seek', t: AT });

    await page.goto(BASE);
    const cdp = await context.newCDPSession(page);
    const bcdp = await browser.newBrowserCDPSession();
    await cdp.send('Performance.enable', { timeDomain: 'threadTicks' })
        .catch(() => cdp.send('Performance.enable'));

    // rAF intervals, recorded by the page itself
    await page.evaluate(() => {
        window.__iv = [];
        let last = null;
        const f = (t) => {
            if (last !== null) window.__iv.push(t - last);
            last = t;
            requestAnimationFrame(f);
        };
        requestAnimationFrame(f);
    });
    await sleep(5000);

    const cars = await page.evaluate(() => f1dash.latest().cars.length);
    const metrics = async () => {
        const m = {};
        for (const x of (await cdp.send('Performance.getMetrics')).metrics) {
            m[x.name] = x.value;
        }
        return m;
    };
    const procs = async () => {
        const r = await bcdp.send('SystemInfo.getProcessInfo');
        const by = {};
        for (const p of r.processInfo) by[p.type] = (by[p.type] || 0) + p.cpuTime;
        return by;
    };

    const s0 = await page.evaluate(() => {
        window.__iv.length = 0;
        return f1dash.stats();
    });
    const m0 = await metrics();
    const p0 = await procs();
    const w0 = performance.now();
    await sleep(SECONDS * 1000);
    const s1 = await page.evaluate(() => f1dash.stats());
    const m1 = await metrics();
    const p1 = await procs();
    const wall = (performance.now() - w0) / 1000;
    const iv = await page.evaluate(() => window.__iv.slice());

    const rate = k => (s1[k] - s0[k]) / wall;
    const busy = k => ((m1[k] || 0) - (m0[k] || 0)) / wall * 100;
    const sorted = iv.slice().sort((x, y) => x - y);
    const median = sorted[Math.floor(sorted.length / 2)] || 0;
    const late = iv.filter(x => x > 1.5 * median).length;
    const draws = s1.draws - s0.draws;
    const rafs = s1.rafs - s0.rafs;
    const f = (x, d = 1) => x.toFixed(d);

    console.log(`dashboard in headless chromium: ${cars} cars, compact `
                + `deflated frames, 1600x900 CSS px at DPR ${DPR}, `
                + `${f(wall)} s from ${AT}`);
    console.log(`  display frames (rAF)/s   ${f(rafs / wall)} `
                + `(median interval ${f(median, 2)} ms, ${late} late of `
                + `${iv.length})`);
    console.log(`  frames drawn/s           ${f(draws / wall)} `
                + `(${f(draws / Math.max(1, rafs) * 100)} % of display frames)`);
    console.log(`  stream frames/s          ${f(rate('frames'))} `
                + `(${f(rate('bytes') / 1024)} KiB/s of JSON text)`);
    console.log(`  main-thread busy         ${f(busy('TaskDuration'))} % of a `
                + `core (script ${f(busy('ScriptDuration'))} %, layout `
                + `${f(busy('LayoutDuration'))} %, style `
                + `${f(busy('RecalcStyleDuration'))} %)`);
    console.log(`  map draw                 ${f((s1.drawMs - s0.drawMs)
                                               / Math.max(1, draws), 3)} ms `
                + 'per frame (canvas calls, on the main thread)');
    const pc = k => ((p1[k] || 0) - (p0[k] || 0)) / wall * 100;
    console.log(`  processes, % of a core   renderer ${f(pc('renderer'))}, `
                + `browser ${f(pc('browser'))}, gpu ${f(pc('GPU'))}`);
    console.log(`RESULT dpr=${DPR} cars=${cars} fps_display=${f(rafs / wall)} `
                + `fps_drawn=${f(draws / wall)} busy_pct=`
                + `${f(busy('TaskDuration'))} renderer_pct=${f(pc('renderer'))}`
                + ` late=${late}`);
    if (errors.length) {
        console.log('console errors: ' + errors.join('; '));
    }
} finally {
    clearTimeout(watchdog);
    await browser.close();
}
