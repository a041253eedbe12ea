
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


/*
 * The strategy engine on hand-made races with known answers.
 *
 * A race is built lap by lap: every car runs a lap time of 80 s plus its
 * degradation times the age of its set, less 55 ms per lap of fuel burnt;
 * positions follow the cars' order in the table, 1 s apart, unless a test
 * sets them.  Stops: the in-lap is 10 s slower, the out-lap 12 s (a pit
 * loss of 22 s under green); the out-lap starts a new stint on a new set.
 */


#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_gen.h>
#include <yajl/yajl_tree.h>

#include "ngx_f1_replay_strategy.h"
#include "unit.h"


#define S  NGX_F1_REPLAY_COMPOUND_SOFT
#define M  NGX_F1_REPLAY_COMPOUND_MEDIUM
#define H  NGX_F1_REPLAY_COMPOUND_HARD
#define I  NGX_F1_REPLAY_COMPOUND_INTERMEDIATE


typedef struct {
    unsigned   number;
    unsigned   compound;       /* first stint */
    unsigned   age0;           /* age of the set at the start */
    double     deg;            /* ms per lap of age */
    unsigned   stop;           /* in-lap of a stop, 0 none */
    unsigned   compound2;      /* after it */
    double     deg2;
} car_spec_t;


static ngx_f1_replay_strategy_table_t  tb, cut;
static ngx_f1_replay_strategy_out_t    out;


static void
race(const car_spec_t *cars, unsigned n, unsigned total, unsigned laps)
{
    unsigned                       i, k, age, comp, stint;
    double                         deg;
    ngx_f1_replay_strategy_lap_t  *lp;

    memset(&tb, 0, sizeof(tb));
    tb.total_laps = total;
    strcpy(tb.circuit, "Test");
    tb.ncars = n;

    for (i = 0; i < n; i++) {
        tb.cars[i].number = (uint16_t) cars[i].number;
        tb.cars[i].tla[0] = (char) ('A' + i);
        tb.cars[i].nlaps = (uint16_t) laps;

        age = cars[i].age0;
        comp = cars[i].compound;
        deg = cars[i].deg;
        stint = 1;

        for (k = 1; k <= laps; k++) {
            lp = &tb.cars[i].laps[k - 1];

            if (cars[i].stop && k == cars[i].stop + 1) {
                age = 0;
                comp = cars[i].compound2;
                deg = cars[i].deg2;
                stint = 2;
                lp->flags |= NGX_F1_REPLAY_STRATEGY_PIT_OUT
                             | NGX_F1_REPLAY_STRATEGY_NEW_SET;
            }

            age++;

            lp->present = 1;
            lp->compound = (uint8_t) comp;
            lp->tyre_age = (uint8_t) age;
            lp->stint = (uint8_t) stint;
            lp->position = (uint8_t) (i + 1);
            lp->gap_ms = i ? 1000 : -1;
            lp->time_ms = (int32_t) (80000 + deg * age - 55.0 * k);

            if (k == cars[i].stop) {
                lp->flags |= NGX_F1_REPLAY_STRATEGY_PIT_IN;
                lp->time_ms += 10000;
            }

            if (k == cars[i].stop + 1) {
                lp->time_ms += 12000;
            }
        }
    }
}


static const ngx_f1_replay_strategy_car_out_t *
car(unsigned number)
{
    unsigned  i;

    for (i = 0; i < out.ncars; i++) {
        if (out.cars[i].number == number) {
            return &out.cars[i];
        }
    }

    return NULL;
}


static char *
json(const ngx_f1_replay_strategy_table_t *t, unsigned lap)
{
    char                 *s;
    size_t                len;
    yajl_gen              g;
    const unsigned char  *buf;

    if (ngx_f1_replay_strategy_run(t, lap, &out) != 0) {
        return NULL;
    }

    g = yajl_gen_alloc(NULL);
    s = NULL;

    if (g != NULL && ngx_f1_replay_strategy_json(&out, g) == 0
        && yajl_gen_get_buf(g, &buf, &len) == yajl_gen_status_ok)
    {
        s = malloc(len + 1);
        if (s != NULL) {
            memcpy(s, buf, len);
            s[len] = '\0';
        }
    }

    yajl_gen_free(g);

    return s;
}


static void
test_old_tyres_stop_first(void)
{
    const ngx_f1_replay_strategy_car_out_t  *a, *b;

    /*
     * Car 1 on softs from the start with 150 ms/lap of degradation, car 2
     * stopped on lap 15 for new mediums; at lap 20 car 1 is on a 20-lap
     * set, car 2 on a 5-lap one.
     */

    car_spec_t  cars[] = {
        { 1, S, 0, 150, 0, 0, 0 },
        { 2, S, 0, 150, 15, M, 50 },
        { 3, M, 0, 60, 0, 0, 0 },
        { 4, M, 0, 60, 0, 0, 0 }
    };

    race(cars, 4, 60, 60);

    UNIT_CHECK(ngx_f1_replay_strategy_run(&tb, 20, &out) == 0,
               "run at lap 20");

    a = car(1);
    b = car(2);

    UNIT_CHECK(a->active && b->active, "both cars running");
    UNIT_CHECK(a->next_stop > 20 && b->next_stop > 20,
               "next stops after the lap computed at");
    UNIT_CHECK(a->next_stop < b->next_stop,
               "old high-deg tyres stop before new tyres");
    UNIT_CHECK(a->window_lo <= a->next_stop && a->next_stop <= a->window_hi,
               "window around the stop");
    UNIT_CHECK(a->confidence > 0 && a->confidence <= 1, "confidence in (0,1]");
    UNIT_CHECK(b->stops == 1 && a->stops == 0, "stops so far");
    UNIT_CHECK(out.computed_at_lap == 20, "computed_at_lap");

    /* the degradation fit recovers the slope of car 1's softs */

    UNIT_CHECK(a->nfits == 1 && a->fits[0].compound == S
               && fabs(a->fits[0].deg_ms - 150) < 25,
               "soft degradation about 150 ms/lap");
    UNIT_CHECK(a->fits[0].n >= 15, "fit on the clean laps");
}


static void
test_two_compound_rule(void)
{
    const ngx_f1_replay_strategy_car_out_t  *a, *b;

    /* 50 laps; car 1 only mediums so far, car 2 mediums then hards */

    car_spec_t  cars[] = {
        { 1, M, 0, 20, 0, 0, 0 },
        { 2, M, 0, 20, 20, H, 20 },
        { 3, M, 0, 20, 20, H, 20 }
    };

    race(cars, 3, 50, 50);
    ngx_f1_replay_strategy_run(&tb, 44, &out);

    a = car(1);
    b = car(2);

    UNIT_CHECK(a->nplan >= 1 && a->plan[0] != M,
               "dry, one compound used: a stop on another compound");
    UNIT_CHECK(a->stops_total >= 1, "at least one stop in all");
    UNIT_CHECK(b->nplan == 0 && b->stops_total == 1,
               "two compounds used, six laps to go: no more stops");

    /* wet: intermediates all race long (new ones on lap 30), no rule */

    cars[0].compound = I;
    cars[0].stop = 30;
    cars[0].compound2 = I;
    cars[1].compound = I;
    cars[1].compound2 = I;
    cars[2].compound = I;
    cars[2].compound2 = I;

    race(cars, 3, 50, 50);
    ngx_f1_replay_strategy_run(&tb, 46, &out);

    UNIT_CHECK(out.wet, "intermediates: a wet race");
    UNIT_CHECK(car(1)->nplan == 0, "wet race: no compulsory stop");
}


static void
test_pit_loss(void)
{
    car_spec_t  cars[] = {
        { 1, M, 0, 0, 10, H, 0 },
        { 2, M, 0, 0, 0, 0, 0 },
        { 3, M, 0, 0, 0, 0, 0 },
        { 4, M, 0, 0, 0, 0, 0 }
    };

    race(cars, 4, 50, 20);

    ngx_f1_replay_strategy_run(&tb, 5, &out);

    UNIT_CHECK(out.loss_green.n == 0 && out.loss_green.ms == 21000,
               "no stop yet: the prior pit loss");
    UNIT_CHECK(out.loss_sc.ms < out.loss_green.ms
               && out.loss_vsc.ms < out.loss_green.ms,
               "SC and VSC losses below green (prior)");

    ngx_f1_replay_strategy_run(&tb, 10, &out);

    UNIT_CHECK(out.loss_green.n == 0,
               "in-lap without its out-lap: not measured yet");

    ngx_f1_replay_strategy_run(&tb, 20, &out);

    UNIT_CHECK(out.loss_green.n == 1, "one stop measured");
    UNIT_CHECK(abs(out.loss_green.ms - 22000) <= 10,
               "pit loss from the in- and out-lap: 22 s");
    UNIT_CHECK(out.loss_sc.ms == (int32_t) lrint(22000 * 0.54),
               "SC loss scaled from the measured green loss");
}


static void
test_safety_car_stops(void)
{
    unsigned                       i, k;
    ngx_f1_replay_strategy_lap_t  *lp;

    /* cars 1 and 2 stop under the safety car on laps 11-12 */

    car_spec_t  cars[] = {
        { 1, M, 0, 0, 11, H, 0 },
        { 2, M, 0, 0, 11, H, 0 },
        { 3, M, 0, 0, 0, 0, 0 },
        { 4, M, 0, 0, 0, 0, 0 },
        { 5, M, 0, 0, 0, 0, 0 }
    };

    race(cars, 5, 50, 20);

    for (i = 0; i < 5; i++) {
        for (k = 11; k <= 13; k++) {
            lp = &tb.cars[i].laps[k - 1];
            lp->flags |= NGX_F1_REPLAY_STRATEGY_SC;
            lp->time_ms += 30000;

            /* a stop loses less behind the safety car */

            if (lp->flags & NGX_F1_REPLAY_STRATEGY_PIT_IN) {
                lp->time_ms -= 6000;
            }

            if (k == 12 && i < 2) {
                lp->time_ms -= 6000;
            }
        }
    }

    ngx_f1_replay_strategy_run(&tb, 20, &out);

    UNIT_CHECK(out.loss_sc.n == 2, "two SC stops measured");
    UNIT_CHECK(abs(out.loss_sc.ms - 10000) <= 10,
               "SC pit loss measured: 10 s");
    UNIT_CHECK(out.loss_green.n == 0 && out.loss_sc.ms < out.loss_green.ms,
               "lower than the green loss");
}


static void
test_overtake(void)
{
    double                                   p_near, p_far;
    const ngx_f1_replay_strategy_overtake_t *ot;

    ot = &ngx_f1_replay_strategy_overtake_prior;

    UNIT_CHECK(ngx_f1_replay_strategy_overtake_logit(ot, 0.5, 0, 0)
               > ngx_f1_replay_strategy_overtake_logit(ot, 2.0, 0, 0),
               "smaller gap: likelier overtake");
    UNIT_CHECK(ngx_f1_replay_strategy_overtake_logit(ot, 1.5, 1.0, 0)
               > ngx_f1_replay_strategy_overtake_logit(ot, 1.5, 0.2, 0),
               "bigger pace advantage: likelier overtake");
    UNIT_CHECK(ngx_f1_replay_strategy_overtake_logit(ot, 1.5, 0, 10)
               > ngx_f1_replay_strategy_overtake_logit(ot, 1.5, 0, 0),
               "older tyres ahead: likelier overtake");

    /*
     * In a race: car 2 is 0.4 s behind car 1 and 0.8 s a lap faster (car
     * 1's tyres degrade), car 4 is 3 s behind car 3 at equal pace.
     */

    car_spec_t  cars[] = {
        { 1, M, 0, 100, 0, 0, 0 },
        { 2, H, 0, 20, 0, 0, 0 },
        { 3, M, 0, 20, 0, 0, 0 },
        { 4, M, 0, 20, 0, 0, 0 }
    };

    race(cars, 4, 50, 12);
    tb.cars[1].laps[11].gap_ms = 400;
    tb.cars[3].laps[11].gap_ms = 3000;

    ngx_f1_replay_strategy_run(&tb, 12, &out);

    p_near = car(2)->p_overtake;
    p_far = car(4)->p_overtake;

    UNIT_CHECK(car(2)->ahead == 1 && car(4)->ahead == 3, "the cars ahead");
    UNIT_CHECK(car(1)->p_overtake < 0, "the leader has no car ahead");
    UNIT_CHECK(car(2)->pace_ms > 500, "pace advantage from the fits");
    UNIT_CHECK(p_near > p_far && p_near > 0 && p_far < 1,
               "close and faster: a likelier overtake");
}


static void
test_reactive_stops(void)
{
    unsigned                                 lap;
    const ngx_f1_replay_strategy_car_out_t  *a, *d;

    /*
     * Cars on intermediates; car 1 stops on lap 5, for mediums (the track
     * has dried) or for new intermediates: at lap 6 car 2 stops within 5
     * laps after the first, later after the second.
     */

    car_spec_t  wet[] = {
        { 1, I, 0, 40, 5, M, 60 },
        { 2, I, 0, 40, 0, 0, 0 },
        { 3, I, 0, 40, 0, 0, 0 }
    };

    race(wet, 3, 60, 6);
    UNIT_CHECK(ngx_f1_replay_strategy_run(&tb, 6, &out) == 0, "run, dried");
    lap = car(2)->next_stop;
    UNIT_CHECK(lap > 6 && lap <= 11, "on inters once a car took slicks");

    wet[0].compound2 = I;
    race(wet, 3, 60, 6);
    UNIT_CHECK(ngx_f1_replay_strategy_run(&tb, 6, &out) == 0, "run, wet");
    UNIT_CHECK(car(2)->next_stop > lap, "new inters: no change of weather");

    /*
     * Car 2 comes in on lap 20: car 1, just ahead, covers within 2 laps;
     * car 4, two places behind on a set as old, does not.
     */

    car_spec_t  dry[] = {
        { 1, M, 0, 60, 0, 0, 0 },
        { 2, M, 0, 60, 20, H, 40 },
        { 3, M, 0, 60, 0, 0, 0 },
        { 4, M, 0, 60, 0, 0, 0 }
    };

    race(dry, 4, 60, 20);
    UNIT_CHECK(ngx_f1_replay_strategy_run(&tb, 20, &out) == 0, "run, dry");

    a = car(1);
    d = car(4);

    UNIT_CHECK(a->next_stop == 22, "the car ahead covers the stop");
    UNIT_CHECK(d->next_stop >= 24, "under green at least 4 laps ahead");
}


static void
test_compound_changes(void)
{
    /*
     * Dry to wet: car 1 goes from mediums to intermediates on lap 20; the
     * other cars on slicks are given intermediates next.
     */

    car_spec_t  rain[] = {
        { 1, M, 0, 60, 20, I, 40 },
        { 2, M, 0, 60, 0, 0, 0 },
        { 3, H, 0, 40, 0, 0, 0 }
    };

    race(rain, 3, 60, 22);
    UNIT_CHECK(ngx_f1_replay_strategy_run(&tb, 22, &out) == 0, "run, rain");
    UNIT_CHECK(car(2)->next_compound == I && car(3)->next_compound == I,
               "after a change to intermediates: intermediates next");

    /* wet to dry: the cars on intermediates take what the first took */

    car_spec_t  dry[] = {
        { 1, I, 0, 40, 20, S, 90 },
        { 2, I, 0, 40, 0, 0, 0 },
        { 3, I, 0, 40, 0, 0, 0 }
    };

    race(dry, 3, 60, 22);
    UNIT_CHECK(ngx_f1_replay_strategy_run(&tb, 22, &out) == 0, "run, dry");
    UNIT_CHECK(car(2)->next_compound == S && car(3)->next_compound == S,
               "after a change to softs: softs next");

    /*
     * Dry race: car 1 mediums then hards (the rule met), car 2 hards from
     * the start: from hards car 1 may take hards again, car 2 must not.
     */

    car_spec_t  hards[] = {
        { 1, M, 0, 60, 12, H, 30 },
        { 2, H, 0, 30, 0, 0, 0 },
        { 3, M, 0, 60, 0, 0, 0 }
    };

    race(hards, 3, 70, 20);
    UNIT_CHECK(ngx_f1_replay_strategy_run(&tb, 20, &out) == 0, "run, hards");
    UNIT_CHECK(car(1)->next_compound == H,
               "rule met, 50 laps to go: hards again");
    UNIT_CHECK(car(2)->next_compound != H, "rule not met: another compound");
}


static void
test_neutral_stop(void)
{
    unsigned  i;

    /*
     * Safety car on lap 16 of 50: car 1's mediums have run 16 laps (near
     * their stop age), car 2 stopped on lap 12 for new hards (4 laps old):
     * the cheaper stop now is taken by car 1 only.
     */

    car_spec_t  cars[] = {
        { 1, M, 0, 60, 0, 0, 0 },
        { 2, M, 0, 60, 12, H, 30 },
        { 3, M, 0, 60, 0, 0, 0 }
    };

    race(cars, 3, 50, 16);

    for (i = 0; i < 3; i++) {
        tb.cars[i].laps[15].flags |= NGX_F1_REPLAY_STRATEGY_SC;
        tb.cars[i].laps[15].time_ms += 30000;
    }

    UNIT_CHECK(ngx_f1_replay_strategy_run(&tb, 16, &out) == 0, "run, SC");
    UNIT_CHECK(car(1)->next_stop == 17, "old set: a stop under the SC");
    UNIT_CHECK(car(2)->next_stop > 17, "new set: no stop under the SC");

    /* under green the same set is not stopped at the next lap */

    for (i = 0; i < 3; i++) {
        tb.cars[i].laps[15].flags &= ~NGX_F1_REPLAY_STRATEGY_SC;
    }

    UNIT_CHECK(ngx_f1_replay_strategy_run(&tb, 16, &out) == 0, "run, green");
    UNIT_CHECK(car(1)->next_stop > 17, "green: no stop at the next lap");
}


static void
test_window(void)
{
    float                                    p;
    uint16_t                                 lo, hi;
    unsigned                                 i;
    ngx_f1_replay_strategy_window_t          w;
    const ngx_f1_replay_strategy_car_out_t  *co;

    UNIT_CHECK(ngx_f1_replay_strategy_window_cell(1, 0) == 0
               && ngx_f1_replay_strategy_window_cell(6, 0) == 5
               && ngx_f1_replay_strategy_window_cell(8, 0) == 6
               && ngx_f1_replay_strategy_window_cell(14, 0) == 9
               && ngx_f1_replay_strategy_window_cell(40, 0) == 11
               && ngx_f1_replay_strategy_window_cell(4, 1)
                  == NGX_F1_REPLAY_STRATEGY_HORIZONS + 3,
               "calibration cells by laps to the stop and plan");

    memset(&w, 0, sizeof(w));
    w.lo[3] = -2;
    w.hi[3] = 9;
    w.p2[3] = 0.25f;
    w.lo[4] = 3;            /* a window must hold the predicted lap */
    w.hi[4] = -1;

    ngx_f1_replay_strategy_window(&w, 3, 20, 24, 60, &lo, &hi, &p);
    UNIT_CHECK(lo == 22 && hi == 33 && p == 0.25f, "window from the table");

    ngx_f1_replay_strategy_window(&w, 3, 23, 24, 30, &lo, &hi, &p);
    UNIT_CHECK(lo == 24 && hi == 29, "clipped to the next lap .. total - 1");

    ngx_f1_replay_strategy_window(&w, 4, 20, 24, 60, &lo, &hi, &p);
    UNIT_CHECK(lo == 24 && hi == 24, "a window holds the predicted lap");

    /* the engine's output: its cell's calibration */

    car_spec_t  cars[] = {
        { 1, S, 0, 150, 0, 0, 0 },
        { 2, S, 0, 150, 15, M, 50 },
        { 3, M, 0, 60, 0, 0, 0 }
    };

    race(cars, 3, 60, 60);
    ngx_f1_replay_strategy_run(&tb, 20, &out);

    for (i = 0; i < out.ncars; i++) {
        co = &out.cars[i];

        ngx_f1_replay_strategy_window(&ngx_f1_replay_strategy_window_2024,
                                      co->stop_cell, co->lap, co->next_stop,
                                      60, &lo, &hi, &p);

        UNIT_CHECK(co->next_stop && co->window_lo == lo
                   && co->window_hi == hi && co->confidence == p
                   && lo <= co->next_stop && co->next_stop <= hi,
                   "the engine's window and confidence: its cell's");
    }
}


static void
test_drive_through(void)
{
    ngx_f1_replay_strategy_lap_t  *lp;

    car_spec_t  cars[] = {
        { 1, M, 0, 20, 0, 0, 0 },
        { 2, M, 0, 20, 0, 0, 0 }
    };

    /* car 1 drives through the pit lane on lap 10: the set runs on */

    race(cars, 2, 50, 20);

    for (lp = &tb.cars[0].laps[10]; lp < &tb.cars[0].laps[20]; lp++) {
        lp->stint = 2;
    }

    tb.cars[0].laps[9].flags |= NGX_F1_REPLAY_STRATEGY_PIT_IN;

    UNIT_CHECK(ngx_f1_replay_strategy_stops(&tb.cars[0], 20, NULL, 0) == 0,
               "a drive-through is not a stop");

    tb.cars[0].laps[10].tyre_age = 1;

    UNIT_CHECK(ngx_f1_replay_strategy_stops(&tb.cars[0], 20, NULL, 0) == 1,
               "a new set is");
}


static void
test_leakage(void)
{
    int           same;
    char         *a, *b;
    unsigned      lap;

    car_spec_t  cars[] = {
        { 1, S, 2, 120, 14, H, 40 },
        { 2, M, 0, 60, 22, H, 30 },
        { 3, M, 0, 60, 25, H, 30 },
        { 4, H, 0, 30, 33, M, 60 },
        { 5, S, 3, 110, 12, M, 50 }
    };

    race(cars, 5, 50, 50);
    tb.cars[1].laps[29].position = 1;
    tb.cars[0].laps[29].position = 2;

    same = 1;

    for (lap = 1; lap < 50; lap++) {
        memcpy(&cut, &tb, sizeof(tb));
        ngx_f1_replay_strategy_truncate(&cut, lap);

        a = json(&tb, lap);
        b = json(&cut, lap);

        if (a == NULL || b == NULL || strcmp(a, b) != 0) {
            same = 0;
        }

        free(a);
        free(b);
    }

    UNIT_CHECK(same, "output at lap L unchanged without the laps after L");
}


static void
test_json(void)
{
    char       *s, err[128];
    yajl_val    v, cars, c1, ns, model;

    car_spec_t  cars_spec[] = {
        { 1, S, 0, 150, 0, 0, 0 },
        { 44, S, 0, 150, 15, M, 50 }
    };

    const char  *model_path[] = { "model", NULL };
    const char  *lap_path[] = { "lap", NULL };
    const char  *cars_path[] = { "cars", NULL };
    const char  *one_path[] = { "1", NULL };
    const char  *next_path[] = { "next_stop", "lap", NULL };

    race(cars_spec, 2, 60, 30);

    s = json(&tb, 20);
    UNIT_CHECK(s != NULL, "payload generated");

    v = s ? yajl_tree_parse(s, err, sizeof(err)) : NULL;
    UNIT_CHECK(v != NULL, "payload parses");

    if (v == NULL) {
        free(s);
        return;
    }

    model = yajl_tree_get(v, model_path, yajl_t_string);
    UNIT_CHECK(model != NULL && YAJL_IS_STRING(model)
               && strcmp(model->u.string, NGX_F1_REPLAY_STRATEGY_MODEL) == 0,
               "model version");
    UNIT_CHECK(YAJL_GET_INTEGER(yajl_tree_get(v, lap_path, yajl_t_number))
               == 20, "computed at lap 20");

    cars = yajl_tree_get(v, cars_path, yajl_t_object);
    UNIT_CHECK(cars != NULL && YAJL_GET_OBJECT(cars)->len == 2,
               "cars keyed by racing number");

    c1 = cars ? yajl_tree_get(cars, one_path, yajl_t_object) : NULL;
    ns = c1 ? yajl_tree_get(c1, next_path, yajl_t_number) : NULL;
    UNIT_CHECK(ns != NULL && YAJL_GET_INTEGER(ns) > 20, "car 1 next stop");

    yajl_tree_free(v);
    free(s);

    /* a circuit name cut inside a UTF-8 sequence */

    memset(tb.circuit, 'x', sizeof(tb.circuit));
    memcpy(tb.circuit + 28, "\xc3\xa3\xc3\xa3", 4);

    ngx_f1_replay_strategy_run(&tb, 20, &out);

    UNIT_CHECK(strlen(out.circuit) == 30,
               "circuit name cut before a split UTF-8 sequence");
}


int
main(void)
{
    test_old_tyres_stop_first();
    test_two_compound_rule();
    test_pit_loss();
    test_safety_car_stops();
    test_overtake();
    test_reactive_stops();
    test_compound_changes();
    test_neutral_stop();
    test_window();
    test_drive_through();
    test_leakage();
    test_json();

    return UNIT_DONE();
}
