
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_TIMELINE_H_INCLUDED_
#define _NGX_F1_REPLAY_TIMELINE_H_INCLUDED_


/*
 * The event timeline: the race events of a session (start, leader laps,
 * car laps, positions, pit entries and exits, pit stops, stints,
 * retirements, overtakes, track status, safety-car, VSC and red-flag
 * periods, race-control messages, weather, fastest laps, finish), found
 * once when the session is built and kept in its block
 * (ngx_f1_replay_event_t): the WebSocket stream and the control
 * endpoint serve that one list.  Only what the archive holds is listed.
 * Free of nginx types.
 */


#include <stddef.h>
#include <stdint.h>

#include "ngx_f1_replay_session.h"


/*
 * The events of s (its events array is not read), malloc'ed (free()
 * them; NULL when there are none), sorted by (t, type, driver, other,
 * value): the index is the event id.  Returns 0, or -1 (out of memory).
 */
int ngx_f1_replay_timeline_build(const ngx_f1_replay_session_t *s,
    ngx_f1_replay_event_t **events, size_t *n);

/*
 * "pit_stop,safety_car" -> bit mask of (1 << type); an empty list means
 * all types; -1 on an unknown or empty name.
 */
long ngx_f1_replay_timeline_types(const char *list, size_t len);

/* "pit_stop", ...; NULL for an unknown type */
const char *ngx_f1_replay_timeline_type_name(unsigned type);

/* 1 if stint cur, after prev, began with a real tyre change */
int ngx_f1_replay_timeline_tyre_change(const ngx_f1_replay_stint_t *prev,
    const ngx_f1_replay_stint_t *cur);


#endif /* _NGX_F1_REPLAY_TIMELINE_H_INCLUDED_ */
