
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


/*
 * The strategy engine's payload: the predictions as one JSON object
 * (ngx_f1_replay_strategy.h has its shape), written the one way of
 * ngx_f1_replay_json.h.
 */


#include <math.h>
#include <stdio.h>
#include <string.h>

#include "ngx_f1_replay_json.h"
#include "ngx_f1_replay_strategy.h"


static int ngx_f1_replay_strategy_json_pit_loss(
    const ngx_f1_replay_strategy_out_t *out, yajl_gen g);
static int ngx_f1_replay_strategy_json_overtake(
    const ngx_f1_replay_strategy_out_t *out, yajl_gen g);
static int ngx_f1_replay_strategy_json_car(
    const ngx_f1_replay_strategy_car_out_t *co, yajl_gen g);
static int ngx_f1_replay_strategy_json_pace(
    const ngx_f1_replay_strategy_car_out_t *co, yajl_gen g);
static int ngx_f1_replay_strategy_json_next_stop(
    const ngx_f1_replay_strategy_car_out_t *co, yajl_gen g);
static int ngx_f1_replay_strategy_json_plan(
    const ngx_f1_replay_strategy_car_out_t *co, yajl_gen g);
static int ngx_f1_replay_strategy_json_ahead(
    const ngx_f1_replay_strategy_car_out_t *co, yajl_gen g);
static int ngx_f1_replay_strategy_json_number(yajl_gen g, double v);


int
ngx_f1_replay_strategy_json(const ngx_f1_replay_strategy_out_t *out,
    yajl_gen g)
{
    unsigned  i;

    ngx_f1_replay_yajl(yajl_gen_map_open(g));
    ngx_f1_replay_yajl_kstr(g, "model", NGX_F1_REPLAY_STRATEGY_MODEL);
    ngx_f1_replay_yajl_kint(g, "lap", out->computed_at_lap);
    ngx_f1_replay_yajl_kint(g, "total_laps", out->total_laps);
    ngx_f1_replay_yajl_kstr(g, "circuit", out->circuit);
    ngx_f1_replay_yajl_kbool(g, "wet", out->wet);

    ngx_f1_replay_yajl_key(g, "fuel_ms");
    if (ngx_f1_replay_strategy_json_number(g, out->fuel_ms) != 0) {
        return -1;
    }

    if (ngx_f1_replay_strategy_json_pit_loss(out, g) != 0
        || ngx_f1_replay_strategy_json_overtake(out, g) != 0)
    {
        return -1;
    }

    ngx_f1_replay_yajl_key(g, "cars");
    ngx_f1_replay_yajl(yajl_gen_map_open(g));

    for (i = 0; i < out->ncars; i++) {
        if (ngx_f1_replay_strategy_json_car(&out->cars[i], g) != 0) {
            return -1;
        }
    }

    ngx_f1_replay_yajl(yajl_gen_map_close(g));
    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}


/* "pit_loss":{"green":{"ms":..,"n":..},"sc":{..},"vsc":{..}} */

static int
ngx_f1_replay_strategy_json_pit_loss(const ngx_f1_replay_strategy_out_t *out,
    yajl_gen g)
{
    unsigned                              k;
    static const char *const              names[3] = {
        "green", "sc", "vsc"
    };
    const ngx_f1_replay_strategy_loss_t  *loss[3];

    loss[0] = &out->loss_green;
    loss[1] = &out->loss_sc;
    loss[2] = &out->loss_vsc;

    ngx_f1_replay_yajl_key(g, "pit_loss");
    ngx_f1_replay_yajl(yajl_gen_map_open(g));

    for (k = 0; k < 3; k++) {
        ngx_f1_replay_yajl_cstr(g, names[k]);
        ngx_f1_replay_yajl(yajl_gen_map_open(g));
        ngx_f1_replay_yajl_kint(g, "ms", loss[k]->ms);
        ngx_f1_replay_yajl_kint(g, "n", loss[k]->n);
        ngx_f1_replay_yajl(yajl_gen_map_close(g));
    }

    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}


/* "overtake":{"shift":..,"scale":..,"n":..}, the race's recalibration */

static int
ngx_f1_replay_strategy_json_overtake(const ngx_f1_replay_strategy_out_t *out,
    yajl_gen g)
{
    ngx_f1_replay_yajl_key(g, "overtake");
    ngx_f1_replay_yajl(yajl_gen_map_open(g));

    ngx_f1_replay_yajl_key(g, "shift");
    if (ngx_f1_replay_strategy_json_number(g, out->overtake_shift) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl_key(g, "scale");
    if (ngx_f1_replay_strategy_json_number(g, out->overtake_scale) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl_kint(g, "n", out->overtake_n);
    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}


/* "81":{"lap":..,...}, or "81":{"lap":..,"active":false} out of the race */

static int
ngx_f1_replay_strategy_json_car(const ngx_f1_replay_strategy_car_out_t *co,
    yajl_gen g)
{
    char         key[8];
    const char  *tyre;

    snprintf(key, sizeof(key), "%u", co->number);
    ngx_f1_replay_yajl_cstr(g, key);
    ngx_f1_replay_yajl(yajl_gen_map_open(g));
    ngx_f1_replay_yajl_kint(g, "lap", co->lap);

    if (!co->active) {
        ngx_f1_replay_yajl_kbool(g, "active", 0);
        ngx_f1_replay_yajl(yajl_gen_map_close(g));
        return 0;
    }

    tyre = ngx_f1_replay_session_compound_name(co->compound);

    ngx_f1_replay_yajl_kint(g, "pos", co->position);
    ngx_f1_replay_yajl_kstr(g, "tyre", tyre);
    ngx_f1_replay_yajl_kint(g, "age", co->tyre_age);
    ngx_f1_replay_yajl_kint(g, "stops", co->stops);

    if (ngx_f1_replay_strategy_json_pace(co, g) != 0
        || ngx_f1_replay_strategy_json_next_stop(co, g) != 0
        || ngx_f1_replay_strategy_json_plan(co, g) != 0
        || ngx_f1_replay_strategy_json_ahead(co, g) != 0)
    {
        return -1;
    }

    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}


/* "pace":{"MEDIUM":{"base_ms":..,"deg_ms":..,"n":..},...} */

static int
ngx_f1_replay_strategy_json_pace(const ngx_f1_replay_strategy_car_out_t *co,
    yajl_gen g)
{
    unsigned                             k;
    const char                          *tyre;
    const ngx_f1_replay_strategy_fit_t  *fit;

    ngx_f1_replay_yajl_key(g, "pace");
    ngx_f1_replay_yajl(yajl_gen_map_open(g));

    for (k = 0; k < co->nfits; k++) {
        fit = &co->fits[k];
        tyre = ngx_f1_replay_session_compound_name(fit->compound);

        ngx_f1_replay_yajl_cstr(g, tyre);
        ngx_f1_replay_yajl(yajl_gen_map_open(g));
        ngx_f1_replay_yajl_kint(g, "base_ms", fit->base_ms);

        ngx_f1_replay_yajl_key(g, "deg_ms");
        if (ngx_f1_replay_strategy_json_number(g, fit->deg_ms) != 0) {
            return -1;
        }

        ngx_f1_replay_yajl_kint(g, "n", fit->n);
        ngx_f1_replay_yajl(yajl_gen_map_close(g));
    }

    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}


/* "next_stop":{"lap":..,"lo":..,"hi":..,"confidence":..}, or null */

static int
ngx_f1_replay_strategy_json_next_stop(
    const ngx_f1_replay_strategy_car_out_t *co, yajl_gen g)
{
    if (co->next_stop == 0) {
        ngx_f1_replay_yajl_knull(g, "next_stop");
        return 0;
    }

    ngx_f1_replay_yajl_key(g, "next_stop");
    ngx_f1_replay_yajl(yajl_gen_map_open(g));
    ngx_f1_replay_yajl_kint(g, "lap", co->next_stop);
    ngx_f1_replay_yajl_kint(g, "lo", co->window_lo);
    ngx_f1_replay_yajl_kint(g, "hi", co->window_hi);

    ngx_f1_replay_yajl_key(g, "confidence");
    if (ngx_f1_replay_strategy_json_number(g, co->confidence) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}


/* "plan":["MEDIUM",...],"next_compound":"MEDIUM","stops_total":2 */

static int
ngx_f1_replay_strategy_json_plan(const ngx_f1_replay_strategy_car_out_t *co,
    yajl_gen g)
{
    unsigned     k;
    const char  *tyre;

    ngx_f1_replay_yajl_key(g, "plan");
    ngx_f1_replay_yajl(yajl_gen_array_open(g));

    for (k = 0; k < co->nplan; k++) {
        tyre = ngx_f1_replay_session_compound_name(co->plan[k]);
        ngx_f1_replay_yajl_cstr(g, tyre);
    }

    ngx_f1_replay_yajl(yajl_gen_array_close(g));

    tyre = ngx_f1_replay_session_compound_name(co->next_compound);

    ngx_f1_replay_yajl_kstr(g, "next_compound", tyre);
    ngx_f1_replay_yajl_kint(g, "stops_total", co->stops_total);

    return 0;
}


/* "overtake":{"ahead":..,"gap_ms":..,"pace_ms":..,"p3":..}, or null */

static int
ngx_f1_replay_strategy_json_ahead(const ngx_f1_replay_strategy_car_out_t *co,
    yajl_gen g)
{
    if (co->ahead == 0) {
        ngx_f1_replay_yajl_knull(g, "overtake");
        return 0;
    }

    ngx_f1_replay_yajl_key(g, "overtake");
    ngx_f1_replay_yajl(yajl_gen_map_open(g));
    ngx_f1_replay_yajl_kint(g, "ahead", co->ahead);
    ngx_f1_replay_yajl_kint(g, "gap_ms", co->gap_ms);

    ngx_f1_replay_yajl_key(g, "pace_ms");
    if (ngx_f1_replay_strategy_json_number(g, co->pace_ms) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl_key(g, "p3");
    if (ngx_f1_replay_strategy_json_number(g, co->p_overtake) != 0) {
        return -1;
    }

    ngx_f1_replay_yajl(yajl_gen_map_close(g));

    return 0;
}


/*
 * A number rounded to 3 decimals without trailing zeros ("55", "0.25"),
 * so that output compares byte for byte (yajl_gen_double cannot round);
 * null for what has no JSON number (NaN, infinity, beyond the buffer).
 */

static int
ngx_f1_replay_strategy_json_number(yajl_gen g, double v)
{
    int   n;
    char  buf[32];

    n = snprintf(buf, sizeof(buf), "%.3f", v);

    if (!isfinite(v) || n <= 0 || (size_t) n >= sizeof(buf)) {
        ngx_f1_replay_yajl(yajl_gen_null(g));
        return 0;
    }

    while (n > 1 && buf[n - 1] == '0') {
        n--;
    }

    if (buf[n - 1] == '.') {
        n--;
    }

    ngx_f1_replay_yajl(yajl_gen_number(g, buf, (size_t) n));

    return 0;
}
