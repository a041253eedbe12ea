
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_FRAME_H_INCLUDED_
#define _NGX_F1_REPLAY_FRAME_H_INCLUDED_


/*
 * The 50 Hz frame: every car's telemetry and position at one session
 * time, up-sampled from the recorded samples (about 4 Hz) by linear
 * interpolation of the continuous channels, with the provenance of each
 * value.  Free of nginx types.  The two shapes of the message, JSON and
 * compact, are described at the top of ngx_f1_replay_frame.c.
 */


#include <stdint.h>
#include <yajl/yajl_gen.h>

#include "ngx_f1_replay_session.h"


#define NGX_F1_REPLAY_CH_POSITION      0x01    /* x, y, z */
#define NGX_F1_REPLAY_CH_SPEED         0x02
#define NGX_F1_REPLAY_CH_RPM           0x04
#define NGX_F1_REPLAY_CH_GEAR          0x08
#define NGX_F1_REPLAY_CH_THROTTLE      0x10
#define NGX_F1_REPLAY_CH_BRAKE         0x20
#define NGX_F1_REPLAY_CH_DRS           0x40
#define NGX_F1_REPLAY_CH_ALL           0x7f

/* the channels that come from CarData (all but the position) */
#define NGX_F1_REPLAY_CH_CAR           0x7e

/* the frame message's encoding, both described in ngx_f1_replay_frame.c */
#define NGX_F1_REPLAY_FORMAT_JSON      0   /* "frame", a map per car */
#define NGX_F1_REPLAY_FORMAT_COMPACT   1   /* "f", an array per car */

/* provenance of a value at time t */
#define NGX_F1_REPLAY_SRC_NONE         0   /* before the first sample */
#define NGX_F1_REPLAY_SRC_REAL         1   /* a real sample exactly at t */
#define NGX_F1_REPLAY_SRC_INTERP       2   /* between two close samples */
#define NGX_F1_REPLAY_SRC_STALE        3   /* last real value held */

/* neighbouring samples further apart are not bridged */
#define NGX_F1_REPLAY_MAX_GAP_MS       1000

/*
 * A car whose last NGX_F1_REPLAY_MAX_NO_FIX position samples up to t are
 * all "no fix" has no position (SRC_NONE): its last fix is not held.
 * This bounds the scan over NO_FIX samples (real archives start with
 * thousands of them per car, before the cars go out).
 */
#define NGX_F1_REPLAY_MAX_NO_FIX       256


typedef struct {
    uint64_t              drivers[16];  /* bit n: racing number n */
    uint32_t              channels;     /* NGX_F1_REPLAY_CH_* */
    uint32_t              format;       /* NGX_F1_REPLAY_FORMAT_* */
} ngx_f1_replay_filter_t;


typedef struct {
    int                   src;          /* NGX_F1_REPLAY_SRC_* */
    double                rpm;
    double                speed;        /* km/h */
    double                throttle;     /* %, 0 when throttle_none */
    int                   throttle_none;
    unsigned              gear;
    unsigned              brake;        /* 0 or 100, 0 when brake_none */
    unsigned              brake_none;
    unsigned              drs;          /* feed code 0-14 */
} ngx_f1_replay_car_at_t;


typedef struct {
    int                   src;          /* NGX_F1_REPLAY_SRC_* */
    double                x;            /* decimetres */
    double                y;
    double                z;
    unsigned              status;       /* ON_TRACK or OFF_TRACK */
} ngx_f1_replay_pos_at_t;


/* n: an unsigned racing number; numbers above 1023 are never in a filter */

#define ngx_f1_replay_filter_has(f, n)                                        \
    ((n) < 1024 && ((f)->drivers[(n) >> 6] >> ((n) & 63) & 1))

#define ngx_f1_replay_filter_add(f, n)                                        \
    ((n) < 1024                                                               \
     ? (void) ((f)->drivers[(n) >> 6] |= (uint64_t) 1 << ((n) & 63))          \
     : (void) 0)


/* every car, every channel, FORMAT_JSON */
void ngx_f1_replay_frame_filter_all(ngx_f1_replay_filter_t *f);

/* "position", "speed", ... of one NGX_F1_REPLAY_CH_* bit; NULL if none */
const char *ngx_f1_replay_frame_channel_name(unsigned bit);

/* the NGX_F1_REPLAY_CH_* bit of a channel's name, or 0 */
unsigned ngx_f1_replay_frame_channel(const char *name);

/*
 * The car data and the position of driver d at session time t.  Fields
 * other than src are 0 when src is SRC_NONE.
 */
void ngx_f1_replay_frame_car_at(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_driver_t *d, int32_t t, ngx_f1_replay_car_at_t *out);
void ngx_f1_replay_frame_pos_at(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_driver_t *d, int32_t t, ngx_f1_replay_pos_at_t *out);

/*
 * Appends one frame message to g: tick and session time t, sent_ms the
 * server's send time (Unix ms), cars and channels as filtered, in the
 * filter's format (any value but FORMAT_COMPACT is FORMAT_JSON).
 * Returns 0, or -1 if a yajl call failed.
 */
int ngx_f1_replay_frame_encode(const ngx_f1_replay_session_t *s,
    uint64_t tick, int32_t t, double sent_ms,
    const ngx_f1_replay_filter_t *f, yajl_gen g);


#endif /* _NGX_F1_REPLAY_FRAME_H_INCLUDED_ */
