
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_f1_replay_json.h"


/*
 * The input is "<state>\n<patch>": the state is parsed from the bytes
 * before the first newline and the patch, parsed twice, from the bytes
 * after it, so that the second copy merges into what the first one made;
 * the whole input is parsed and patched in too.  The readers then walk
 * the result.
 */


#define NGX_F1_REPLAY_FUZZ_WALK_DEPTH  100


static ngx_f1_replay_json_t *ngx_f1_replay_fuzz_parse(const uint8_t *data,
    size_t size);
static void ngx_f1_replay_fuzz_walk(const ngx_f1_replay_json_t *v,
    size_t depth);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    size_t                 split;
    const uint8_t         *nl;
    ngx_f1_replay_json_t  *state;

    nl = memchr(data, '\n', size);
    split = nl ? (size_t) (nl - data) : size;

    state = ngx_f1_replay_fuzz_parse(data, split);

    if (split < size) {
        (void) ngx_f1_replay_json_patch(&state,
                   ngx_f1_replay_fuzz_parse(data + split + 1,
                                            size - split - 1));
        (void) ngx_f1_replay_json_patch(&state,
                   ngx_f1_replay_fuzz_parse(data + split + 1,
                                            size - split - 1));
    }

    (void) ngx_f1_replay_json_patch(&state,
                                    ngx_f1_replay_fuzz_parse(data, size));

    ngx_f1_replay_fuzz_walk(state, 0);

    ngx_f1_replay_json_free(state);

    return 0;
}


/* parses, and checks that a failure comes with a one-line reason */

static ngx_f1_replay_json_t *
ngx_f1_replay_fuzz_parse(const uint8_t *data, size_t size)
{
    char                   err[128];
    ngx_f1_replay_json_t  *v;

    err[0] = '\0';

    v = ngx_f1_replay_json_parse(data, size, err, sizeof(err));

    if (v == NULL && (err[0] == '\0' || strchr(err, '\n') != NULL)) {
        abort();
    }

    return v;
}


static void
ngx_f1_replay_fuzz_walk(const ngx_f1_replay_json_t *v, size_t depth)
{
    int          b;
    size_t       i;
    double       d;
    const char  *s;

    if (v == NULL || depth > NGX_F1_REPLAY_FUZZ_WALK_DEPTH) {
        return;
    }

    (void) ngx_f1_replay_json_number(v, &d);
    (void) ngx_f1_replay_json_bool(v, &b);

    s = ngx_f1_replay_json_string(v);
    if (s != NULL && strlen(s) > v->len) {
        abort();
    }

    for (i = 0; i < v->nitems; i++) {
        if (v->type == NGX_F1_REPLAY_JSON_OBJECT
            && ngx_f1_replay_json_get(v, v->keys[i]) == NULL)
        {
            abort();
        }

        ngx_f1_replay_fuzz_walk(v->items[i], depth + 1);
    }

    if (v->type == NGX_F1_REPLAY_JSON_OBJECT && v->nitems > 0) {
        (void) ngx_f1_replay_json_get_path(v, v->keys[0], v->keys[0], NULL);
    }
}
