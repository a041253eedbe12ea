// Formatting helpers: session times, lap times, gaps.  Pure functions.

// "HH:MM:SS.mmm" (or "HH:MM:SS", or a number of ms) to ms; null if bad
export function parseTime(s) {
    if (typeof s === 'number') return Number.isFinite(s) ? s : null;
    if (typeof s !== 'string') return null;
    s = s.trim();
    if (/^\d+$/.test(s)) return Number(s);
    const m = /^(\d{1,2}):(\d{1,2})(?::(\d{1,2})(?:\.(\d{1,3}))?)?$/.exec(s);
    if (!m) return null;
    // H:MM or HH:MM:SS[.mmm]
    const h = Number(m[1]), mi = Number(m[2]);
    const sec = m[3] === undefined ? 0 : Number(m[3]);
    const ms = m[4] === undefined ? 0 : Number(m[4].padEnd(3, '0'));
    if (mi > 59 || sec > 59) return null;
    return ((h * 60 + mi) * 60 + sec) * 1000 + ms;
}

function pad(n, w) {
    return String(n).padStart(w, '0');
}

// ms to "HH:MM:SS" (ms = true: "HH:MM:SS.mmm")
export function fmtTime(t, ms = false) {
    if (t == null || !Number.isFinite(t)) return '--:--:--';
    const neg = t < 0;
    t = Math.abs(Math.round(t));
    const h = Math.floor(t / 3600000);
    const m = Math.floor(t / 60000) % 60;
    const s = Math.floor(t / 1000) % 60;
    const out = `${pad(h, 2)}:${pad(m, 2)}:${pad(s, 2)}`
                + (ms ? '.' + pad(t % 1000, 3) : '');
    return neg ? '-' + out : out;
}

// a lap time: "1:14.901"
export function fmtLap(ms) {
    if (ms == null || !Number.isFinite(ms) || ms <= 0) return '';
    const m = Math.floor(ms / 60000);
    const s = (ms - m * 60000) / 1000;
    return m > 0 ? `${m}:${s.toFixed(3).padStart(6, '0')}` : s.toFixed(3);
}

// a gap or interval: ms and laps (protocol 2) or the string (protocol 1);
// '' for none (the leader's "LAP 24" of protocol 1 included)
export function fmtGap(ms, laps, str) {
    if (laps != null && laps > 0) return `+${laps} lap${laps > 1 ? 's' : ''}`;
    if (ms != null && Number.isFinite(ms)) {
        return ms > 0 ? '+' + (ms / 1000).toFixed(3) : '';
    }
    if (typeof str === 'string' && !/^LAP \d+$/.test(str)) return str;
    return '';
}

// "F47600" -> "#f47600"; anything else -> grey
export function teamColour(c) {
    return typeof c === 'string' && /^[0-9a-f]{6}$/i.test(c)
           ? '#' + c.toLowerCase() : '#9ca3af';
}

export const COMPOUNDS = {
    SOFT: { letter: 'S', colour: '#e8002d' },
    MEDIUM: { letter: 'M', colour: '#ffd12e' },
    HARD: { letter: 'H', colour: '#f0f0ec' },
    INTERMEDIATE: { letter: 'I', colour: '#43b02a' },
    WET: { letter: 'W', colour: '#0067ad' },
    // 2018 names
    HYPERSOFT: { letter: 'HS', colour: '#feb1c1' },
    ULTRASOFT: { letter: 'US', colour: '#b24ba7' },
    SUPERSOFT: { letter: 'SS', colour: '#e8002d' },
    SUPERHARD: { letter: 'SH', colour: '#f28d1f' },
};

export function compound(name) {
    return COMPOUNDS[name] || { letter: name ? name[0] : '?',
                                colour: '#6b7280' };
}

export function pct(p, digits = 0) {
    if (p == null || !Number.isFinite(p)) return '';
    return (p * 100).toFixed(digits) + '%';
}
