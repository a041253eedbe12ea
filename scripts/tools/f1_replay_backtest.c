
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


/*
 * f1-replay-backtest: runs the strategy engine lap by lap over recorded
 * races and compares every prediction with what happened, beside naive
 * baselines.
 *
 *   f1-replay-backtest [--quiet] RACE...     per race and pooled tables
 *   f1-replay-backtest --trace RACE...       and a line per next-stop
 *                                            prediction scored
 *   f1-replay-backtest --season DIR          every .csv file of DIR
 *   f1-replay-backtest --leakage RACE...     output at lap L == output on
 *                                            the table cut after lap L
 *   f1-replay-backtest --json LAP RACE       the predictions payload at
 *                                            lap LAP
 *
 * A RACE is a FastF1 laps CSV (nanosecond times) or a live-timing archive
 * directory.  The last line is machine-readable: "RESULT key=value ...".
 * Exit status: 0, 1 on a leakage difference, 2 on bad input.
 *
 * Leakage on an archive is also checked at the session level: the
 * payload from the table at session time t (the adapter) must equal the
 * payload from a copy of the archive with every line after t deleted.
 *
 * Ground truth: a stop is a stint change with a real tyre change (another
 * compound, or a set whose age does not run on: safety-car drive-throughs
 * are not stops).  An overtake is the car behind at the line of lap L
 * ahead of that car at one of the next three lines, neither car stopping
 * on laps L..L+3 (stops are not overtakes).  In wet races (intermediates
 * or wets seen) everything is evaluated; the engine drops the
 * two-compound rule.
 */


#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <yajl/yajl_gen.h>

#include "ngx_f1_replay_line.h"
#include "ngx_f1_replay_archive.h"
#include "ngx_f1_replay_loader.h"
#include "ngx_f1_replay_strategy.h"
#include "ngx_f1_replay_time.h"


#define NGX_F1_REPLAY_BT_MAX_RACES   64
#define NGX_F1_REPLAY_BT_NS          1000000LL    /* ns per ms */
#define NGX_F1_REPLAY_BT_BINS        10
#define NGX_F1_REPLAY_BT_AHEAD       5            /* the reference's stop */


enum {
    NGX_F1_REPLAY_BT_MAE = 0,     /* next stop, |error| sum */
    NGX_F1_REPLAY_BT_HIT1,
    NGX_F1_REPLAY_BT_HIT2,
    NGX_F1_REPLAY_BT_N,
    NGX_F1_REPLAY_BT_MAE10,       /* within 10 laps of the stop */
    NGX_F1_REPLAY_BT_HIT1_10,
    NGX_F1_REPLAY_BT_HIT2_10,
    NGX_F1_REPLAY_BT_N10,
    NGX_F1_REPLAY_BT_PMAE10,      /* the stop called within 10 laps */
    NGX_F1_REPLAY_BT_PN10,
    NGX_F1_REPLAY_BT_COMP,        /* next compound right */
    NGX_F1_REPLAY_BT_COMP_N,
    NGX_F1_REPLAY_BT_STOPS,       /* number of stops right */
    NGX_F1_REPLAY_BT_STOPS_N,
    NGX_F1_REPLAY_BT_NSTATS
};


/* the model, the baseline and the reference (a stop 5 laps ahead) */
typedef struct {
    double                stat[3][NGX_F1_REPLAY_BT_NSTATS];
} ngx_f1_replay_bt_stats_t;


typedef struct {
    float                 p;            /* engine, fitted coefficients */
    float                 p_prior;      /* engine, prior coefficients */
    float                 gap_s;
    float                 pace_s;
    float                 age;          /* the car ahead's set, older by */
    uint16_t              race;
    uint8_t               neutral;
    uint8_t               y;
} ngx_f1_replay_bt_pair_t;


/* a next-stop prediction: its window and confidence, and what happened */
typedef struct {
    uint16_t              race;
    uint8_t               cell;
    uint8_t               hit;          /* next stop within +-2 laps */
    uint16_t              lap;
    uint16_t              next_stop;
    uint16_t              actual;       /* next real stop, 0 none */
    uint16_t              total;
    uint16_t              lo;           /* the engine's window */
    uint16_t              hi;
    float                 conf;         /* the engine's confidence */
} ngx_f1_replay_bt_win_t;


/* an undercut or overcut event */
typedef struct {
    uint16_t              race;
    uint8_t               over;         /* the car ahead stopped first */
    uint8_t               has;          /* the engine gave a figure */
    uint8_t               y;            /* the car behind came out ahead */
    int32_t               ms;           /* the engine's gain minus gap */
    float                 gap_s;
} ngx_f1_replay_bt_cut_t;


typedef struct {
    char                  name[64];
    unsigned              laps;
    unsigned              cars;
    unsigned              pairs_from;
    unsigned              pairs_to;
    ngx_f1_replay_bt_stats_t  st;
} ngx_f1_replay_bt_race_t;


typedef struct {
    ngx_f1_replay_bt_race_t   races[NGX_F1_REPLAY_BT_MAX_RACES];
    unsigned                  nraces;
    ngx_f1_replay_bt_pair_t  *pairs;
    size_t                    npairs;
    size_t                    nalloc;
    double                   *base_p;     /* LORO base rate per pair */
    double                   *gap_p;      /* LORO gap-only logistic */
    double                   *prior_p;    /* engine, prior coefficients */
    size_t                    fill;       /* second pass: next pair */
    ngx_f1_replay_strategy_overtake_t  fit[NGX_F1_REPLAY_BT_MAX_RACES];
    ngx_f1_replay_strategy_overtake_t  fit_all;
    ngx_f1_replay_bt_win_t   *wins;
    size_t                    nwins;
    size_t                    walloc;
    ngx_f1_replay_strategy_window_t    wfit[NGX_F1_REPLAY_BT_MAX_RACES];
    ngx_f1_replay_bt_cut_t   *cuts;
    size_t                    ncuts;
    size_t                    cut_alloc;
    int                       quiet;
    int                       trace;
    int                       calibrate;
    unsigned long             runs;       /* engine runs */
} ngx_f1_replay_bt_t;


static int ngx_f1_replay_bt_load(const char *path,
    ngx_f1_replay_strategy_table_t *tb, char *name, size_t len);
static int ngx_f1_replay_bt_csv(const char *path,
    ngx_f1_replay_strategy_table_t *tb);
static int ngx_f1_replay_bt_split(char *line, char **f, int max);
static int64_t ngx_f1_replay_bt_ns(const char *s);
static void ngx_f1_replay_bt_gaps(ngx_f1_replay_strategy_table_t *tb,
    int64_t times[][NGX_F1_REPLAY_STRATEGY_MAX_LAPS]);
static int ngx_f1_replay_bt_race(ngx_f1_replay_bt_t *bt,
    const ngx_f1_replay_strategy_table_t *tb, const char *name,
    const ngx_f1_replay_strategy_overtake_t *ot);
static int ngx_f1_replay_bt_refit(ngx_f1_replay_bt_t *bt,
    const ngx_f1_replay_strategy_table_t *tb,
    const ngx_f1_replay_strategy_overtake_t *ot);
static void ngx_f1_replay_bt_fit(const ngx_f1_replay_bt_pair_t *p,
    size_t n, unsigned skip, ngx_f1_replay_strategy_overtake_t *ot);
static unsigned ngx_f1_replay_bt_base_stop(
    const ngx_f1_replay_strategy_table_t *tb, unsigned i, unsigned lap);
static unsigned ngx_f1_replay_bt_base_compound(unsigned cur, int wet);
static unsigned ngx_f1_replay_bt_base_stops(
    const ngx_f1_replay_strategy_car_t *c, unsigned lap, int wet);
static void ngx_f1_replay_bt_score(double *st, unsigned pred,
    unsigned actual, unsigned lap);
static int ngx_f1_replay_bt_label(const ngx_f1_replay_strategy_table_t *tb,
    unsigned i, unsigned j, unsigned lap);
static int ngx_f1_replay_bt_loro(ngx_f1_replay_bt_t *bt);
static void ngx_f1_replay_bt_logistic(const ngx_f1_replay_bt_pair_t *p,
    size_t n, unsigned skip, double *w);
static double ngx_f1_replay_bt_brier(const ngx_f1_replay_bt_pair_t *p,
    const double *alt, size_t from, size_t to);
static double ngx_f1_replay_bt_auc(const ngx_f1_replay_bt_pair_t *p,
    const double *alt, size_t from, size_t to);
static int ngx_f1_replay_bt_cmp(const void *a, const void *b);
static int ngx_f1_replay_bt_window_add(ngx_f1_replay_bt_t *bt,
    const ngx_f1_replay_strategy_car_out_t *co, unsigned lap,
    unsigned actual, unsigned total);
static int ngx_f1_replay_bt_window_fit(const ngx_f1_replay_bt_win_t *w,
    size_t n, unsigned skip, ngx_f1_replay_strategy_window_t *out);
static void ngx_f1_replay_bt_window_print(ngx_f1_replay_bt_t *bt, int loro,
    double *cover, double *brier, double *dev);
static int ngx_f1_replay_bt_cuts(ngx_f1_replay_bt_t *bt,
    const ngx_f1_replay_strategy_table_t *tb,
    const ngx_f1_replay_strategy_out_t *out, unsigned lap);
static void ngx_f1_replay_bt_cuts_print(ngx_f1_replay_bt_t *bt,
    double *res);
static void ngx_f1_replay_bt_logit1(const double *x, const uint8_t *y,
    size_t n, double *w);
static void ngx_f1_replay_bt_window_table(
    const ngx_f1_replay_strategy_window_t *w);
static void ngx_f1_replay_bt_print(ngx_f1_replay_bt_t *bt);
static void ngx_f1_replay_bt_calibration(ngx_f1_replay_bt_t *bt,
    const double *alt, const char *what);
static int ngx_f1_replay_bt_leakage(const ngx_f1_replay_strategy_table_t *tb,
    const char *name);
static int ngx_f1_replay_bt_json(const ngx_f1_replay_strategy_table_t *tb,
    unsigned lap, char **buf, size_t *len);
static int ngx_f1_replay_bt_leakage_archive(const char *dir,
    const char *name);
static int ngx_f1_replay_bt_cut_archive(const char *dir, const char *to,
    int32_t t);
static int ngx_f1_replay_bt_at(const ngx_f1_replay_session_t *s, int32_t t,
    char **buf, size_t *len);
static int ngx_f1_replay_bt_season(const char *dir, char ***paths,
    int *n);
static int ngx_f1_replay_bt_strcmp(const void *a, const void *b);


int
main(int argc, char **argv)
{
    int                              i, n, leakage, rc, bad, json, season;
    char                           **paths, name[64], *a;
    size_t                           len;
    double                           t0;
    struct stat                      sb;
    ngx_f1_replay_bt_t              *bt;
    ngx_f1_replay_strategy_table_t  *tb;

    leakage = 0;
    json = 0;
    season = 0;
    paths = NULL;
    n = 0;
    rc = 2;

    bt = calloc(1, sizeof(ngx_f1_replay_bt_t));
    tb = malloc(sizeof(ngx_f1_replay_strategy_table_t));
    if (bt == NULL || tb == NULL) {
        fprintf(stderr, "f1-replay-backtest: out of memory\n");
        goto done;
    }

    for (i = 1; i < argc && argv[i][0] == '-'; i++) {
        if (strcmp(argv[i], "--leakage") == 0) {
            leakage = 1;

        } else if (strcmp(argv[i], "--json") == 0 && i + 1 < argc) {
            json = atoi(argv[++i]);

            if (json <= 0) {
                fprintf(stderr, "f1-replay-backtest: bad lap \"%s\"\n",
                        argv[i]);
                goto done;
            }

        } else if (strcmp(argv[i], "--quiet") == 0) {
            bt->quiet = 1;

        } else if (strcmp(argv[i], "--trace") == 0) {
            bt->trace = 1;

        } else if (strcmp(argv[i], "--calibrate") == 0) {
            bt->calibrate = 1;

        } else if (strcmp(argv[i], "--season") == 0 && i + 1 < argc
                   && !season)
        {
            if (ngx_f1_replay_bt_season(argv[++i], &paths, &n) != 0) {
                goto done;
            }

            season = 1;

        } else {
            break;
        }
    }

    if (!season) {
        paths = &argv[i];
        n = argc - i;

    } else if (i != argc) {
        n = 0;
    }

    if (n <= 0 || n > NGX_F1_REPLAY_BT_MAX_RACES) {
        fprintf(stderr, "usage: %s [--quiet] [--trace] [--calibrate] "
                "[--leakage | --json LAP] "
                "(--season DIR | RACE...)\n"
                "  RACE: a FastF1 laps CSV or a live-timing archive "
                "directory\n", argv[0]);
        goto done;
    }

    t0 = (double) clock() / CLOCKS_PER_SEC;
    bad = 0;

    for (i = 0; i < n; i++) {
        if (ngx_f1_replay_bt_load(paths[i], tb, name, sizeof(name)) != 0) {
            goto done;
        }

        if (json) {
            if (ngx_f1_replay_bt_json(tb, (unsigned) json, &a, &len) != 0) {
                goto done;
            }

            printf("%.*s\n", (int) len, a);
            free(a);
            continue;
        }

        if (leakage) {
            rc = ngx_f1_replay_bt_leakage(tb, name);

            if (rc >= 0 && stat(paths[i], &sb) == 0 && S_ISDIR(sb.st_mode)) {
                bad += rc;
                rc = ngx_f1_replay_bt_leakage_archive(paths[i], name);
            }

            if (rc < 0) {
                rc = 2;
                goto done;
            }

            bad += rc;
            continue;
        }

        if (ngx_f1_replay_bt_race(bt, tb, name, NULL) != 0) {
            fprintf(stderr, "f1-replay-backtest: %s: engine failed\n", name);
            goto done;
        }
    }

    if (json) {
        rc = 0;
        goto done;
    }

    if (leakage) {
        printf("RESULT races=%d leakage=%s differences=%d\n", n,
               bad ? "FAIL" : "ok", bad);
        rc = bad ? 1 : 0;
        goto done;
    }

    if (bt->calibrate) {
        if (ngx_f1_replay_bt_window_fit(bt->wins, bt->nwins,
                                        NGX_F1_REPLAY_BT_MAX_RACES,
                                        &bt->wfit[0])
            != 0)
        {
            goto done;
        }

        ngx_f1_replay_bt_window_table(&bt->wfit[0]);
        rc = 0;
        goto done;
    }

    for (i = 0; i < n && n > 1; i++) {
        if (ngx_f1_replay_bt_window_fit(bt->wins, bt->nwins, (unsigned) i,
                                        &bt->wfit[i])
            != 0)
        {
            goto done;
        }
    }

    /*
     * Second pass: the engine again, with the overtake coefficients fitted
     * on the other races (leave one race out); for a single race, with the
     * engine's own (fitted on 2024).
     */

    ngx_f1_replay_bt_fit(bt->pairs, bt->npairs, NGX_F1_REPLAY_BT_MAX_RACES,
                         &bt->fit_all);

    for (i = 0; i < n; i++) {
        if (n > 1) {
            ngx_f1_replay_bt_fit(bt->pairs, bt->npairs, (unsigned) i,
                                 &bt->fit[i]);

        } else {
            bt->fit[i] = ngx_f1_replay_strategy_overtake_2024;
        }

        if (ngx_f1_replay_bt_load(paths[i], tb, name, sizeof(name)) != 0
            || ngx_f1_replay_bt_race(bt, tb, name, &bt->fit[i]) != 0)
        {
            goto done;
        }
    }

    if (ngx_f1_replay_bt_loro(bt) != 0) {
        goto done;
    }

    ngx_f1_replay_bt_print(bt);

    if (!bt->quiet) {
        t0 = (double) clock() / CLOCKS_PER_SEC - t0;
        printf("cpu %.1f s, %lu engine runs (with the scoring around "
               "them: %.3f ms a run)\n", t0, bt->runs,
               bt->runs ? 1000 * t0 / bt->runs : 0);
    }

    rc = 0;

done:

    if (season) {
        for (i = 0; i < n; i++) {
            free(paths[i]);
        }

        free(paths);
    }

    if (bt != NULL) {
        free(bt->pairs);
        free(bt->base_p);
        free(bt->gap_p);
        free(bt->prior_p);
        free(bt->wins);
        free(bt->cuts);
        free(bt);
    }

    free(tb);

    return rc;
}


static int
ngx_f1_replay_bt_load(const char *path, ngx_f1_replay_strategy_table_t *tb,
    char *name, size_t len)
{
    char                      err[1024];
    const char               *base;
    unsigned                  upto;
    struct stat               sb;
    ngx_f1_replay_session_t  *s;

    base = strrchr(path, '/');
    base = base && base[1] ? base + 1 : path;
    snprintf(name, len, "%s", base);

    if (strlen(name) > 4 && strcmp(name + strlen(name) - 4, ".csv") == 0) {
        name[strlen(name) - 4] = '\0';
    }

    if (stat(path, &sb) != 0) {
        fprintf(stderr, "f1-replay-backtest: %s: %s\n", path,
                strerror(errno));
        return -1;
    }

    if (!S_ISDIR(sb.st_mode)) {
        return ngx_f1_replay_bt_csv(path, tb);
    }

    s = ngx_f1_replay_archive_load(path, NULL, NULL, err, sizeof(err));
    if (s == NULL) {
        fprintf(stderr, "f1-replay-backtest: %s\n", err);
        return -1;
    }

    if (ngx_f1_replay_strategy_session_table(s, s->end_ms, tb, &upto) != 0
        || upto == 0)
    {
        fprintf(stderr, "f1-replay-backtest: %s: no per-lap timing\n", path);
        free(s);
        return -1;
    }

    free(s);

    return 0;
}


/*
 * A FastF1 laps table: comma-separated, a header line, no quoting (a
 * quote is an error), every row as many fields as the header.
 */

static int
ngx_f1_replay_bt_csv(const char *path, ngx_f1_replay_strategy_table_t *tb)
{
    enum { TIME, DRIVER, NUMBER, LAPTIME, LAPNUMBER, STINT, PITOUT, PITIN,
           COMPOUND, TYRELIFE, FRESH, TRACK, POSITION, EVENT, NCOLS };

    static const char *const  cols[NCOLS] = {
        "Time", "Driver", "DriverNumber", "LapTime", "LapNumber", "Stint",
        "PitOutTime", "PitInTime", "Compound", "TyreLife", "FreshTyre",
        "TrackStatus", "Position", "EventName"
    };

    int                            ix[NCOLS], nf, nh, k, rc;
    char                           line[8192], *f[128], *p;
    long                           lap, lineno;
    unsigned                       i, num;
    FILE                          *fp;
    int64_t                        ns;
    ngx_f1_replay_strategy_lap_t  *lp;
    static int64_t                 times[NGX_F1_REPLAY_STRATEGY_MAX_CARS]
                                        [NGX_F1_REPLAY_STRATEGY_MAX_LAPS];

    memset(tb, 0, sizeof(*tb));
    memset(times, 0, sizeof(times));

    fp = fopen(path, "r");
    if (fp == NULL) {
        fprintf(stderr, "f1-replay-backtest: %s: %s\n", path,
                strerror(errno));
        return -1;
    }

    rc = -1;
    lineno = 1;

    if (fgets(line, sizeof(line), fp) == NULL) {
        fprintf(stderr, "f1-replay-backtest: %s: empty\n", path);
        goto done;
    }

    nh = ngx_f1_replay_bt_split(line, f, 128);

    for (k = 0; k < NCOLS; k++) {
        for (ix[k] = 0; ix[k] < nh && strcmp(f[ix[k]], cols[k]) != 0;
             ix[k]++)
        { /* void */ }

        if (ix[k] == nh) {
            fprintf(stderr, "f1-replay-backtest: %s: no column \"%s\"\n",
                    path, cols[k]);
            goto done;
        }
    }

    while (fgets(line, sizeof(line), fp) != NULL) {
        lineno++;

        if (strchr(line, '"') != NULL) {
            fprintf(stderr, "f1-replay-backtest: %s:%ld: quoted field\n",
                    path, lineno);
            goto done;
        }

        nf = ngx_f1_replay_bt_split(line, f, 128);
        if (nf != nh) {
            fprintf(stderr, "f1-replay-backtest: %s:%ld: %d fields, "
                    "header has %d\n", path, lineno, nf, nh);
            goto done;
        }

        lap = strtol(f[ix[LAPNUMBER]], &p, 10);
        num = (unsigned) strtoul(f[ix[NUMBER]], NULL, 10);

        if (*p != '\0' && strcmp(p, ".0") != 0) {
            lap = 0;
        }

        if (lap < 1 || lap > NGX_F1_REPLAY_STRATEGY_MAX_LAPS || num == 0) {
            fprintf(stderr, "f1-replay-backtest: %s:%ld: bad lap or "
                    "driver\n", path, lineno);
            goto done;
        }

        for (i = 0; i < tb->ncars && tb->cars[i].number != num; i++) {
            /* void */
        }

        if (i == tb->ncars) {
            if (tb->ncars == NGX_F1_REPLAY_STRATEGY_MAX_CARS) {
                fprintf(stderr, "f1-replay-backtest: %s: too many cars\n",
                        path);
                goto done;
            }

            tb->ncars++;
            tb->cars[i].number = (uint16_t) num;
            strncpy(tb->cars[i].tla, f[ix[DRIVER]], 3);
        }

        lp = &tb->cars[i].laps[lap - 1];
        lp->present = 1;

        ns = ngx_f1_replay_bt_ns(f[ix[LAPTIME]]);
        lp->time_ms = ns > 0 ? (int32_t) (ns / NGX_F1_REPLAY_BT_NS) : -1;
        times[i][lap - 1] = ngx_f1_replay_bt_ns(f[ix[TIME]]);
        lp->gap_ms = -1;

        lp->compound = (uint8_t) ngx_f1_replay_session_compound(
                           f[ix[COMPOUND]]);
        lp->tyre_age = (uint8_t) atof(f[ix[TYRELIFE]]);
        lp->stint = (uint8_t) atof(f[ix[STINT]]);
        lp->position = (uint8_t) atof(f[ix[POSITION]]);

        if (*f[ix[PITIN]]) {
            lp->flags |= NGX_F1_REPLAY_STRATEGY_PIT_IN;
        }

        if (*f[ix[PITOUT]]) {
            lp->flags |= NGX_F1_REPLAY_STRATEGY_PIT_OUT;
        }

        if (strcmp(f[ix[FRESH]], "true") == 0
            || strcmp(f[ix[FRESH]], "True") == 0)
        {
            lp->flags |= NGX_F1_REPLAY_STRATEGY_NEW_SET;
        }

        for (p = f[ix[TRACK]]; *p; p++) {
            lp->flags |= *p == '2' ? NGX_F1_REPLAY_STRATEGY_YELLOW
                         : *p == '4' ? NGX_F1_REPLAY_STRATEGY_SC
                         : *p == '5' ? NGX_F1_REPLAY_STRATEGY_RED
                         : (*p == '6' || *p == '7')
                           ? NGX_F1_REPLAY_STRATEGY_VSC : 0;
        }

        if (lap > tb->cars[i].nlaps) {
            tb->cars[i].nlaps = (uint16_t) lap;
        }

        if ((unsigned) lap > tb->total_laps) {
            tb->total_laps = (unsigned) lap;
        }

        if (tb->circuit[0] == '\0') {
            strncpy(tb->circuit, f[ix[EVENT]], sizeof(tb->circuit) - 1);
        }
    }

    if (tb->ncars == 0) {
        fprintf(stderr, "f1-replay-backtest: %s: no laps\n", path);
        goto done;
    }

    ngx_f1_replay_bt_gaps(tb, times);
    rc = 0;

done:

    fclose(fp);

    return rc;
}


static int
ngx_f1_replay_bt_split(char *line, char **f, int max)
{
    int    n;
    char  *p;

    line[strcspn(line, "\r\n")] = '\0';

    n = 0;
    p = line;

    for ( ;; ) {
        if (n == max) {
            return -1;
        }

        f[n++] = p;
        p = strchr(p, ',');

        if (p == NULL) {
            return n;
        }

        *p++ = '\0';
    }
}


/* integer nanoseconds ("97284000000" or "97284000000.0"), -1 if empty */

static int64_t
ngx_f1_replay_bt_ns(const char *s)
{
    char  *end;
    long long v;

    if (*s == '\0') {
        return -1;
    }

    v = strtoll(s, &end, 10);

    if (end == s || (*end != '\0' && *end != '.')) {
        return -1;
    }

    return v;
}


/* the gap to the car ahead at each line: the difference of line times */

static void
ngx_f1_replay_bt_gaps(ngx_f1_replay_strategy_table_t *tb,
    int64_t times[][NGX_F1_REPLAY_STRATEGY_MAX_LAPS])
{
    unsigned                       i, j, k;
    ngx_f1_replay_strategy_lap_t  *a, *b;

    for (k = 0; k < NGX_F1_REPLAY_STRATEGY_MAX_LAPS; k++) {
        for (i = 0; i < tb->ncars; i++) {
            a = &tb->cars[i].laps[k];

            if (!a->present || a->position < 2 || times[i][k] <= 0) {
                continue;
            }

            for (j = 0; j < tb->ncars; j++) {
                b = &tb->cars[j].laps[k];

                if (b->present && b->position + 1 == a->position
                    && times[j][k] > 0 && times[j][k] <= times[i][k])
                {
                    a->gap_ms = (int32_t) ((times[i][k] - times[j][k])
                                           / NGX_F1_REPLAY_BT_NS);
                }
            }
        }
    }
}


/*
 * One race: the engine at every lap 1..total-1 on the whole table (it
 * reads only laps <= L), each prediction scored against what happened.
 */

static int
ngx_f1_replay_bt_race(ngx_f1_replay_bt_t *bt,
    const ngx_f1_replay_strategy_table_t *tb, const char *name,
    const ngx_f1_replay_strategy_overtake_t *ot)
{
    int                                      y;
    unsigned                                 lap, i, j, k, nst, actual;
    unsigned                                 next_comp, base, total, wet;
    uint16_t                                 stops[16];
    double                                  *model_st, *base_st, *ref_st;
    ngx_f1_replay_bt_race_t                 *r;
    ngx_f1_replay_bt_pair_t                 *pp;
    const ngx_f1_replay_strategy_car_t      *c;
    const ngx_f1_replay_strategy_lap_t      *lp;
    const ngx_f1_replay_strategy_car_out_t  *co;
    static ngx_f1_replay_strategy_out_t      out;

    if (ot != NULL) {
        return ngx_f1_replay_bt_refit(bt, tb, ot);
    }

    if (bt->nraces == NGX_F1_REPLAY_BT_MAX_RACES) {
        return -1;
    }

    r = &bt->races[bt->nraces];
    memset(r, 0, sizeof(*r));
    snprintf(r->name, sizeof(r->name), "%s", name);
    r->laps = tb->total_laps;
    r->cars = tb->ncars;
    r->pairs_from = (unsigned) bt->npairs;

    total = tb->total_laps;
    model_st = r->st.stat[0];
    base_st = r->st.stat[1];
    ref_st = r->st.stat[2];

    wet = 0;
    for (i = 0; i < tb->ncars; i++) {
        for (k = 0; k < tb->cars[i].nlaps; k++) {
            if (tb->cars[i].laps[k].compound
                >= NGX_F1_REPLAY_COMPOUND_INTERMEDIATE)
            {
                wet = 1;
            }
        }
    }

    for (lap = 1; lap < total; lap++) {
        if (ngx_f1_replay_strategy_run_with(tb, lap,
                &ngx_f1_replay_strategy_overtake_prior, &out)
            != 0)
        {
            return -1;
        }

        bt->runs++;

        if (ngx_f1_replay_bt_cuts(bt, tb, &out, lap) != 0) {
            return -1;
        }

        for (i = 0; i < tb->ncars; i++) {
            c = &tb->cars[i];
            co = &out.cars[i];
            lp = lap <= c->nlaps ? &c->laps[lap - 1] : NULL;

            if (lp == NULL || !lp->present || !co->active
                || co->lap != lap)
            {
                continue;
            }

            nst = ngx_f1_replay_strategy_stops(c,
                                               NGX_F1_REPLAY_STRATEGY_MAX_LAPS,
                                               stops, 16);

            /* the next real stop after this lap */

            actual = 0;
            next_comp = 0;

            for (k = 0; k < nst && k < 16; k++) {
                if (stops[k] > lap) {
                    actual = stops[k];
                    next_comp = c->laps[stops[k]].compound;
                    break;
                }
            }

            if (co->next_stop
                && ngx_f1_replay_bt_window_add(bt, co, lap, actual, total)
                   != 0)
            {
                return -1;
            }

            if (actual) {
                ngx_f1_replay_bt_score(model_st,
                                       co->next_stop ? co->next_stop : total,
                                       actual, lap);

                base = ngx_f1_replay_bt_base_stop(tb, i, lap);
                if (bt->trace) {
                    printf("trace %s %s lap %u %s age %u next_stop %u "
                           "actual %u baseline %u plan %u stops_total %u "
                           "stops %u kind %u next %s real %s flags %u "
                           "total %u\n",
                           name, c->tla, lap,
                           ngx_f1_replay_session_compound_name(lp->compound),
                           lp->tyre_age, co->next_stop, actual, base,
                           co->nplan, co->stops_total, nst,
                           c->laps[actual - 1].flags,
                           ngx_f1_replay_session_compound_name(
                               co->next_compound),
                           ngx_f1_replay_session_compound_name(next_comp),
                           lp->flags, total);
                }
                ngx_f1_replay_bt_score(base_st, base, actual, lap);
                ngx_f1_replay_bt_score(ref_st, lap + NGX_F1_REPLAY_BT_AHEAD,
                                       actual, lap);

                model_st[NGX_F1_REPLAY_BT_COMP_N]++;
                base_st[NGX_F1_REPLAY_BT_COMP_N]++;

                if (co->next_compound == next_comp) {
                    model_st[NGX_F1_REPLAY_BT_COMP]++;
                }

                if (ngx_f1_replay_bt_base_compound(lp->compound, wet)
                    == next_comp)
                {
                    base_st[NGX_F1_REPLAY_BT_COMP]++;
                }
            }

            /* number of stops, for the cars that ran to the flag */

            if (c->nlaps + 3u >= total) {
                model_st[NGX_F1_REPLAY_BT_STOPS_N]++;
                base_st[NGX_F1_REPLAY_BT_STOPS_N]++;

                if (co->stops_total == nst) {
                    model_st[NGX_F1_REPLAY_BT_STOPS]++;
                }

                if (ngx_f1_replay_bt_base_stops(c, lap, wet) == nst) {
                    base_st[NGX_F1_REPLAY_BT_STOPS]++;
                }

                if (bt->trace) {
                    printf("stops %s %s lap %u %s age %u so_far %u "
                           "predicted %u actual %u flags %u total %u\n",
                           name, c->tla, lap,
                           ngx_f1_replay_session_compound_name(lp->compound),
                           lp->tyre_age, co->stops, co->stops_total, nst,
                           lp->flags, total);
                }
            }

            /* overtake on the car ahead within three laps */

            if (co->ahead == 0 || co->p_overtake < 0) {
                continue;
            }

            for (j = 0; j < tb->ncars && tb->cars[j].number != co->ahead;
                 j++)
            {
                /* void */
            }

            y = ngx_f1_replay_bt_label(tb, i, j, lap);
            if (y < 0) {
                continue;
            }

            if (bt->npairs == bt->nalloc) {
                bt->nalloc = bt->nalloc ? bt->nalloc * 2 : 4096;
                pp = realloc(bt->pairs,
                             bt->nalloc * sizeof(ngx_f1_replay_bt_pair_t));
                if (pp == NULL) {
                    return -1;
                }

                bt->pairs = pp;
            }

            pp = &bt->pairs[bt->npairs++];
            pp->p = co->p_overtake;
            pp->p_prior = co->p_overtake;
            pp->gap_s = (float) (co->gap_ms / 1000.0);
            pp->pace_s = (float) (co->pace_ms / 1000.0);
            pp->age = (float) tb->cars[j].laps[lap - 1].tyre_age
                      - lp->tyre_age;
            pp->neutral = (lp->flags & NGX_F1_REPLAY_STRATEGY_NEUTRAL) != 0;
            pp->race = (uint16_t) bt->nraces;
            pp->y = (uint8_t) y;
        }
    }

    r->pairs_to = (unsigned) bt->npairs;
    bt->nraces++;

    return 0;
}


/*
 * The second pass over a race: the engine with the coefficients ot; the
 * pairs are met in the order of the first pass.
 */

static int
ngx_f1_replay_bt_refit(ngx_f1_replay_bt_t *bt,
    const ngx_f1_replay_strategy_table_t *tb,
    const ngx_f1_replay_strategy_overtake_t *ot)
{
    unsigned                                 lap, i, j;
    const ngx_f1_replay_strategy_lap_t      *lp;
    const ngx_f1_replay_strategy_car_out_t  *co;
    static ngx_f1_replay_strategy_out_t      out;

    for (lap = 1; lap < tb->total_laps; lap++) {
        if (ngx_f1_replay_strategy_run_with(tb, lap, ot, &out) != 0) {
            return -1;
        }

        bt->runs++;

        for (i = 0; i < tb->ncars; i++) {
            co = &out.cars[i];
            lp = lap <= tb->cars[i].nlaps ? &tb->cars[i].laps[lap - 1]
                                          : NULL;

            if (lp == NULL || !lp->present || !co->active || co->lap != lap
                || co->ahead == 0 || co->p_overtake < 0)
            {
                continue;
            }

            for (j = 0; j < tb->ncars && tb->cars[j].number != co->ahead;
                 j++)
            {
                /* void */
            }

            if (ngx_f1_replay_bt_label(tb, i, j, lap) < 0) {
                continue;
            }

            if (bt->fill == bt->npairs) {
                return -1;
            }

            bt->pairs[bt->fill++].p = co->p_overtake;
        }
    }

    return 0;
}


/*
 * The engine's overtake logistic fitted (Newton, a small ridge) on the
 * pairs of every race but skip: intercept, gap, pace, age, DRS, with the
 * engine's -2 for a neutralised lap as an offset.
 */

static void
ngx_f1_replay_bt_fit(const ngx_f1_replay_bt_pair_t *p, size_t n,
    unsigned skip, ngx_f1_replay_strategy_overtake_t *ot)
{
    int       it, a, b, c;
    double    w[5], x[5], g[5], h[5][6], q, z, f;
    size_t    k;

    w[0] = ngx_f1_replay_strategy_overtake_prior.intercept;
    w[1] = ngx_f1_replay_strategy_overtake_prior.gap;
    w[2] = ngx_f1_replay_strategy_overtake_prior.pace;
    w[3] = ngx_f1_replay_strategy_overtake_prior.age;
    w[4] = ngx_f1_replay_strategy_overtake_prior.drs;

    for (it = 0; it < 25; it++) {
        memset(g, 0, sizeof(g));
        memset(h, 0, sizeof(h));

        for (a = 0; a < 5; a++) {
            h[a][a] = 1e-3;
        }

        for (k = 0; k < n; k++) {
            if (p[k].race == skip) {
                continue;
            }

            x[0] = 1;
            x[1] = fmin(p[k].gap_s, 5);
            x[2] = fmax(fmin(p[k].pace_s, 3), -3);
            x[3] = p[k].age / 10;
            x[4] = p[k].gap_s < 1;

            z = p[k].neutral ? -2 : 0;
            for (a = 0; a < 5; a++) {
                z += w[a] * x[a];
            }

            q = 1 / (1 + exp(-z));

            for (a = 0; a < 5; a++) {
                g[a] += (p[k].y - q) * x[a];

                for (b = 0; b < 5; b++) {
                    h[a][b] += q * (1 - q) * x[a] * x[b];
                }
            }
        }

        /* solve h d = g (Gauss-Jordan; h is positive definite) */

        for (a = 0; a < 5; a++) {
            h[a][5] = g[a];
        }

        for (a = 0; a < 5; a++) {
            for (b = 0; b < 5; b++) {
                if (b == a) {
                    continue;
                }

                f = h[b][a] / h[a][a];

                for (c = a; c < 6; c++) {
                    h[b][c] -= f * h[a][c];
                }
            }
        }

        for (a = 0; a < 5; a++) {
            w[a] += h[a][5] / h[a][a];
        }
    }

    ot->intercept = w[0];
    ot->gap = w[1];
    ot->pace = w[2];
    ot->age = w[3];
    ot->drs = w[4];
}


/*
 * Baseline: the car stops when its set reaches the median age at which
 * sets of that compound were taken off in this race so far (the prior
 * life of the engine before any stop), at the earliest next lap.
 */

static unsigned
ngx_f1_replay_bt_base_stop(const ngx_f1_replay_strategy_table_t *tb,
    unsigned i, unsigned lap)
{
    double                               ages[256], life;
    uint16_t                             in[16];
    unsigned                             j, k, n, na, cur, age, stop;
    const ngx_f1_replay_strategy_lap_t  *lp;
    static const double                  prior[] = {
        20, 10, 13, 16, 14, 21, 27, 18, 12
    };

    lp = &tb->cars[i].laps[lap - 1];
    cur = lp->compound < NGX_F1_REPLAY_COMPOUND_N ? lp->compound : 0;
    age = lp->tyre_age;
    na = 0;

    for (j = 0; j < tb->ncars; j++) {
        n = ngx_f1_replay_strategy_stops(&tb->cars[j], lap, in, 16);

        for (k = 0; k < n && k < 16 && na < 256; k++) {
            if (tb->cars[j].laps[in[k] - 1].compound == cur) {
                ages[na++] = tb->cars[j].laps[in[k] - 1].tyre_age;
            }
        }
    }

    if (na > 0) {
        qsort(ages, na, sizeof(double), ngx_f1_replay_bt_cmp);
        life = na % 2 ? ages[na / 2] : (ages[na / 2 - 1] + ages[na / 2]) / 2;

    } else {
        life = prior[cur] * sqrt(tb->total_laps / 60.0);
    }

    stop = life > age ? lap + (unsigned) lrint(life - age) : lap + 1;

    return stop > lap ? stop : lap + 1;
}


/* baseline: the hard next, or the medium when on hards; wet stays wet */

static unsigned
ngx_f1_replay_bt_base_compound(unsigned cur, int wet)
{
    if (wet && cur >= NGX_F1_REPLAY_COMPOUND_INTERMEDIATE) {
        return cur;
    }

    return cur == NGX_F1_REPLAY_COMPOUND_HARD ? NGX_F1_REPLAY_COMPOUND_MEDIUM
                                              : NGX_F1_REPLAY_COMPOUND_HARD;
}


/* baseline: the stops so far, one more if the rule still needs it */

static unsigned
ngx_f1_replay_bt_base_stops(const ngx_f1_replay_strategy_car_t *c,
    unsigned lap, int wet)
{
    unsigned  k, used, n;

    n = ngx_f1_replay_strategy_stops(c, lap, NULL, 0);
    used = 0;

    for (k = 1; k <= lap && k <= c->nlaps; k++) {
        if (c->laps[k - 1].present
            && ngx_f1_replay_compound_dry(c->laps[k - 1].compound))
        {
            used |= 1u << c->laps[k - 1].compound;
        }
    }

    return n + (!wet && (used & (used - 1)) == 0);
}


static void
ngx_f1_replay_bt_score(double *st, unsigned pred, unsigned actual,
    unsigned lap)
{
    unsigned  err;

    err = pred > actual ? pred - actual : actual - pred;

    st[NGX_F1_REPLAY_BT_MAE] += err;
    st[NGX_F1_REPLAY_BT_HIT1] += err <= 1;
    st[NGX_F1_REPLAY_BT_HIT2] += err <= 2;
    st[NGX_F1_REPLAY_BT_N]++;

    if (pred - lap <= 10) {
        st[NGX_F1_REPLAY_BT_PMAE10] += err;
        st[NGX_F1_REPLAY_BT_PN10]++;
    }

    if (actual - lap <= 10) {
        st[NGX_F1_REPLAY_BT_MAE10] += err;
        st[NGX_F1_REPLAY_BT_HIT1_10] += err <= 1;
        st[NGX_F1_REPLAY_BT_HIT2_10] += err <= 2;
        st[NGX_F1_REPLAY_BT_N10]++;
    }
}


/*
 * 1 if car i (behind car j at the line of lap) is ahead of it at one of
 * the next three lines, 0 if not, -1 if not evaluable (either car stops
 * on laps lap..lap+3 or has no position).
 */

static int
ngx_f1_replay_bt_label(const ngx_f1_replay_strategy_table_t *tb,
    unsigned i, unsigned j, unsigned lap)
{
    int                                  passed;
    unsigned                             m;
    const ngx_f1_replay_strategy_lap_t  *a, *b;

    if (j >= tb->ncars) {
        return -1;
    }

    passed = 0;

    for (m = lap; m <= lap + 3; m++) {
        if (m > NGX_F1_REPLAY_STRATEGY_MAX_LAPS) {
            return -1;
        }

        a = &tb->cars[i].laps[m - 1];
        b = &tb->cars[j].laps[m - 1];

        if (!a->present || !b->present || !a->position || !b->position
            || ((a->flags | b->flags) & NGX_F1_REPLAY_STRATEGY_PIT_IN))
        {
            return -1;
        }

        if (m > lap && a->position < b->position) {
            passed = 1;
        }
    }

    return passed;
}


/*
 * The overtake baselines, fitted leaving the race out (with one race, on
 * itself): the base rate ("no overtake model") and a gap-only logistic.
 */

static int
ngx_f1_replay_bt_loro(ngx_f1_replay_bt_t *bt)
{
    double    w[2], pos, n;
    size_t    k;
    unsigned  r, from, to, skip;

    bt->base_p = calloc(bt->npairs + 1, sizeof(double));
    bt->gap_p = calloc(bt->npairs + 1, sizeof(double));
    bt->prior_p = calloc(bt->npairs + 1, sizeof(double));
    if (bt->base_p == NULL || bt->gap_p == NULL || bt->prior_p == NULL) {
        fprintf(stderr, "f1-replay-backtest: out of memory\n");
        return -1;
    }

    for (k = 0; k < bt->npairs; k++) {
        bt->prior_p[k] = bt->pairs[k].p_prior;
    }

    for (r = 0; r < bt->nraces; r++) {
        from = bt->races[r].pairs_from;
        to = bt->races[r].pairs_to;
        skip = bt->nraces > 1 ? r : NGX_F1_REPLAY_BT_MAX_RACES;

        pos = 0;
        n = 0;
        for (k = 0; k < bt->npairs; k++) {
            if (bt->pairs[k].race != skip) {
                pos += bt->pairs[k].y;
                n++;
            }
        }

        ngx_f1_replay_bt_logistic(bt->pairs, bt->npairs, skip, w);

        for (k = from; k < to; k++) {
            bt->base_p[k] = n > 0 ? pos / n : 0;
            bt->gap_p[k] = 1 / (1 + exp(-(w[0] + w[1]
                                  * fmin(bt->pairs[k].gap_s, 5))));
        }
    }

    return 0;
}


/* logit(p) = w0 + w1 * min(gap, 5): Newton's method */

static void
ngx_f1_replay_bt_logistic(const ngx_f1_replay_bt_pair_t *p, size_t n,
    unsigned skip, double *w)
{
    int     it;
    double  g0, g1, h00, h01, h11, x, q, det;
    size_t  k;

    w[0] = -2;
    w[1] = 0;

    for (it = 0; it < 30; it++) {
        g0 = g1 = h00 = h01 = h11 = 0;

        for (k = 0; k < n; k++) {
            if (p[k].race == skip) {
                continue;
            }

            x = fmin(p[k].gap_s, 5);
            q = 1 / (1 + exp(-(w[0] + w[1] * x)));
            g0 += p[k].y - q;
            g1 += (p[k].y - q) * x;
            h00 += q * (1 - q);
            h01 += q * (1 - q) * x;
            h11 += q * (1 - q) * x * x;
        }

        det = h00 * h11 - h01 * h01;
        if (det <= 1e-12) {
            return;
        }

        w[0] += (h11 * g0 - h01 * g1) / det;
        w[1] += (h00 * g1 - h01 * g0) / det;

        if (fabs(g0) + fabs(g1) < 1e-9) {
            return;
        }
    }
}


static double
ngx_f1_replay_bt_brier(const ngx_f1_replay_bt_pair_t *p, const double *alt,
    size_t from, size_t to)
{
    double  s, q;
    size_t  k;

    s = 0;
    for (k = from; k < to; k++) {
        q = alt ? alt[k] : p[k].p;
        s += (q - p[k].y) * (q - p[k].y);
    }

    return to > from ? s / (to - from) : NAN;
}


/* Mann-Whitney: the probability a positive scores above a negative */

static double
ngx_f1_replay_bt_auc(const ngx_f1_replay_bt_pair_t *p, const double *alt,
    size_t from, size_t to)
{
    double   *v, rank, npos, nneg, sum;
    size_t    k, j, n, e;

    n = to - from;
    v = malloc(2 * n * sizeof(double) + 1);
    if (v == NULL) {
        return NAN;
    }

    for (k = 0; k < n; k++) {
        v[2 * k] = alt ? alt[from + k] : p[from + k].p;
        v[2 * k + 1] = p[from + k].y;
    }

    qsort(v, n, 2 * sizeof(double), ngx_f1_replay_bt_cmp);

    npos = nneg = sum = 0;

    for (k = 0; k < n; k = e) {
        for (e = k; e < n && v[2 * e] == v[2 * k]; e++) {
            /* void */
        }

        rank = (k + 1 + e) / 2.0;     /* mean rank of the ties */

        for (j = k; j < e; j++) {
            if (v[2 * j + 1] > 0) {
                sum += rank;
                npos++;

            } else {
                nneg++;
            }
        }
    }

    free(v);

    if (npos == 0 || nneg == 0) {
        return NAN;
    }

    return (sum - npos * (npos + 1) / 2) / (npos * nneg);
}


static int
ngx_f1_replay_bt_cmp(const void *a, const void *b)
{
    double  x, y;

    x = *(const double *) a;
    y = *(const double *) b;

    return x < y ? -1 : x > y;
}


static int
ngx_f1_replay_bt_window_add(ngx_f1_replay_bt_t *bt,
    const ngx_f1_replay_strategy_car_out_t *co, unsigned lap,
    unsigned actual, unsigned total)
{
    unsigned                 err;
    ngx_f1_replay_bt_win_t  *w;

    if (bt->nwins == bt->walloc) {
        bt->walloc = bt->walloc ? bt->walloc * 2 : 4096;
        w = realloc(bt->wins, bt->walloc * sizeof(ngx_f1_replay_bt_win_t));
        if (w == NULL) {
            return -1;
        }

        bt->wins = w;
    }

    w = &bt->wins[bt->nwins++];

    err = actual > co->next_stop ? actual - co->next_stop
                                 : co->next_stop - actual;

    w->race = (uint16_t) bt->nraces;
    w->cell = co->stop_cell;
    w->hit = actual != 0 && err <= 2;
    w->lap = (uint16_t) lap;
    w->next_stop = co->next_stop;
    w->actual = (uint16_t) actual;
    w->total = (uint16_t) total;
    w->lo = co->window_lo;
    w->hi = co->window_hi;
    w->conf = co->confidence;

    if (bt->trace) {
        printf("window %u %s lap %u cell %u next_stop %u actual %u lo %u "
               "hi %u confidence %.3f\n", bt->nraces, co->tla, lap,
               co->stop_cell, co->next_stop, actual, co->window_lo,
               co->window_hi, co->confidence);
    }

    return 0;
}


/*
 * The window and confidence per cell from the predictions of every race
 * but skip: the 10 % and 90 % quantiles of the stop's lap less the
 * predicted lap (the predictions followed by a stop), the rate of a stop
 * within +-2 laps (all predictions), shrunk to the rate of the cells
 * planned alike with 10 pseudo-predictions.  A cell with fewer than 10
 * stops takes the window of the cell before it.
 */

static int
ngx_f1_replay_bt_window_fit(const ngx_f1_replay_bt_win_t *w, size_t n,
    unsigned skip, ngx_f1_replay_strategy_window_t *out)
{
    double    *d, hits[NGX_F1_REPLAY_STRATEGY_CELLS], all[2], pos[2];
    double     cnt[NGX_F1_REPLAY_STRATEGY_CELLS];
    size_t     k, m;
    unsigned   c, g, h;

    d = malloc((n + 1) * sizeof(double));
    if (d == NULL) {
        return -1;
    }

    memset(hits, 0, sizeof(hits));
    memset(cnt, 0, sizeof(cnt));
    all[0] = all[1] = pos[0] = pos[1] = 0;

    for (k = 0; k < n; k++) {
        if (w[k].race == skip || w[k].cell >= NGX_F1_REPLAY_STRATEGY_CELLS) {
            continue;
        }

        g = w[k].cell / NGX_F1_REPLAY_STRATEGY_HORIZONS;
        hits[w[k].cell] += w[k].hit;
        cnt[w[k].cell]++;
        pos[g] += w[k].hit;
        all[g]++;
    }

    for (c = 0; c < NGX_F1_REPLAY_STRATEGY_CELLS; c++) {
        g = c / NGX_F1_REPLAY_STRATEGY_HORIZONS;
        h = c % NGX_F1_REPLAY_STRATEGY_HORIZONS;

        out->p2[c] = (float) ((hits[c] + 10 * (all[g] ? pos[g] / all[g] : 0))
                              / (cnt[c] + 10));

        m = 0;
        for (k = 0; k < n; k++) {
            if (w[k].race != skip && w[k].cell == c && w[k].actual) {
                d[m++] = (double) w[k].actual - w[k].next_stop;
            }
        }

        if (m < 10) {
            out->lo[c] = h ? out->lo[c - 1] : (c ? out->lo[0] : -2);
            out->hi[c] = h ? out->hi[c - 1] : (c ? out->hi[0] : 2);
            continue;
        }

        qsort(d, m, sizeof(double), ngx_f1_replay_bt_cmp);

        out->lo[c] = (int8_t) fmax(-100, fmin(0,
                         d[(size_t) floor(0.10 * m)]));
        out->hi[c] = (int8_t) fmin(100, fmax(0,
                         d[(size_t) ceil(0.90 * m) - 1]));
    }

    free(d);

    return 0;
}


/*
 * Coverage of the windows (the predictions followed by a stop) overall
 * and by laps to the predicted stop, and the reliability of the
 * confidence by deciles: the engine's own, or (loro) each race's with the
 * calibration fitted on the other races given.
 */

static void
ngx_f1_replay_bt_window_print(ngx_f1_replay_bt_t *bt, int loro,
    double *cover, double *brier, double *dev)
{
    float                    conf;
    double                   in[NGX_F1_REPLAY_STRATEGY_HORIZONS + 1];
    double                   nh[NGX_F1_REPLAY_STRATEGY_HORIZONS + 1];
    double                   width, bp[NGX_F1_REPLAY_BT_BINS];
    double                   by[NGX_F1_REPLAY_BT_BINS];
    double                   bn[NGX_F1_REPLAY_BT_BINS];
    double                   sq;
    size_t                   k;
    unsigned                 h, v;
    uint16_t                 lo, hi;
    ngx_f1_replay_bt_win_t  *w;

    static const char *const  hname[NGX_F1_REPLAY_STRATEGY_HORIZONS] = {
        "1", "2", "3", "4", "5", "6", "7-8", "9-10", "11-12", "13-15",
        "16-19", "20+"
    };

    memset(in, 0, sizeof(in));
    memset(nh, 0, sizeof(nh));
    memset(bp, 0, sizeof(bp));
    memset(by, 0, sizeof(by));
    memset(bn, 0, sizeof(bn));
    width = 0;
    sq = 0;

    for (k = 0; k < bt->nwins; k++) {
        w = &bt->wins[k];

        if (loro) {
            ngx_f1_replay_strategy_window(&bt->wfit[w->race], w->cell,
                                          w->lap, w->next_stop, w->total,
                                          &lo, &hi, &conf);

        } else {
            lo = w->lo;
            hi = w->hi;
            conf = w->conf;
        }

        v = (unsigned) (conf * NGX_F1_REPLAY_BT_BINS);
        if (v >= NGX_F1_REPLAY_BT_BINS) {
            v = NGX_F1_REPLAY_BT_BINS - 1;
        }

        bp[v] += conf;
        by[v] += w->hit;
        bn[v]++;
        sq += (conf - w->hit) * (conf - w->hit);

        if (w->actual == 0) {
            continue;
        }

        h = w->cell % NGX_F1_REPLAY_STRATEGY_HORIZONS;

        nh[h]++;
        in[h] += lo <= w->actual && w->actual <= hi;
        nh[NGX_F1_REPLAY_STRATEGY_HORIZONS]++;
        in[NGX_F1_REPLAY_STRATEGY_HORIZONS] += lo <= w->actual
                                               && w->actual <= hi;
        width += hi - lo + 1;
    }

    h = NGX_F1_REPLAY_STRATEGY_HORIZONS;
    *cover = nh[h] ? in[h] / nh[h] : NAN;
    *brier = bt->nwins ? sq / bt->nwins : NAN;
    *dev = 0;

    printf("\nnext-stop window (80 %%) and confidence, %s\n",
           loro ? "calibration fitted leaving the race out"
                : "the engine's calibration (rounds 1-12 of 2024)");
    printf("window coverage %.3f of %.0f stops, mean width %.1f laps; "
           "by laps to the predicted stop:\n", *cover, nh[h],
           nh[h] ? width / nh[h] : NAN);

    for (h = 0; h < NGX_F1_REPLAY_STRATEGY_HORIZONS; h++) {
        if (nh[h] > 0) {
            printf("  %s:%.2f(%.0f)", hname[h], in[h] / nh[h], nh[h]);
        }
    }

    printf("\nconfidence, P(the stop within +-2 laps), Brier %.4f, "
           "%zu predictions\n", *brier, bt->nwins);
    printf("%-12s %10s %10s %8s\n", "predicted", "mean p", "observed", "n");

    for (v = 0; v < NGX_F1_REPLAY_BT_BINS; v++) {
        if (bn[v] == 0) {
            continue;
        }

        printf("%4.1f - %-5.1f %10.3f %10.3f %8.0f\n",
               (double) v / NGX_F1_REPLAY_BT_BINS,
               (double) (v + 1) / NGX_F1_REPLAY_BT_BINS,
               bp[v] / bn[v], by[v] / bn[v], bn[v]);

        if (bn[v] >= 100 && fabs(bp[v] - by[v]) / bn[v] > *dev) {
            *dev = fabs(bp[v] - by[v]) / bn[v];
        }
    }
}


/* the calibration as the engine's C initializer */

static void
ngx_f1_replay_bt_window_table(const ngx_f1_replay_strategy_window_t *w)
{
    unsigned  c;

    printf("    {");

    for (c = 0; c < NGX_F1_REPLAY_STRATEGY_CELLS; c++) {
        printf("%s%d", c == 0 ? " " : c == 12 ? ",\n      " : ", ",
               w->lo[c]);
    }

    printf(" },\n    {");

    for (c = 0; c < NGX_F1_REPLAY_STRATEGY_CELLS; c++) {
        printf("%s%d", c == 0 ? " " : c == 12 ? ",\n      " : ", ",
               w->hi[c]);
    }

    printf(" },\n    {");

    for (c = 0; c < NGX_F1_REPLAY_STRATEGY_CELLS; c++) {
        printf("%s%.3ff", c == 0 ? " " : c % 6 == 0 ? ",\n      " : ", ",
               w->p2[c]);
    }

    printf(" }\n");
}


/*
 * Undercut and overcut events at lap L: car x comes in on lap L + 1, the
 * car next to it at the line of L (one place ahead or behind, within 3 s)
 * stays out and comes in within the 5 laps after; the label is whether
 * the car that stayed ahead of... precisely: 1 if the car that was behind
 * at the line of L is ahead at the line after the second car's out-lap
 * (the undercut worked when x was behind; the overcut worked when x was
 * ahead).  The engine's figure is the one of its payload at lap L: the
 * car ahead's "undercut" (by the car behind) when x is behind, the car
 * behind's "overcut" (on the car ahead) when x is ahead.
 */

static int
ngx_f1_replay_bt_cuts(ngx_f1_replay_bt_t *bt,
    const ngx_f1_replay_strategy_table_t *tb,
    const ngx_f1_replay_strategy_out_t *out, unsigned lap)
{
    int                                  ms, has;
    unsigned                             x, y, k, s2, behind, ahead, gap;
    uint16_t                             st[16];
    unsigned                             n, m;
    ngx_f1_replay_bt_cut_t              *e;
    const ngx_f1_replay_strategy_lap_t  *lx, *ly, *a, *b;

    for (x = 0; x < tb->ncars; x++) {
        n = ngx_f1_replay_strategy_stops(&tb->cars[x],
                                         NGX_F1_REPLAY_STRATEGY_MAX_LAPS,
                                         st, 16);

        for (k = 0; k < n && k < 16 && st[k] != lap + 1; k++) {
            /* void */
        }

        if (k == n || k == 16 || lap == 0) {
            continue;
        }

        lx = &tb->cars[x].laps[lap - 1];

        if (!lx->present || lx->position == 0
            || (lx->flags & NGX_F1_REPLAY_STRATEGY_PIT_IN))
        {
            continue;
        }

        for (y = 0; y < tb->ncars; y++) {
            ly = &tb->cars[y].laps[lap - 1];

            if (y == x || !ly->present || ly->position == 0
                || (ly->position + 1 != lx->position
                    && lx->position + 1 != ly->position)
                || (ly->flags & NGX_F1_REPLAY_STRATEGY_PIT_IN))
            {
                continue;
            }

            behind = ly->position > lx->position ? y : x;
            ahead = behind == x ? y : x;
            gap = (unsigned) tb->cars[behind].laps[lap - 1].gap_ms;

            if (tb->cars[behind].laps[lap - 1].gap_ms < 0 || gap > 3000) {
                continue;
            }

            /* the other car's next stop: 1-5 laps after x's */

            m = ngx_f1_replay_strategy_stops(&tb->cars[y],
                                             NGX_F1_REPLAY_STRATEGY_MAX_LAPS,
                                             st, 16);
            s2 = 0;

            for (k = 0; k < m && k < 16; k++) {
                if (st[k] > lap) {
                    s2 = st[k];
                    break;
                }
            }

            if (s2 <= lap + 1 || s2 > lap + 6
                || s2 + 1 > NGX_F1_REPLAY_STRATEGY_MAX_LAPS)
            {
                continue;
            }

            a = &tb->cars[behind].laps[s2];
            b = &tb->cars[ahead].laps[s2];

            if (!a->present || !b->present || !a->position || !b->position) {
                continue;
            }

            /* the engine's figure */

            has = 0;
            ms = 0;

            if (behind == x && out->cars[ahead].undercut_by
                               == tb->cars[x].number)
            {
                has = 1;
                ms = out->cars[ahead].undercut_ms;

            } else if (ahead == x && out->cars[behind].overcut_on
                                     == tb->cars[x].number)
            {
                has = 1;
                ms = out->cars[behind].overcut_ms;
            }

            if (bt->ncuts == bt->cut_alloc) {
                bt->cut_alloc = bt->cut_alloc ? bt->cut_alloc * 2 : 256;
                e = realloc(bt->cuts,
                            bt->cut_alloc * sizeof(ngx_f1_replay_bt_cut_t));
                if (e == NULL) {
                    return -1;
                }

                bt->cuts = e;
            }

            e = &bt->cuts[bt->ncuts++];
            e->race = (uint16_t) bt->nraces;
            e->over = ahead == x;
            e->has = (uint8_t) has;
            e->ms = ms;
            e->gap_s = gap / 1000.0f;
            e->y = a->position < b->position;

            if (bt->trace) {
                printf("cut %s %s %s lap %u gap %u stops %u/%u engine %s%d "
                       "worked %u\n", e->over ? "overcut" : "undercut",
                       tb->cars[behind].tla, tb->cars[ahead].tla, lap, gap,
                       lap + 1, s2, has ? "" : "none ", ms, e->y);
            }
        }
    }

    return 0;
}


/*
 * The undercut and overcut figures: accuracy of the sign of the engine's
 * gain (positive: the move works) against the naive rules (the base rate
 * and a gap-only logistic, fitted leaving the race out), and the
 * engine's figure as a probability (a logistic in it, fitted leaving the
 * race out): Brier and a calibration table.
 */

static void
ngx_f1_replay_bt_cuts_print(ngx_f1_replay_bt_t *bt, double *res)
{
    double    we[2], wg[2], pos, cnt, v, p, pb, pg, *xe, *xg, yk;
    double    acc[3], brier[3], n, bins[5][3];
    size_t    k, j;
    uint8_t  *y;
    unsigned  r, kind, b;

    static const char *const  names[2] = { "undercut", "overcut" };

    xe = malloc((bt->ncuts + 1) * sizeof(double));
    xg = malloc((bt->ncuts + 1) * sizeof(double));
    y = malloc(bt->ncuts + 1);

    if (xe == NULL || xg == NULL || y == NULL) {
        free(xe);
        free(xg);
        free(y);
        return;
    }

    printf("\nundercut/overcut: the car next on track at the line (within "
           "3 s) stays out when the other stops and stops 1-5 laps later; "
           "worked: the car behind is ahead once both stopped (engine "
           "figure > 0 read as \"works\"; probabilities and naive rules "
           "fitted leaving the race out)\n");
    printf("%-9s %6s %6s %6s %8s %8s | %7s %7s %7s\n", "", "events",
           "worked", "acc", "acc base", "acc gap", "brier", "base", "gap");

    for (kind = 0; kind < 2; kind++) {
        memset(acc, 0, sizeof(acc));
        memset(brier, 0, sizeof(brier));
        memset(bins, 0, sizeof(bins));
        n = 0;
        pos = 0;

        for (r = 0; r < bt->nraces; r++) {
            j = 0;
            v = 0;

            for (k = 0; k < bt->ncuts; k++) {
                if (bt->cuts[k].over != kind || !bt->cuts[k].has
                    || (bt->nraces > 1 && bt->cuts[k].race == r))
                {
                    continue;
                }

                xe[j] = bt->cuts[k].ms / 1000.0;
                xg[j] = bt->cuts[k].gap_s;
                y[j] = bt->cuts[k].y;
                v += y[j];
                j++;
            }

            cnt = (double) j;
            ngx_f1_replay_bt_logit1(xe, y, j, we);
            ngx_f1_replay_bt_logit1(xg, y, j, wg);

            for (k = 0; k < bt->ncuts; k++) {
                if (bt->cuts[k].over != kind || !bt->cuts[k].has
                    || bt->cuts[k].race != r)
                {
                    continue;
                }

                yk = bt->cuts[k].y;
                p = 1 / (1 + exp(-(we[0] + we[1] * bt->cuts[k].ms / 1000.0)));
                pb = cnt > 0 ? v / cnt : 0.5;
                pg = 1 / (1 + exp(-(wg[0] + wg[1] * bt->cuts[k].gap_s)));

                n++;
                pos += yk;
                acc[0] += (bt->cuts[k].ms > 0) == (yk > 0);
                acc[1] += (pb > 0.5) == (yk > 0);
                acc[2] += (pg > 0.5) == (yk > 0);
                brier[0] += (p - yk) * (p - yk);
                brier[1] += (pb - yk) * (pb - yk);
                brier[2] += (pg - yk) * (pg - yk);

                b = (unsigned) (p * 5);
                b = b > 4 ? 4 : b;
                bins[b][0] += p;
                bins[b][1] += yk;
                bins[b][2]++;
            }
        }

        cnt = 0;
        for (k = 0; k < bt->ncuts; k++) {
            cnt += bt->cuts[k].over == kind;
        }

        printf("%-9s %6.0f %6.3f %6.3f %8.3f %8.3f | %7.4f %7.4f %7.4f"
               "  (of %.0f events)\n", names[kind], n,
               n ? pos / n : NAN, acc[0] / n, acc[1] / n, acc[2] / n,
               brier[0] / n, brier[1] / n, brier[2] / n, cnt);

        printf("  calibration, P(worked) from the engine's figure: "
               "predicted/observed (n)\n ");

        for (b = 0; b < 5; b++) {
            if (bins[b][2] > 0) {
                printf("  %.1f-%.1f: %.2f/%.2f (%.0f)", b / 5.0,
                       (b + 1) / 5.0, bins[b][0] / bins[b][2],
                       bins[b][1] / bins[b][2], bins[b][2]);
            }
        }

        printf("\n");

        res[kind * 6 + 0] = n;
        res[kind * 6 + 1] = acc[0] / n;
        res[kind * 6 + 2] = fmax(acc[1], acc[2]) / n;
        res[kind * 6 + 3] = brier[0] / n;
        res[kind * 6 + 4] = fmin(brier[1], brier[2]) / n;
        res[kind * 6 + 5] = pos / n;
    }

    free(xe);
    free(xg);
    free(y);
}


/* logit(p) = w0 + w1 x: Newton's method, a small ridge */

static void
ngx_f1_replay_bt_logit1(const double *x, const uint8_t *y, size_t n,
    double *w)
{
    int     it;
    double  g0, g1, h00, h01, h11, q, det;
    size_t  k;

    w[0] = 0;
    w[1] = 0;

    for (it = 0; it < 30; it++) {
        g0 = -1e-3 * w[0];
        g1 = -1e-3 * w[1];
        h00 = 1e-3;
        h11 = 1e-3;
        h01 = 0;

        for (k = 0; k < n; k++) {
            q = 1 / (1 + exp(-(w[0] + w[1] * x[k])));
            g0 += y[k] - q;
            g1 += (y[k] - q) * x[k];
            h00 += q * (1 - q);
            h01 += q * (1 - q) * x[k];
            h11 += q * (1 - q) * x[k] * x[k];
        }

        det = h00 * h11 - h01 * h01;
        if (det <= 1e-12) {
            return;
        }

        w[0] += (h11 * g0 - h01 * g1) / det;
        w[1] += (h00 * g1 - h01 * g0) / det;

        if (fabs(g0) + fabs(g1) < 1e-9) {
            return;
        }
    }
}


#define ngx_f1_replay_bt_ratio(st, a, b)                                      \
    ((st)[b] > 0 ? (st)[a] / (st)[b] : NAN)


static void
ngx_f1_replay_bt_print(ngx_f1_replay_bt_t *bt)
{
    double                     sum[3][NGX_F1_REPLAY_BT_NSTATS];
    double                    *m, *b, auc, auc_gap, auc_prior;
    double                     cover, cbrier, cdev, cover_loro;
    double                     cbrier_loro, cdev_loro, cut[12];
    unsigned                   r, k, lost_comp, lost_stops;
    ngx_f1_replay_bt_race_t   *rc;

    static const struct {
        const char  *label;
        const char  *key;
        unsigned     num;
        unsigned     den;
    } rows[] = {
        { "next-stop lap MAE (laps)", "stop_mae",
          NGX_F1_REPLAY_BT_MAE, NGX_F1_REPLAY_BT_N },
        { "  hit +-1 lap", "hit1", NGX_F1_REPLAY_BT_HIT1, NGX_F1_REPLAY_BT_N },
        { "  hit +-2 laps", "hit2", NGX_F1_REPLAY_BT_HIT2, NGX_F1_REPLAY_BT_N },
        { "within 10 laps: MAE", "stop_mae10",
          NGX_F1_REPLAY_BT_MAE10, NGX_F1_REPLAY_BT_N10 },
        { "  hit +-1 lap", "hit1_10",
          NGX_F1_REPLAY_BT_HIT1_10, NGX_F1_REPLAY_BT_N10 },
        { "  hit +-2 laps", "hit2_10",
          NGX_F1_REPLAY_BT_HIT2_10, NGX_F1_REPLAY_BT_N10 },
        { "called within 10 laps: MAE", "stop_pmae10",
          NGX_F1_REPLAY_BT_PMAE10, NGX_F1_REPLAY_BT_PN10 },
        { "  share of the calls", "pshare10",
          NGX_F1_REPLAY_BT_PN10, NGX_F1_REPLAY_BT_N },
        { "next compound accuracy", "compound",
          NGX_F1_REPLAY_BT_COMP, NGX_F1_REPLAY_BT_COMP_N },
        { "number of stops accuracy", "stops",
          NGX_F1_REPLAY_BT_STOPS, NGX_F1_REPLAY_BT_STOPS_N }
    };

    /* the rows[] the reference is scored on: MAE, within 10, called */
    static const unsigned  ref[] = { 0, 3, 6 };

    memset(sum, 0, sizeof(sum));
    lost_comp = 0;
    lost_stops = 0;

    if (!bt->quiet) {
        printf("%-28s %4s | %-11s %-11s %-11s %-11s %-11s | %-17s %-11s\n",
               "race", "laps", "MAE", "MAE<=10", "hit2<=10", "compound",
               "stops", "brier (gap-only)", "auc (gap)");
    }

    for (r = 0; r < bt->nraces; r++) {
        rc = &bt->races[r];
        m = rc->st.stat[0];
        b = rc->st.stat[1];

        for (k = 0; k < NGX_F1_REPLAY_BT_NSTATS; k++) {
            sum[0][k] += m[k];
            sum[1][k] += b[k];
            sum[2][k] += rc->st.stat[2][k];
        }

        /* races where the call does worse than its baseline */

        lost_comp += ngx_f1_replay_bt_ratio(m, NGX_F1_REPLAY_BT_COMP,
                                            NGX_F1_REPLAY_BT_COMP_N)
                     < ngx_f1_replay_bt_ratio(b, NGX_F1_REPLAY_BT_COMP,
                                              NGX_F1_REPLAY_BT_COMP_N);
        lost_stops += ngx_f1_replay_bt_ratio(m, NGX_F1_REPLAY_BT_STOPS,
                                             NGX_F1_REPLAY_BT_STOPS_N)
                      < ngx_f1_replay_bt_ratio(b, NGX_F1_REPLAY_BT_STOPS,
                                               NGX_F1_REPLAY_BT_STOPS_N);

        if (bt->quiet) {
            continue;
        }

        printf("%-28.28s %4u | %5.2f %5.2f %5.2f %5.2f %5.3f %5.3f "
               "%5.3f %5.3f %5.3f %5.3f | %5.3f (%5.3f) %5.3f (%5.3f)\n",
               rc->name, rc->laps,
               ngx_f1_replay_bt_ratio(m, NGX_F1_REPLAY_BT_MAE,
                                      NGX_F1_REPLAY_BT_N),
               ngx_f1_replay_bt_ratio(b, NGX_F1_REPLAY_BT_MAE,
                                      NGX_F1_REPLAY_BT_N),
               ngx_f1_replay_bt_ratio(m, NGX_F1_REPLAY_BT_MAE10,
                                      NGX_F1_REPLAY_BT_N10),
               ngx_f1_replay_bt_ratio(b, NGX_F1_REPLAY_BT_MAE10,
                                      NGX_F1_REPLAY_BT_N10),
               ngx_f1_replay_bt_ratio(m, NGX_F1_REPLAY_BT_HIT2_10,
                                      NGX_F1_REPLAY_BT_N10),
               ngx_f1_replay_bt_ratio(b, NGX_F1_REPLAY_BT_HIT2_10,
                                      NGX_F1_REPLAY_BT_N10),
               ngx_f1_replay_bt_ratio(m, NGX_F1_REPLAY_BT_COMP,
                                      NGX_F1_REPLAY_BT_COMP_N),
               ngx_f1_replay_bt_ratio(b, NGX_F1_REPLAY_BT_COMP,
                                      NGX_F1_REPLAY_BT_COMP_N),
               ngx_f1_replay_bt_ratio(m, NGX_F1_REPLAY_BT_STOPS,
                                      NGX_F1_REPLAY_BT_STOPS_N),
               ngx_f1_replay_bt_ratio(b, NGX_F1_REPLAY_BT_STOPS,
                                      NGX_F1_REPLAY_BT_STOPS_N),
               ngx_f1_replay_bt_brier(bt->pairs, NULL, rc->pairs_from,
                                      rc->pairs_to),
               ngx_f1_replay_bt_brier(bt->pairs, bt->gap_p, rc->pairs_from,
                                      rc->pairs_to),
               ngx_f1_replay_bt_auc(bt->pairs, NULL, rc->pairs_from,
                                    rc->pairs_to),
               ngx_f1_replay_bt_auc(bt->pairs, bt->gap_p, rc->pairs_from,
                                    rc->pairs_to));
    }

    if (!bt->quiet) {
        printf("(each pair: model baseline)\n\n");
    }

    printf("pooled over %u race%s: model vs naive baseline\n", bt->nraces,
           bt->nraces == 1 ? "" : "s");
    printf("%-28s %9s %9s %8s\n", "metric", "model", "baseline", "n");

    for (k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
        printf("%-28s %9.3f %9.3f %8.0f\n", rows[k].label,
               ngx_f1_replay_bt_ratio(sum[0], rows[k].num, rows[k].den),
               ngx_f1_replay_bt_ratio(sum[1], rows[k].num, rows[k].den),
               sum[0][rows[k].den]);
    }

    printf("%-28s %9u %9s %8u  (races lost to the baseline)\n",
           "next compound, races lost", lost_comp, "", bt->nraces);
    printf("%-28s %9u %9s %8u  (races lost to the baseline)\n",
           "number of stops, races lost", lost_stops, "", bt->nraces);

    /*
     * The reference without a model: the stop always 5 laps ahead.  The
     * MAE within 10 laps of the stop is taken over the laps chosen by the
     * outcome (1-10 laps before it), where a constant near 5 scores well;
     * the laps where a predictor calls the stop within 10 laps are chosen
     * by the prediction (for the reference: every lap).
     */

    printf("reference, no model: a stop always %d laps ahead\n",
           NGX_F1_REPLAY_BT_AHEAD);

    for (k = 0; k < sizeof(ref) / sizeof(ref[0]); k++) {
        printf("  %-26s %9.3f %9s %8.0f\n", rows[ref[k]].label,
               ngx_f1_replay_bt_ratio(sum[2], rows[ref[k]].num,
                                      rows[ref[k]].den),
               "", sum[2][rows[ref[k]].den]);
    }

    auc = ngx_f1_replay_bt_auc(bt->pairs, NULL, 0, bt->npairs);
    auc_gap = ngx_f1_replay_bt_auc(bt->pairs, bt->gap_p, 0, bt->npairs);
    auc_prior = ngx_f1_replay_bt_auc(bt->pairs, bt->prior_p, 0, bt->npairs);

    printf("%-28s %9.4f %9.4f %8zu  (base rate, LORO)\n",
           "overtake<=3 laps Brier",
           ngx_f1_replay_bt_brier(bt->pairs, NULL, 0, bt->npairs),
           ngx_f1_replay_bt_brier(bt->pairs, bt->base_p, 0, bt->npairs),
           bt->npairs);
    printf("%-28s %9s %9.4f %8s  (gap-only logistic, LORO)\n", "", "",
           ngx_f1_replay_bt_brier(bt->pairs, bt->gap_p, 0, bt->npairs), "");
    printf("%-28s %9.4f %9.4f %8s  (gap-only logistic, LORO)\n",
           "overtake<=3 laps AUC-ROC", auc, auc_gap, "");

    printf("%-28s %9.4f %9s %8s  (engine, prior coefficients)\n",
           "", ngx_f1_replay_bt_brier(bt->pairs, bt->prior_p, 0, bt->npairs),
           "", "");
    printf("%-28s %9.4f %9s %8s  (engine, prior coefficients)\n",
           "", auc_prior, "", "");
    printf("overtake coefficients fitted on all %u races: intercept %.3f, "
           "gap %.3f/s, pace %.3f per s/lap, age %.3f per 10 laps, "
           "DRS %.3f\n", bt->nraces, bt->fit_all.intercept, bt->fit_all.gap,
           bt->fit_all.pace, bt->fit_all.age, bt->fit_all.drs);

    ngx_f1_replay_bt_calibration(bt, NULL, bt->nraces > 1
                                 ? "coefficients fitted leaving the race out"
                                 : "the engine's 2024 coefficients");
    ngx_f1_replay_bt_calibration(bt, bt->prior_p, "prior coefficients");

    ngx_f1_replay_bt_cuts_print(bt, cut);
    ngx_f1_replay_bt_window_print(bt, 0, &cover, &cbrier, &cdev);

    if (bt->nraces > 1) {
        ngx_f1_replay_bt_window_print(bt, 1, &cover_loro, &cbrier_loro,
                                      &cdev_loro);

    } else {
        cover_loro = cbrier_loro = cdev_loro = NAN;
    }

    printf("\nRESULT races=%u", bt->nraces);

    for (k = 0; k < sizeof(rows) / sizeof(rows[0]); k++) {
        printf(" %s=%.3f %s_base=%.3f", rows[k].key,
               ngx_f1_replay_bt_ratio(sum[0], rows[k].num, rows[k].den),
               rows[k].key,
               ngx_f1_replay_bt_ratio(sum[1], rows[k].num, rows[k].den));
    }

    for (k = 0; k < sizeof(ref) / sizeof(ref[0]); k++) {
        printf(" %s_ref=%.3f", rows[ref[k]].key,
               ngx_f1_replay_bt_ratio(sum[2], rows[ref[k]].num,
                                      rows[ref[k]].den));
    }

    printf(" compound_lost=%u stops_lost=%u", lost_comp, lost_stops);
    printf(" cover=%.3f conf_brier=%.4f conf_dev=%.3f cover_loro=%.3f"
           " conf_brier_loro=%.4f conf_dev_loro=%.3f", cover, cbrier, cdev,
           cover_loro, cbrier_loro, cdev_loro);
    printf(" undercut_n=%.0f undercut_acc=%.3f undercut_acc_naive=%.3f"
           " undercut_brier=%.4f undercut_brier_naive=%.4f"
           " overcut_n=%.0f overcut_acc=%.3f overcut_acc_naive=%.3f"
           " overcut_brier=%.4f overcut_brier_naive=%.4f",
           cut[0], cut[1], cut[2], cut[3], cut[4], cut[6], cut[7], cut[8],
           cut[9], cut[10]);
    printf(" brier=%.4f brier_base=%.4f brier_gap=%.4f brier_prior=%.4f"
           " auc=%.4f auc_gap=%.4f auc_prior=%.4f pairs=%zu\n",
           ngx_f1_replay_bt_brier(bt->pairs, NULL, 0, bt->npairs),
           ngx_f1_replay_bt_brier(bt->pairs, bt->base_p, 0, bt->npairs),
           ngx_f1_replay_bt_brier(bt->pairs, bt->gap_p, 0, bt->npairs),
           ngx_f1_replay_bt_brier(bt->pairs, bt->prior_p, 0, bt->npairs),
           auc, auc_gap, auc_prior, bt->npairs);
}


/* calibration: deciles of predicted probability */

static void
ngx_f1_replay_bt_calibration(ngx_f1_replay_bt_t *bt, const double *alt,
    const char *what)
{
    double    bin_p[NGX_F1_REPLAY_BT_BINS], bin_y[NGX_F1_REPLAY_BT_BINS];
    double    bin_n[NGX_F1_REPLAY_BT_BINS], p;
    size_t    k;
    unsigned  v;

    memset(bin_p, 0, sizeof(bin_p));
    memset(bin_y, 0, sizeof(bin_y));
    memset(bin_n, 0, sizeof(bin_n));

    for (k = 0; k < bt->npairs; k++) {
        p = alt ? alt[k] : bt->pairs[k].p;
        v = (unsigned) (p * NGX_F1_REPLAY_BT_BINS);
        if (v >= NGX_F1_REPLAY_BT_BINS) {
            v = NGX_F1_REPLAY_BT_BINS - 1;
        }

        bin_p[v] += p;
        bin_y[v] += bt->pairs[k].y;
        bin_n[v]++;
    }

    printf("\ncalibration of P(overtake within 3 laps), %s\n", what);
    printf("%-12s %10s %10s %8s\n", "predicted", "mean p", "observed", "n");

    for (v = 0; v < NGX_F1_REPLAY_BT_BINS; v++) {
        if (bin_n[v] == 0) {
            continue;
        }

        printf("%4.1f - %-5.1f %10.3f %10.3f %8.0f\n",
               (double) v / NGX_F1_REPLAY_BT_BINS,
               (double) (v + 1) / NGX_F1_REPLAY_BT_BINS,
               bin_p[v] / bin_n[v], bin_y[v] / bin_n[v], bin_n[v]);
    }
}


/*
 * The engine's JSON at lap L on the whole table against its JSON on a
 * copy with every lap after L deleted: they must be byte for byte equal.
 */

static int
ngx_f1_replay_bt_leakage(const ngx_f1_replay_strategy_table_t *tb,
    const char *name)
{
    int                              bad;
    char                            *a, *b;
    size_t                           alen, blen;
    unsigned                         lap, n;
    ngx_f1_replay_strategy_table_t  *cut;

    cut = malloc(sizeof(ngx_f1_replay_strategy_table_t));
    if (cut == NULL) {
        return -1;
    }

    bad = 0;
    n = 0;

    for (lap = 1; lap < tb->total_laps; lap += 3) {
        memcpy(cut, tb, sizeof(*cut));
        ngx_f1_replay_strategy_truncate(cut, lap);

        if (ngx_f1_replay_bt_json(tb, lap, &a, &alen) != 0) {
            free(cut);
            return -1;
        }

        if (ngx_f1_replay_bt_json(cut, lap, &b, &blen) != 0) {
            free(a);
            free(cut);
            return -1;
        }

        if (alen != blen || memcmp(a, b, alen) != 0) {
            printf("%s: lap %u: output differs without the later laps\n",
                   name, lap);
            bad++;
        }

        n++;
        free(a);
        free(b);
    }

    printf("%s: leakage %s (%u laps compared)\n", name,
           bad ? "FAIL" : "ok", n);

    free(cut);

    return bad;
}


/*
 * The adapter at session times t: the payload from the whole archive's
 * session must equal the payload from the archive cut after t.
 */

static int
ngx_f1_replay_bt_leakage_archive(const char *dir, const char *name)
{
    int                       bad, k;
    char                      tmp[] = "/tmp/f1-replay-backtest-XXXXXX";
    char                      err[1024], *a, *b;
    size_t                    alen, blen;
    int32_t                   t, span;
    ngx_f1_replay_session_t  *s, *cut;

    s = ngx_f1_replay_archive_load(dir, NULL, NULL, err, sizeof(err));
    if (s == NULL || mkdtemp(tmp) == NULL) {
        fprintf(stderr, "f1-replay-backtest: %s\n", s ? strerror(errno) : err);
        free(s);
        return -1;
    }

    bad = 0;
    span = s->end_ms - (s->lights_out_ms != NGX_F1_REPLAY_NO_TIME
                        ? s->lights_out_ms : s->start_ms);

    for (k = 1; k <= 3; k++) {
        t = s->end_ms - span + span * k / 4 + 1234;

        if (ngx_f1_replay_bt_cut_archive(dir, tmp, t) != 0) {
            bad = -1;
            break;
        }

        cut = ngx_f1_replay_archive_load(tmp, NULL, NULL, err, sizeof(err));
        if (cut == NULL) {
            fprintf(stderr, "f1-replay-backtest: %s\n", err);
            bad = -1;
            break;
        }

        a = b = NULL;

        if (ngx_f1_replay_bt_at(s, t, &a, &alen) != 0
            || ngx_f1_replay_bt_at(cut, t, &b, &blen) != 0)
        {
            free(a);
            free(cut);
            bad = -1;
            break;
        }

        if (alen != blen || memcmp(a, b, alen) != 0) {
            printf("%s: session time %d ms: output differs without the "
                   "later lines\n", name, t);
            bad++;
        }

        free(a);
        free(b);
        free(cut);
    }

    ngx_f1_replay_bt_cut_archive(NULL, tmp, 0);
    rmdir(tmp);
    free(s);

    if (bad >= 0) {
        printf("%s: session-level leakage %s (3 times compared)\n", name,
               bad ? "FAIL" : "ok");
    }

    return bad;
}


/*
 * Copies the topic files of dir to "to" with the lines timed after t
 * left out; with dir NULL, deletes the copies.
 */

static int
ngx_f1_replay_bt_cut_archive(const char *dir, const char *to, int32_t t)
{
    DIR            *d;
    FILE           *in, *out;
    char            path[4096], line[1 << 16];
    size_t          len, skip;
    int32_t         lt;
    struct dirent  *e;

    d = opendir(dir ? dir : to);
    if (d == NULL) {
        return -1;
    }

    while ((e = readdir(d)) != NULL) {
        len = strlen(e->d_name);

        if (len < 12 || strstr(e->d_name, ".jsonStream") == NULL) {
            continue;
        }

        snprintf(path, sizeof(path), "%s/%s", to, e->d_name);

        if (dir == NULL) {
            unlink(path);
            continue;
        }

        out = fopen(path, "w");
        snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
        in = fopen(path, "r");

        if (in == NULL || out == NULL) {
            if (in) {
                fclose(in);
            }

            if (out) {
                fclose(out);
            }

            closedir(d);
            return -1;
        }

        /* lines longer than the buffer are copied in pieces */

        skip = 0;

        while (fgets(line, sizeof(line), in) != NULL) {
            len = strlen(line);

            if (!skip) {
                skip = len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0
                       ? 3 : 0;

                if (ngx_f1_replay_time_parse((unsigned char *) line + skip,
                                             12, &lt) == 0
                    && lt > t)
                {
                    break;
                }
            }

            fwrite(line, 1, len, out);
            skip = len > 0 && line[len - 1] != '\n';
        }

        fclose(in);
        fclose(out);
    }

    closedir(d);

    return 0;
}


static int
ngx_f1_replay_bt_at(const ngx_f1_replay_session_t *s, int32_t t,
    char **buf, size_t *len)
{
    unsigned                         upto;
    ngx_f1_replay_strategy_table_t  *tb;
    int                              rc;

    tb = malloc(sizeof(ngx_f1_replay_strategy_table_t));
    if (tb == NULL) {
        return -1;
    }

    rc = -1;

    if (ngx_f1_replay_strategy_session_table(s, t, tb, &upto) == 0
        && upto > 0)
    {
        rc = ngx_f1_replay_bt_json(tb, upto, buf, len);
    }

    free(tb);

    return rc;
}


static int
ngx_f1_replay_bt_json(const ngx_f1_replay_strategy_table_t *tb,
    unsigned lap, char **buf, size_t *len)
{
    int                                  rc;
    yajl_gen                             g;
    const unsigned char                 *p;
    static ngx_f1_replay_strategy_out_t  out;

    if (ngx_f1_replay_strategy_run(tb, lap, &out) != 0) {
        return -1;
    }

    g = yajl_gen_alloc(NULL);
    if (g == NULL) {
        return -1;
    }

    rc = -1;

    if (ngx_f1_replay_strategy_json(&out, g) == 0
        && yajl_gen_get_buf(g, &p, len) == yajl_gen_status_ok)
    {
        *buf = malloc(*len + 1);

        if (*buf != NULL) {
            memcpy(*buf, p, *len);
            rc = 0;
        }
    }

    yajl_gen_free(g);

    return rc;
}


static int
ngx_f1_replay_bt_season(const char *dir, char ***paths, int *n)
{
    DIR            *d;
    char          **v;
    size_t          len;
    struct dirent  *e;

    d = opendir(dir);
    if (d == NULL) {
        fprintf(stderr, "f1-replay-backtest: %s: %s\n", dir, strerror(errno));
        return -1;
    }

    v = calloc(NGX_F1_REPLAY_BT_MAX_RACES, sizeof(char *));
    if (v == NULL) {
        closedir(d);
        return -1;
    }

    *n = 0;

    while ((e = readdir(d)) != NULL && *n < NGX_F1_REPLAY_BT_MAX_RACES) {
        len = strlen(e->d_name);

        if (len < 5 || strcmp(e->d_name + len - 4, ".csv") != 0) {
            continue;
        }

        v[*n] = malloc(strlen(dir) + len + 2);
        if (v[*n] == NULL) {
            while (*n > 0) {
                free(v[--(*n)]);
            }

            free(v);
            closedir(d);
            return -1;
        }

        sprintf(v[*n], "%s/%s", dir, e->d_name);
        (*n)++;
    }

    closedir(d);

    qsort(v, *n, sizeof(char *), ngx_f1_replay_bt_strcmp);
    *paths = v;

    return 0;
}


static int
ngx_f1_replay_bt_strcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *) a, *(char *const *) b);
}
