
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_f1_replay_state.h"


static void ngx_f1_replay_state_timing(const ngx_f1_replay_json_t *l,
    ngx_f1_replay_state_t *st);
static int ngx_f1_replay_state_tyres(ngx_f1_replay_car_acc_t *acc,
    const ngx_f1_replay_json_t *a, ngx_f1_replay_state_t *st);
static int32_t ngx_f1_replay_state_gap(const char *s, int32_t leader);
static int ngx_f1_replay_state_lap_ms(const ngx_f1_replay_json_t *v,
    int32_t *ms);


/*
 * The race state of one car from the accumulated TimingData and
 * TimingAppData states; a record is added only when something changed.
 */

int
ngx_f1_replay_state_update(ngx_f1_replay_loader_t *ld, unsigned number,
    int32_t t, const ngx_f1_replay_json_t *timing,
    const ngx_f1_replay_json_t *app, int timing_only)
{
    char                         key[8];
    double                       d;
    ngx_f1_replay_state_t        st, *last, *rec;
    ngx_f1_replay_car_acc_t     *acc;
    const ngx_f1_replay_json_t  *l, *a;

    acc = &ld->cars[number];
    acc->seen = 1;

    snprintf(key, sizeof(key), "%u", number);
    l = ngx_f1_replay_json_get(ngx_f1_replay_json_get(timing, "Lines"), key);
    a = ngx_f1_replay_json_get(ngx_f1_replay_json_get(app, "Lines"), key);

    memset(&st, 0, sizeof(st));
    st.t = t;
    st.tyre_new = 2;

    ngx_f1_replay_state_timing(l, &st);

    /* without TimingData the order is TimingAppData's lines */

    if (timing_only
        && ngx_f1_replay_json_number(ngx_f1_replay_json_get(a, "Line"), &d)
           == 0
        && d >= 0 && d < 256)
    {
        st.position = (uint8_t) d;
    }

    if (ngx_f1_replay_state_tyres(acc, a, &st) != 0) {
        return -1;
    }

    last = acc->states.n
           ? (ngx_f1_replay_state_t *) acc->states.items + acc->states.n - 1
           : NULL;

    if (last != NULL
        && memcmp((char *) last + sizeof(int32_t),
                  (char *) &st + sizeof(int32_t),
                  sizeof(st) - sizeof(int32_t))
           == 0)
    {
        return 0;
    }

    if (last != NULL && last->t == t) {
        *last = st;
        return 0;
    }

    rec = ngx_f1_replay_loader_push(&acc->states,
                                    sizeof(ngx_f1_replay_state_t));
    if (rec == NULL) {
        return -1;
    }

    *rec = st;

    return 0;
}


/* a car's TimingData line: laps, position, gaps, lap times, flags */

static void
ngx_f1_replay_state_timing(const ngx_f1_replay_json_t *l,
    ngx_f1_replay_state_t *st)
{
    int     b;
    double  d;
    size_t  i;

    static const struct {
        const char  *name;
        uint8_t      bit;
        int          when;
    } flags[] = {
        { "InPit", NGX_F1_REPLAY_IN_PIT, 1 },
        { "PitOut", NGX_F1_REPLAY_PIT_OUT, 1 },
        { "Retired", NGX_F1_REPLAY_RETIRED, 1 },
        { "Stopped", NGX_F1_REPLAY_STOPPED, 1 },
        { "ShowPosition", NGX_F1_REPLAY_HIDDEN, 0 },
        { "KnockedOut", NGX_F1_REPLAY_KNOCKED_OUT, 1 }
    };

    st->last_lap_ms = -1;
    st->best_lap_ms = -1;

    if (ngx_f1_replay_json_number(ngx_f1_replay_json_get(l, "NumberOfLaps"),
                                  &d) == 0
        && d >= 0 && d < 65536)
    {
        st->laps = (uint16_t) d;
    }

    if ((ngx_f1_replay_json_number(ngx_f1_replay_json_get(l, "Position"),
                                   &d) == 0
         || ngx_f1_replay_json_number(ngx_f1_replay_json_get(l, "Line"),
                                      &d) == 0)
        && d >= 0 && d < 256)
    {
        st->position = (uint8_t) d;
    }

    st->gap = ngx_f1_replay_state_gap(ngx_f1_replay_json_string(
                  ngx_f1_replay_json_get(l, "GapToLeader")), 0);
    st->interval = ngx_f1_replay_state_gap(ngx_f1_replay_json_string(
                       ngx_f1_replay_json_get_path(l,
                           "IntervalToPositionAhead", "Value", NULL)),
                       NGX_F1_REPLAY_GAP_NONE);

    (void) ngx_f1_replay_state_lap_ms(ngx_f1_replay_json_get_path(l,
                                      "LastLapTime", "Value", NULL),
                                      &st->last_lap_ms);
    (void) ngx_f1_replay_state_lap_ms(ngx_f1_replay_json_get_path(l,
                                      "BestLapTime", "Value", NULL),
                                      &st->best_lap_ms);

    for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
        if (ngx_f1_replay_json_bool(ngx_f1_replay_json_get(l, flags[i].name),
                                    &b)
            == 0
            && b == flags[i].when)
        {
            st->flags |= flags[i].bit;
        }
    }
}


/*
 * A car's TimingAppData line: its current stint's tyres; a stint seen
 * for the first time gets the time and the car's laps then
 */

static int
ngx_f1_replay_state_tyres(ngx_f1_replay_car_acc_t *acc,
    const ngx_f1_replay_json_t *a, ngx_f1_replay_state_t *st)
{
    int                          b;
    double                       d;
    size_t                       n;
    int32_t                     *st_t;
    uint16_t                    *st_lap;
    const ngx_f1_replay_json_t  *stints, *cur;

    stints = ngx_f1_replay_json_get(a, "Stints");

    if (stints == NULL
        || (stints->type != NGX_F1_REPLAY_JSON_ARRAY
            && stints->type != NGX_F1_REPLAY_JSON_OBJECT)
        || stints->nitems == 0)
    {
        return 0;
    }

    n = stints->nitems < 255 ? stints->nitems : 255;
    cur = stints->items[n - 1];

    st->stints = (uint8_t) n;
    st->compound = (uint8_t) ngx_f1_replay_session_compound(
                       ngx_f1_replay_json_string(
                           ngx_f1_replay_json_get(cur, "Compound")));

    if (ngx_f1_replay_json_bool(ngx_f1_replay_json_get(cur, "New"), &b) == 0)
    {
        st->tyre_new = (uint8_t) b;
    }

    if (ngx_f1_replay_json_number(ngx_f1_replay_json_get(cur, "TotalLaps"),
                                  &d) == 0
        && d >= 0 && d < 65536)
    {
        st->tyre_age = (uint16_t) d;
    }

    while (acc->stint_t.n < n) {
        st_t = ngx_f1_replay_loader_push(&acc->stint_t, sizeof(int32_t));
        st_lap = ngx_f1_replay_loader_push(&acc->stint_lap,
                                           sizeof(uint16_t));
        if (st_t == NULL || st_lap == NULL) {
            return -1;
        }

        *st_t = st->t;
        *st_lap = st->laps;
    }

    return 0;
}


/*
 * A gap as the timing screen shows it: "+1.234" (or "1.234") seconds,
 * "1 L" (or "1L", "2 LAPS") behind, "LAP 52" on the leader's line (the
 * leader's value is "leader": 0 for the gap, none for the interval);
 * anything else, "" included, is none.
 */

static int32_t
ngx_f1_replay_state_gap(const char *s, int32_t leader)
{
    char    *end;
    double   sec;
    long     laps;

    if (s == NULL) {
        return NGX_F1_REPLAY_GAP_NONE;
    }

    if (strncmp(s, "LAP ", 4) == 0) {
        return leader;
    }

    if (*s == '+') {
        s++;
    }

    if (*s < '0' || *s > '9') {
        return NGX_F1_REPLAY_GAP_NONE;
    }

    if (strchr(s, 'L') != NULL) {
        laps = strtol(s, &end, 10);

        while (*end == ' ') {
            end++;
        }

        if (laps < 1 || laps > 999
            || (strcmp(end, "L") != 0 && strcmp(end, "LAP") != 0
                && strcmp(end, "LAPS") != 0))
        {
            return NGX_F1_REPLAY_GAP_NONE;
        }

        return NGX_F1_REPLAY_GAP_LAPS(laps);
    }

    sec = strtod(s, &end);

    if (*end != '\0' || sec < 0 || sec > 86400) {
        return NGX_F1_REPLAY_GAP_NONE;
    }

    return (int32_t) (sec * 1000 + 0.5);
}


/* "1:23.456", "83.456", "1:02:03.004" */

static int
ngx_f1_replay_state_lap_ms(const ngx_f1_replay_json_t *v, int32_t *ms)
{
    int          digits;
    int64_t      total, part, frac, scale;
    const char  *p;

    p = ngx_f1_replay_json_string(v);
    if (p == NULL || *p == '\0') {
        return -1;
    }

    total = 0;
    part = 0;
    digits = 0;

    for ( ;; ) {
        if (*p >= '0' && *p <= '9') {
            part = part * 10 + (*p++ - '0');
            if (++digits > 6) {
                return -1;
            }
            continue;
        }

        if (digits == 0) {
            return -1;
        }

        if (*p == ':') {
            total = (total + part) * 60;
            part = 0;
            digits = 0;
            p++;
            continue;
        }

        break;
    }

    total += part;
    frac = 0;
    scale = 1000;

    if (*p == '.') {
        p++;

        while (*p >= '0' && *p <= '9') {
            if (scale > 1) {
                scale /= 10;
                frac += (*p - '0') * scale;
            }
            p++;
        }
    }

    if (*p != '\0' || total > 86400) {
        return -1;
    }

    *ms = (int32_t) (total * 1000 + frac);

    return 0;
}


/*
 * Raw samples ({int64_t utc; sample s;}, s starting with its int32_t
 * time) into the block, sorted by time, on the session clock, one per
 * instant (the feed never repeats a car at an instant).
 */
