
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_STATE_H_INCLUDED_
#define _NGX_F1_REPLAY_STATE_H_INCLUDED_


/*
 * A car's race-state records (ngx_f1_replay_state_t): its line of the
 * TimingData and TimingAppData states, read as the screen shows it (laps,
 * position, gaps in milliseconds, lap times, pit flags, tyres) each time
 * a line touches the car.  Free of nginx types.
 */


#include "ngx_f1_replay_loader.h"


/*
 * Car number's record at t from the topics' states (either may be NULL);
 * timing_only: no TimingData, the order is TimingAppData's.  A record
 * is added only when something changed.  Returns 0, or -1 when out of
 * memory.
 */
int ngx_f1_replay_state_update(ngx_f1_replay_loader_t *ld, unsigned number,
    int32_t t, const ngx_f1_replay_json_t *timing,
    const ngx_f1_replay_json_t *app, int timing_only);


#endif /* _NGX_F1_REPLAY_STATE_H_INCLUDED_ */
