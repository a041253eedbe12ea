
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "ngx_f1_replay_telemetry.h"
#include "ngx_f1_replay_time.h"


#define NGX_F1_REPLAY_TELEMETRY_MAX_INFLATED  (64 * 1024 * 1024)
#define NGX_F1_REPLAY_TELEMETRY_CARS          128    /* in one entry */
#define NGX_F1_REPLAY_TELEMETRY_DEPTH         16


/* where the parser is */
typedef enum {
    NGX_F1_REPLAY_C_IGNORE = 0,
    NGX_F1_REPLAY_C_ROOT,
    NGX_F1_REPLAY_C_LIST,          /* Entries / Position array */
    NGX_F1_REPLAY_C_ENTRY,         /* one timestamped entry */
    NGX_F1_REPLAY_C_CARS,          /* Cars / Entries map */
    NGX_F1_REPLAY_C_CAR,           /* one car */
    NGX_F1_REPLAY_C_CHANNELS
} ngx_f1_replay_ctx_e;


/* a car's samples before a line added to them: undone if it is bad */
typedef struct {
    unsigned                   number;
    size_t                     n;
    unsigned                   seen:1;
} ngx_f1_replay_undo_t;


/* the SAX parse of one decoded line */
typedef struct {
    int                        position;      /* else car data */
    int                        depth;
    uint8_t                    ctx[NGX_F1_REPLAY_TELEMETRY_DEPTH];
    char                       key[16];
    size_t                     key_len;

    int64_t                    utc;
    int64_t                    last_utc;
    unsigned                   entries;
    unsigned                   ncars;
    unsigned                   number[NGX_F1_REPLAY_TELEMETRY_CARS];
    ngx_f1_replay_car_t        car[NGX_F1_REPLAY_TELEMETRY_CARS];
    ngx_f1_replay_pos_t        pos[NGX_F1_REPLAY_TELEMETRY_CARS];

    ngx_f1_replay_loader_t    *ld;
    ngx_f1_replay_vec_t        undo;          /* ngx_f1_replay_undo_t */
    char                       err[256];
    char                       quoted[4 * 16 + 4];   /* the key */
} ngx_f1_replay_sax_t;


static int ngx_f1_replay_telemetry_null(void *ctx);
static int ngx_f1_replay_telemetry_bool(void *ctx, int b);
static int ngx_f1_replay_telemetry_integer(void *ctx, long long n);
static int ngx_f1_replay_telemetry_double(void *ctx, double d);
static int ngx_f1_replay_telemetry_string(void *ctx, const unsigned char *s,
    size_t len);
static int ngx_f1_replay_telemetry_start_map(void *ctx);
static int ngx_f1_replay_telemetry_key(void *ctx, const unsigned char *s,
    size_t len);
static int ngx_f1_replay_telemetry_end(void *ctx);
static int ngx_f1_replay_telemetry_start_array(void *ctx);
static int ngx_f1_replay_telemetry_open(ngx_f1_replay_sax_t *sx, int map);
static int ngx_f1_replay_telemetry_scalar(ngx_f1_replay_sax_t *sx);
static int ngx_f1_replay_telemetry_commit(ngx_f1_replay_sax_t *sx);
static void ngx_f1_replay_telemetry_undo(ngx_f1_replay_sax_t *sx);
static const char *ngx_f1_replay_telemetry_quote(ngx_f1_replay_sax_t *sx);


static const yajl_callbacks  ngx_f1_replay_telemetry_callbacks = {
    ngx_f1_replay_telemetry_null,
    ngx_f1_replay_telemetry_bool,
    ngx_f1_replay_telemetry_integer,
    ngx_f1_replay_telemetry_double,
    NULL,
    ngx_f1_replay_telemetry_string,
    ngx_f1_replay_telemetry_start_map,
    ngx_f1_replay_telemetry_key,
    ngx_f1_replay_telemetry_end,
    ngx_f1_replay_telemetry_start_array,
    ngx_f1_replay_telemetry_end
};


int
ngx_f1_replay_telemetry_add(ngx_f1_replay_loader_t *ld, uint32_t topic,
    ngx_f1_replay_line_t *line, char *err, size_t errlen)
{
    int                   rc;
    size_t                len;
    int64_t              *off;
    yajl_handle           h;
    yajl_status           st;
    unsigned char        *json, *msg;
    ngx_f1_replay_sax_t  *sx;

    if (ngx_f1_replay_line_decode_z(line->json, line->json_len, &json, &len,
                                    NGX_F1_REPLAY_TELEMETRY_MAX_INFLATED,
                                    err, errlen)
        != 0)
    {
        return NGX_F1_REPLAY_LINE_BAD;
    }

    sx = calloc(1, sizeof(ngx_f1_replay_sax_t));
    if (sx == NULL) {
        free(json);
        snprintf(err, errlen, "out of memory");
        return NGX_F1_REPLAY_LINE_BAD;
    }

    sx->position = (topic == NGX_F1_REPLAY_T_POSITION);
    sx->ld = ld;
    sx->last_utc = INT64_MIN;

    h = yajl_alloc(&ngx_f1_replay_telemetry_callbacks, NULL, sx);
    if (h == NULL) {
        free(sx);
        free(json);
        snprintf(err, errlen, "out of memory");
        return NGX_F1_REPLAY_LINE_BAD;
    }

    /* the few strings used are parsed strictly by their readers */
    yajl_config(h, yajl_dont_validate_strings, 1);

    rc = NGX_F1_REPLAY_LINE_OK;

    st = yajl_parse(h, json, len);
    if (st == yajl_status_ok) {
        st = yajl_complete_parse(h);
    }

    if (st != yajl_status_ok) {
        if (sx->err[0]) {
            snprintf(err, errlen, "%s", sx->err);

        } else {
            msg = yajl_get_error(h, 0, json, len);
            snprintf(err, errlen, "invalid JSON after inflate: %s",
                     msg ? (char *) msg : "parse error");
            if (msg) {
                yajl_free_error(h, msg);
            }

            /* yajl ends its message with a newline */
            err[strcspn(err, "\r\n")] = '\0';
        }

        rc = NGX_F1_REPLAY_LINE_BAD;

    } else if (sx->entries == 0) {
        snprintf(err, errlen, "no entries in %s line",
                 sx->position ? "Position" : "CarData");
        rc = NGX_F1_REPLAY_LINE_BAD;

    } else if (!sx->position) {
        off = ngx_f1_replay_loader_push(&ld->utc_offsets, sizeof(int64_t));
        if (off == NULL) {
            snprintf(err, errlen, "out of memory");
            rc = NGX_F1_REPLAY_LINE_BAD;

        } else {
            *off = sx->last_utc - line->time_ms;
        }
    }

    /* a line bad after some entries: their samples go too */

    if (rc != NGX_F1_REPLAY_LINE_OK) {
        ngx_f1_replay_telemetry_undo(sx);
    }

    yajl_free(h);
    ngx_f1_replay_loader_free(&sx->undo);
    free(sx);
    free(json);

    return rc;
}


static int
ngx_f1_replay_telemetry_open(ngx_f1_replay_sax_t *sx, int map)
{
    uint8_t  top, next;

    if (sx->depth == NGX_F1_REPLAY_TELEMETRY_DEPTH) {
        snprintf(sx->err, sizeof(sx->err), "nesting too deep");
        return 0;
    }

    next = NGX_F1_REPLAY_C_IGNORE;

    if (sx->depth == 0) {
        next = map ? NGX_F1_REPLAY_C_ROOT : NGX_F1_REPLAY_C_IGNORE;

    } else {
        top = sx->ctx[sx->depth - 1];

        switch (top) {

        case NGX_F1_REPLAY_C_ROOT:
            if (!map
                && ((!sx->position && strcmp(sx->key, "Entries") == 0)
                    || (sx->position && strcmp(sx->key, "Position") == 0)))
            {
                next = NGX_F1_REPLAY_C_LIST;
            }
            break;

        case NGX_F1_REPLAY_C_LIST:
            if (map) {
                next = NGX_F1_REPLAY_C_ENTRY;
                sx->utc = INT64_MIN;
                sx->ncars = 0;
            }
            break;

        case NGX_F1_REPLAY_C_ENTRY:
            if (map
                && ((!sx->position && strcmp(sx->key, "Cars") == 0)
                    || (sx->position && strcmp(sx->key, "Entries") == 0)))
            {
                next = NGX_F1_REPLAY_C_CARS;
            }
            break;

        case NGX_F1_REPLAY_C_CARS:
            if (!map) {
                snprintf(sx->err, sizeof(sx->err), "car \"%s\" is not an "
                         "object", ngx_f1_replay_telemetry_quote(sx));
                return 0;
            }

            if (sx->ncars == NGX_F1_REPLAY_TELEMETRY_CARS) {
                snprintf(sx->err, sizeof(sx->err), "too many cars in one "
                         "entry");
                return 0;
            }

            sx->number[sx->ncars] = ngx_f1_replay_loader_car_number(sx->key);
            if (sx->number[sx->ncars] == 0) {
                snprintf(sx->err, sizeof(sx->err), "bad car number \"%s\"",
                         ngx_f1_replay_telemetry_quote(sx));
                return 0;
            }

            memset(&sx->car[sx->ncars], 0, sizeof(ngx_f1_replay_car_t));
            memset(&sx->pos[sx->ncars], 0, sizeof(ngx_f1_replay_pos_t));
            sx->car[sx->ncars].throttle = NGX_F1_REPLAY_NO_VALUE;
            sx->car[sx->ncars].brake = NGX_F1_REPLAY_NO_VALUE;
            sx->ncars++;

            next = NGX_F1_REPLAY_C_CAR;
            break;

        case NGX_F1_REPLAY_C_CAR:
            if (map && !sx->position && strcmp(sx->key, "Channels") == 0) {
                next = NGX_F1_REPLAY_C_CHANNELS;
            }
            break;

        default:
            break;
        }
    }

    sx->ctx[sx->depth++] = next;
    sx->key[0] = '\0';

    return 1;
}


static int
ngx_f1_replay_telemetry_start_map(void *ctx)
{
    return ngx_f1_replay_telemetry_open(ctx, 1);
}


static int
ngx_f1_replay_telemetry_start_array(void *ctx)
{
    return ngx_f1_replay_telemetry_open(ctx, 0);
}


static int
ngx_f1_replay_telemetry_key(void *ctx, const unsigned char *s, size_t len)
{
    ngx_f1_replay_sax_t  *sx = ctx;

    if (len >= sizeof(sx->key)) {
        len = sizeof(sx->key) - 1;
    }

    memcpy(sx->key, s, len);
    sx->key[len] = '\0';
    sx->key_len = len;

    return 1;
}


static int
ngx_f1_replay_telemetry_end(void *ctx)
{
    ngx_f1_replay_sax_t  *sx = ctx;

    sx->depth--;

    if (sx->ctx[sx->depth] == NGX_F1_REPLAY_C_ENTRY) {
        return ngx_f1_replay_telemetry_commit(sx);
    }

    return 1;
}


static int
ngx_f1_replay_telemetry_commit(ngx_f1_replay_sax_t *sx)
{
    unsigned                  i;
    ngx_f1_replay_undo_t     *u;
    ngx_f1_replay_car_acc_t  *acc;
    ngx_f1_replay_raw_car_t  *rc;
    ngx_f1_replay_raw_pos_t  *rp;

    if (sx->utc == INT64_MIN) {
        snprintf(sx->err, sizeof(sx->err), "entry without %s",
                 sx->position ? "\"Timestamp\"" : "\"Utc\"");
        return 0;
    }

    for (i = 0; i < sx->ncars; i++) {
        acc = &sx->ld->cars[sx->number[i]];

        u = ngx_f1_replay_loader_push(&sx->undo,
                                      sizeof(ngx_f1_replay_undo_t));
        if (u == NULL) {
            goto nomem;
        }

        u->number = sx->number[i];
        u->n = sx->position ? acc->pos.n : acc->car.n;
        u->seen = acc->seen;

        acc->seen = 1;

        if (sx->position) {
            rp = ngx_f1_replay_loader_push(&acc->pos,
                                        sizeof(ngx_f1_replay_raw_pos_t));
            if (rp == NULL) {
                goto nomem;
            }

            rp->utc = sx->utc;
            rp->s = sx->pos[i];

            if (rp->s.x == 0 && rp->s.y == 0 && rp->s.z == 0) {
                rp->s.status = NGX_F1_REPLAY_POS_NO_FIX;
            }

        } else {
            rc = ngx_f1_replay_loader_push(&acc->car,
                                        sizeof(ngx_f1_replay_raw_car_t));
            if (rc == NULL) {
                goto nomem;
            }

            rc->utc = sx->utc;
            rc->s = sx->car[i];
        }
    }

    if (sx->utc > sx->last_utc) {
        sx->last_utc = sx->utc;
    }

    sx->entries++;

    return 1;

nomem:

    snprintf(sx->err, sizeof(sx->err), "out of memory");
    return 0;
}


static int
ngx_f1_replay_telemetry_scalar(ngx_f1_replay_sax_t *sx)
{
    uint8_t  top;

    top = sx->depth ? sx->ctx[sx->depth - 1] : NGX_F1_REPLAY_C_IGNORE;

    if (top == NGX_F1_REPLAY_C_ENTRY
        && strcmp(sx->key, sx->position ? "Timestamp" : "Utc") == 0)
    {
        snprintf(sx->err, sizeof(sx->err), "\"%s\" is not a string",
                 ngx_f1_replay_telemetry_quote(sx));
        return 0;
    }

    if ((top == NGX_F1_REPLAY_C_CHANNELS)
        || (top == NGX_F1_REPLAY_C_CAR && sx->position
            && sx->key_len == 1 && strchr("XYZ", sx->key[0])))
    {
        snprintf(sx->err, sizeof(sx->err), "\"%s\" is not an integer",
                 ngx_f1_replay_telemetry_quote(sx));
        return 0;
    }

    if (top == NGX_F1_REPLAY_C_ROOT || top == NGX_F1_REPLAY_C_ENTRY) {
        if (strcmp(sx->key, sx->position ? "Position" : "Entries") == 0
            || strcmp(sx->key, sx->position ? "Entries" : "Cars") == 0)
        {
            snprintf(sx->err, sizeof(sx->err), "\"%s\" has the wrong type",
                     ngx_f1_replay_telemetry_quote(sx));
            return 0;
        }
    }

    return 1;
}


static int
ngx_f1_replay_telemetry_null(void *ctx)
{
    return ngx_f1_replay_telemetry_scalar(ctx);
}


static int
ngx_f1_replay_telemetry_bool(void *ctx, int b)
{
    return ngx_f1_replay_telemetry_scalar(ctx);
}


static int
ngx_f1_replay_telemetry_double(void *ctx, double d)
{
    return ngx_f1_replay_telemetry_scalar(ctx);
}


static int
ngx_f1_replay_telemetry_integer(void *ctx, long long n)
{
    ngx_f1_replay_sax_t  *sx = ctx;

    int                   ch;
    uint8_t               top;
    ngx_f1_replay_car_t  *c;
    ngx_f1_replay_pos_t  *p;

    top = sx->depth ? sx->ctx[sx->depth - 1] : NGX_F1_REPLAY_C_IGNORE;

    if (top == NGX_F1_REPLAY_C_CHANNELS) {
        c = &sx->car[sx->ncars - 1];

        if (n < 0 || n > 65535) {
            snprintf(sx->err, sizeof(sx->err),
                     "channel \"%s\" out of range: %lld",
                     ngx_f1_replay_telemetry_quote(sx), n);
            return 0;
        }

        /* the channels used, by their exact keys ("03" is none) */

        ch = (sx->key_len == 1 || (sx->key_len == 2 && sx->key[0] != '0'))
             && strspn(sx->key, "0123456789") == sx->key_len
             ? atoi(sx->key) : -1;

        if ((ch == 3 || ch == 4 || ch == 5 || ch == 45) && n > 255) {
            snprintf(sx->err, sizeof(sx->err),
                     "channel \"%s\" out of range: %lld",
                     ngx_f1_replay_telemetry_quote(sx), n);
            return 0;
        }

        switch (ch) {

        case 0:
            c->rpm = (uint16_t) n;
            break;

        case 2:
            c->speed = (uint16_t) n;
            break;

        case 3:
            c->gear = (uint8_t) n;
            break;

        case 4:
            c->throttle = (n == 104) ? NGX_F1_REPLAY_NO_VALUE : (uint8_t) n;
            break;

        case 5:
            c->brake = (n == 104) ? NGX_F1_REPLAY_NO_VALUE : (uint8_t) n;
            break;

        case 45:
            c->drs = (uint8_t) n;
            break;

        default:
            break;
        }

        return 1;
    }

    if (top == NGX_F1_REPLAY_C_CAR && sx->position && sx->key_len == 1) {
        p = &sx->pos[sx->ncars - 1];

        if (n < INT32_MIN || n > INT32_MAX) {
            snprintf(sx->err, sizeof(sx->err), "\"%s\" out of range",
                     ngx_f1_replay_telemetry_quote(sx));
            return 0;
        }

        switch (sx->key[0]) {
        case 'X':
            p->x = (int32_t) n;
            break;
        case 'Y':
            p->y = (int32_t) n;
            break;
        case 'Z':
            p->z = (int32_t) n;
            break;
        default:
            break;
        }

        return 1;
    }

    return ngx_f1_replay_telemetry_scalar(sx);
}


static int
ngx_f1_replay_telemetry_string(void *ctx, const unsigned char *s, size_t len)
{
    ngx_f1_replay_sax_t  *sx = ctx;

    char     buf[NGX_F1_REPLAY_LINE_ESCAPE_BUF];
    uint8_t  top;

    top = sx->depth ? sx->ctx[sx->depth - 1] : NGX_F1_REPLAY_C_IGNORE;

    if (top == NGX_F1_REPLAY_C_ENTRY
        && strcmp(sx->key, sx->position ? "Timestamp" : "Utc") == 0)
    {
        if (ngx_f1_replay_time_parse_utc((const char *) s, len, &sx->utc)
            != 0)
        {
            snprintf(sx->err, sizeof(sx->err), "bad %s \"%s\"", sx->key,
                     ngx_f1_replay_line_escape(s, len, buf));
            return 0;
        }

        return 1;
    }

    if (top == NGX_F1_REPLAY_C_CAR && sx->position
        && strcmp(sx->key, "Status") == 0)
    {
        sx->pos[sx->ncars - 1].status = (len == 8
                                         && memcmp(s, "OffTrack", 8) == 0)
                                        ? NGX_F1_REPLAY_POS_OFF_TRACK
                                        : NGX_F1_REPLAY_POS_ON_TRACK;
        return 1;
    }

    return ngx_f1_replay_telemetry_scalar(sx);
}


/*
 * The samples of the entries committed before the line turned out bad
 * are taken back, latest first, and the cars they made seen unseen
 */

static void
ngx_f1_replay_telemetry_undo(ngx_f1_replay_sax_t *sx)
{
    size_t                    i;
    ngx_f1_replay_undo_t     *u;
    ngx_f1_replay_car_acc_t  *acc;

    u = sx->undo.items;

    for (i = sx->undo.n; i-- > 0; /* void */) {
        acc = &sx->ld->cars[u[i].number];

        if (sx->position) {
            acc->pos.n = u[i].n;

        } else {
            acc->car.n = u[i].n;
        }

        acc->seen = u[i].seen;
    }
}


/* the current key, as it may go into a message */

static const char *
ngx_f1_replay_telemetry_quote(ngx_f1_replay_sax_t *sx)
{
    return ngx_f1_replay_line_escape((const unsigned char *) sx->key,
                                     sx->key_len, sx->quoted);
}
