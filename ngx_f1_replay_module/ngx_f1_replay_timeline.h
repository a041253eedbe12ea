
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_TIMELINE_H_INCLUDED_
#define _NGX_F1_REPLAY_TIMELINE_H_INCLUDED_


/*
 * The event timeline: the notable events of a loaded session (start,
 * leader laps, pit stops, stints, overtakes, safety-car, VSC and red-flag
 * periods, race-control messages, fastest laps, finish), sorted by time,
 * for the HTTP control endpoint and as seek targets (the index is the
 * event id).  Only what the archive holds is listed.  Free of nginx
 * types.
 */


#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>

#include "ngx_f1_replay_session.h"


typedef enum {
    NGX_F1_REPLAY_TL_START = 0,     /* race start (lights-out) */
    NGX_F1_REPLAY_TL_LAP,           /* leader begins lap n (LapCount) */
    NGX_F1_REPLAY_TL_PIT_STOP,      /* a real tyre change */
    NGX_F1_REPLAY_TL_STINT,         /* any new stint (drive-throughs too) */
    NGX_F1_REPLAY_TL_OVERTAKE,      /* position gained on track */
    NGX_F1_REPLAY_TL_SAFETY_CAR,    /* SC period: t .. end */
    NGX_F1_REPLAY_TL_VSC,           /* VSC period */
    NGX_F1_REPLAY_TL_RED_FLAG,      /* red flag period */
    NGX_F1_REPLAY_TL_RACE_CONTROL,  /* a race-control message */
    NGX_F1_REPLAY_TL_FASTEST_LAP,   /* new overall fastest lap */
    NGX_F1_REPLAY_TL_FINISH,        /* chequered flag / leader finishes */
    NGX_F1_REPLAY_TL_N
} ngx_f1_replay_tl_type_e;


typedef struct {
    int32_t               t;         /* session ms; pit stop: pit entry */
    int32_t               end;       /* periods, pit stops: end (pit exit),
                                        else NGX_F1_REPLAY_NO_TIME */
    uint16_t              driver;    /* racing number or 0 */
    uint16_t              other;     /* overtake: the car passed; 0 */
    uint16_t              lap;       /* LapCount current at t; see .c */
    uint8_t               type;      /* ngx_f1_replay_tl_type_e */
    uint8_t               compound;  /* pit stop, stint: new compound */
    int32_t               value;     /* fastest lap: ms; overtake: new
                                        position; race control: index in
                                        s->race_control; pit stop, stint:
                                        index in the driver's stints */
} ngx_f1_replay_tl_event_t;


/*
 * The events of s, malloc'ed (free() them; NULL when there are none),
 * sorted by (t, type, driver); the index is the event id.  Returns 0, or
 * -1 (out of memory).
 */
int ngx_f1_replay_timeline_build(const ngx_f1_replay_session_t *s,
    ngx_f1_replay_tl_event_t **events, size_t *n);

/*
 * "pit_stop,safety_car" -> bit mask of (1 << type); an empty list means
 * all types; -1 on an unknown or empty name.
 */
long ngx_f1_replay_timeline_types(const char *list, size_t len);

/* "pit_stop", ...; NULL for an unknown type */
const char *ngx_f1_replay_timeline_type_name(unsigned type);

/*
 * {"events":[{"id":..,"type":"pit_stop","t":"HH:MM:SS.mmm","t_ms":..,
 * "lap":..,"driver":81,"tla":"PIA",...}],"count":N,"truncated":bool}:
 * the events with (types & 1 << type) and from <= t <= to, at most limit
 * of them (0: all); truncated tells that more matched.  Returns 0 or -1.
 */
int ngx_f1_replay_timeline_json(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_tl_event_t *ev, size_t n, unsigned long types,
    int32_t from, int32_t to, size_t limit, yajl_gen g);


#endif /* _NGX_F1_REPLAY_TIMELINE_H_INCLUDED_ */
