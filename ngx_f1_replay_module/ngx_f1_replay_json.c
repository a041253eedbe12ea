
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <yajl/yajl_parse.h>

#include "ngx_f1_replay_json.h"


/* containers nested deeper than this are rejected while parsing */
#define NGX_F1_REPLAY_JSON_MAX_DEPTH    64

/* array indexes in patches above this are not indexes (no huge padding) */
#define NGX_F1_REPLAY_JSON_MAX_INDEX    65535

/* integers with at most this many digits are converted without strtod */
#define NGX_F1_REPLAY_JSON_FAST_DIGITS  15

/* the number token of the rare long numbers is copied to the heap */
#define NGX_F1_REPLAY_JSON_NUMBER_BUF   64

/* members of open containers held without a heap allocation */
#define NGX_F1_REPLAY_JSON_STACK        64


typedef struct {
    char                          *key;      /* NULL in arrays, at the top */
    ngx_f1_replay_json_t          *value;
} ngx_f1_replay_json_member_t;


typedef struct {
    ngx_f1_replay_json_t          *value;
    size_t                         first;    /* its first member */
} ngx_f1_replay_json_open_t;


/*
 * The members of the open containers wait on a stack and move into an
 * exactly sized array when their container ends: no realloc per member.
 * The stack starts in "members" and moves to the heap if it grows.
 */

typedef struct {
    ngx_f1_replay_json_member_t   *members;
    size_t                         nmembers;
    size_t                         nalloc;
    ngx_f1_replay_json_open_t      open[NGX_F1_REPLAY_JSON_MAX_DEPTH];
    size_t                         depth;
    char                          *key;      /* the pending object key */
    const char                    *error;    /* why a callback failed */
    ngx_f1_replay_json_member_t    stack[NGX_F1_REPLAY_JSON_STACK];
} ngx_f1_replay_json_ctx_t;


static ngx_f1_replay_json_t *ngx_f1_replay_json_new(
    ngx_f1_replay_json_ctx_t *ctx, ngx_f1_replay_json_type_e type);
static int ngx_f1_replay_json_add(ngx_f1_replay_json_ctx_t *ctx,
    ngx_f1_replay_json_t *v);
static int ngx_f1_replay_json_push(ngx_f1_replay_json_ctx_t *ctx,
    ngx_f1_replay_json_type_e type);
static int ngx_f1_replay_json_on_null(void *data);
static int ngx_f1_replay_json_on_boolean(void *data, int b);
static int ngx_f1_replay_json_on_number(void *data, const char *s,
    size_t len);
static int ngx_f1_replay_json_on_string(void *data, const unsigned char *s,
    size_t len);
static int ngx_f1_replay_json_on_start_map(void *data);
static int ngx_f1_replay_json_on_map_key(void *data, const unsigned char *s,
    size_t len);
static int ngx_f1_replay_json_on_end(void *data);
static int ngx_f1_replay_json_on_start_array(void *data);
static void ngx_f1_replay_json_error(yajl_handle h,
    ngx_f1_replay_json_ctx_t *ctx, size_t offset, char *err, size_t errlen);
static int ngx_f1_replay_json_grow(ngx_f1_replay_json_t *v, int with_keys);
static int ngx_f1_replay_json_index(const char *key, size_t *index);
static int ngx_f1_replay_json_is_index_patch(const ngx_f1_replay_json_t *v);
static int ngx_f1_replay_json_patch_object(ngx_f1_replay_json_t *state,
    ngx_f1_replay_json_t *patch);
static int ngx_f1_replay_json_patch_array(ngx_f1_replay_json_t *state,
    ngx_f1_replay_json_t *patch);
static int ngx_f1_replay_json_is_number(const char *s);


static const yajl_callbacks  ngx_f1_replay_json_callbacks = {
    ngx_f1_replay_json_on_null,
    ngx_f1_replay_json_on_boolean,
    NULL,
    NULL,
    ngx_f1_replay_json_on_number,
    ngx_f1_replay_json_on_string,
    ngx_f1_replay_json_on_start_map,
    ngx_f1_replay_json_on_map_key,
    ngx_f1_replay_json_on_end,
    ngx_f1_replay_json_on_start_array,
    ngx_f1_replay_json_on_end
};


ngx_f1_replay_json_t *
ngx_f1_replay_json_parse(const unsigned char *buf, size_t len, char *err,
    size_t errlen)
{
    size_t                     i, offset;
    yajl_handle                h;
    yajl_status                rc;
    ngx_f1_replay_json_t      *root;
    ngx_f1_replay_json_ctx_t   ctx;

    ctx.members = ctx.stack;
    ctx.nmembers = 0;
    ctx.nalloc = NGX_F1_REPLAY_JSON_STACK;
    ctx.depth = 0;
    ctx.key = NULL;
    ctx.error = NULL;

    h = yajl_alloc(&ngx_f1_replay_json_callbacks, NULL, &ctx);
    if (h == NULL) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }

    rc = yajl_parse(h, buf, len);
    offset = yajl_get_bytes_consumed(h);

    if (rc == yajl_status_ok) {
        rc = yajl_complete_parse(h);
        offset = len;
    }

    if (rc == yajl_status_ok) {
        /* the one member left is the value */
        root = ctx.members[0].value;

    } else {
        ngx_f1_replay_json_error(h, &ctx, offset, err, errlen);

        /* the open containers are empty: their members are all here */

        for (i = 0; i < ctx.nmembers; i++) {
            free(ctx.members[i].key);
            ngx_f1_replay_json_free(ctx.members[i].value);
        }

        free(ctx.key);
        root = NULL;
    }

    yajl_free(h);

    if (ctx.members != ctx.stack) {
        free(ctx.members);
    }

    return root;
}


static void
ngx_f1_replay_json_error(yajl_handle h, ngx_f1_replay_json_ctx_t *ctx,
    size_t offset, char *err, size_t errlen)
{
    char           *p;
    unsigned char  *msg;

    if (errlen == 0) {
        return;
    }

    if (ctx->error != NULL) {
        snprintf(err, errlen, "%s near byte %zu", ctx->error, offset);
        return;
    }

    msg = yajl_get_error(h, 0, NULL, 0);
    if (msg == NULL) {
        snprintf(err, errlen, "invalid JSON near byte %zu", offset);
        return;
    }

    /* "lexical error: invalid char in json text.\n": first line, no dot */

    p = (char *) msg;

    while (*p != '\0' && *p != '\n' && *p != '\r') {
        p++;
    }

    while (p > (char *) msg && (p[-1] == '.' || p[-1] == ' ')) {
        p--;
    }

    *p = '\0';

    snprintf(err, errlen, "%s near byte %zu", (char *) msg, offset);

    yajl_free_error(h, msg);
}


void
ngx_f1_replay_json_free(ngx_f1_replay_json_t *v)
{
    size_t  i;

    if (v == NULL) {
        return;
    }

    for (i = 0; i < v->nitems; i++) {
        if (v->keys != NULL) {
            free(v->keys[i]);
        }

        ngx_f1_replay_json_free(v->items[i]);
    }

    free(v->keys);
    free(v->items);
    free(v->str);
    free(v);
}


static ngx_f1_replay_json_t *
ngx_f1_replay_json_new(ngx_f1_replay_json_ctx_t *ctx,
    ngx_f1_replay_json_type_e type)
{
    ngx_f1_replay_json_t  *v;

    v = calloc(1, sizeof(ngx_f1_replay_json_t));
    if (v == NULL) {
        ctx->error = "out of memory";
        return NULL;
    }

    v->type = type;

    return v;
}


static int
ngx_f1_replay_json_add(ngx_f1_replay_json_ctx_t *ctx,
    ngx_f1_replay_json_t *v)
{
    size_t                        n;
    ngx_f1_replay_json_member_t  *m;

    if (ctx->nmembers == ctx->nalloc) {
        n = ctx->nalloc * 2;

        if (ctx->members == ctx->stack) {
            m = malloc(n * sizeof(ngx_f1_replay_json_member_t));
            if (m != NULL) {
                memcpy(m, ctx->stack, sizeof(ctx->stack));
            }

        } else {
            m = realloc(ctx->members, n * sizeof(ngx_f1_replay_json_member_t));
        }

        if (m == NULL) {
            ctx->error = "out of memory";
            ngx_f1_replay_json_free(v);
            return 0;
        }

        ctx->members = m;
        ctx->nalloc = n;
    }

    m = &ctx->members[ctx->nmembers++];

    m->key = ctx->key;
    m->value = v;
    ctx->key = NULL;

    return 1;
}


static int
ngx_f1_replay_json_push(ngx_f1_replay_json_ctx_t *ctx,
    ngx_f1_replay_json_type_e type)
{
    ngx_f1_replay_json_t  *v;

    if (ctx->depth == NGX_F1_REPLAY_JSON_MAX_DEPTH) {
        ctx->error = "nesting deeper than 64 levels";
        return 0;
    }

    v = ngx_f1_replay_json_new(ctx, type);
    if (v == NULL) {
        return 0;
    }

    if (!ngx_f1_replay_json_add(ctx, v)) {
        return 0;
    }

    ctx->open[ctx->depth].value = v;
    ctx->open[ctx->depth].first = ctx->nmembers;
    ctx->depth++;

    return 1;
}


static int
ngx_f1_replay_json_on_null(void *data)
{
    ngx_f1_replay_json_t  *v;

    v = ngx_f1_replay_json_new(data, NGX_F1_REPLAY_JSON_NULL);
    if (v == NULL) {
        return 0;
    }

    return ngx_f1_replay_json_add(data, v);
}


static int
ngx_f1_replay_json_on_boolean(void *data, int b)
{
    ngx_f1_replay_json_t  *v;

    v = ngx_f1_replay_json_new(data, b ? NGX_F1_REPLAY_JSON_TRUE
                                       : NGX_F1_REPLAY_JSON_FALSE);
    if (v == NULL) {
        return 0;
    }

    return ngx_f1_replay_json_add(data, v);
}


static int
ngx_f1_replay_json_on_number(void *data, const char *s, size_t len)
{
    char                      *p, buf[NGX_F1_REPLAY_JSON_NUMBER_BUF];
    size_t                     i, neg;
    double                     d;
    ngx_f1_replay_json_t      *v;
    ngx_f1_replay_json_ctx_t  *ctx;

    ctx = data;

    /* yajl has checked the grammar; most numbers are short integers */

    neg = (len > 0 && s[0] == '-');
    d = 0;

    for (i = neg; i < len && i - neg < NGX_F1_REPLAY_JSON_FAST_DIGITS; i++) {
        if (s[i] < '0' || s[i] > '9') {
            break;
        }

        d = d * 10 + (s[i] - '0');
    }

    if (i == len && len > neg) {
        d = neg ? -d : d;

    } else {
        if (len < NGX_F1_REPLAY_JSON_NUMBER_BUF) {
            p = buf;

        } else {
            p = malloc(len + 1);
            if (p == NULL) {
                ctx->error = "out of memory";
                return 0;
            }
        }

        memcpy(p, s, len);
        p[len] = '\0';

        d = strtod(p, NULL);

        if (p != buf) {
            free(p);
        }

        if (isinf(d)) {
            ctx->error = "number out of range";
            return 0;
        }
    }

    v = ngx_f1_replay_json_new(ctx, NGX_F1_REPLAY_JSON_NUMBER);
    if (v == NULL) {
        return 0;
    }

    v->number = d;

    return ngx_f1_replay_json_add(ctx, v);
}


static int
ngx_f1_replay_json_on_string(void *data, const unsigned char *s, size_t len)
{
    ngx_f1_replay_json_t      *v;
    ngx_f1_replay_json_ctx_t  *ctx;

    ctx = data;

    v = ngx_f1_replay_json_new(ctx, NGX_F1_REPLAY_JSON_STRING);
    if (v == NULL) {
        return 0;
    }

    v->str = malloc(len + 1);
    if (v->str == NULL) {
        ctx->error = "out of memory";
        free(v);
        return 0;
    }

    memcpy(v->str, s, len);
    v->str[len] = '\0';
    v->len = len;

    return ngx_f1_replay_json_add(ctx, v);
}


static int
ngx_f1_replay_json_on_start_map(void *data)
{
    return ngx_f1_replay_json_push(data, NGX_F1_REPLAY_JSON_OBJECT);
}


static int
ngx_f1_replay_json_on_map_key(void *data, const unsigned char *s, size_t len)
{
    ngx_f1_replay_json_ctx_t  *ctx;

    ctx = data;

    /* yajl calls back with a value after each key: none is pending here */

    ctx->key = malloc(len + 1);
    if (ctx->key == NULL) {
        ctx->error = "out of memory";
        return 0;
    }

    memcpy(ctx->key, s, len);
    ctx->key[len] = '\0';

    return 1;
}


static int
ngx_f1_replay_json_on_end(void *data)
{
    size_t                        i, n;
    ngx_f1_replay_json_t         *v;
    ngx_f1_replay_json_member_t  *m;
    ngx_f1_replay_json_ctx_t     *ctx;

    ctx = data;

    ctx->depth--;

    v = ctx->open[ctx->depth].value;
    m = &ctx->members[ctx->open[ctx->depth].first];
    n = ctx->nmembers - ctx->open[ctx->depth].first;

    if (n == 0) {
        return 1;
    }

    v->items = malloc(n * sizeof(ngx_f1_replay_json_t *));
    if (v->items == NULL) {
        ctx->error = "out of memory";
        return 0;
    }

    if (v->type == NGX_F1_REPLAY_JSON_OBJECT) {
        v->keys = malloc(n * sizeof(char *));
        if (v->keys == NULL) {
            ctx->error = "out of memory";
            return 0;
        }

        for (i = 0; i < n; i++) {
            v->keys[i] = m[i].key;
        }
    }

    for (i = 0; i < n; i++) {
        v->items[i] = m[i].value;
    }

    v->nitems = n;
    v->nalloc = n;

    ctx->nmembers -= n;

    return 1;
}


static int
ngx_f1_replay_json_on_start_array(void *data)
{
    return ngx_f1_replay_json_push(data, NGX_F1_REPLAY_JSON_ARRAY);
}


int
ngx_f1_replay_json_patch(ngx_f1_replay_json_t **state,
    ngx_f1_replay_json_t *patch)
{
    ngx_f1_replay_json_t  *old;

    if (patch == NULL) {
        return 0;
    }

    old = *state;

    if (old != NULL && patch->type == NGX_F1_REPLAY_JSON_OBJECT) {

        if (old->type == NGX_F1_REPLAY_JSON_OBJECT) {
            return ngx_f1_replay_json_patch_object(old, patch);
        }

        if (old->type == NGX_F1_REPLAY_JSON_ARRAY
            && ngx_f1_replay_json_is_index_patch(patch))
        {
            return ngx_f1_replay_json_patch_array(old, patch);
        }
    }

    *state = patch;
    ngx_f1_replay_json_free(old);

    return 0;
}


/*
 * Merges each member of patch into state in order; members already moved
 * are NULL in patch, so that freeing it after a failure frees the rest.
 */

static int
ngx_f1_replay_json_patch_object(ngx_f1_replay_json_t *state,
    ngx_f1_replay_json_t *patch)
{
    int                    rc;
    size_t                 i, j;
    ngx_f1_replay_json_t  *v;

    rc = 0;

    for (i = 0; i < patch->nitems; i++) {
        v = patch->items[i];
        patch->items[i] = NULL;

        /* the last of duplicate keys is the one that counts, as in get() */

        for (j = state->nitems; j > 0; j--) {
            if (strcmp(state->keys[j - 1], patch->keys[i]) == 0) {
                break;
            }
        }

        if (j > 0) {
            if (ngx_f1_replay_json_patch(&state->items[j - 1], v) != 0) {
                rc = -1;
                break;
            }

            continue;
        }

        if (ngx_f1_replay_json_grow(state, 1) != 0) {
            ngx_f1_replay_json_free(v);
            rc = -1;
            break;
        }

        state->keys[state->nitems] = patch->keys[i];
        state->items[state->nitems++] = v;
        patch->keys[i] = NULL;
    }

    ngx_f1_replay_json_free(patch);

    return rc;
}


static int
ngx_f1_replay_json_patch_array(ngx_f1_replay_json_t *state,
    ngx_f1_replay_json_t *patch)
{
    int                    rc;
    size_t                 i, index;
    ngx_f1_replay_json_t  *v, *pad;

    rc = 0;

    for (i = 0; i < patch->nitems; i++) {
        v = patch->items[i];
        patch->items[i] = NULL;

        (void) ngx_f1_replay_json_index(patch->keys[i], &index);

        while (state->nitems <= index) {
            if (state->nitems == index) {
                pad = v;
                v = NULL;

            } else {
                /* calloc() makes a NGX_F1_REPLAY_JSON_NULL */
                pad = calloc(1, sizeof(ngx_f1_replay_json_t));
            }

            if (pad == NULL || ngx_f1_replay_json_grow(state, 0) != 0) {
                ngx_f1_replay_json_free(pad);
                ngx_f1_replay_json_free(v);
                rc = -1;
                break;
            }

            state->items[state->nitems++] = pad;
        }

        if (rc != 0) {
            break;
        }

        if (v != NULL
            && ngx_f1_replay_json_patch(&state->items[index], v) != 0)
        {
            rc = -1;
            break;
        }
    }

    ngx_f1_replay_json_free(patch);

    return rc;
}


/* makes room for one more item (and key, for objects) */

static int
ngx_f1_replay_json_grow(ngx_f1_replay_json_t *v, int with_keys)
{
    size_t                  n;
    char                  **keys;
    ngx_f1_replay_json_t  **items;

    if (v->nitems < v->nalloc) {
        return 0;
    }

    n = v->nalloc ? v->nalloc * 2 : 4;

    if (n > ((size_t) -1) / sizeof(void *)) {
        return -1;
    }

    items = realloc(v->items, n * sizeof(ngx_f1_replay_json_t *));
    if (items == NULL) {
        return -1;
    }

    v->items = items;

    if (with_keys) {
        keys = realloc(v->keys, n * sizeof(char *));
        if (keys == NULL) {
            return -1;
        }

        v->keys = keys;
    }

    v->nalloc = n;

    return 0;
}


/* "0", "17": a decimal index without leading zeros, up to MAX_INDEX */

static int
ngx_f1_replay_json_index(const char *key, size_t *index)
{
    size_t  n;

    if (key[0] == '\0' || (key[0] == '0' && key[1] != '\0')) {
        return -1;
    }

    n = 0;

    for ( /* void */ ; *key; key++) {
        if (*key < '0' || *key > '9') {
            return -1;
        }

        n = n * 10 + (*key - '0');

        if (n > NGX_F1_REPLAY_JSON_MAX_INDEX) {
            return -1;
        }
    }

    *index = n;

    return 0;
}


static int
ngx_f1_replay_json_is_index_patch(const ngx_f1_replay_json_t *v)
{
    size_t  i, index;

    for (i = 0; i < v->nitems; i++) {
        if (ngx_f1_replay_json_index(v->keys[i], &index) != 0) {
            return 0;
        }
    }

    return 1;
}


ngx_f1_replay_json_t *
ngx_f1_replay_json_get(const ngx_f1_replay_json_t *v, const char *key)
{
    size_t  i;

    if (v == NULL || v->type != NGX_F1_REPLAY_JSON_OBJECT) {
        return NULL;
    }

    /* the last of duplicate keys wins, as a patch would have it */

    for (i = v->nitems; i > 0; i--) {
        if (strcmp(v->keys[i - 1], key) == 0) {
            return v->items[i - 1];
        }
    }

    return NULL;
}


ngx_f1_replay_json_t *
ngx_f1_replay_json_get_path(const ngx_f1_replay_json_t *v, ...)
{
    va_list      args;
    const char  *key;

    va_start(args, v);

    for ( ;; ) {
        key = va_arg(args, const char *);
        if (key == NULL || v == NULL) {
            break;
        }

        v = ngx_f1_replay_json_get(v, key);
    }

    va_end(args);

    return (ngx_f1_replay_json_t *) v;
}


int
ngx_f1_replay_json_number(const ngx_f1_replay_json_t *v, double *out)
{
    double  d;

    if (v == NULL) {
        return -1;
    }

    if (v->type == NGX_F1_REPLAY_JSON_NUMBER) {
        *out = v->number;
        return 0;
    }

    if (v->type != NGX_F1_REPLAY_JSON_STRING
        || v->len != strlen(v->str)
        || !ngx_f1_replay_json_is_number(v->str))
    {
        return -1;
    }

    d = strtod(v->str, NULL);

    if (isinf(d)) {
        return -1;
    }

    *out = d;

    return 0;
}


/* [+-]digits[.digits][(e|E)[+-]digits], with a digit before or after "." */

static int
ngx_f1_replay_json_is_number(const char *s)
{
    size_t  digits;

    if (*s == '+' || *s == '-') {
        s++;
    }

    for (digits = 0; *s >= '0' && *s <= '9'; s++) {
        digits++;
    }

    if (*s == '.') {
        for (s++; *s >= '0' && *s <= '9'; s++) {
            digits++;
        }
    }

    if (digits == 0) {
        return 0;
    }

    if (*s == 'e' || *s == 'E') {
        s++;

        if (*s == '+' || *s == '-') {
            s++;
        }

        if (*s < '0' || *s > '9') {
            return 0;
        }

        while (*s >= '0' && *s <= '9') {
            s++;
        }
    }

    return *s == '\0';
}


int
ngx_f1_replay_json_bool(const ngx_f1_replay_json_t *v, int *out)
{
    if (v == NULL) {
        return -1;
    }

    switch (v->type) {

    case NGX_F1_REPLAY_JSON_TRUE:
        *out = 1;
        return 0;

    case NGX_F1_REPLAY_JSON_FALSE:
        *out = 0;
        return 0;

    case NGX_F1_REPLAY_JSON_STRING:

        if (strcmp(v->str, "true") == 0 && v->len == 4) {
            *out = 1;
            return 0;
        }

        if (strcmp(v->str, "false") == 0 && v->len == 5) {
            *out = 0;
            return 0;
        }

        return -1;

    default:
        return -1;
    }
}


const char *
ngx_f1_replay_json_string(const ngx_f1_replay_json_t *v)
{
    if (v == NULL || v->type != NGX_F1_REPLAY_JSON_STRING) {
        return NULL;
    }

    return v->str;
}


int
ngx_f1_replay_json_is(const ngx_f1_replay_json_t *v, const char *s)
{
    size_t  len;

    if (v == NULL || v->type != NGX_F1_REPLAY_JSON_STRING) {
        return 0;
    }

    len = strlen(s);

    return v->len == len && memcmp(v->str, s, len) == 0;
}


int
ngx_f1_replay_json_gen(const ngx_f1_replay_json_t *v, yajl_gen g)
{
    int                   n;
    char                  buf[32];
    size_t                i;
    yajl_gen_status       st;
    const unsigned char  *k;

    switch (v->type) {

    case NGX_F1_REPLAY_JSON_NULL:
        st = yajl_gen_null(g);
        break;

    case NGX_F1_REPLAY_JSON_FALSE:
    case NGX_F1_REPLAY_JSON_TRUE:
        st = yajl_gen_bool(g, v->type == NGX_F1_REPLAY_JSON_TRUE);
        break;

    case NGX_F1_REPLAY_JSON_NUMBER:

        /* the shortest text that reads back as the same double */

        n = snprintf(buf, sizeof(buf), "%.15g", v->number);
        if (strtod(buf, NULL) != v->number) {
            n = snprintf(buf, sizeof(buf), "%.17g", v->number);
        }

        st = yajl_gen_number(g, buf, (size_t) n);
        break;

    case NGX_F1_REPLAY_JSON_STRING:
        st = yajl_gen_string(g, (const unsigned char *) v->str, v->len);
        break;

    case NGX_F1_REPLAY_JSON_OBJECT:
        st = yajl_gen_map_open(g);

        for (i = 0; st == yajl_gen_status_ok && i < v->nitems; i++) {
            k = (const unsigned char *) v->keys[i];
            st = yajl_gen_string(g, k, strlen(v->keys[i]));

            if (st == yajl_gen_status_ok
                && ngx_f1_replay_json_gen(v->items[i], g) != 0)
            {
                return -1;
            }
        }

        if (st == yajl_gen_status_ok) {
            st = yajl_gen_map_close(g);
        }
        break;

    default: /* NGX_F1_REPLAY_JSON_ARRAY */
        st = yajl_gen_array_open(g);

        for (i = 0; st == yajl_gen_status_ok && i < v->nitems; i++) {
            if (ngx_f1_replay_json_gen(v->items[i], g) != 0) {
                return -1;
            }
        }

        if (st == yajl_gen_status_ok) {
            st = yajl_gen_array_close(g);
        }
        break;
    }

    return st == yajl_gen_status_ok ? 0 : -1;
}
