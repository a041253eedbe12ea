// The race as the stream tells it: hello (session, drivers, outline),
// state (every car at a moment, sent on connect and after every jump) and
// events (applied as the clock passes them).  Pure: no DOM, so node can
// test it.  Written for protocol 2; protocol 1 messages are mapped onto
// it where that is cheap (gap strings, "lap" events with a driver,
// race-control messages nested under "message", the timeline's
// "type"/"t_ms").

import { parseTime, teamColour } from './fmt.js';

const FEED_MAX = 80;
const RC_MAX = 40;

// one event, whatever the protocol or source (stream or timeline), as
// {event, id, t, time, lap, driver, tla, ...}
export function normalizeEvent(m) {
    const e = Object.assign({}, m);
    let kind = m.event;

    if (kind === undefined || kind === null) kind = m.type;   // timeline v1
    delete e.type;
    if (typeof m.t === 'string') {                            // timeline v1
        e.time = m.t;
        e.t = m.t_ms != null ? m.t_ms : parseTime(m.t);
        delete e.t_ms;
        if (typeof m.end === 'string') {
            e.end = m.end_ms != null ? m.end_ms : parseTime(m.end);
            delete e.end_ms;
        }
    }
    if (kind === 'lap' && m.driver != null) kind = 'car_lap'; // v1 stream
    if (kind === 'race_control' && m.message
        && typeof m.message === 'object')
    {
        Object.assign(e, m.message);                          // v1 stream
        e.t = m.t;
        e.time = m.time;
    }
    e.event = kind;
    return e;
}

function carFromState(c) {
    return {
        number: c.number,
        tla: c.tla,
        position: c.position ?? null,
        laps: c.laps ?? null,
        gap_ms: c.gap_ms ?? null,
        gap_laps: c.gap_laps ?? null,
        interval_ms: c.interval_ms ?? null,
        interval_laps: c.interval_laps ?? null,
        gap: c.gap ?? null,                 // protocol 1 strings
        interval: c.interval ?? null,
        last_lap_ms: c.last_lap_ms ?? null,
        best_lap_ms: c.best_lap_ms ?? null,
        in_pit: !!c.in_pit,
        pit_out: !!c.pit_out,
        retired: !!c.retired,
        stopped: !!c.stopped,
        pit_stops: c.pit_stops ?? 0,
        stint: c.stint ?? null,
        compound: c.compound ?? null,
        tyre_new: c.tyre_new ?? null,
        tyre_age: c.tyre_age ?? null,
    };
}

export class Race {
    constructor() {
        this.reset();
    }

    reset() {
        this.protocol = null;
        this.session = null;
        this.drivers = new Map();     // number -> {number, tla, name, team, colour}
        this.outline = null;          // [x0, y0, x1, y1, ...] decimetres
        this.tickRate = 50;
        this.clearState();
        this.predictions = null;
        this.version = 0;             // bumped on every change (redraw)
    }

    clearState() {
        this.t = null;
        this.lap = null;
        this.totalLaps = null;
        this.sessionStatus = null;
        this.trackStatus = { status: 1, message: 'AllClear', since: null };
        this.weather = null;
        this.cars = new Map();
        this.rc = [];                 // race-control messages, newest first
        this.feed = [];               // notable events, newest first
        this.fastest = null;          // {driver, lap_time_ms, lap}
        this.finished = false;
    }

    hello(m) {
        this.protocol = m.protocol;
        this.session = m.session || {};
        this.tickRate = m.tick_rate || 50;
        this.totalLaps = this.session.total_laps ?? null;
        this.drivers.clear();
        for (const d of m.drivers || []) {
            this.drivers.set(d.number, {
                number: d.number, tla: d.tla, name: d.name,
                team: d.team, colour: teamColour(d.colour),
            });
        }
        const xy = m.outline && m.outline.xy;
        this.outline = Array.isArray(xy) && xy.length >= 6 ? xy : null;
        this.version++;
    }

    driver(n) {
        return this.drivers.get(n)
               || { number: n, tla: String(n), colour: teamColour(null) };
    }

    // a full state: everything before it is replaced
    state(m) {
        const fastest = this.fastest;
        this.clearState();
        this.t = m.t;
        this.lap = m.lap ?? null;
        if (m.total_laps != null) this.totalLaps = m.total_laps;
        this.sessionStatus = m.session_status ?? null;
        if (m.track_status) this.trackStatus = Object.assign({}, m.track_status);
        this.weather = m.weather || null;
        for (const c of m.cars || []) this.cars.set(c.number, carFromState(c));
        for (const r of (m.race_control || []).slice().reverse()) {
            this.rc.push(r);
        }
        // the fastest lap so far is not in the state: keep it if it is
        // not later than the new moment
        if (fastest && fastest.t <= this.t) this.fastest = fastest;
        this.deriveFastest();
        this.version++;
    }

    deriveFastest() {
        for (const c of this.cars.values()) {
            if (c.best_lap_ms != null && c.best_lap_ms > 0
                && (!this.fastest || c.best_lap_ms < this.fastest.lap_time_ms))
            {
                this.fastest = { driver: c.number, lap_time_ms: c.best_lap_ms,
                                 t: this.t };
            }
        }
    }

    car(n) {
        let c = this.cars.get(n);
        if (!c) {
            const d = this.driver(n);
            c = carFromState({ number: n, tla: d.tla });
            this.cars.set(n, c);
        }
        return c;
    }

    pushFeed(e) {
        this.feed.unshift(e);
        if (this.feed.length > FEED_MAX) this.feed.length = FEED_MAX;
    }

    // one event from the stream; returns the normalized event
    event(m) {
        const e = normalizeEvent(m);
        const c = e.driver != null ? this.car(e.driver) : null;

        if (e.t != null) this.t = Math.max(this.t ?? e.t, e.t);
        if (e.lap != null && e.event === 'lap') this.lap = e.lap;

        switch (e.event) {
        case 'start':
            this.pushFeed(e);
            break;
        case 'lap':
            if (e.total_laps != null) this.totalLaps = e.total_laps;
            break;
        case 'car_lap':
            c.laps = e.lap;
            if (e.position != null) c.position = e.position;
            if (e.lap_time_ms != null) {
                c.last_lap_ms = e.lap_time_ms;
                if (c.best_lap_ms == null || e.lap_time_ms < c.best_lap_ms) {
                    c.best_lap_ms = e.lap_time_ms;
                }
            }
            if ('gap_ms' in e || 'gap_laps' in e) {
                c.gap_ms = e.gap_ms ?? null;
                c.gap_laps = e.gap_laps ?? null;
                c.interval_ms = e.interval_ms ?? null;
                c.interval_laps = e.interval_laps ?? null;
                c.gap = c.interval = null;
            }
            // the set's age counts every lap, the in-lap included (the
            // stint event at the pit exit resets it); the archive's own
            // count may follow the line by a few seconds
            if (c.tyre_age != null) c.tyre_age++;
            c.pit_out = false;
            // the leader's lap count, when no "lap" event says it
            if (e.position === 1 && this.protocol === 1) {
                this.lap = Math.min(e.lap + 1, this.totalLaps ?? Infinity);
            }
            break;
        case 'position':
            c.position = e.position;
            break;
        case 'pit_in':
            c.in_pit = true;
            c.pit_out = false;
            this.pushFeed(e);
            break;
        case 'pit_out':
            c.in_pit = false;
            c.pit_out = true;
            if (e.pit_stops != null && this.protocol === 1) {
                c.pit_stops = e.pit_stops;
            }
            break;
        case 'pit_stop':
            c.pit_stops = (c.pit_stops || 0) + 1;
            // one line for the stop, not its pit entry too
            this.feed = this.feed.filter(f => !(f.event === 'pit_in'
                && f.driver === e.driver && f.t === e.t));
            this.pushFeed(e);
            break;
        case 'stint':
            c.stint = e.stint ?? c.stint;
            c.compound = e.compound ?? c.compound;
            c.tyre_new = e.new ?? c.tyre_new;
            c.tyre_age = e.tyre_age ?? (e.new ? 0 : c.tyre_age);
            break;
        case 'retired':
            c.retired = true;
            this.pushFeed(e);
            break;
        case 'overtake':
            this.pushFeed(e);
            break;
        case 'safety_car':
        case 'vsc':
        case 'red_flag':
            // periods: the banner and the feed follow track_status
            break;
        case 'track_status':
            this.trackStatus = { status: e.status, message: e.message,
                                 since: e.time };
            this.pushFeed(e);
            break;
        case 'race_control':
            this.rc.unshift(e);
            if (this.rc.length > RC_MAX) this.rc.length = RC_MAX;
            break;
        case 'weather':
            this.weather = e;
            break;
        case 'fastest_lap':
            this.fastest = { driver: e.driver, lap_time_ms: e.lap_time_ms,
                             lap: e.lap, t: e.t };
            this.pushFeed(e);
            break;
        case 'finish':
            this.finished = true;
            this.pushFeed(e);
            break;
        default:
            break;
        }
        this.version++;
        return e;
    }

    // the feed before the moment of a state, from the control API's
    // timeline (a state carries no history but the last race-control
    // messages)
    seedFeed(timeline) {
        if (this.t == null || this.feed.length) return;
        const kinds = new Set(['start', 'pit_stop', 'overtake', 'retired',
                               'safety_car', 'vsc', 'red_flag',
                               'fastest_lap', 'finish']);
        const past = timeline.filter(e => kinds.has(e.event) && e.t <= this.t);
        for (const e of past.slice(-FEED_MAX)) this.feed.unshift(e);
        this.version++;
    }

    setPredictions(m) {
        this.predictions = m;
        this.version++;
    }

    // the cars in running order: by position (none last), then number
    order() {
        return [...this.cars.values()].sort((a, b) =>
            (a.position ?? 1e9) - (b.position ?? 1e9) || a.number - b.number);
    }
}
