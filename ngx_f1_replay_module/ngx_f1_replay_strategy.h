
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_STRATEGY_H_INCLUDED_
#define _NGX_F1_REPLAY_STRATEGY_H_INCLUDED_


/*
 * Race strategy predictions: pure functions over a race table (per car,
 * per completed lap), free of nginx and session types.  The engine reads
 * only the laps numbered up to the lap it is run at, so its output at
 * lap L depends on nothing that happened later (README.md, "Strategy
 * predictions", has the models, their assumptions and the back-test).
 *
 * ngx_f1_replay_strategy_session_table() builds a table from a loaded
 * session with the records up to a session time.
 */


#include <stddef.h>
#include <stdint.h>
#include <yajl/yajl_gen.h>

#include "ngx_f1_replay_session.h"


#define NGX_F1_REPLAY_STRATEGY_MODEL     "ngx_f1_replay_strategy/2"

#define NGX_F1_REPLAY_STRATEGY_MAX_CARS  24
#define NGX_F1_REPLAY_STRATEGY_MAX_LAPS  100
#define NGX_F1_REPLAY_STRATEGY_MAX_PLAN  3     /* stints after this one */

/*
 * Calibration cells of the next-stop window and confidence: the laps to
 * the predicted stop in 12 buckets (1, 2, 3, 4, 5, 6, 7-8, 9-10, 11-12,
 * 13-15, 16-19, 20 or more), times planned or not.
 */
#define NGX_F1_REPLAY_STRATEGY_HORIZONS  12
#define NGX_F1_REPLAY_STRATEGY_CELLS     (2 * NGX_F1_REPLAY_STRATEGY_HORIZONS)

/* lap flags: what happened on the lap (pit in/out) or during it */
#define NGX_F1_REPLAY_STRATEGY_PIT_IN    0x01
#define NGX_F1_REPLAY_STRATEGY_PIT_OUT   0x02
#define NGX_F1_REPLAY_STRATEGY_YELLOW    0x04
#define NGX_F1_REPLAY_STRATEGY_SC        0x08
#define NGX_F1_REPLAY_STRATEGY_VSC       0x10
#define NGX_F1_REPLAY_STRATEGY_RED       0x20
#define NGX_F1_REPLAY_STRATEGY_NEW_SET   0x40    /* stint on a new set */

#define NGX_F1_REPLAY_STRATEGY_NEUTRAL                                        \
    (NGX_F1_REPLAY_STRATEGY_SC | NGX_F1_REPLAY_STRATEGY_VSC                   \
     | NGX_F1_REPLAY_STRATEGY_RED)


/* one completed lap of one car */
typedef struct {
    int32_t               time_ms;      /* lap time, -1 missing */
    int32_t               gap_ms;       /* to the car ahead at the line,
                                           -1 unknown or a lap or more */
    uint8_t               present;      /* the car completed this lap */
    uint8_t               compound;     /* ..._compound_e */
    uint8_t               tyre_age;     /* laps on the set at the line */
    uint8_t               stint;        /* 1 first */
    uint8_t               position;     /* at the line, 0 unknown */
    uint8_t               flags;        /* NGX_F1_REPLAY_STRATEGY_PIT_IN... */
    uint8_t               pad[2];
} ngx_f1_replay_strategy_lap_t;


typedef struct {
    uint16_t                      number;   /* racing number */
    char                          tla[4];
    uint16_t                      nlaps;    /* highest lap present */
    ngx_f1_replay_strategy_lap_t  laps[NGX_F1_REPLAY_STRATEGY_MAX_LAPS];
                                            /* laps[k - 1] is lap k */
} ngx_f1_replay_strategy_car_t;


typedef struct {
    unsigned                      total_laps;
    char                          circuit[32];
    unsigned                      ncars;
    ngx_f1_replay_strategy_car_t  cars[NGX_F1_REPLAY_STRATEGY_MAX_CARS];
} ngx_f1_replay_strategy_table_t;


/* coefficients of the overtake logistic (per second, per 10 laps) */
typedef struct {
    double                intercept;
    double                gap;          /* gap to the car ahead, s */
    double                pace;         /* expected pace advantage, s/lap */
    double                age;          /* tyre age offset, 10 laps */
    double                drs;          /* gap under 1 s */
} ngx_f1_replay_strategy_overtake_t;


typedef struct {
    uint8_t               compound;
    uint16_t              n;            /* clean laps used */
    int32_t               base_ms;      /* fuel-corrected pace, new set */
    float                 deg_ms;       /* per lap of tyre age */
} ngx_f1_replay_strategy_fit_t;


typedef struct {
    int32_t               ms;
    uint16_t              n;            /* stops measured, 0: prior */
} ngx_f1_replay_strategy_loss_t;


typedef struct {
    uint16_t              number;
    char                  tla[4];
    uint16_t              lap;          /* the car's laps used */
    uint8_t               active;       /* running: predictions made */
    uint8_t               position;
    uint8_t               compound;
    uint8_t               tyre_age;
    uint8_t               stops;        /* real stops so far */
    uint8_t               stops_total;  /* predicted at the flag */

    uint8_t               nfits;
    ngx_f1_replay_strategy_fit_t  fits[NGX_F1_REPLAY_COMPOUND_N];

    uint16_t              next_stop;    /* in-lap of the next stop if one
                                           comes (nplan: if one is
                                           planned), 0 on the last lap */
    uint16_t              window_lo;    /* 80 % interval of the stop */
    uint16_t              window_hi;
    float                 confidence;   /* P(a stop within +-2 laps) */
    uint8_t               stop_cell;    /* calibration cell used */
    uint8_t               nplan;        /* stops planned */
    uint8_t               plan[NGX_F1_REPLAY_STRATEGY_MAX_PLAN];
    uint8_t               next_compound;  /* of the next stint if a stop
                                             comes, planned or not */

    /*
     * Not in the payload: back-tested against what happened, these did
     * not beat a naive rule (README.md, "Strategy predictions").
     */
    uint16_t              undercut_by;  /* car behind, 0 none */
    int32_t               undercut_ms;  /* its gain minus the gap */
    uint16_t              overcut_on;   /* car ahead, 0 none */
    int32_t               overcut_ms;   /* our gain minus the gap */

    uint16_t              ahead;        /* car ahead at the line, 0 none */
    int32_t               gap_ms;       /* -1 unknown */
    float                 pace_ms;      /* our expected advantage/lap */
    float                 p_overtake;   /* within 3 laps, -1 none */
} ngx_f1_replay_strategy_car_out_t;


typedef struct {
    unsigned              computed_at_lap;
    unsigned              total_laps;
    char                  circuit[32];
    ngx_f1_replay_strategy_loss_t  loss_green;
    ngx_f1_replay_strategy_loss_t  loss_sc;
    ngx_f1_replay_strategy_loss_t  loss_vsc;
    float                 fuel_ms;      /* per lap of fuel burnt */
    float                 overtake_shift;  /* learned logit offset */
    float                 overtake_scale;  /* and slope */
    uint16_t              overtake_n;   /* resolved pairs it used */
    uint8_t               wet;          /* intermediates or wets seen */
    unsigned              ncars;
    ngx_f1_replay_strategy_car_out_t  cars[NGX_F1_REPLAY_STRATEGY_MAX_CARS];
} ngx_f1_replay_strategy_out_t;


/* the overtake logistic: priors set by hand; fitted on 2024 (default) */
extern const ngx_f1_replay_strategy_overtake_t
    ngx_f1_replay_strategy_overtake_prior;
extern const ngx_f1_replay_strategy_overtake_t
    ngx_f1_replay_strategy_overtake_2024;

/*
 * Runs every model on the laps numbered <= upto_lap (the leader's
 * completed laps) and nothing else, with the 2024 overtake coefficients.
 * Returns 0, or -1 if the table is malformed.
 */
int ngx_f1_replay_strategy_run(const ngx_f1_replay_strategy_table_t *tb,
    unsigned upto_lap, ngx_f1_replay_strategy_out_t *out);

/* the same with other overtake coefficients (NULL: the 2024 fit) */
int ngx_f1_replay_strategy_run_with(const ngx_f1_replay_strategy_table_t *tb,
    unsigned upto_lap, const ngx_f1_replay_strategy_overtake_t *ot,
    ngx_f1_replay_strategy_out_t *out);

/*
 * The calibration of the next-stop window and confidence (fitted on rounds
 * 1-12 of 2024 by f1-replay-backtest --calibrate): per cell, the 10 % and
 * 90 % quantiles of the stop's lap less the predicted lap (given a stop
 * comes), and the rate of a stop within +-2 laps of the predicted lap.
 */
typedef struct {
    int8_t                lo[NGX_F1_REPLAY_STRATEGY_CELLS];
    int8_t                hi[NGX_F1_REPLAY_STRATEGY_CELLS];
    float                 p2[NGX_F1_REPLAY_STRATEGY_CELLS];
} ngx_f1_replay_strategy_window_t;

extern const ngx_f1_replay_strategy_window_t
    ngx_f1_replay_strategy_window_2024;

/* the cell of a prediction: laps to the predicted stop, planned or not */
unsigned ngx_f1_replay_strategy_window_cell(unsigned laps, int planned);

/* the window and confidence of a cell, clipped to laps after..total-1 */
void ngx_f1_replay_strategy_window(const ngx_f1_replay_strategy_window_t *w,
    unsigned cell, unsigned lap, unsigned next_stop, unsigned total,
    uint16_t *lo, uint16_t *hi, float *confidence);

/* the logit of the overtake model for the given features */
double ngx_f1_replay_strategy_overtake_logit(
    const ngx_f1_replay_strategy_overtake_t *ot, double gap_s,
    double pace_s, double age_laps);

/* deletes every lap after lap from the table */
void ngx_f1_replay_strategy_truncate(ngx_f1_replay_strategy_table_t *tb,
    unsigned lap);

/* the real stops of a car: in-laps into laps[], returns their number */
unsigned ngx_f1_replay_strategy_stops(const ngx_f1_replay_strategy_car_t *c,
    unsigned upto_lap, uint16_t *laps, unsigned n);

/*
 * The predictions payload as one JSON object:
 *
 * {"model":"ngx_f1_replay_strategy/2","lap":40,"total_laps":72,
 *  "circuit":"Zandvoort","wet":false,"fuel_ms":55,
 *  "pit_loss":{"green":{"ms":21200,"n":9},"sc":{"ms":11448,"n":0},
 *              "vsc":{"ms":12720,"n":0}},
 *  "overtake":{"shift":-0.31,"scale":1.05,"n":610},
 *  "cars":{"81":{"lap":40,"pos":1,"tyre":"HARD","age":8,"stops":1,
 *     "pace":{"MEDIUM":{"base_ms":74010,"deg_ms":62.5,"n":20},...},
 *     "next_stop":{"lap":55,"lo":52,"hi":67,"confidence":0.25},
 *     "plan":["MEDIUM"],"next_compound":"MEDIUM","stops_total":2,
 *     "overtake":null},
 *   "4":{... "overtake":{"ahead":81,"gap_ms":1450,"pace_ms":120,
 *                         "p3":0.14}}}}
 *
 * "lap" is the lap the predictions were computed at (the leader's
 * completed laps); a car's own "lap" is its completed laps.  pit_loss n 0
 * means the prior.  next_stop: the lap of the next stop if there is one,
 * null on the last lap; lo..hi an interval that held the stop 80 % of
 * the time when one came (rounds 1-12 of 2024), confidence the
 * probability of a stop within +-2 laps of "lap" (low when "plan" has no
 * stop).  Cars that are out of the race have only "lap" and
 * "active":false.
 * Returns 0, or -1 on a yajl error.
 */
int ngx_f1_replay_strategy_json(const ngx_f1_replay_strategy_out_t *out,
    yajl_gen g);

/*
 * The race table as of session time t: only records with time <= t
 * (laps completed by then); *upto receives the leader's completed laps
 * (0 before the first line, and always without TimingData).  Returns 0,
 * or -1 if the session is not a race (no total laps) or has no timing.
 */
int ngx_f1_replay_strategy_session_table(const ngx_f1_replay_session_t *s,
    int32_t t, ngx_f1_replay_strategy_table_t *tb, unsigned *upto);


#endif /* _NGX_F1_REPLAY_STRATEGY_H_INCLUDED_ */
