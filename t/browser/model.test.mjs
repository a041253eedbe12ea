// The dashboard's pure parts under node's test runner (no browser):
// the race model on protocol 2 messages (and the protocol 1 forms it
// maps), the frame decoder and play-out interpolation, formatting and
// the reconnect backoff.  Run by t/051-dashboard-model.t:
//
//   node --test t/browser/model.test.mjs

import test from 'node:test';
import assert from 'node:assert/strict';

import { Race, normalizeEvent } from '../../html/js/race.js';
import { Playout, decodeFrame, compactColumns } from '../../html/js/frames.js';
import { fmtGap, fmtLap, fmtTime, parseTime } from '../../html/js/fmt.js';
import { backoff } from '../../html/js/conn.js';

const hello = {
    type: 'hello', protocol: 2, tick_rate: 50,
    session: { meeting: 'Test GP', total_laps: 10 },
    drivers: [
        { number: 1, tla: 'AAA', colour: 'FF0000' },
        { number: 2, tla: 'BBB', colour: '00ff00' },
        { number: 3, tla: 'CCC', colour: 'bad' },
    ],
    outline: { xy: [0, 0, 10, 0, 10, 10] },
};

function car(n, pos, extra = {}) {
    return Object.assign({
        number: n, tla: 'X', position: pos, laps: 3, gap_ms: (pos - 1) * 1000,
        gap_laps: null, interval_ms: pos > 1 ? 1000 : null,
        interval_laps: null, last_lap_ms: 80000, best_lap_ms: 79000,
        in_pit: false, pit_out: false, retired: false, stopped: false,
        pit_stops: 0, stint: 1, compound: 'MEDIUM', tyre_new: true,
        tyre_age: 3,
    }, extra);
}

function state() {
    return { type: 'state', t: 600000, lap: 4, total_laps: 10,
             track_status: { status: 1, message: 'AllClear' }, weather: null,
             cars: [car(1, 1), car(2, 2), car(3, 3)], race_control: [] };
}

test('hello: drivers with colours, outline', () => {
    const r = new Race();
    r.hello(hello);
    assert.equal(r.protocol, 2);
    assert.equal(r.driver(1).colour, '#ff0000');
    assert.equal(r.driver(2).colour, '#00ff00');
    assert.equal(r.driver(3).colour, '#9ca3af');
    assert.equal(r.driver(99).tla, '99');
    assert.deepEqual(r.outline, [0, 0, 10, 0, 10, 10]);
});

test('protocol 2 events keep the running order and the cars', () => {
    const r = new Race();
    r.hello(hello);
    r.state(state());
    assert.deepEqual(r.order().map(c => c.number), [1, 2, 3]);

    const ev = (e) => r.event(Object.assign({ type: 'event', id: 1,
                                              time: '00:10:01.000' }, e));
    ev({ event: 'position', t: 601000, lap: 4, driver: 3, tla: 'CCC',
         position: 2 });
    ev({ event: 'position', t: 601000, lap: 4, driver: 2, tla: 'BBB',
         position: 3 });
    assert.deepEqual(r.order().map(c => c.number), [1, 3, 2]);

    ev({ event: 'car_lap', t: 602000, lap: 4, driver: 3, position: 2,
         lap_time_ms: 78000, gap_ms: 1500, gap_laps: null,
         interval_ms: 1500, interval_laps: null });
    const c3 = r.cars.get(3);
    assert.equal(c3.laps, 4);
    assert.equal(c3.last_lap_ms, 78000);
    assert.equal(c3.best_lap_ms, 78000);
    assert.equal(c3.gap_ms, 1500);
    assert.equal(c3.tyre_age, 4);

    ev({ event: 'car_lap', t: 603000, lap: 4, driver: 2, position: 3,
         lap_time_ms: null, gap_ms: null, gap_laps: 1,
         interval_ms: null, interval_laps: 1 });
    assert.equal(r.cars.get(2).last_lap_ms, 80000, 'untimed lap kept');
    assert.equal(fmtGap(r.cars.get(2).gap_ms, r.cars.get(2).gap_laps), '+1 lap');

    ev({ event: 'pit_in', t: 604000, lap: 4, driver: 1 });
    assert.equal(r.cars.get(1).in_pit, true);
    ev({ event: 'pit_stop', t: 604000, lap: 4, driver: 1, stint: 2,
         compound: 'HARD', new: true, tyre_age: 0, end: null });
    ev({ event: 'stint', t: 620000, lap: 4, driver: 1, stint: 2,
         compound: 'HARD', new: true, tyre_age: 0, tyre_change: true });
    ev({ event: 'pit_out', t: 620000, lap: 4, driver: 1 });
    assert.equal(r.feed.filter(f => f.driver === 1).length, 1,
                 'the stop, not its pit entry too');
    const c1 = r.cars.get(1);
    assert.deepEqual([c1.in_pit, c1.pit_out, c1.pit_stops, c1.compound,
                      c1.tyre_age], [false, true, 1, 'HARD', 0]);

    ev({ event: 'retired', t: 630000, lap: 4, driver: 2 });
    assert.equal(r.cars.get(2).retired, true);

    ev({ event: 'lap', t: 640000, lap: 5, total_laps: 10 });
    assert.equal(r.lap, 5);

    ev({ event: 'track_status', t: 641000, lap: 5, status: 4,
         message: 'SCDeployed' });
    ev({ event: 'safety_car', t: 641000, lap: 5, end: null });
    assert.equal(r.trackStatus.status, 4);

    ev({ event: 'race_control', t: 642000, lap: 5, category: 'Flag',
         flag: 'YELLOW', scope: 'Sector', sector: 3,
         message: 'YELLOW IN TRACK SECTOR 3', utc: '2025-01-01T00:00:00Z' });
    assert.equal(r.rc[0].message, 'YELLOW IN TRACK SECTOR 3');

    ev({ event: 'weather', t: 643000, lap: 5, air_temp: 21.5,
         track_temp: 30, humidity: 50, pressure: 1010, wind_speed: 2,
         wind_direction: 180, rainfall: false });
    assert.equal(r.weather.air_temp, 21.5);

    ev({ event: 'fastest_lap', t: 644000, lap: 4, driver: 3,
         lap_time_ms: 77000, lap_time: '1:17.000' });
    assert.equal(r.fastest.driver, 3);

    ev({ event: 'finish', t: 700000, lap: 10, driver: 1 });
    assert.equal(r.finished, true);
    assert.ok(r.feed.length >= 5);

    // a new state replaces everything
    r.state(state());
    assert.deepEqual(r.order().map(c => c.number), [1, 2, 3]);
    assert.equal(r.cars.get(2).retired, false);
});

test('the feed before a state comes from the timeline', () => {
    const r = new Race();
    r.hello(hello);
    r.state(state());
    r.seedFeed([
        { event: 'pit_stop', t: 500000, driver: 1 },
        { event: 'lap', t: 550000, lap: 3 },
        { event: 'overtake', t: 590000, driver: 2, other: 1 },
        { event: 'pit_stop', t: 700000, driver: 2 },
    ]);
    assert.deepEqual(r.feed.map(e => e.t), [590000, 500000]);
    r.seedFeed([{ event: 'pit_stop', t: 1, driver: 1 }]);
    assert.equal(r.feed.length, 2, 'only into an empty feed');
});

test('protocol 1 forms: timeline entries, lap events, race control', () => {
    const tl = normalizeEvent({ id: 68, type: 'safety_car', t: '00:38:44.115',
                                t_ms: 2324115, end: '00:44:58.869',
                                end_ms: 2698869, lap: 23 });
    assert.deepEqual([tl.event, tl.t, tl.time, tl.end],
                     ['safety_car', 2324115, '00:38:44.115', 2698869]);
    const tl2 = normalizeEvent({ id: 68, event: 'safety_car', t: 2324115,
                                 time: '00:38:44.115', end: 2698869 });
    assert.deepEqual([tl2.event, tl2.t], ['safety_car', 2324115]);

    const r = new Race();
    r.hello(Object.assign({}, hello, { protocol: 1 }));
    const s = state();
    s.cars = s.cars.map(c => Object.assign({}, c, { gap: '+1.000',
                                                    gap_ms: undefined }));
    r.state(s);
    assert.equal(r.cars.get(2).gap, '+1.000');
    const e = r.event({ type: 'event', event: 'lap', t: 650000,
                        time: '00:10:50.000', driver: 2, tla: 'BBB', lap: 4,
                        position: 1, lap_time_ms: 76000 });
    assert.equal(e.event, 'car_lap');
    assert.equal(r.cars.get(2).position, 1);
    r.event({ type: 'event', event: 'race_control', t: 651000,
              time: '00:10:51.000', message: { category: 'Flag',
                                               flag: 'GREEN',
                                               message: 'GREEN LIGHT' } });
    assert.equal(r.rc[0].message, 'GREEN LIGHT');
    assert.equal(r.rc[0].flag, 'GREEN');
});

test('compact frames: columns from the subscription, provenance bits', () => {
    assert.deepEqual(compactColumns(['speed', 'gear']), ['n', 'v', 'g', 'p']);
    const cols = compactColumns(null);
    assert.equal(cols.length, 11);
    const f = decodeFrame({ type: 'f', tick: 5, t: 1000, c: [
        [81, 92, -1532, 535, 228, 10364, 5, 100, 0, 0, 2 | 16],
        [1, null, null, null, null, null, null, null, null, null, 0],
    ] }, cols);
    const a = f.cars.get(81);
    assert.deepEqual([a.x, a.y, a.prov, a.off, a.v, a.g], [92, -1532, 2, true,
                                                            228, 5]);
    assert.equal(f.cars.get(1).prov, 0);
    const j = decodeFrame({ type: 'frame', tick: 5, t: 1000, cars: [
        { n: 81, x: 1, y: 2, z: 3, ps: 's', off: true }, { n: 1 } ] });
    assert.deepEqual([j.cars.get(81).prov, j.cars.get(81).off,
                      j.cars.get(1).prov], [3, true, 0]);
});

test('play-out: interpolation behind the newest frame, hold, jumps', () => {
    const cols = compactColumns(['position']);
    const p = new Playout();
    const fr = (tick, t, x) => decodeFrame({ type: 'f', tick, t,
                                             c: [[7, x, 0, 0, 1]] }, cols);
    for (let i = 0; i < 10; i++) p.push(fr(i, 1000 + 20 * i, 10 * i), 20 * i, 20);
    assert.equal(p.speed, 1);
    // at local 180 ms the newest frame is t 1180; drawn 1.5 frames behind
    const rt = p.renderTime(180);
    assert.equal(rt, 1150);
    assert.equal(p.sample(rt)[0].x, 75);          // between 70 and 80
    assert.equal(p.sample(5000)[0].x, 90);        // never extrapolated
    p.hold = true;
    assert.equal(p.renderTime(500), 1180);
    p.hold = false;
    // 4x: session time runs 80 ms a tick
    const q = new Playout();
    for (let i = 0; i < 5; i++) q.push(fr(i, 80 * i, i), 20 * i, 20);
    assert.equal(q.speed, 4);
    // a jump back (seek) starts over
    const jumps = q.jumps;
    q.push(fr(5, 10, 0), 100, 20);
    assert.equal(q.jumps, jumps + 1);
    assert.equal(q.frames.length, 1);
});

test('formatting and backoff', () => {
    assert.equal(parseTime('00:38:44.115'), 2324115);
    assert.equal(parseTime('1:02:03'), 3723000);
    assert.equal(parseTime('12345'), 12345);
    assert.equal(parseTime('1:99:00'), null);
    assert.equal(fmtTime(2324115, true), '00:38:44.115');
    assert.equal(fmtLap(74901), '1:14.901');
    assert.equal(fmtGap(5334, null), '+5.334');
    assert.equal(fmtGap(0, null), '');
    assert.equal(fmtGap(null, 2), '+2 laps');
    assert.equal(fmtGap(null, null, 'LAP 24'), '');
    assert.equal(fmtGap(null, null, '+1 LAP'), '+1 LAP');
    for (let a = 0; a < 20; a++) {
        const lo = backoff(a, () => 0), hi = backoff(a, () => 1);
        assert.ok(lo >= 400 && hi <= 18000 && lo <= hi);
    }
    assert.equal(backoff(0, () => 0.5), 500);
    assert.equal(backoff(10, () => 0.5), 15000);
});
