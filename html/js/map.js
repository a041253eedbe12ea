// The track map: two stacked canvases, the track (outline, pit lane as
// it has been seen, start line) drawn once per size change on the lower
// one, and the cars drawn on the upper one at every display frame.

const MARGIN = 0.06;          // of the outline's extent, each side
const PAD = 18;               // CSS px around the map
export const RETIRED = '#374151';   // a retired car's disc

export class TrackMap {
    constructor(bg, fg) {
        this.bg = bg;
        this.fg = fg;
        this.bgc = bg.getContext('2d');
        // the cars' canvas changes at every display frame: a low-latency
        // ("desynchronized") context skips the copy of the whole canvas
        // that a normal one makes per frame on the main thread (in
        // chromium without a GPU: main-thread time 25 % -> 7 % of a core
        // at DPR 2, scripts/bench-dashboard.sh); browsers without it
        // ignore the hint
        this.fgc = fg.getContext('2d', { desynchronized: true });
        this.outline = null;
        this.bounds = null;
        this.w = 0;
        this.h = 0;
        this.dpr = 1;
        this.scale = 1;
        this.ox = 0;
        this.oy = 0;
        this.pit = [];            // pit-lane trails: [[x, y, x, y, ...], ...]
        this.pitOpen = new Map(); // car -> its trail while in the pit lane
        this.pitPoints = 0;
        this.bgDirty = true;
        this.labels = true;
        this.selected = null;
        this.drawn = [];          // what the last draw put where (tests)
        this.radius = 7;
        this.layouts = 0;         // bumped when the projection changes
    }

    setOutline(xy) {
        this.outline = xy;
        this.pit = [];
        this.pitOpen.clear();
        this.pitPoints = 0;
        this.bounds = null;
        if (xy) {
            let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
            for (let i = 0; i + 1 < xy.length; i += 2) {
                x0 = Math.min(x0, xy[i]);
                x1 = Math.max(x1, xy[i]);
                y0 = Math.min(y0, xy[i + 1]);
                y1 = Math.max(y1, xy[i + 1]);
            }
            const mx = (x1 - x0) * MARGIN, my = (y1 - y0) * MARGIN;
            this.bounds = { x0: x0 - mx, y0: y0 - my, x1: x1 + mx, y1: y1 + my };
        }
        this.layout();
    }

    // a car outside the bounds (a pit lane, a run-off) widens them
    include(x, y) {
        const b = this.bounds;
        if (!b || (x >= b.x0 && x <= b.x1 && y >= b.y0 && y <= b.y1)) return;
        const m = 0.02 * Math.max(b.x1 - b.x0, b.y1 - b.y0);
        b.x0 = Math.min(b.x0, x - m);
        b.x1 = Math.max(b.x1, x + m);
        b.y0 = Math.min(b.y0, y - m);
        b.y1 = Math.max(b.y1, y + m);
        this.layout();
    }

    // canvas sizes from the element's CSS size and the pixel ratio
    layout() {
        const r = this.fg.getBoundingClientRect();
        const dpr = window.devicePixelRatio || 1;
        const w = Math.max(1, Math.round(r.width));
        const h = Math.max(1, Math.round(r.height));

        if (w !== this.w || h !== this.h || dpr !== this.dpr) {
            this.w = w;
            this.h = h;
            this.dpr = dpr;
            for (const c of [this.bg, this.fg]) {
                c.width = Math.round(w * dpr);
                c.height = Math.round(h * dpr);
            }
        }
        const b = this.bounds;
        if (b) {
            const sx = (w - 2 * PAD) / (b.x1 - b.x0);
            const sy = (h - 2 * PAD) / (b.y1 - b.y0);
            this.scale = Math.max(1e-6, Math.min(sx, sy));
            // centred; y grows up in the archive, down on the screen
            this.ox = (w - (b.x1 - b.x0) * this.scale) / 2 - b.x0 * this.scale;
            this.oy = (h - (b.y1 - b.y0) * this.scale) / 2 + b.y1 * this.scale;
            this.radius = Math.max(5, Math.min(9, Math.min(w, h) / 90));
        }
        this.bgDirty = true;
        this.layouts++;
    }

    // archive decimetres -> CSS px in the canvas
    project(x, y) {
        return [this.ox + x * this.scale, this.oy - y * this.scale];
    }

    // pit-lane trails, from the positions of cars flagged in the pit
    pitSample(n, x, y, inPit) {
        if (!inPit) {
            this.pitOpen.delete(n);
            return;
        }
        let tr = this.pitOpen.get(n);
        if (!tr) {
            tr = [];
            this.pitOpen.set(n, tr);
            this.pit.push(tr);
        }
        const k = tr.length;
        if (k && Math.hypot(x - tr[k - 2], y - tr[k - 1]) < 40) return;
        if (this.pitPoints > 4000) return;
        tr.push(x, y);
        this.pitPoints++;
        this.bgDirty = true;
    }

    drawBackground() {
        const c = this.bgc, xy = this.outline;
        this.bgDirty = false;
        c.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
        c.clearRect(0, 0, this.w, this.h);
        if (!xy) return;

        const path = new Path2D();
        for (let i = 0; i + 1 < xy.length; i += 2) {
            const [px, py] = this.project(xy[i], xy[i + 1]);
            if (i === 0) path.moveTo(px, py);
            else path.lineTo(px, py);
        }
        path.closePath();
        c.lineJoin = 'round';
        c.lineCap = 'round';
        c.strokeStyle = '#1f242c';
        c.lineWidth = 16;
        c.stroke(path);
        c.strokeStyle = '#3a414c';
        c.lineWidth = 9;
        c.stroke(path);
        c.strokeStyle = '#4b5563';
        c.lineWidth = 1;
        c.setLineDash([2, 6]);
        c.stroke(path);
        c.setLineDash([]);

        // pit lane, as cars flagged in the pit have driven it
        c.strokeStyle = 'rgba(245, 158, 11, 0.55)';
        c.lineWidth = 3;
        c.setLineDash([4, 4]);
        for (const tr of this.pit) {
            if (tr.length < 4) continue;
            c.beginPath();
            for (let i = 0; i + 1 < tr.length; i += 2) {
                const [px, py] = this.project(tr[i], tr[i + 1]);
                if (i === 0) c.moveTo(px, py);
                else c.lineTo(px, py);
            }
            c.stroke();
        }
        c.setLineDash([]);

        // the start line: across the track at the outline's first point
        if (xy.length >= 4) {
            const [ax, ay] = this.project(xy[0], xy[1]);
            const [bx, by] = this.project(xy[2], xy[3]);
            const len = Math.hypot(bx - ax, by - ay) || 1;
            const nx = -(by - ay) / len * 9, ny = (bx - ax) / len * 9;
            c.strokeStyle = '#f3f4f6';
            c.lineWidth = 3;
            c.beginPath();
            c.moveTo(ax - nx, ay - ny);
            c.lineTo(ax + nx, ay + ny);
            c.stroke();
        }
    }

    // cars: [{n, x, y, style, colour, tla}], style 'car' | 'pit' | 'off' |
    // 'stale' | 'retired'; drawn in the given order (the last on top)
    draw(cars) {
        if (this.bgDirty) this.drawBackground();

        const c = this.fgc, r = this.radius, drawn = this.drawn;
        c.setTransform(this.dpr, 0, 0, this.dpr, 0, 0);
        c.clearRect(0, 0, this.w, this.h);
        drawn.length = 0;
        if (!this.outline) return;

        for (const car of cars) {
            const [px, py] = this.project(car.x, car.y);
            drawn.push({ n: car.n, x: px, y: py, style: car.style,
                         colour: car.colour });
        }

        // labels first, so that no label covers a car
        if (this.labels) {
            c.font = '600 11px system-ui, sans-serif';
            c.textBaseline = 'middle';
            c.lineWidth = 3;
            c.lineJoin = 'round';
            c.strokeStyle = 'rgba(11, 13, 16, 0.9)';
            for (let i = 0; i < cars.length; i++) {
                const car = cars[i], d = drawn[i];
                if (car.style === 'retired') continue;
                const text = car.style === 'pit' ? car.tla + ' PIT'
                             : car.style === 'off' ? car.tla + ' OFF' : car.tla;
                const lx = d.x + r + 4, ly = d.y - r + 1;
                c.strokeText(text, lx, ly);
                c.fillStyle = car.style === 'off' ? '#fdba74'
                              : car.style === 'pit' ? '#fcd34d'
                              : car.style === 'stale' ? '#9ca3af' : '#e5e7eb';
                c.fillText(text, lx, ly);
            }
        }

        for (let i = 0; i < cars.length; i++) {
            const car = cars[i], d = drawn[i];
            c.beginPath();
            if (car.style === 'retired') {
                c.arc(d.x, d.y, r * 0.6, 0, 2 * Math.PI);
                c.fillStyle = RETIRED;
                c.fill();
                c.strokeStyle = '#6b7280';
                c.lineWidth = 1.5;
                c.stroke();
                continue;
            }
            const small = car.style === 'pit' || car.style === 'stale';
            c.arc(d.x, d.y, small ? r * 0.7 : r, 0, 2 * Math.PI);
            c.fillStyle = car.colour;
            c.fill();
            c.lineWidth = 1.5;
            c.strokeStyle = '#0b0d10';
            c.stroke();
            if (car.style === 'stale') {
                c.beginPath();
                c.arc(d.x, d.y, r * 0.7 + 3, 0, 2 * Math.PI);
                c.setLineDash([2, 3]);
                c.lineWidth = 1.5;
                c.strokeStyle = '#9ca3af';
                c.stroke();
                c.setLineDash([]);
            } else if (car.style === 'pit') {
                c.beginPath();
                c.arc(d.x, d.y, r * 0.7 + 3, 0, 2 * Math.PI);
                c.setLineDash([3, 2]);
                c.strokeStyle = '#fcd34d';
                c.stroke();
                c.setLineDash([]);
            } else if (car.style === 'off') {
                c.beginPath();
                c.arc(d.x, d.y, r + 3, 0, 2 * Math.PI);
                c.lineWidth = 2.5;
                c.strokeStyle = '#f97316';
                c.stroke();
            }
            if (car.n === this.selected) {
                c.beginPath();
                c.arc(d.x, d.y, r + 6, 0, 2 * Math.PI);
                c.lineWidth = 2;
                c.strokeStyle = '#ffffff';
                c.stroke();
            }
        }
    }

    // the car nearest a CSS point, within a few radii (clicks)
    hit(px, py) {
        let best = null, bd = (this.radius * 2.5) ** 2;
        for (const d of this.drawn) {
            const dd = (d.x - px) ** 2 + (d.y - py) ** 2;
            if (dd < bd) {
                bd = dd;
                best = d.n;
            }
        }
        return best;
    }
}
