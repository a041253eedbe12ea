
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


/*
 * The frame message, one per tick (50 Hz), one line of compact JSON:
 *
 *   {"type":"frame","tick":1234,"t":1800000,
 *    "utc":"2025-08-31T13:20:00.000Z","sent":1756646400012.345,
 *    "cars":[{"n":81,"x":-1234,"y":5678,"z":12,"ps":"i","v":287,
 *             "rpm":11234,"g":7,"thr":100,"brk":0,"drs":12,"cs":"i"},
 *            ...]}
 *
 *   tick   the tick number, counted by the server
 *   t      session time of the frame, ms (the archive's HH:MM:SS.mmm
 *          clock)
 *   utc    the UTC of t, ms precision; null when the archive gives no
 *          way to tell
 *   sent   when the server sent the frame, Unix time in ms with three
 *          decimals (0.000 from f1-replay-inspect)
 *   cars   the filtered cars, in driver-list order; cars outside the
 *          filter are left out, every car in it is present
 *
 * A car object; members of channels outside the filter are left out:
 *
 *   n      racing number (always present)
 *   x y z  position, decimetres as in the feed        (channel position)
 *   off    true while the feed's status is OffTrack, else absent
 *                                                     (channel position)
 *   ps     provenance of x, y, z, off                 (channel position)
 *   v      speed, km/h                                (channel speed)
 *   rpm    engine rpm                                 (channel rpm)
 *   g      gear as sent, 0 neutral                    (channel gear)
 *   thr    throttle %, or null when the feed has none (channel throttle)
 *   brk    brake 0 or 100, or null when the feed has none
 *                                                     (channel brake)
 *   drs    the feed's DRS code 0-14: 8 eligible, 10/12/14 open
 *                                                     (channel drs)
 *   cs     provenance of v, rpm, g, thr, brk, drs     (any car channel)
 *
 * Provenance, separately for the position and the car data (they come
 * on separate time bases):
 *
 *   "r"    real: a recorded sample at exactly t
 *   "i"    interpolated between the two recorded samples around t,
 *          which are at most 1000 ms apart
 *   "s"    stale: the last recorded value, held, because the next
 *          sample is more than 1000 ms after it or there is none (the
 *          car's data has ended)
 *   absent before the car's first sample: the members of that time
 *          base are left out (a car with no data yet is {"n":81}).
 *
 * Continuous values (x, y, z, v, rpm, thr) are linear between the two
 * samples around t, then rounded to the nearest integer, halves up:
 * v0 + (v1 - v0) * (t - t0) / (t1 - t0).  Discrete values (off, g, brk,
 * drs) are the earlier sample's, never interpolated.  thr is null when
 * either sample has no throttle value.  Position samples without a fix
 * (X = Y = Z = 0) are skipped as if absent; after 256 of them in a row
 * the car has no position (x, y, z and ps absent) until the next fix.
 * Nothing is extrapolated beyond the last sample.
 *
 *
 * The compact frame, sent instead when the subscription asks for the
 * compact format (NGX_F1_REPLAY_FORMAT_COMPACT): the same values, also
 * one line of JSON, each car an array of fixed layout:
 *
 *   {"type":"f","tick":1234,"t":1800000,"sent":1756646400012.345,
 *    "c":[[81,-1234,5678,12,287,11234,7,100,0,12,10],
 *         ...]}
 *
 *   tick, t, sent   as in the JSON frame
 *   c      the filtered cars, in driver-list order; cars outside the
 *          filter are left out, every car in it is present, one array
 *          each
 *
 * There is no utc: it is the hello message's session.utc0 plus t (both
 * null or both known).
 *
 * A car array is the racing number, then one element per value of the
 * subscribed channels, always in this order whatever the order of the
 * subscription's list, then p:
 *
 *   n      racing number                              (always first)
 *   x y z  position, decimetres                       (channel position)
 *   v      speed, km/h                                (channel speed)
 *   rpm    engine rpm                                 (channel rpm)
 *   g      gear                                       (channel gear)
 *   thr    throttle %                                 (channel throttle)
 *   brk    brake 0 or 100                             (channel brake)
 *   drs    the feed's DRS code 0-14                   (channel drs)
 *   p      provenance and off track, an integer       (always last)
 *
 * That is the channel order position (x, y, z), speed, rpm, gear,
 * throttle, brake, drs; channels outside the subscription take no
 * element.  With every channel a car is 11 elements,
 * [n,x,y,z,v,rpm,g,thr,brk,drs,p]; with speed and gear only it is
 * [n,v,g,p]; with no channel [n,p].  The layout is the same for every
 * car of every frame of the subscription.
 *
 * The values and their rounding are those of the JSON frame; where the
 * JSON frame leaves a member out or sets it to null, the compact one
 * has null: x, y, z while the car has no position (ps absent), every
 * car-data value before its first car-data sample (cs absent), thr and
 * brk when the feed has none.  A car without any data yet is
 * [n,null,...,null,0], never left out.
 *
 *   p      ps + 4 * cs + 16 * off:
 *          bits 0-1   position provenance, ps
 *          bits 2-3   car-data provenance, cs
 *          bit  4     off track, off
 *          a provenance is an NGX_F1_REPLAY_SRC_* value: 0 none (the
 *          elements are null, or the channels are not subscribed),
 *          1 real ("r"), 2 interpolated ("i"), 3 stale ("s"); off is
 *          0 unless the position channel is subscribed and the car has
 *          a position.  The example's 10 is 2 + 4 * 2: position and
 *          car data interpolated, on track; 27 would be 3 + 4 * 2 + 16:
 *          position stale and off track, car data interpolated.
 */


#include <stdio.h>
#include <string.h>

#include "ngx_f1_replay_frame.h"
#include "ngx_f1_replay_message.h"


/* the compact car's p: ps, cs << 2, and this bit when off track */
#define NGX_F1_REPLAY_FRAME_CS_SHIFT   2
#define NGX_F1_REPLAY_FRAME_OFF        0x10


static double ngx_f1_replay_frame_lerp(int64_t v0, int64_t v1, int64_t dt,
    int64_t span);
static int64_t ngx_f1_replay_frame_round(double v);
static int ngx_f1_replay_frame_int(yajl_gen g, int64_t v);
static int ngx_f1_replay_frame_sent(yajl_gen g, double ms);
static int ngx_f1_replay_frame_car(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_driver_t *d, int32_t t, uint32_t channels,
    yajl_gen g);
static int ngx_f1_replay_frame_value(yajl_gen g, int none, double v);
static int ngx_f1_replay_frame_compact_car(
    const ngx_f1_replay_session_t *s, const ngx_f1_replay_driver_t *d,
    int32_t t, uint32_t channels, yajl_gen g);


/* by bit of NGX_F1_REPLAY_CH_* */
static const char *const  ngx_f1_replay_frame_channels[] = {
    "position", "speed", "rpm", "gear", "throttle", "brake", "drs"
};


/* provenance letters, by NGX_F1_REPLAY_SRC_* */
static const unsigned char  ngx_f1_replay_frame_src[] = "-ris";


const char *
ngx_f1_replay_frame_channel_name(unsigned bit)
{
    unsigned  n;

    for (n = 0; n < 7; n++) {
        if (bit == 1u << n) {
            return ngx_f1_replay_frame_channels[n];
        }
    }

    return NULL;
}


unsigned
ngx_f1_replay_frame_channel(const char *name)
{
    unsigned  n;

    for (n = 0; n < 7; n++) {
        if (strcmp(name, ngx_f1_replay_frame_channels[n]) == 0) {
            return 1u << n;
        }
    }

    return 0;
}


void
ngx_f1_replay_frame_filter_all(ngx_f1_replay_filter_t *f)
{
    memset(f->drivers, 0xff, sizeof(f->drivers));
    f->channels = NGX_F1_REPLAY_CH_ALL;
    f->format = NGX_F1_REPLAY_FORMAT_JSON;
}


/* v0 + (v1 - v0) * dt / span with one rounding of the quotient */

static double
ngx_f1_replay_frame_lerp(int64_t v0, int64_t v1, int64_t dt, int64_t span)
{
    return (double) v0 + (double) ((v1 - v0) * dt) / (double) span;
}


void
ngx_f1_replay_frame_car_at(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_driver_t *d, int32_t t, ngx_f1_replay_car_at_t *out)
{
    long                        k;
    int64_t                     dt, span;
    const ngx_f1_replay_car_t  *c, *c0, *c1;

    memset(out, 0, sizeof(ngx_f1_replay_car_at_t));

    c = ngx_f1_replay_items(s, d->car, ngx_f1_replay_car_t);
    k = ngx_f1_replay_session_find(c, d->car.n, sizeof(ngx_f1_replay_car_t),
                                   t);
    if (k < 0) {
        return;
    }

    /* the earlier sample: held values, discrete ones in every case */

    c0 = &c[k];

    out->rpm = c0->rpm;
    out->speed = c0->speed;
    out->gear = c0->gear;
    out->drs = c0->drs;

    if (c0->throttle == NGX_F1_REPLAY_NO_VALUE) {
        out->throttle_none = 1;

    } else {
        out->throttle = c0->throttle;
    }

    if (c0->brake == NGX_F1_REPLAY_NO_VALUE) {
        out->brake_none = 1;

    } else {
        out->brake = c0->brake;
    }

    if (c0->t == t) {
        out->src = NGX_F1_REPLAY_SRC_REAL;
        return;
    }

    c1 = &c[k + 1];

    if ((uint32_t) k + 1 == d->car.n
        || (int64_t) c1->t - c0->t > NGX_F1_REPLAY_MAX_GAP_MS)
    {
        out->src = NGX_F1_REPLAY_SRC_STALE;
        return;
    }

    /* between two close samples: t0 < t < t1 */

    span = (int64_t) c1->t - c0->t;
    dt = (int64_t) t - c0->t;

    out->src = NGX_F1_REPLAY_SRC_INTERP;
    out->rpm = ngx_f1_replay_frame_lerp(c0->rpm, c1->rpm, dt, span);
    out->speed = ngx_f1_replay_frame_lerp(c0->speed, c1->speed, dt, span);

    if (c0->throttle == NGX_F1_REPLAY_NO_VALUE
        || c1->throttle == NGX_F1_REPLAY_NO_VALUE)
    {
        out->throttle = 0;
        out->throttle_none = 1;

    } else {
        out->throttle = ngx_f1_replay_frame_lerp(c0->throttle, c1->throttle,
                                                 dt, span);
    }
}


void
ngx_f1_replay_frame_pos_at(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_driver_t *d, int32_t t, ngx_f1_replay_pos_at_t *out)
{
    long                        k, a, b, stop;
    int64_t                     dt, span;
    const ngx_f1_replay_pos_t  *p;

    memset(out, 0, sizeof(ngx_f1_replay_pos_at_t));

    p = ngx_f1_replay_items(s, d->pos, ngx_f1_replay_pos_t);
    k = ngx_f1_replay_session_find(p, d->pos.n, sizeof(ngx_f1_replay_pos_t),
                                   t);

    /* the last fix at or before t, among the last MAX_NO_FIX samples */

    stop = k - NGX_F1_REPLAY_MAX_NO_FIX;
    if (stop < -1) {
        stop = -1;
    }

    for (a = k; a > stop; a--) {
        if (p[a].status != NGX_F1_REPLAY_POS_NO_FIX) {
            break;
        }
    }

    if (a == stop) {
        return;
    }

    out->x = p[a].x;
    out->y = p[a].y;
    out->z = p[a].z;
    out->status = p[a].status;

    if (p[a].t == t) {
        out->src = NGX_F1_REPLAY_SRC_REAL;
        return;
    }

    /* the next fix, if it is close enough to bridge the gap */

    for (b = k + 1; b < (long) d->pos.n; b++) {
        if ((int64_t) p[b].t - p[a].t > NGX_F1_REPLAY_MAX_GAP_MS) {
            break;
        }

        if (p[b].status != NGX_F1_REPLAY_POS_NO_FIX) {
            break;
        }
    }

    if (b == (long) d->pos.n
        || (int64_t) p[b].t - p[a].t > NGX_F1_REPLAY_MAX_GAP_MS)
    {
        out->src = NGX_F1_REPLAY_SRC_STALE;
        return;
    }

    span = (int64_t) p[b].t - p[a].t;
    dt = (int64_t) t - p[a].t;

    out->src = NGX_F1_REPLAY_SRC_INTERP;
    out->x = ngx_f1_replay_frame_lerp(p[a].x, p[b].x, dt, span);
    out->y = ngx_f1_replay_frame_lerp(p[a].y, p[b].y, dt, span);
    out->z = ngx_f1_replay_frame_lerp(p[a].z, p[b].z, dt, span);
}


/*
 * floor(v + 0.5).  Exact for the interpolated values: unless v is a half
 * exactly, it is at least 1/2000 away from one (the span is at most
 * 1000 ms), far more than the error of the division.
 */

static int64_t
ngx_f1_replay_frame_round(double v)
{
    double   w;
    int64_t  r;

    w = v + 0.5;
    r = (int64_t) w;

    if ((double) r > w) {
        r--;
    }

    return r;
}


/* an integer without printf */

static int
ngx_f1_replay_frame_int(yajl_gen g, int64_t v)
{
    uint64_t        u;
    unsigned char  *p, buf[24];

    u = v < 0 ? 0 - (uint64_t) v : (uint64_t) v;
    p = buf + sizeof(buf);

    do {
        *--p = (unsigned char) ('0' + u % 10);
        u /= 10;
    } while (u);

    if (v < 0) {
        *--p = '-';
    }

    ngx_f1_replay_yajl(yajl_gen_number(g, (const char *) p,
                                      buf + sizeof(buf) - p));

    return 0;
}


/* Unix ms with three decimals; null if not a plausible time */

static int
ngx_f1_replay_frame_sent(yajl_gen g, double ms)
{
    int   n;
    char  buf[32];

    if (!(ms > -1e15 && ms < 1e15)) {
        ngx_f1_replay_yajl(yajl_gen_null(g));
        return 0;
    }

    n = snprintf(buf, sizeof(buf), "%.3f", ms);

    ngx_f1_replay_yajl(yajl_gen_number(g, buf, (size_t) n));

    return 0;
}


static int
ngx_f1_replay_frame_car(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_driver_t *d, int32_t t, uint32_t channels,
    yajl_gen g)
{
    ngx_f1_replay_car_at_t  car;
    ngx_f1_replay_pos_at_t  pos;

    ngx_f1_replay_yajl(yajl_gen_map_open(g));

    ngx_f1_replay_yajl_key(g, "n");
    if (ngx_f1_replay_frame_int(g, d->number) != 0) {
        return -1;
    }

    if (channels & NGX_F1_REPLAY_CH_POSITION) {
        ngx_f1_replay_frame_pos_at(s, d, t, &pos);

        if (pos.src != NGX_F1_REPLAY_SRC_NONE) {
            ngx_f1_replay_yajl_key(g, "x");
            if (ngx_f1_replay_frame_int(g, ngx_f1_replay_frame_round(pos.x))
                != 0)
            {
                return -1;
            }

            ngx_f1_replay_yajl_key(g, "y");
            if (ngx_f1_replay_frame_int(g, ngx_f1_replay_frame_round(pos.y))
                != 0)
            {
                return -1;
            }

            ngx_f1_replay_yajl_key(g, "z");
            if (ngx_f1_replay_frame_int(g, ngx_f1_replay_frame_round(pos.z))
                != 0)
            {
                return -1;
            }

            if (pos.status == NGX_F1_REPLAY_POS_OFF_TRACK) {
                ngx_f1_replay_yajl_key(g, "off");
                ngx_f1_replay_yajl(yajl_gen_bool(g, 1));
            }

            ngx_f1_replay_yajl_key(g, "ps");
            ngx_f1_replay_yajl(yajl_gen_string(g,
                                          &ngx_f1_replay_frame_src[pos.src],
                                          1));
        }
    }

    if (!(channels & NGX_F1_REPLAY_CH_CAR)) {
        ngx_f1_replay_yajl(yajl_gen_map_close(g));
        return 0;
    }

    ngx_f1_replay_frame_car_at(s, d, t, &car);

    if (car.src == NGX_F1_REPLAY_SRC_NONE) {
        ngx_f1_replay_yajl(yajl_gen_map_close(g));
        return 0;
    }

    if (channels & NGX_F1_REPLAY_CH_SPEED) {
        ngx_f1_replay_yajl_key(g, "v");
        if (ngx_f1_replay_frame_int(g, ngx_f1_replay_frame_round(car.speed))
            != 0)
        {
            return -1;
        }
    }

    if (channels & NGX_F1_REPLAY_CH_RPM) {
        ngx_f1_replay_yajl_key(g, "rpm");
        if (ngx_f1_replay_frame_int(g, ngx_f1_replay_frame_round(car.rpm))
            != 0)
        {
            return -1;
        }
    }

    if (channels & NGX_F1_REPLAY_CH_GEAR) {
        ngx_f1_replay_yajl_key(g, "g");
        if (ngx_f1_replay_frame_int(g, car.gear) != 0) {
            return -1;
        }
    }

    if (channels & NGX_F1_REPLAY_CH_THROTTLE) {
        ngx_f1_replay_yajl_key(g, "thr");

        if (car.throttle_none) {
            ngx_f1_replay_yajl(yajl_gen_null(g));

        } else if (ngx_f1_replay_frame_int(g,
                       ngx_f1_replay_frame_round(car.throttle))
                   != 0)
        {
            return -1;
        }
    }

    if (channels & NGX_F1_REPLAY_CH_BRAKE) {
        ngx_f1_replay_yajl_key(g, "brk");

        if (car.brake_none) {
            ngx_f1_replay_yajl(yajl_gen_null(g));

        } else if (ngx_f1_replay_frame_int(g, car.brake) != 0) {
            return -1;
        }
    }

    if (channels & NGX_F1_REPLAY_CH_DRS) {
        ngx_f1_replay_yajl_key(g, "drs");
        if (ngx_f1_replay_frame_int(g, car.drs) != 0) {
            return -1;
        }
    }

    ngx_f1_replay_yajl_key(g, "cs");
    ngx_f1_replay_yajl(yajl_gen_string(g, &ngx_f1_replay_frame_src[car.src],
                                      1));

    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}


/* null if none, else v rounded as in the JSON frame */

static int
ngx_f1_replay_frame_value(yajl_gen g, int none, double v)
{
    if (none) {
        ngx_f1_replay_yajl(yajl_gen_null(g));
        return 0;
    }

    return ngx_f1_replay_frame_int(g, ngx_f1_replay_frame_round(v));
}


/* [n, x, y, z, v, rpm, g, thr, brk, drs, p] as the channels select */

static int
ngx_f1_replay_frame_compact_car(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_driver_t *d, int32_t t, uint32_t channels,
    yajl_gen g)
{
    int                     none;
    unsigned                p;
    ngx_f1_replay_car_at_t  car;
    ngx_f1_replay_pos_at_t  pos;

    ngx_f1_replay_yajl(yajl_gen_array_open(g));

    if (ngx_f1_replay_frame_int(g, d->number) != 0) {
        return -1;
    }

    p = 0;

    if (channels & NGX_F1_REPLAY_CH_POSITION) {
        ngx_f1_replay_frame_pos_at(s, d, t, &pos);

        none = (pos.src == NGX_F1_REPLAY_SRC_NONE);

        if (ngx_f1_replay_frame_value(g, none, pos.x) != 0
            || ngx_f1_replay_frame_value(g, none, pos.y) != 0
            || ngx_f1_replay_frame_value(g, none, pos.z) != 0)
        {
            return -1;
        }

        p = (unsigned) pos.src;

        if (!none && pos.status == NGX_F1_REPLAY_POS_OFF_TRACK) {
            p |= NGX_F1_REPLAY_FRAME_OFF;
        }
    }

    if (channels & NGX_F1_REPLAY_CH_CAR) {
        ngx_f1_replay_frame_car_at(s, d, t, &car);

        none = (car.src == NGX_F1_REPLAY_SRC_NONE);

        if (((channels & NGX_F1_REPLAY_CH_SPEED)
             && ngx_f1_replay_frame_value(g, none, car.speed) != 0)
            || ((channels & NGX_F1_REPLAY_CH_RPM)
                && ngx_f1_replay_frame_value(g, none, car.rpm) != 0)
            || ((channels & NGX_F1_REPLAY_CH_GEAR)
                && ngx_f1_replay_frame_value(g, none, car.gear) != 0)
            || ((channels & NGX_F1_REPLAY_CH_THROTTLE)
                && ngx_f1_replay_frame_value(g, none || car.throttle_none,
                                             car.throttle)
                   != 0)
            || ((channels & NGX_F1_REPLAY_CH_BRAKE)
                && ngx_f1_replay_frame_value(g, none || car.brake_none,
                                             car.brake)
                   != 0)
            || ((channels & NGX_F1_REPLAY_CH_DRS)
                && ngx_f1_replay_frame_value(g, none, car.drs) != 0))
        {
            return -1;
        }

        p |= (unsigned) car.src << NGX_F1_REPLAY_FRAME_CS_SHIFT;
    }

    if (ngx_f1_replay_frame_int(g, p) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl(yajl_gen_array_close(g));

    return 0;
}


int
ngx_f1_replay_frame_encode(const ngx_f1_replay_session_t *s, uint64_t tick,
    int32_t t, double sent_ms, const ngx_f1_replay_filter_t *f, yajl_gen g)
{
    int                            compact, rc;
    uint32_t                       i;
    const ngx_f1_replay_driver_t  *d;

    compact = (f->format == NGX_F1_REPLAY_FORMAT_COMPACT);

    ngx_f1_replay_yajl(yajl_gen_map_open(g));

    ngx_f1_replay_yajl_key(g, "type");

    if (compact) {
        ngx_f1_replay_yajl(yajl_gen_string(g, (const unsigned char *) "f",
                                          1));

    } else {
        ngx_f1_replay_yajl(yajl_gen_string(g, (const unsigned char *) "frame",
                                          5));
    }

    ngx_f1_replay_yajl_key(g, "tick");
    if (ngx_f1_replay_frame_int(g, tick > INT64_MAX ? INT64_MAX
                                                    : (int64_t) tick)
        != 0)
    {
        return -1;
    }

    ngx_f1_replay_yajl_key(g, "t");
    if (ngx_f1_replay_frame_int(g, t) != 0) {
        return -1;
    }

    if (!compact) {
        ngx_f1_replay_yajl_key(g, "utc");
        if (s->utc0_source == NGX_F1_REPLAY_UTC0_NONE) {
            ngx_f1_replay_yajl(yajl_gen_null(g));

        } else if (ngx_f1_replay_message_utc(g, s->utc0_ms + t) != 0) {
            return -1;
        }
    }

    ngx_f1_replay_yajl_key(g, "sent");
    if (ngx_f1_replay_frame_sent(g, sent_ms) != 0) {
        return -1;
    }

    if (compact) {
        ngx_f1_replay_yajl_key(g, "c");

    } else {
        ngx_f1_replay_yajl_key(g, "cars");
    }

    ngx_f1_replay_yajl(yajl_gen_array_open(g));

    d = ngx_f1_replay_items(s, s->drivers, ngx_f1_replay_driver_t);

    for (i = 0; i < s->drivers.n; i++) {
        if (!ngx_f1_replay_filter_has(f, (unsigned) d[i].number)) {
            continue;
        }

        rc = compact
             ? ngx_f1_replay_frame_compact_car(s, &d[i], t, f->channels, g)
             : ngx_f1_replay_frame_car(s, &d[i], t, f->channels, g);

        if (rc != 0) {
            return -1;
        }
    }

    ngx_f1_replay_yajl(yajl_gen_array_close(g));
    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}
