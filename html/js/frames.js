// Frames: decoding (JSON "frame" and compact "f") and the play-out buffer
// that interpolates car positions between the last frames by the
// display's clock, about one frame behind, so that motion is smooth at any
// refresh rate and any replay speed.  Pure: no DOM.

// compact columns after the number, in the server's order, by channel
const CHANNEL_COLUMNS = [
    ['position', ['x', 'y', 'z']],
    ['speed', ['v']],
    ['rpm', ['rpm']],
    ['gear', ['g']],
    ['throttle', ['thr']],
    ['brake', ['brk']],
    ['drs', ['drs']],
];

export const ALL_CHANNELS = CHANNEL_COLUMNS.map(c => c[0]);

// the field names of a compact car array for these channels: ['n', ...,
// 'p']
export function compactColumns(channels) {
    const want = new Set(channels && channels.length ? channels : ALL_CHANNELS);
    const cols = ['n'];
    for (const [ch, fields] of CHANNEL_COLUMNS) {
        if (want.has(ch)) cols.push(...fields);
    }
    cols.push('p');
    return cols;
}

const PS = { r: 1, i: 2, s: 3 };

// a frame as {tick, t, sent, cars: Map(n -> car)}, car = {n, x, y, z,
// prov (0 none, 1 recorded, 2 interpolated, 3 stale), off, v, rpm, g,
// thr, brk, drs}
export function decodeFrame(m, cols) {
    const cars = new Map();

    if (m.type === 'f') {
        const ix = idx => cols.indexOf(idx);
        const ixX = ix('x'), ixY = ix('y'), ixP = cols.length - 1;
        const other = ['v', 'rpm', 'g', 'thr', 'brk', 'drs']
                      .map(k => [k, ix(k)]).filter(a => a[1] >= 0);
        for (const a of m.c || []) {
            const p = a[ixP] ?? 0;
            const car = { n: a[0], x: null, y: null, prov: p & 3,
                          off: (p & 16) !== 0 };
            if (ixX >= 0 && a[ixX] != null && a[ixY] != null) {
                car.x = a[ixX];
                car.y = a[ixY];
            } else {
                car.prov = 0;
            }
            for (const [k, i] of other) car[k] = a[i];
            cars.set(car.n, car);
        }
    } else {
        for (const c of m.cars || []) {
            const car = { n: c.n, x: c.x ?? null, y: c.y ?? null,
                          prov: PS[c.ps] || 0, off: !!c.off,
                          v: c.v, rpm: c.rpm, g: c.g, thr: c.thr,
                          brk: c.brk, drs: c.drs };
            if (car.x == null || car.y == null) car.prov = 0;
            cars.set(car.n, car);
        }
    }
    return { tick: m.tick, t: m.t, sent: m.sent, cars };
}

// The play-out buffer.  Every frame's session time t is put on the local
// clock: offset = t - now * speed, smoothed (frames arrive with jitter);
// the display draws at now * speed + offset - lag, lag = 1.5 frame steps,
// interpolating between the two frames around that time and holding the
// newest when it runs ahead (nothing is extrapolated).  A jump (seek,
// restart, loop, delay change) or a change of speed starts over.
export class Playout {
    constructor() {
        this.frames = [];
        this.max = 60;
        this.offset = null;
        this.speed = 1;         // session ms per local ms, from the frames
        this.step = 20;         // session ms between frames
        this.hold = false;      // paused: show the newest frame as it is
        this.jumps = 0;
    }

    clear() {
        this.frames.length = 0;
        this.offset = null;
        this.jumps++;
    }

    latest() {
        return this.frames.length ? this.frames[this.frames.length - 1] : null;
    }

    push(f, now, tickMs) {
        const last = this.latest();

        if (last) {
            const dt = f.t - last.t;
            const dtick = f.tick - last.tick;

            if (dtick <= 0 || dt < 0 || dt > 10000 * Math.max(1, this.speed)
                || dt > dtick * tickMs * 60)
            {
                this.clear();
            } else {
                const speed = dt / (dtick * tickMs);
                if (Math.abs(speed - this.speed) > 0.01 * this.speed) {
                    this.speed = speed;
                    this.offset = null;
                }
                this.step += (dt - this.step) * 0.1;
            }
        }

        this.frames.push(f);
        if (this.frames.length > this.max) this.frames.shift();

        const sample = f.t - now * this.speed;
        if (this.offset === null
            || Math.abs(sample - this.offset) > 500 * Math.max(1, this.speed))
        {
            this.offset = sample;
        } else {
            this.offset += (sample - this.offset) * 0.03;
        }
    }

    // the session time to draw at local time now
    renderTime(now) {
        const last = this.latest();
        if (!last) return null;
        if (this.hold || this.offset === null) return last.t;
        const rt = now * this.speed + this.offset - 1.5 * this.step;
        return Math.min(rt, last.t);
    }

    // every car at session time rt: [{n, x, y, prov, off, ...}]
    sample(rt, out = []) {
        const fr = this.frames;
        out.length = 0;
        if (!fr.length) return out;

        const last = fr[fr.length - 1];
        if (rt >= last.t || fr.length === 1) {
            for (const c of last.cars.values()) out.push(c);
            return out;
        }
        if (rt <= fr[0].t) {
            for (const c of fr[0].cars.values()) out.push(c);
            return out;
        }

        let b = fr.length - 1;
        while (fr[b - 1].t >= rt) b--;
        const fa = fr[b - 1], fb = fr[b];
        const a = (rt - fa.t) / (fb.t - fa.t);
        const near = a < 0.5;

        for (const cb of fb.cars.values()) {
            const ca = fa.cars.get(cb.n);
            if (!ca || ca.x == null || cb.x == null) {
                out.push(near && ca ? ca : cb);
                continue;
            }
            const c = near ? ca : cb;
            out.push({
                n: cb.n,
                x: ca.x + (cb.x - ca.x) * a,
                y: ca.y + (cb.y - ca.y) * a,
                prov: c.prov, off: c.off, v: c.v, g: c.g, rpm: c.rpm,
                thr: c.thr, brk: c.brk, drs: c.drs,
            });
        }
        return out;
    }
}
