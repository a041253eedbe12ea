// The dashboard: connects to the replay's WebSocket, keeps the race
// (race.js) and the frames (frames.js), draws the map (map.js) at every
// display frame and the panels when the race changes, and drives the
// replay through the control API when that answers.
//
// URL parameters (all optional): ws= the WebSocket path (default "ws",
// beside the page), control= the control location ("control/"),
// delay= seconds behind the live replay.

import { Race, normalizeEvent } from './race.js';
import { Playout, decodeFrame, compactColumns } from './frames.js';
import { TrackMap } from './map.js';
import { Connection } from './conn.js';
import { fmtTime, fmtLap, fmtGap, parseTime, compound, pct } from './fmt.js';

const params = new URLSearchParams(location.search);

// the delay goes on the URL (?delay=), so that a (re)connection starts
// delayed; a change on the page is a subscription
function wsUrl() {
    const u = new URL(params.get('ws') || 'ws', location.href);
    u.protocol = u.protocol === 'https:' ? 'wss:' : 'ws:';
    if (delaySec > 0) u.searchParams.set('delay', String(delaySec));
    else u.searchParams.delete('delay');
    return u.href;
}

const CONTROL = new URL(params.get('control') || 'control/', location.href).href;
const BACKTEST = new URL('../backtest.json', import.meta.url).href;
const SPEEDS = [0.25, 0.5, 1, 2, 4, 8, 16, 50];

const $ = (id) => document.getElementById(id);
const el = {
    meeting: $('meeting'), sessionName: $('session-name'),
    status: $('track-status'), lap: $('lap'), time: $('session-time'),
    clockState: $('clock-state'), delayBadge: $('delay-badge'),
    conn: $('conn'), reconnect: $('reconnect'), helpBtn: $('help-btn'),
    help: $('help'), towerBody: $('tower-body'),
    bg: $('map-bg'), map: $('map'), mapNote: $('map-note'),
    legend: document.querySelector('#map-wrap .legend'),
    card: $('car-card'), predBody: $('pred-body'), predLap: $('pred-lap'),
    predNone: $('pred-none'), backtest: $('backtest'), feed: $('feed'),
    weather: $('weather'), play: $('play'), restart: $('restart'),
    speed: $('speed'), seekLap: $('seek-lap'), lapInput: $('lap-input'),
    seekTime: $('seek-time'), timeInput: $('time-input'), loop: $('loop'),
    eventsBtn: $('events-btn'), events: $('events'),
    eventsList: $('events-list'), eventsFilter: $('events-filter'),
    eventsClose: $('events-close'), delayForm: $('delay-form'),
    delayInput: $('delay-input'), msg: $('control-msg'), scrub: $('scrub'),
    scrubMarks: $('scrub-marks'), scrubStart: $('scrub-start'),
    scrubEnd: $('scrub-end'),
};

const race = new Race();
const playout = new Playout();
const map = new TrackMap(el.bg, el.map);

let cols = compactColumns(null);
let clock = null;             // the last clock message (the stream's view)
let jumpPending = false;      // a state arrived: the next frame starts over
let controlOK = false;
let timeline = [];            // normalized events of control/timeline
let delaySec = Math.max(0, Number(params.get('delay')) || 0);
let scrubbing = false;
let selected = null;
let lastClockMsg = null;      // {change, reason, t, at} for tests
let lastJump = null;          // {at, t, tick}: the first frame after a jump
let seenJumps = 0;
const stats = { msgs: 0, bytes: 0, frames: 0, events: 0, states: 0,
                rafs: 0, draws: 0, drawMs: 0, hellos: 0 };

el.delayInput.value = String(delaySec);

function esc(s) {
    return String(s ?? '').replace(/[&<>"']/g, c => ({
        '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;',
    })[c]);
}

// --- the connection ---------------------------------------------------

const conn = new Connection(wsUrl(), {
    protocols: ['f1-replay.v1'],
    onMessage,
    onStatus: showConn,
});

function subscribe() {
    conn.send({ type: 'subscribe', format: 'compact' });
}

function onMessage(data) {
    stats.msgs++;
    stats.bytes += data.length;
    let m;
    try {
        m = JSON.parse(data);
    } catch (e) {
        return;
    }
    switch (m.type) {
    case 'f':
    case 'frame':
        onFrame(m);
        break;
    case 'event':
        stats.events++;
        race.event(m);
        break;
    case 'state':
        stats.states++;
        race.state(m);
        race.seedFeed(timeline);
        jumpPending = true;
        updateMapNote();
        break;
    case 'clock':
        onClock(m);
        break;
    case 'predictions':
        race.setPredictions(m);
        break;
    case 'hello':
        onHello(m);
        break;
    case 'subscribed':
        cols = compactColumns(m.channels);
        showDelay(m.delay_ms);
        if (m.delay_ms != null) {
            delaySec = Math.round(m.delay_ms / 1000);
            conn.url = wsUrl();
            if (document.activeElement !== el.delayInput) {
                el.delayInput.value = String(delaySec);
            }
        }
        break;
    case 'error':
        say(m.message || m.code || 'error', true);
        break;
    default:
        break;
    }
}

function onHello(m) {
    stats.hellos++;
    conn.healthy();
    race.hello(m);
    playout.clear();
    el.towerBody.textContent = '';
    rows.clear();
    map.setOutline(race.outline);
    const s = race.session;
    el.meeting.textContent = s.meeting || s.official_name || 'F1 replay';
    el.sessionName.textContent = [s.session_name, s.circuit, s.start_date
                                  && s.start_date.slice(0, 10)]
                                 .filter(Boolean).join(' · ');
    document.title = `${s.meeting || 'F1'} ${s.session_name || ''} – replay`;
    onClock(m.clock);
    subscribe();
    updateMapNote();
    discoverControl();
}

function onFrame(m) {
    stats.frames++;
    if (jumpPending) {
        playout.clear();
        jumpPending = false;
    }
    const f = decodeFrame(m, cols);
    playout.push(f, performance.now(), 1000 / race.tickRate);
    if (playout.jumps !== seenJumps) {
        seenJumps = playout.jumps;
        lastJump = { at: Date.now(), t: f.t, tick: f.tick };
    }
    for (const c of f.cars.values()) {
        if (c.x == null || c.prov === 0) continue;
        const car = race.cars.get(c.n);
        map.pitSample(c.n, c.x, c.y, !!(car && car.in_pit));
        if (c.prov !== 3) map.include(c.x, c.y);
    }
}

function onClock(c) {
    if (!c) return;
    clock = c;
    lastClockMsg = { change: c.change, reason: c.reason, t: c.t,
                     state: c.state, at: Date.now() };
    playout.hold = c.state !== 'playing';
    if (c.reason === 'seek' || c.reason === 'restart' || c.reason === 'loop') {
        jumpPending = true;
    }
    if (c.delay_ms != null) showDelay(c.delay_ms);
    showClock();
    updateMapNote();
}

function showConn(status, detail) {
    const c = el.conn;
    c.className = 'conn ' + status;
    el.reconnect.hidden = status !== 'waiting';
    if (status === 'open') c.textContent = 'connected';
    else if (status === 'connecting') c.textContent = 'connecting…';
    else if (status === 'waiting') {
        playout.hold = true;
        c.textContent = 'disconnected' + (detail && detail.code
                                          ? ` (${detail.code})` : '');
    }
    updateMapNote();
}

function showDelay(ms) {
    el.delayBadge.hidden = !ms;
    el.delayBadge.textContent = ms ? `${Math.round(ms / 1000)} s behind` : '';
}

// --- drawing ----------------------------------------------------------

const sampled = [];
const toDraw = [];
const pool = [];
const rank = new Map();
let lastRt = null;
let lastPlayoutJumps = -1;
let lastLayouts = -1;
let lastDraw = null;
let mapDirty = true;

function carStyle(c, car) {
    if (car && car.retired) return 'retired';
    if (car && car.in_pit) return 'pit';
    if (c.off) return 'off';
    if (c.prov === 3) return 'stale';
    return 'car';
}

function drawMap(now) {
    const rt = playout.renderTime(now);
    if (rt === null && !mapDirty) return;
    if (rt === lastRt && !mapDirty && playout.jumps === lastPlayoutJumps
        && map.layouts === lastLayouts)
    {
        return;
    }
    const t0 = performance.now();
    lastRt = rt;
    lastPlayoutJumps = playout.jumps;
    lastLayouts = map.layouts;
    mapDirty = false;

    playout.sample(rt ?? 0, sampled);
    toDraw.length = 0;
    for (const c of sampled) {
        if (c.x == null || c.prov === 0) continue;
        const car = race.cars.get(c.n);
        const d = race.driver(c.n);
        const o = pool[toDraw.length] || (pool[toDraw.length] = {});
        o.n = c.n;
        o.x = c.x;
        o.y = c.y;
        o.style = carStyle(c, car);
        o.colour = d.colour;
        o.tla = d.tla;
        o.rank = rank.get(c.n) ?? 99;
        toDraw.push(o);
    }
    // the leader on top
    toDraw.sort((a, b) => b.rank - a.rank);
    map.selected = selected;
    map.draw(toDraw);
    lastDraw = { rt, at: Date.now() };
    stats.draws++;
    stats.drawMs += performance.now() - t0;
}

let lastUi = 0, shownVersion = -1, lastClockUi = 0;

function loop(now) {
    requestAnimationFrame(loop);
    stats.rafs++;
    drawMap(now);
    if (race.version !== shownVersion && now - lastUi > 150) {
        lastUi = now;
        shownVersion = race.version;
        updatePanels();
    }
    if (now - lastClockUi > 200) {
        lastClockUi = now;
        showClock();
        if (selected !== null) showCard();
        if (conn.status === 'waiting' && conn.retryAt) {
            const s = Math.max(0, Math.ceil((conn.retryAt - now) / 1000));
            el.conn.textContent = `disconnected, retry in ${s} s`;
        }
    }
}

function sessionTime() {
    const rt = playout.renderTime(performance.now());
    if (clock && clock.state !== 'playing') return clock.t;
    return rt ?? (clock ? clock.t : race.t);
}

function showClock() {
    const t = sessionTime();
    el.time.textContent = fmtTime(t);
    const total = race.totalLaps;
    el.lap.textContent = race.lap
        ? `${race.lap}${total ? ' / ' + total : ''}` : '–';
    if (clock) {
        const st = clock.state;
        el.clockState.textContent = st === 'playing' && clock.speed !== 1
            ? `${clock.speed}×` : st;
        el.clockState.className = 'pill ' + st;
        el.play.classList.toggle('paused', st !== 'playing');
        el.play.setAttribute('aria-label', st === 'playing' ? 'Pause (space)'
                                                            : 'Play (space)');
        if (document.activeElement !== el.speed) {
            el.speed.value = String(clock.speed);
        }
        el.loop.checked = !!clock.loop;
        const lo = parseTime(clock.start), hi = parseTime(clock.end);
        if (lo != null && hi != null) {
            el.scrub.min = String(lo);
            el.scrub.max = String(hi);
            el.scrubStart.textContent = fmtTime(lo);
            el.scrubEnd.textContent = fmtTime(hi);
        }
        if (!scrubbing && t != null) el.scrub.value = String(t);
    }
}

function updateMapNote() {
    let note = '';
    if (race.session && !race.outline) {
        note = 'No position data in this archive: timing only.';
    } else if (conn.status === 'waiting') {
        note = 'Disconnected: the map is frozen.';
    } else if (clock && clock.state === 'waiting') {
        note = 'Waiting for the replay to start.';
    } else if (clock && clock.state === 'ended') {
        note = 'The replay has ended.';
    }
    el.mapNote.hidden = !note;
    el.mapNote.textContent = note;
    el.legend.hidden = !race.outline;
}

// --- panels -----------------------------------------------------------

const rows = new Map();       // number -> {tr, cells, last values}
const STATUS_TEXT = {
    1: 'Track clear', 2: 'Yellow flag', 4: 'Safety car', 5: 'Red flag',
    6: 'Virtual safety car', 7: 'VSC ending',
};

function set(r, k, v, html = false) {
    if (r.v[k] === v) return;
    r.v[k] = v;
    if (html) r.c[k].innerHTML = v;
    else r.c[k].textContent = v;
}

function towerRow(n) {
    let r = rows.get(n);
    if (r) return r;
    const tr = document.createElement('tr');
    tr.dataset.number = String(n);
    tr.tabIndex = 0;
    const c = {};
    for (const k of ['pos', 'drv', 'gap', 'int', 'last', 'tyre', 'pits',
                     'tag'])
    {
        const td = document.createElement('td');
        td.className = k;
        if (['gap', 'int', 'last', 'pits'].includes(k)) td.classList.add('num');
        c[k] = td;
        tr.appendChild(td);
    }
    const d = race.driver(n);
    c.drv.innerHTML = `<i style="background:${esc(d.colour)}"></i>${esc(d.tla)}`;
    c.drv.title = `${d.name || ''} (${d.team || ''}) #${n}`;
    r = { tr, c, v: {} };
    rows.set(n, r);
    return r;
}

function updateTower() {
    const order = race.order();
    const fl = race.fastest;
    rank.clear();
    order.forEach((car, i) => rank.set(car.number, i));

    let i = 0, same = el.towerBody.children.length === order.length;
    for (const car of order) {
        const r = towerRow(car.number);
        if (same && el.towerBody.children[i] !== r.tr) same = false;
        i++;
        const leader = car.position === 1;
        set(r, 'pos', car.position != null ? String(car.position) : '');
        set(r, 'gap', leader ? (race.lap ? `Lap ${race.lap}` : 'Leader')
                             : fmtGap(car.gap_ms, car.gap_laps, car.gap));
        set(r, 'int', leader ? '' : fmtGap(car.interval_ms, car.interval_laps,
                                           car.interval));
        set(r, 'last', fmtLap(car.last_lap_ms));
        const isFl = fl && fl.driver === car.number && car.last_lap_ms != null
                     && car.last_lap_ms === fl.lap_time_ms;
        const isPb = car.last_lap_ms != null
                     && car.last_lap_ms === car.best_lap_ms;
        const lc = 'last num' + (isFl ? ' fl' : isPb ? ' pb' : '');
        if (r.c.last.className !== lc) r.c.last.className = lc;
        const cp = compound(car.compound);
        set(r, 'tyre', car.compound
            ? `<span class="tc${car.tyre_new === false ? ' used' : ''}`
              + `${cp.letter.length > 1 ? ' two' : ''}" `
              + `style="color:${cp.colour}" title="${esc(car.compound)}`
              + `${car.tyre_new === false ? ', used' : ', new'}"><b>`
              + `${esc(cp.letter)}</b></span><span class="age">`
              + `${car.tyre_age ?? ''}</span>` : '', true);
        set(r, 'pits', String(car.pit_stops ?? ''));
        const tag = car.retired ? '<span class="tag ret">RET</span>'
                    : car.in_pit ? '<span class="tag pit">PIT</span>'
                    : car.pit_out ? '<span class="tag out">OUT</span>'
                    : car.stopped ? '<span class="tag ret">STOP</span>' : '';
        set(r, 'tag', tag, true);
        const cls = (car.retired ? 'retired' : '')
                    + (car.number === selected ? ' sel' : '');
        if (r.tr.className !== cls) r.tr.className = cls;
    }
    if (!same) {
        for (const car of order) el.towerBody.appendChild(rows.get(car.number).tr);
    }
    return order;
}

function updateStatus() {
    const ts = race.trackStatus || { status: 1 };
    let text = STATUS_TEXT[ts.status] || ts.message || 'Track';
    let cls = 'banner s' + (STATUS_TEXT[ts.status] ? ts.status : 1);
    if (race.finished) {
        text = 'Chequered flag';
        cls = 'banner chequered';
    }
    if (el.status.textContent !== text) el.status.textContent = text;
    if (el.status.className !== cls) el.status.className = cls;
}

let predShown = null, predOrder = '';

function updatePredictions(order) {
    const p = race.predictions;
    const b = p && p.builtin;
    const key = order.map(c => c.number).join(',');
    if (p === predShown && key === predOrder) return;
    predShown = p;
    predOrder = key;
    el.predNone.hidden = !!(b && b.cars);
    el.predBody.parentElement.hidden = !(b && b.cars);
    if (!b || !b.cars) {
        el.predBody.textContent = '';
        el.predLap.textContent = '';
        return;
    }
    const loss = b.pit_loss && b.pit_loss.green;
    el.predLap.textContent = `at lap ${b.lap}`
        + (loss ? ` · pit loss ${(loss.ms / 1000).toFixed(1)} s` : '');
    const html = [];
    for (const car of order) {
        const pc = b.cars[String(car.number)];
        if (!pc) continue;
        const d = race.driver(car.number);
        const name = `<td class="car"><i style="background:${esc(d.colour)}">`
                     + `</i>${esc(d.tla)}</td>`;
        if (pc.active === false) {
            html.push(`<tr>${name}<td class="muted" colspan="4">not running`
                      + '</td></tr>');
            continue;
        }
        const ns = pc.next_stop;
        const stop = ns ? `L${ns.lap}<span class="window">${ns.lo}–${ns.hi}`
                          + '</span>'
                        : '<span class="muted">to the flag</span>';
        const conf = ns && ns.confidence != null
            ? `<span class="conf bar"><i style="width:${Math.round(
                   ns.confidence * 100)}%;background:#60a5fa"></i></span> `
              + pct(ns.confidence) : '';
        const plan = (pc.plan || []).map(cn => {
            const cp = compound(cn);
            return `<span class="chip" style="background:${cp.colour}" `
                   + `title="${esc(cn)}">${esc(cp.letter)}</span>`;
        }).join('') || '<span class="muted">none</span>';
        const ot = pc.overtake;
        const pass = ot && ot.ahead != null
            ? `${pct(ot.p3)} <span class="muted">on</span> `
              + esc(race.driver(ot.ahead).tla) : '';
        html.push(`<tr>${name}<td>${stop}</td><td>${conf}</td>`
                  + `<td>${plan}</td><td>${pass}</td></tr>`);
    }
    el.predBody.innerHTML = html.join('');
}

function feedText(e) {
    const tla = e.tla || (e.driver != null ? race.driver(e.driver).tla : '');
    switch (e.event) {
    case 'start': return 'Lights out';
    case 'pit_in': return `${tla} into the pit lane`;
    case 'pit_stop':
        return `${tla} pit stop` + (e.compound ? ` → ${e.compound}`
                                    + (e.new === false ? ' (used)' : '') : '');
    case 'retired': return `${tla} retired`;
    case 'overtake':
        return `${tla} passes ${e.other_tla || e.other}`
               + (e.position ? ` for P${e.position}` : '');
    case 'track_status':
        return STATUS_TEXT[e.status] || e.message || 'Track status';
    case 'safety_car': return 'Safety car';
    case 'vsc': return 'Virtual safety car';
    case 'red_flag': return 'Red flag';
    case 'fastest_lap':
        return `Fastest lap ${tla} ${e.lap_time || fmtLap(e.lap_time_ms)}`
               + (e.lap ? ` (lap ${e.lap})` : '');
    case 'finish': return 'Chequered flag' + (tla ? `: ${tla} wins` : '');
    default: return e.event;
    }
}

let feedKey = '';

function updateFeed() {
    const items = race.feed.concat(race.rc.map(r => Object.assign(
        { rc: true }, r, { t: r.t ?? parseTime(r.time) })));
    items.sort((a, b) => (b.t ?? 0) - (a.t ?? 0));
    items.length = Math.min(items.length, 60);
    const key = items.length + ':' + (items[0] ? items[0].t + items[0].event
                                                : '');
    if (key === feedKey) return;
    feedKey = key;
    el.feed.innerHTML = items.map(e => {
        const when = `<span class="when">${esc(fmtTime(e.t))}</span>`;
        if (e.rc) {
            const flag = e.flag ? ` flag-${String(e.flag).replace(/\s+/g, '-')}`
                                : '';
            return `<li class="rc${esc(flag)}">${when}<span>${esc(e.message)}`
                   + '</span></li>';
        }
        const cls = (e.event === 'track_status' && e.status !== 1)
                    || e.event === 'safety_car' || e.event === 'vsc'
                    || e.event === 'red_flag' ? 'sc'
                    : e.event === 'fastest_lap' ? 'fl' : '';
        return `<li class="${cls}">${when}<span>${esc(feedText(e))}</span></li>`;
    }).join('');
}

let weatherShown;

function updateWeather() {
    const w = race.weather;
    if (w === weatherShown) return;
    weatherShown = w;
    if (!w) {
        el.weather.innerHTML = '<dd class="muted">No weather data yet.</dd>';
        return;
    }
    const f = (v, u, d = 1) => v == null ? '–' : `${Number(v).toFixed(d)}${u}`;
    const rain = w.rainfall === true || Number(w.rainfall) > 0;
    el.weather.innerHTML =
        `<dt>Air</dt><dd>${f(w.air_temp, ' °C')}</dd>`
        + `<dt>Track</dt><dd>${f(w.track_temp, ' °C')}</dd>`
        + `<dt>Humidity</dt><dd>${f(w.humidity, ' %', 0)}</dd>`
        + `<dt>Wind</dt><dd>${f(w.wind_speed, ' m/s')}`
        + `${w.wind_direction != null ? ' ' + f(w.wind_direction, '°', 0) : ''}</dd>`
        + `<dt>Pressure</dt><dd>${f(w.pressure, ' hPa', 0)}</dd>`
        + `<dt>Rain</dt><dd>${rain ? 'yes' : 'no'}</dd>`;
}

function updatePanels() {
    const order = updateTower();
    updateStatus();
    updatePredictions(order);
    updateFeed();
    updateWeather();
    mapDirty = true;            // pit/retired styles may have changed
}

function showCard() {
    const n = selected;
    const d = race.driver(n);
    const car = race.cars.get(n);
    const c = sampled.find(s => s.n === n);
    if (!car && !c) {
        el.card.hidden = true;
        return;
    }
    const v = (x, u = '') => x == null ? '–' : `${x}${u}`;
    const drs = c && c.drs != null ? (c.drs >= 10 ? 'open'
                                      : c.drs === 8 ? 'eligible' : 'off') : '–';
    el.card.hidden = false;
    el.card.innerHTML =
        `<h3 style="color:${esc(d.colour)}">${esc(d.tla)} <span class="muted">`
        + `#${n} ${esc(d.name || '')}</span></h3><dl>`
        + `<dt>Position</dt><dd>${v(car && car.position)}</dd>`
        + `<dt>Speed</dt><dd>${v(c && c.v != null ? Math.round(c.v) : null, ' km/h')}</dd>`
        + `<dt>Gear</dt><dd>${v(c && c.g)}</dd>`
        + `<dt>RPM</dt><dd>${v(c && c.rpm != null ? Math.round(c.rpm) : null)}</dd>`
        + `<dt>Throttle</dt><dd>${v(c && c.thr != null ? Math.round(c.thr) : null, ' %')}</dd>`
        + `<dt>Brake</dt><dd>${c && c.brk != null ? (c.brk > 0 ? 'on' : 'off') : '–'}</dd>`
        + `<dt>DRS</dt><dd>${drs}</dd></dl>`;
}

function select(n) {
    selected = selected === n ? null : n;
    el.card.hidden = selected === null;
    if (selected !== null) showCard();
    shownVersion = -1;
    mapDirty = true;
}

el.towerBody.addEventListener('click', (e) => {
    const tr = e.target.closest('tr');
    if (tr) select(Number(tr.dataset.number));
});
el.towerBody.addEventListener('keydown', (e) => {
    const tr = e.target.closest('tr');
    if (tr && e.key === 'Enter') select(Number(tr.dataset.number));
});
el.map.addEventListener('click', (e) => {
    const r = el.map.getBoundingClientRect();
    const n = map.hit(e.clientX - r.left, e.clientY - r.top);
    if (n !== null) select(n);
    else if (selected !== null) select(selected);
});

// --- control ----------------------------------------------------------

function say(text, bad = false) {
    el.msg.textContent = text;
    el.msg.style.color = bad ? 'var(--red)' : '';
}

async function control(body) {
    let r, j = null;
    try {
        r = await fetch(CONTROL, {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            body: JSON.stringify(body),
        });
        j = await r.json().catch(() => null);
    } catch (e) {
        say('control: ' + e.message, true);
        return null;
    }
    if (!r.ok) {
        say((j && j.error) || `control: HTTP ${r.status}`, true);
        return null;
    }
    if (j && j.type === 'clock') {
        const what = body.action === 'seek' ? `seek to ${j.time} (lap ${j.lap})`
                     : body.action === 'speed' ? `speed ${j.speed}×`
                     : body.action === 'loop' ? `loop ${j.loop ? 'on' : 'off'}`
                     : body.action;
        say(what);
    }
    return j;
}

async function discoverControl() {
    let ok = false;
    try {
        const r = await fetch(CONTROL, { headers: { Accept: 'application/json' } });
        if (r.ok) {
            const j = await r.json().catch(() => null);
            ok = !!(j && j.type === 'clock');
        }
    } catch (e) {
        ok = false;
    }
    controlOK = ok;
    for (const n of document.querySelectorAll('[data-control]')) n.hidden = !ok;
    map.layout();
    mapDirty = true;
    if (ok) loadTimeline();
}

// the kinds the page shows (not every car's lap and place)
const TIMELINE_TYPES = 'start,lap,pit_stop,overtake,safety_car,vsc,red_flag,'
                       + 'race_control,fastest_lap,retired,finish';

async function loadTimeline() {
    try {
        // commas as they are: the module reads the list raw
        let r = await fetch(new URL('timeline?type=' + TIMELINE_TYPES,
                                    CONTROL).href);
        if (r.status === 400) {
            // protocol 1 knows no "retired" in the timeline
            r = await fetch(new URL('timeline', CONTROL).href);
        }
        if (!r.ok) return;
        const j = await r.json();
        timeline = (j.events || []).map(normalizeEvent);
        timeline.sort((a, b) => a.t - b.t || a.id - b.id);
        race.seedFeed(timeline);
        drawMarks();
        renderEvents();
    } catch (e) {
        timeline = [];
    }
}

function drawMarks() {
    const lo = parseTime(clock && clock.start), hi = parseTime(clock && clock.end);
    if (lo == null || hi == null || hi <= lo) return;
    const x = t => `${((t - lo) / (hi - lo) * 100).toFixed(3)}%`;
    const html = [];
    for (const e of timeline) {
        if (e.event === 'safety_car' || e.event === 'vsc'
            || e.event === 'red_flag')
        {
            const end = e.end ?? hi;
            const cls = e.event === 'safety_car' ? 'sc'
                        : e.event === 'vsc' ? 'vsc' : 'red';
            html.push(`<i class="${cls}" style="left:${x(e.t)};width:calc(`
                      + `${x(end)} - ${x(e.t)})"></i>`);
        } else if (e.event === 'pit_stop') {
            html.push(`<i class="pit" style="left:${x(e.t)}"></i>`);
        }
    }
    el.scrubMarks.innerHTML = html.join('');
}

const EVENT_NAMES = {
    start: 'Start', lap: 'Lap', pit_stop: 'Pit stop', stint: 'Stint',
    overtake: 'Overtake', safety_car: 'Safety car', vsc: 'VSC',
    red_flag: 'Red flag', race_control: 'Race control',
    fastest_lap: 'Fastest lap', finish: 'Finish', retired: 'Retired',
};

function eventText(e) {
    switch (e.event) {
    case 'lap': return `Lap ${e.lap}${e.total_laps ? ' / ' + e.total_laps : ''}`;
    case 'race_control': return e.message || 'Race control';
    case 'safety_car': case 'vsc': case 'red_flag':
        return EVENT_NAMES[e.event]
               + (e.end != null ? ` until ${fmtTime(e.end)}` : '');
    case 'stint': return `${e.tla} stint ${e.stint}: ${e.compound}`;
    default: return feedText(e);
    }
}

function filteredTimeline() {
    const f = el.eventsFilter.value;
    if (!f) return timeline.filter(e => e.event !== 'stint');
    const kinds = new Set(f.split(','));
    return timeline.filter(e => kinds.has(e.event));
}

function renderEvents() {
    const now = sessionTime() ?? 0;
    const list = filteredTimeline();
    el.eventsList.innerHTML = list.length ? list.map(e =>
        `<li${e.t <= now ? ' class="past"' : ''}><button data-id="${e.id}" `
        + `data-t="${e.t}"><span class="when">${esc(fmtTime(e.t))}</span>`
        + `<span class="muted">${e.lap != null ? 'L' + esc(e.lap) : ''}</span>`
        + `<span>${esc(eventText(e))}</span></button></li>`).join('')
        : '<li class="muted">No events of this kind.</li>';
}

function toggleEvents(show = el.events.hidden) {
    el.events.hidden = !show;
    el.eventsBtn.setAttribute('aria-expanded', String(show));
    if (show) {
        renderEvents();
        const now = sessionTime() ?? 0;
        const next = [...el.eventsList.querySelectorAll('button')]
                     .find(b => Number(b.dataset.t) > now);
        (next || el.eventsList.querySelector('button') || el.eventsFilter)
            .focus({ preventScroll: false });
    }
}

function seekEvent(dir) {
    const now = sessionTime() ?? 0;
    const list = filteredTimeline();
    const e = dir > 0 ? list.find(x => x.t > now + 500)
                      : list.filter(x => x.t < now - 2000).pop();
    if (e) control({ action: 'seek', event: e.id });
}

function seekBy(ms) {
    const now = sessionTime();
    if (now == null || !clock) return;
    const lo = parseTime(clock.start) ?? 0, hi = parseTime(clock.end) ?? now;
    control({ action: 'seek', t: Math.round(Math.max(lo, Math.min(hi, now + ms))) });
}

function playPause() {
    if (!clock) return;
    control({ action: clock.state === 'playing' ? 'pause' : 'resume' });
}

function stepSpeed(dir) {
    const cur = clock ? clock.speed : 1;
    let i = SPEEDS.findIndex(s => s >= cur - 1e-9);
    if (i < 0) i = SPEEDS.length - 1;
    if (SPEEDS[i] !== cur && dir < 0) i++;
    const ni = Math.max(0, Math.min(SPEEDS.length - 1, i + dir));
    control({ action: 'speed', speed: SPEEDS[ni] });
}

el.play.addEventListener('click', playPause);
el.restart.addEventListener('click', () => control({ action: 'restart' }));
el.speed.addEventListener('change', () =>
    control({ action: 'speed', speed: Number(el.speed.value) }));
el.loop.addEventListener('change', () =>
    control({ action: 'loop', loop: el.loop.checked }));
el.seekLap.addEventListener('submit', (e) => {
    e.preventDefault();
    const lap = Number(el.lapInput.value);
    if (Number.isInteger(lap) && lap > 0) control({ action: 'seek', lap });
});
el.seekTime.addEventListener('submit', (e) => {
    e.preventDefault();
    const t = parseTime(el.timeInput.value);
    if (t == null) say('time: HH:MM:SS', true);
    else control({ action: 'seek', t });
});
el.delayForm.addEventListener('submit', (e) => {
    e.preventDefault();
    const d = Number(el.delayInput.value);
    if (!Number.isFinite(d) || d < 0) return;
    // the answer (subscribed, with delay_ms) sets the delay for later
    // connections; a refusal leaves it
    const sub = { type: 'subscribe', format: 'compact', delay: Math.round(d) };
    if (!conn.send(sub)) say('not connected', true);
    else say(`delay ${sub.delay} s asked`);
});
el.scrub.addEventListener('input', () => {
    scrubbing = true;
    el.time.textContent = fmtTime(Number(el.scrub.value));
});
el.scrub.addEventListener('change', () => {
    scrubbing = false;
    control({ action: 'seek', t: Number(el.scrub.value) });
});
el.eventsBtn.addEventListener('click', () => toggleEvents());
el.eventsClose.addEventListener('click', () => {
    toggleEvents(false);
    el.eventsBtn.focus();
});
el.eventsFilter.addEventListener('change', renderEvents);
el.eventsList.addEventListener('click', (e) => {
    const b = e.target.closest('button[data-id]');
    if (b) control({ action: 'seek', event: Number(b.dataset.id) });
});
el.reconnect.addEventListener('click', () => conn.connect());
el.helpBtn.addEventListener('click', () => el.help.showModal());
// the dialog's own button keeps the focus once it is closed: let go of
// it, so that Space plays and pauses again
el.help.addEventListener('close', () => {
    if (el.help.contains(document.activeElement)) document.activeElement.blur();
});
window.addEventListener('online', () => {
    if (conn.status === 'waiting') conn.connect();
});
window.addEventListener('resize', () => {
    map.layout();
    mapDirty = true;
});

// --- keyboard ---------------------------------------------------------

document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    const tag = e.target && e.target.tagName;
    if (e.key === 'Escape') {
        if (!el.events.hidden) {
            toggleEvents(false);
            el.eventsBtn.focus();
        }
        return;
    }
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA') return;
    if (el.help.open && e.key !== '?') return;
    const k = e.key;
    let done = true;
    if (k === '?') {
        if (el.help.open) el.help.close();
        else el.help.showModal();
    } else if (k === 'r' || k === 'R') {
        conn.connect();
    } else if (k === 't' || k === 'T') {
        map.labels = !map.labels;
        mapDirty = true;
    } else if (k === 'd' || k === 'D') {
        el.delayInput.focus();
        el.delayInput.select();
    } else if (!controlOK) {
        done = false;
    } else if (k === ' ' || k === 'k' || k === 'K') {
        if (tag === 'BUTTON' && k === ' ') return;   // the button's own click
        playPause();
    } else if (k === 'ArrowLeft' || k === 'ArrowRight') {
        seekBy((k === 'ArrowLeft' ? -1 : 1) * (e.shiftKey ? 60000 : 10000));
    } else if (k === ',' || k === '.') {
        const lap = Math.max(1, (race.lap || 1) + (k === ',' ? -1 : 1));
        control({ action: 'seek', lap });
    } else if (k === '[' || k === ']') {
        stepSpeed(k === '[' ? -1 : 1);
    } else if (k === 'Home') {
        control({ action: 'restart' });
    } else if (k === 'l' || k === 'L') {
        control({ action: 'loop', loop: !(clock && clock.loop) });
    } else if (k === 'e' || k === 'E') {
        toggleEvents();
    } else if (k === 'n' || k === 'N' || k === 'p' || k === 'P') {
        seekEvent(k === 'n' || k === 'N' ? 1 : -1);
    } else if (k === 'g' || k === 'G') {
        el.lapInput.focus();
        el.lapInput.select();
    } else {
        done = false;
    }
    if (done) e.preventDefault();
});

// --- back-test figures ------------------------------------------------

async function loadBacktest() {
    try {
        const r = await fetch(BACKTEST);
        if (!r.ok) return;
        const b = await r.json();
        const ns = b.next_stop, oc = b.overtake;
        el.backtest.innerHTML =
            `Model accuracy, ${esc(b.season)} back-test (${esc(b.races)} races): `
            + `next stop <b>±${ns.mae_within_10}</b> laps MAE within 10 laps of`
            + ` it (<b>${pct(ns.hit2_within_10)}</b> within ±2), its 80 % `
            + `window held it <b>${pct(ns.window_coverage)}</b>; next compound `
            + `<b>${pct(b.next_compound.accuracy)}</b>, stops `
            + `<b>${pct(b.stops.accuracy)}</b>; pass ahead AUC `
            + `<b>${oc.auc}</b> (Brier ${oc.brier}). `
            + `<span title="${esc(b.source)}">Source: README</span>`;
    } catch (e) {
        el.backtest.textContent = '';
    }
}

// --- for tests and benchmarks -----------------------------------------

window.f1dash = {
    project: (x, y) => map.project(x, y),
    dpr: () => map.dpr,
    latest: () => {
        const f = playout.latest();
        return f && { tick: f.tick, t: f.t, cars: [...f.cars.values()] };
    },
    drawn: () => map.drawn.map(d => Object.assign({}, d)),
    cars: () => race.order().map(c => Object.assign({}, c)),
    towerOrder: () => [...el.towerBody.children].map(tr => Number(tr.dataset.number)),
    sessionTime,
    renderTime: () => playout.renderTime(performance.now()),
    hold: () => playout.hold,
    lastDraw: () => lastDraw,
    raceTime: () => race.t,
    clock: () => clock,
    lastClock: () => lastClockMsg,
    lastJump: () => lastJump,
    radius: () => map.radius,
    controlOK: () => controlOK,
    connection: () => conn.status,
    stats: () => Object.assign({}, stats),
    protocol: () => race.protocol,
    timeline: () => timeline.length,
};

loadBacktest();
conn.connect();
requestAnimationFrame(loop);
