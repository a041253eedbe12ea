
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_MESSAGE_H_INCLUDED_
#define _NGX_F1_REPLAY_MESSAGE_H_INCLUDED_


/*
 * Every JSON message of the module but the 50 Hz frame (frame.c): the
 * WebSocket's hello, state, clock, event, predictions, subscribed and
 * error messages, and the HTTP answers built from the same objects (the
 * info summary and state, the control clock, the timeline); the events
 * are in ngx_f1_replay_message_event.c.  Each function appends one
 * complete JSON value to g (or members of an open map) and returns 0, or
 * -1 if a yajl call failed.  Free of nginx types.
 */


#include <stdint.h>
#include <yajl/yajl_gen.h>

#include "ngx_f1_replay_clock.h"
#include "ngx_f1_replay_frame.h"
#include "ngx_f1_replay_json.h"
#include "ngx_f1_replay_session.h"
#include "ngx_f1_replay_strategy.h"


#define NGX_F1_REPLAY_MESSAGE_PROTOCOL  2


/* "HH:MM:SS.mmm", or null for NGX_F1_REPLAY_NO_TIME */
int ngx_f1_replay_message_time(yajl_gen g, int32_t t);

/* "2025-08-31T13:00:00.123Z" of Unix ms, or null outside 0-9999 */
int ngx_f1_replay_message_utc(yajl_gen g, int64_t ms);

/* a duration in ms, or null when negative (none) */
int ngx_f1_replay_message_ms(yajl_gen g, int32_t ms);

/* a set's newness: 0 used, 1 new, 2 unknown (null) */
int ngx_f1_replay_message_new(yajl_gen g, unsigned tyre_new);

/* "gap_ms":..,"gap_laps":.. members of a gap or an interval */
int ngx_f1_replay_message_gap(yajl_gen g, const char *ms_key,
    const char *laps_key, int32_t gap);

/* a race-control message's members; with lap, its own "lap" too */
int ngx_f1_replay_message_rcm(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_rcm_t *m, unsigned lap, yajl_gen g);

/* a weather sample's members */
int ngx_f1_replay_message_weather(const ngx_f1_replay_weather_t *w,
    yajl_gen g);

/* the session at a glance: metadata, drivers, stints, pits, periods */
int ngx_f1_replay_message_summary(const ngx_f1_replay_session_t *s,
    yajl_gen g);

/* the race at session time t; "type":"state" first if typed */
int ngx_f1_replay_message_state(const ngx_f1_replay_session_t *s,
    int32_t t, int typed, yajl_gen g);

/* the WebSocket "hello": metadata, drivers, outline, tick rate, clock */
int ngx_f1_replay_message_hello(const ngx_f1_replay_session_t *s,
    unsigned tick_rate, const ngx_f1_replay_clock_t *clk,
    const ngx_f1_replay_clock_pos_t *pos, int32_t delay_ms, yajl_gen g);

/*
 * The clock at a position ("type":"clock" first if typed): tick, session
 * time, lap, state, speed, loop, what changed it last, the client's
 * delay, start, end and anchor
 */
int ngx_f1_replay_message_clock(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_clock_t *clk, const ngx_f1_replay_clock_pos_t *pos,
    int32_t delay_ms, int typed, yajl_gen g);

/*
 * Event number id of the session.  On the stream ("type":"event" first)
 * what is not known yet when it happens, the end of a period or a stop,
 * is null; the timeline gives it.
 */
int ngx_f1_replay_message_event(const ngx_f1_replay_session_t *s,
    uint32_t id, int stream, yajl_gen g);

/*
 * {"events":[...],"count":N,"truncated":bool}: the events with
 * (types & 1 << type) and from <= t <= to, at most limit of them (0: all);
 * truncated tells that more matched
 */
int ngx_f1_replay_message_event_timeline(const ngx_f1_replay_session_t *s,
    unsigned long types, int32_t from, int32_t to, size_t limit,
    yajl_gen g);

/*
 * {"type":"predictions","lap":L,"builtin":<out, or null>,"file":<file>}:
 * "file" only with a file
 */
int ngx_f1_replay_message_predictions(unsigned lap,
    const ngx_f1_replay_strategy_out_t *out,
    const ngx_f1_replay_json_t *file, yajl_gen g);

/* the answer to a subscription: what the client now gets */
int ngx_f1_replay_message_subscribed(const ngx_f1_replay_session_t *s,
    const ngx_f1_replay_filter_t *f, unsigned rate, int32_t delay_ms,
    yajl_gen g);

/*
 * {"type":"error","code":code,"message":text}, or {"error":text} without
 * a code (the HTTP endpoints' form)
 */
int ngx_f1_replay_message_error(const char *code, const char *text,
    yajl_gen g);


#endif /* _NGX_F1_REPLAY_MESSAGE_H_INCLUDED_ */
