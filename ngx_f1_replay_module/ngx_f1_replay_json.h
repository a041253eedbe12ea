
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_JSON_H_INCLUDED_
#define _NGX_F1_REPLAY_JSON_H_INCLUDED_


/*
 * A small mutable JSON tree, parsed with yajl, used for the live-timing
 * topics whose lines are partial updates of one state object.
 * Free of nginx types: used by the module, the tools and the fuzzers.
 */


#include <stddef.h>
#include <string.h>

#include <yajl/yajl_gen.h>


/*
 * The one way JSON is written here: a function that generates with yajl
 * returns 0, or -1 as soon as a yajl call fails (these macros return
 * it); its callers check for != 0.  key is a string literal.
 */

#define ngx_f1_replay_yajl(call)                                              \
    if ((call) != yajl_gen_status_ok) {                                       \
        return -1;                                                            \
    }

/* key: a string literal only ("" key "" does not compile with a pointer) */

#define ngx_f1_replay_yajl_key(g, key)                                        \
    ngx_f1_replay_yajl(yajl_gen_string(g, (const unsigned char *) "" key "",  \
                                       sizeof("" key "") - 1))

#define ngx_f1_replay_yajl_cstr(g, s)                                         \
    ngx_f1_replay_yajl(yajl_gen_string(g, (const unsigned char *) (s),        \
                                       strlen(s)))

#define ngx_f1_replay_yajl_kstr(g, key, s)                                    \
    ngx_f1_replay_yajl_key(g, key);                                           \
    ngx_f1_replay_yajl_cstr(g, s)

#define ngx_f1_replay_yajl_kint(g, key, n)                                    \
    ngx_f1_replay_yajl_key(g, key);                                           \
    ngx_f1_replay_yajl(yajl_gen_integer(g, (long long) (n)))

#define ngx_f1_replay_yajl_kbool(g, key, b)                                   \
    ngx_f1_replay_yajl_key(g, key);                                           \
    ngx_f1_replay_yajl(yajl_gen_bool(g, (b) ? 1 : 0))

#define ngx_f1_replay_yajl_knull(g, key)                                      \
    ngx_f1_replay_yajl_key(g, key);                                           \
    ngx_f1_replay_yajl(yajl_gen_null(g))


typedef enum {
    NGX_F1_REPLAY_JSON_NULL = 0,
    NGX_F1_REPLAY_JSON_FALSE,
    NGX_F1_REPLAY_JSON_TRUE,
    NGX_F1_REPLAY_JSON_NUMBER,
    NGX_F1_REPLAY_JSON_STRING,
    NGX_F1_REPLAY_JSON_OBJECT,
    NGX_F1_REPLAY_JSON_ARRAY
} ngx_f1_replay_json_type_e;


typedef struct ngx_f1_replay_json_s  ngx_f1_replay_json_t;

struct ngx_f1_replay_json_s {
    ngx_f1_replay_json_type_e   type;

    /* NUMBER */
    double                      number;

    /* STRING: NUL-terminated copy, len excludes the NUL */
    char                       *str;
    size_t                      len;

    /* OBJECT: keys[i] (NUL-terminated) -> items[i]; ARRAY: items[i] */
    char                      **keys;
    ngx_f1_replay_json_t      **items;
    size_t                      nitems;
    size_t                      nalloc;
};


/*
 * Parses one JSON value from buf[0..len).  Returns NULL on failure with
 * a one-line reason (no newline) in err.
 */
ngx_f1_replay_json_t *ngx_f1_replay_json_parse(const unsigned char *buf,
    size_t len, char *err, size_t errlen);

void ngx_f1_replay_json_free(ngx_f1_replay_json_t *v);

/*
 * Applies patch to *state, the live-timing way: objects merge by key
 * (recursively); an array patched with an object whose keys are decimal
 * indexes has those elements patched (an index equal to the length
 * appends; a larger index pads with nulls); anything else replaces.
 * Takes ownership of patch (it is freed or moved into the state).
 * *state may be NULL (then it becomes patch).  Returns 0, or -1 when out
 * of memory (the state stays valid).
 */
int ngx_f1_replay_json_patch(ngx_f1_replay_json_t **state,
    ngx_f1_replay_json_t *patch);

/* object member by key, NULL if v is not an object or has no such key */
ngx_f1_replay_json_t *ngx_f1_replay_json_get(const ngx_f1_replay_json_t *v,
    const char *key);

/* a path of keys, NULL-terminated: get_path(v, "Meeting", "Name", NULL) */
ngx_f1_replay_json_t *ngx_f1_replay_json_get_path(
    const ngx_f1_replay_json_t *v, ...);

/*
 * Scalar readers.  Each returns 0 and sets *out when v holds a value of
 * the expected kind, else -1 and leaves *out alone.  Numbers also accept
 * strings that hold a whole decimal number ("12", "+1.5"); booleans also
 * accept the strings "true"/"false" (TimingAppData sends "New":"true").
 */
int ngx_f1_replay_json_number(const ngx_f1_replay_json_t *v, double *out);
int ngx_f1_replay_json_bool(const ngx_f1_replay_json_t *v, int *out);

/* writes v with yajl_gen; 0, or -1 when the generator fails */
int ngx_f1_replay_json_gen(const ngx_f1_replay_json_t *v, yajl_gen g);

/* the string, or NULL when v is not a string */
const char *ngx_f1_replay_json_string(const ngx_f1_replay_json_t *v);

/*
 * 1 if v is the string s, byte for byte ("subscribe\u0000x" is not
 * "subscribe")
 */
int ngx_f1_replay_json_is(const ngx_f1_replay_json_t *v, const char *s);


#endif /* _NGX_F1_REPLAY_JSON_H_INCLUDED_ */
