
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


/*
 * The strategy engine's plan: the stops a car has left and the compound
 * of each stint after this one, whichever costs the least expected time.
 */


#include <math.h>
#include <string.h>

#include "ngx_f1_replay_strategy_internal.h"


#define NGX_F1_REPLAY_STRATEGY_CLIFF_MS      100.0  /* per lap^2 past life */
#define NGX_F1_REPLAY_STRATEGY_MIN_STINT     5
#define NGX_F1_REPLAY_STRATEGY_STOP_MS       10000  /* traffic, position */
#define NGX_F1_REPLAY_STRATEGY_LEAD          4      /* laps, green stop */
#define NGX_F1_REPLAY_STRATEGY_NEUTRAL_AGE   0.3    /* of the stop age */
#define NGX_F1_REPLAY_STRATEGY_SWITCH_TAU    10.0   /* laps, recency */


/* a car's plan while it is worked out */

typedef struct {
    const ngx_f1_replay_strategy_tyres_t  *ty;
    double                                 loss0;   /* pit loss, next lap */
    double                                 best;    /* the best plan's cost */
    uint8_t                                cand[NGX_F1_REPLAY_STRATEGY_NC];
    unsigned                               ncand;   /* compounds in play */
    unsigned                               cur;     /* the set's compound */
    unsigned                               age;     /* and laps run */
    unsigned                               r;       /* laps to the flag */
    unsigned                               need;    /* two-compound rule */
    unsigned                               minst;   /* shortest new stint */
    unsigned                               t;       /* laps to stop age */
    int                                    neut;    /* weigh a stop now */
    unsigned                               nstops;  /* best plan: stops, */
    unsigned                               n0;      /* laps to the first, */
    unsigned                               next[2]; /* compounds after */
} ngx_f1_replay_strategy_plan_t;


static void ngx_f1_replay_strategy_plan_init(ngx_f1_replay_strategy_ctx_t *x,
    unsigned i, const ngx_f1_replay_strategy_car_out_t *co,
    const ngx_f1_replay_strategy_lap_t *lp, ngx_f1_replay_strategy_plan_t *p);
static void ngx_f1_replay_strategy_plan_one(ngx_f1_replay_strategy_ctx_t *x,
    ngx_f1_replay_strategy_plan_t *p);
static void ngx_f1_replay_strategy_plan_two(ngx_f1_replay_strategy_ctx_t *x,
    ngx_f1_replay_strategy_plan_t *p);
static unsigned ngx_f1_replay_strategy_plan_choose(
    ngx_f1_replay_strategy_ctx_t *x, const uint8_t *cand, unsigned ncand,
    unsigned c, int need, int last, unsigned laps);
static double ngx_f1_replay_strategy_plan_stint_cost(
    const ngx_f1_replay_strategy_tyres_t *ty, unsigned c, unsigned age0,
    unsigned n);


/*
 * The remaining plan: 0, 1 or 2 more stops, whichever costs the least
 * expected time (the two-compound rule in a dry race).  A stop costs the
 * pit loss and 10 s more (out-lap traffic, track position, risk).  In the
 * costs the first stop comes at the stop age of the survival estimate (a
 * last stop late enough for the last set to reach the flag within its
 * longest stint), or on the next lap at the SC or VSC loss if the last lap
 * was neutralised; later stops split the remaining laps at the least
 * cost, each new stint at least 5 laps (fewer at the very end).
 *
 * The lap given is the survival estimate's (before the flag; under green
 * at least 4 laps ahead), or the next lap when a neutralised stop is the
 * cheapest plan; brought forward after a change between dry and wet
 * tyres in the field, or when a car next on track has just come in
 * (ngx_f1_replay_strategy_window_next_stop()).
 * Compounds: ngx_f1_replay_strategy_plan_choose().
 */

void
ngx_f1_replay_strategy_plan(ngx_f1_replay_strategy_ctx_t *x, unsigned i,
    ngx_f1_replay_strategy_car_out_t *co)
{
    unsigned                             n0;
    const ngx_f1_replay_strategy_lap_t  *lp;
    ngx_f1_replay_strategy_plan_t        p;

    lp = ngx_f1_replay_strategy_lap(&x->tb->cars[i], co->lap, x->upto);

    co->stops_total = co->stops;

    if (lp->compound == NGX_F1_REPLAY_COMPOUND_UNKNOWN
        || lp->compound >= NGX_F1_REPLAY_STRATEGY_NC)
    {
        return;
    }

    ngx_f1_replay_strategy_plan_init(x, i, co, lp, &p);
    ngx_f1_replay_strategy_plan_one(x, &p);
    ngx_f1_replay_strategy_plan_two(x, &p);

    co->stops_total = (uint8_t) (co->stops + p.nstops);
    co->nplan = (uint8_t) p.nstops;
    co->plan[0] = (uint8_t) p.next[0];
    co->plan[1] = (uint8_t) p.next[1];
    co->next_compound = (uint8_t) (p.nstops ? p.next[0]
                        : ngx_f1_replay_strategy_plan_choose(x, p.cand,
                              p.ncand, p.cur, p.need, 1,
                              p.r > p.t ? p.r - p.t : 1));

    if (p.r < 2) {
        return;
    }

    /*
     * With no stop planned, the lap of a stop if one comes after all: at
     * the survival estimate's age, before the flag.
     */

    n0 = p.n0;

    if (p.nstops == 0 || n0 != 1) {
        n0 = p.t < p.r ? p.t : p.r - 1;
    }

    ngx_f1_replay_strategy_window_next_stop(x, i, co, n0, p.nstops > 0,
                                            p.loss0 == x->loss_green);
}


/*
 * What the plan starts from: the pit loss of a stop on the next lap, the
 * two-compound rule, the compounds in play, the laps to the stop age of
 * the survival estimate, and the cost of running to the flag (none while
 * the rule is not met).
 */

static void
ngx_f1_replay_strategy_plan_init(ngx_f1_replay_strategy_ctx_t *x, unsigned i,
    const ngx_f1_replay_strategy_car_out_t *co,
    const ngx_f1_replay_strategy_lap_t *lp, ngx_f1_replay_strategy_plan_t *p)
{
    double                               stop;
    unsigned                             k, used;
    const ngx_f1_replay_strategy_car_t  *c;

    c = &x->tb->cars[i];

    memset(p, 0, sizeof(ngx_f1_replay_strategy_plan_t));

    p->ty = &x->car[i];
    p->cur = lp->compound;
    p->age = lp->tyre_age;
    p->r = x->total - co->lap;

    p->loss0 = (lp->flags & NGX_F1_REPLAY_STRATEGY_SC) ? x->loss_sc
               : (lp->flags & NGX_F1_REPLAY_STRATEGY_VSC) ? x->loss_vsc
               : x->loss_green;

    /* dry compounds used so far, candidates */

    used = 0;
    for (k = 1; k <= co->lap; k++) {
        lp = ngx_f1_replay_strategy_lap(c, k, x->upto);
        if (lp != NULL && ngx_f1_replay_compound_dry(lp->compound)) {
            used |= 1u << lp->compound;
        }
    }

    p->need = !x->wet && (used & (used - 1)) == 0;

    for (k = 1; k < NGX_F1_REPLAY_STRATEGY_NC; k++) {
        if (x->seen[k]
            || (k >= NGX_F1_REPLAY_COMPOUND_SOFT
                && k <= NGX_F1_REPLAY_COMPOUND_HARD
                && (x->seen[NGX_F1_REPLAY_COMPOUND_SOFT]
                    || x->seen[NGX_F1_REPLAY_COMPOUND_MEDIUM]
                    || x->seen[NGX_F1_REPLAY_COMPOUND_HARD])))
        {
            p->cand[p->ncand++] = (uint8_t) k;
        }
    }

    p->minst = p->r > NGX_F1_REPLAY_STRATEGY_MIN_STINT + 1
               ? NGX_F1_REPLAY_STRATEGY_MIN_STINT : 1;

    stop = ngx_f1_replay_strategy_life_stop_age(x, p->cur, p->age);
    p->t = stop > p->age + 1 ? (unsigned) lrint(stop) - p->age : 1;

    /*
     * Under green a stop is not foreseen sooner than 4 laps ahead: when
     * the survival estimate says 1-3 (the set older than most taken off),
     * the stop came 4 laps later or so in rounds 1-12.
     */

    if (p->loss0 == x->loss_green && p->t < NGX_F1_REPLAY_STRATEGY_LEAD) {
        p->t = NGX_F1_REPLAY_STRATEGY_LEAD;
    }

    /*
     * A stop under the safety car or VSC (at its lower pit loss) is
     * weighed against the plans without it only for a set that has run
     * 0.3 of its stop age.
     */

    p->neut = p->loss0 != x->loss_green
              && p->age >= NGX_F1_REPLAY_STRATEGY_NEUTRAL_AGE * stop;

    p->best = p->need ? HUGE_VAL
              : ngx_f1_replay_strategy_plan_stint_cost(p->ty, p->cur, p->age,
                                                       p->r);
}


/* one more stop: the timed one, and now if neutralised */

static void
ngx_f1_replay_strategy_plan_one(ngx_f1_replay_strategy_ctx_t *x,
    ngx_f1_replay_strategy_plan_t *p)
{
    double    cost;
    unsigned  k, j, n0, lo, n0s[2];

    k = ngx_f1_replay_strategy_plan_choose(x, p->cand, p->ncand, p->cur,
                                           p->need, 1,
                                           p->r > p->t ? p->r - p->t : 1);
    lo = p->r > (unsigned) ceil(x->cap[k])
         ? p->r - (unsigned) ceil(x->cap[k]) : 1;

    n0s[0] = p->t > lo ? p->t : lo;
    n0s[1] = 1;

    for (j = 0; j < 2; j++) {
        n0 = n0s[j];

        if (n0 >= p->r || (j == 1 && !p->neut)) {
            continue;
        }

        cost = ngx_f1_replay_strategy_plan_stint_cost(p->ty, p->cur, p->age,
                                                      n0)
               + (n0 == 1 ? p->loss0 : x->loss_green)
               + NGX_F1_REPLAY_STRATEGY_STOP_MS
               + ngx_f1_replay_strategy_plan_stint_cost(p->ty, k, 0,
                                                        p->r - n0);

        if (cost < p->best) {
            p->best = cost;
            p->nstops = 1;
            p->n0 = n0;
            p->next[0] = k;
        }
    }
}


/*
 * Two more stops: the first timed or now if neutralised, the second
 * where it splits the remaining laps at the least cost.
 */

static void
ngx_f1_replay_strategy_plan_two(ngx_f1_replay_strategy_ctx_t *x,
    ngx_f1_replay_strategy_plan_t *p)
{
    double    cost, c0;
    unsigned  k, k2, j, n0, n2, n0s[2];

    k = ngx_f1_replay_strategy_plan_choose(x, p->cand, p->ncand, p->cur,
                                           p->need, 0, 0);
    n0s[0] = p->t;
    n0s[1] = 1;

    for (j = 0; j < 2; j++) {
        n0 = n0s[j];

        if (n0 + 2 * p->minst > p->r || (j == 1 && !p->neut)) {
            continue;
        }

        c0 = ngx_f1_replay_strategy_plan_stint_cost(p->ty, p->cur, p->age,
                                                    n0)
             + (n0 == 1 ? p->loss0 : x->loss_green) + x->loss_green
             + 2 * NGX_F1_REPLAY_STRATEGY_STOP_MS;

        for (n2 = p->minst; n0 + n2 + p->minst <= p->r; n2++) {
            k2 = ngx_f1_replay_strategy_plan_choose(x, p->cand, p->ncand, k,
                                                    p->need && k == p->cur,
                                                    1, p->r - n0 - n2);

            cost = c0
                   + ngx_f1_replay_strategy_plan_stint_cost(p->ty, k, 0, n2)
                   + ngx_f1_replay_strategy_plan_stint_cost(p->ty, k2, 0,
                                                            p->r - n0 - n2);

            if (cost < p->best) {
                p->best = cost;
                p->nstops = 2;
                p->n0 = n0;
                p->next[0] = k;
                p->next[1] = k2;
            }
        }
    }
}


/*
 * The compound after c.  Once a car has changed between dry and wet
 * tyres and the latest such change was from c's kind: the compound those
 * cars took (the recent ones weighing more, e^(-laps ago / 10)).  Else
 * what the field has chosen after c in this race, counting only the
 * cars in the same case (the two-compound rule met or not; the most
 * common, ties to the harder); else soft for a short last stint, the
 * hardest dry compound in play (other than c while the rule is not met:
 * then the next softer when on it); wet stays wet.
 */

static unsigned
ngx_f1_replay_strategy_plan_choose(ngx_f1_replay_strategy_ctx_t *x,
    const uint8_t *cand, unsigned ncand, unsigned c, int need, int last,
    unsigned laps)
{
    double                                 votes[NGX_F1_REPLAY_STRATEGY_NC];
    double                                 best_w;
    unsigned                               k, j, best, dry, sw;
    const ngx_f1_replay_strategy_fstop_t  *fs;

    if (c == NGX_F1_REPLAY_COMPOUND_UNKNOWN
        || c >= NGX_F1_REPLAY_STRATEGY_NC)
    {
        return c;
    }

    dry = ngx_f1_replay_compound_dry(c);

    /* the latest change between dry and wet tyres in the field */

    sw = 0;

    for (j = 0; j < x->nfstops; j++) {
        fs = &x->fstops[j];

        if (fs->from != NGX_F1_REPLAY_COMPOUND_UNKNOWN
            && fs->to != NGX_F1_REPLAY_COMPOUND_UNKNOWN
            && ngx_f1_replay_compound_dry(fs->from)
               != ngx_f1_replay_compound_dry(fs->to)
            && (sw == 0 || fs->lap >= x->fstops[sw - 1].lap))
        {
            sw = j + 1;
        }
    }

    memset(votes, 0, sizeof(votes));

    if (sw
        && ngx_f1_replay_compound_dry(x->fstops[sw - 1].from) == dry)
    {
        /* the weather has turned: what the cars changing took */

        for (j = 0; j < x->nfstops; j++) {
            fs = &x->fstops[j];

            if (fs->to != NGX_F1_REPLAY_COMPOUND_UNKNOWN
                && ngx_f1_replay_compound_dry(fs->from) == dry
                && ngx_f1_replay_compound_dry(fs->to) != dry)
            {
                votes[fs->to] += exp(-(double) (x->upto - fs->lap)
                                     / NGX_F1_REPLAY_STRATEGY_SWITCH_TAU);
            }
        }

    } else {

        /*
         * The field's choices after c, by the cars in the same case (the
         * two-compound rule met or not).
         */

        for (j = 0; j < x->nfstops; j++) {
            fs = &x->fstops[j];

            if (fs->from == c && fs->to != NGX_F1_REPLAY_COMPOUND_UNKNOWN
                && fs->need == need && !(need && fs->to == c))
            {
                votes[fs->to] += 1;
            }
        }
    }

    best = 0;
    best_w = 0;

    for (k = 1; k < NGX_F1_REPLAY_STRATEGY_NC; k++) {
        if (votes[k] > 0 && votes[k] >= best_w) {
            best_w = votes[k];
            best = k;
        }
    }

    if (best) {
        return best;
    }

    if (!dry) {
        return c;
    }

    if (last && c != NGX_F1_REPLAY_COMPOUND_SOFT
        && laps <= 0.6 * x->life[NGX_F1_REPLAY_COMPOUND_SOFT])
    {
        for (k = 0; k < ncand; k++) {
            if (cand[k] == NGX_F1_REPLAY_COMPOUND_SOFT) {
                return NGX_F1_REPLAY_COMPOUND_SOFT;
            }
        }
    }

    best = 0;

    for (k = 0; k < ncand; k++) {
        if ((cand[k] != c || !need)
            && ngx_f1_replay_compound_dry(cand[k]))
        {
            best = cand[k];
        }
    }

    return best ? best : c;
}


/*
 * Time of n laps on compound c from age age0 + 1: pace, linear
 * degradation, and a quadratic cliff past the compound's life.
 */

static double
ngx_f1_replay_strategy_plan_stint_cost(
    const ngx_f1_replay_strategy_tyres_t *ty, unsigned c, unsigned age0,
    unsigned n)
{
    double  cost, deg, cap, lo, hi;

    deg = ty->deg[c] > 5 ? ty->deg[c] : 5;
    cap = ty->cap[c];

    cost = n * ty->base[c] + deg * (n * (double) age0 + n * (n + 1.0) / 2);

    /* sum of (age - cap)^2 for the ages past cap */

    hi = floor(age0 + n - cap);
    lo = floor(age0 - cap);

    if (hi > 0) {
        if (lo < 0) {
            lo = 0;
        }

        cost += NGX_F1_REPLAY_STRATEGY_CLIFF_MS
                * (hi * (hi + 1) * (2 * hi + 1) - lo * (lo + 1) * (2 * lo + 1))
                / 6;
    }

    return cost;
}
