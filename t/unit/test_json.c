
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <stdlib.h>
#include <string.h>

#include "ngx_f1_replay_json.h"
#include "unit.h"


static ngx_f1_replay_json_t *ngx_f1_replay_test_parse(const char *s);
static int ngx_f1_replay_test_equal(const ngx_f1_replay_json_t *a,
    const ngx_f1_replay_json_t *b);
static int ngx_f1_replay_test_is(const ngx_f1_replay_json_t *v,
    const char *expect);
static int ngx_f1_replay_test_patched(const char *state, const char *patch,
    const char *expect);
static int ngx_f1_replay_test_error(const char *s, const char *expect);
static char *ngx_f1_replay_test_nested(size_t depth);
static void ngx_f1_replay_test_types(void);
static void ngx_f1_replay_test_errors(void);
static void ngx_f1_replay_test_patch(void);
static void ngx_f1_replay_test_get(void);
static void ngx_f1_replay_test_scalars(void);


int
main(void)
{
    ngx_f1_replay_test_types();
    ngx_f1_replay_test_errors();
    ngx_f1_replay_test_patch();
    ngx_f1_replay_test_get();
    ngx_f1_replay_test_scalars();

    return UNIT_DONE();
}


static ngx_f1_replay_json_t *
ngx_f1_replay_test_parse(const char *s)
{
    char  err[256];

    return ngx_f1_replay_json_parse((const unsigned char *) s, strlen(s),
                                    err, sizeof(err));
}


/* structural equality; object members in the same order */

static int
ngx_f1_replay_test_equal(const ngx_f1_replay_json_t *a,
    const ngx_f1_replay_json_t *b)
{
    size_t  i;

    if (a == NULL || b == NULL || a->type != b->type) {
        return 0;
    }

    switch (a->type) {

    case NGX_F1_REPLAY_JSON_NUMBER:
        return a->number == b->number;

    case NGX_F1_REPLAY_JSON_STRING:
        return a->len == b->len && memcmp(a->str, b->str, a->len) == 0;

    case NGX_F1_REPLAY_JSON_OBJECT:
    case NGX_F1_REPLAY_JSON_ARRAY:

        if (a->nitems != b->nitems) {
            return 0;
        }

        for (i = 0; i < a->nitems; i++) {
            if (a->type == NGX_F1_REPLAY_JSON_OBJECT
                && strcmp(a->keys[i], b->keys[i]) != 0)
            {
                return 0;
            }

            if (!ngx_f1_replay_test_equal(a->items[i], b->items[i])) {
                return 0;
            }
        }

        return 1;

    default:
        return 1;
    }
}


static int
ngx_f1_replay_test_is(const ngx_f1_replay_json_t *v, const char *expect)
{
    int                    rc;
    ngx_f1_replay_json_t  *e;

    e = ngx_f1_replay_test_parse(expect);
    rc = ngx_f1_replay_test_equal(v, e);
    ngx_f1_replay_json_free(e);

    return rc;
}


static int
ngx_f1_replay_test_patched(const char *state, const char *patch,
    const char *expect)
{
    int                    rc;
    ngx_f1_replay_json_t  *s;

    s = ngx_f1_replay_test_parse(state);

    if (s == NULL
        || ngx_f1_replay_json_patch(&s, ngx_f1_replay_test_parse(patch)) != 0)
    {
        ngx_f1_replay_json_free(s);
        return 0;
    }

    rc = ngx_f1_replay_test_is(s, expect);
    ngx_f1_replay_json_free(s);

    return rc;
}


/* fails with a one-line message that contains expect */

static int
ngx_f1_replay_test_error(const char *s, const char *expect)
{
    char                   err[256];
    ngx_f1_replay_json_t  *v;

    err[0] = '\0';

    v = ngx_f1_replay_json_parse((const unsigned char *) s, strlen(s),
                                 err, sizeof(err));
    if (v != NULL) {
        ngx_f1_replay_json_free(v);
        return 0;
    }

    if (strchr(err, '\n') != NULL || strstr(err, expect) == NULL) {
        printf("# \"%s\": \"%s\"\n", s, err);
        return 0;
    }

    return 1;
}


/* depth arrays nested in each other, malloc'ed */

static char *
ngx_f1_replay_test_nested(size_t depth)
{
    char  *s;

    s = malloc(2 * depth + 1);
    if (s == NULL) {
        return NULL;
    }

    memset(s, '[', depth);
    memset(s + depth, ']', depth);
    s[2 * depth] = '\0';

    return s;
}


static void
ngx_f1_replay_test_types(void)
{
    ngx_f1_replay_json_t  *v;

    v = ngx_f1_replay_test_parse("null");
    UNIT_CHECK(v && v->type == NGX_F1_REPLAY_JSON_NULL, "parse null");
    ngx_f1_replay_json_free(v);

    v = ngx_f1_replay_test_parse(" true ");
    UNIT_CHECK(v && v->type == NGX_F1_REPLAY_JSON_TRUE, "parse true");
    ngx_f1_replay_json_free(v);

    v = ngx_f1_replay_test_parse("false");
    UNIT_CHECK(v && v->type == NGX_F1_REPLAY_JSON_FALSE, "parse false");
    ngx_f1_replay_json_free(v);

    v = ngx_f1_replay_test_parse("42");
    UNIT_CHECK(v && v->type == NGX_F1_REPLAY_JSON_NUMBER && v->number == 42,
               "parse integer");
    ngx_f1_replay_json_free(v);

    v = ngx_f1_replay_test_parse("-7");
    UNIT_CHECK(v && v->type == NGX_F1_REPLAY_JSON_NUMBER && v->number == -7,
               "parse negative integer");
    ngx_f1_replay_json_free(v);

    v = ngx_f1_replay_test_parse("-12.5e-1");
    UNIT_CHECK(v && v->type == NGX_F1_REPLAY_JSON_NUMBER
               && v->number == -1.25, "parse fraction and exponent");
    ngx_f1_replay_json_free(v);

    v = ngx_f1_replay_test_parse("12345678901234567890");
    UNIT_CHECK(v && v->type == NGX_F1_REPLAY_JSON_NUMBER
               && v->number == 12345678901234567890.0,
               "parse integer beyond 64 bits as double");
    ngx_f1_replay_json_free(v);

    v = ngx_f1_replay_test_parse("999999999999999");
    UNIT_CHECK(v && v->number == 999999999999999.0,
               "parse 15-digit integer exactly");
    ngx_f1_replay_json_free(v);

    v = ngx_f1_replay_test_parse("\"a\\\"b\\u00e9\\n\"");
    UNIT_CHECK(v && v->type == NGX_F1_REPLAY_JSON_STRING && v->len == 6
               && strcmp(v->str, "a\"b\xc3\xa9\n") == 0,
               "parse string with escapes");
    ngx_f1_replay_json_free(v);

    v = ngx_f1_replay_test_parse("\"a\\u0000b\"");
    UNIT_CHECK(v && v->len == 3 && v->str[1] == '\0' && v->str[3] == '\0',
               "parse string with NUL: len counts it, copy NUL-terminated");
    ngx_f1_replay_json_free(v);

    v = ngx_f1_replay_test_parse("\"\"");
    UNIT_CHECK(v && v->type == NGX_F1_REPLAY_JSON_STRING && v->len == 0
               && v->str && v->str[0] == '\0', "parse empty string");
    ngx_f1_replay_json_free(v);

    v = ngx_f1_replay_test_parse("{\"b\":1,\"a\":[true,null,\"x\"],\"c\":{}}");
    UNIT_CHECK(v && v->type == NGX_F1_REPLAY_JSON_OBJECT && v->nitems == 3
               && strcmp(v->keys[0], "b") == 0
               && strcmp(v->keys[1], "a") == 0
               && strcmp(v->keys[2], "c") == 0
               && v->items[0]->number == 1
               && v->items[1]->type == NGX_F1_REPLAY_JSON_ARRAY
               && v->items[1]->nitems == 3
               && v->items[1]->keys == NULL
               && v->items[1]->items[0]->type == NGX_F1_REPLAY_JSON_TRUE
               && v->items[1]->items[1]->type == NGX_F1_REPLAY_JSON_NULL
               && strcmp(v->items[1]->items[2]->str, "x") == 0
               && v->items[2]->type == NGX_F1_REPLAY_JSON_OBJECT
               && v->items[2]->nitems == 0,
               "parse object in order, array, empty object");
    ngx_f1_replay_json_free(v);

    v = ngx_f1_replay_test_parse("[]");
    UNIT_CHECK(v && v->type == NGX_F1_REPLAY_JSON_ARRAY && v->nitems == 0,
               "parse empty array");
    ngx_f1_replay_json_free(v);

    v = ngx_f1_replay_test_parse("[[1,[2,[3]]],{\"a\":{\"b\":{\"c\":[4]}}}]");
    UNIT_CHECK(v && v->nitems == 2
               && v->items[0]->items[1]->items[1]->items[0]->number == 3
               && ngx_f1_replay_json_get_path(v->items[1], "a", "b", "c",
                                              NULL)->items[0]->number == 4,
               "parse nested containers");
    ngx_f1_replay_json_free(v);
}


static void
ngx_f1_replay_test_errors(void)
{
    char                  *s, err[16];
    ngx_f1_replay_json_t  *v;

    UNIT_CHECK(ngx_f1_replay_test_error("", "premature EOF"),
               "empty input is an error");
    UNIT_CHECK(ngx_f1_replay_test_error("{\"a\":1", "premature EOF"),
               "unterminated object is an error");
    UNIT_CHECK(ngx_f1_replay_test_error("[1,]", "near byte"),
               "trailing comma is an error");
    UNIT_CHECK(ngx_f1_replay_test_error("nul", "error"),
               "bad literal is an error");
    UNIT_CHECK(ngx_f1_replay_test_error("{\"a\" 1}", "error"),
               "missing colon is an error");
    UNIT_CHECK(ngx_f1_replay_test_error("\"\xff\"", "UTF8"),
               "invalid UTF-8 is an error");
    UNIT_CHECK(ngx_f1_replay_test_error("{} x", "trailing garbage"),
               "trailing garbage is an error");
    UNIT_CHECK(ngx_f1_replay_test_error("1 2", "trailing garbage"),
               "second value is an error");
    UNIT_CHECK(ngx_f1_replay_test_error("[1e400]", "number out of range"),
               "number overflow is an error");
    UNIT_CHECK(ngx_f1_replay_test_error("[1,\n2,\nx]", "near byte 8"),
               "error message is one line with the offset");

    s = ngx_f1_replay_test_nested(64);
    v = s ? ngx_f1_replay_test_parse(s) : NULL;
    UNIT_CHECK(v != NULL, "64 levels of nesting are accepted");
    ngx_f1_replay_json_free(v);
    free(s);

    s = ngx_f1_replay_test_nested(65);
    UNIT_CHECK(s && ngx_f1_replay_test_error(s, "nesting deeper than 64"),
               "65 levels of nesting are rejected");
    free(s);

    s = ngx_f1_replay_test_nested(100000);
    UNIT_CHECK(s && ngx_f1_replay_test_error(s, "nesting deeper than 64"),
               "100000 levels of nesting are rejected");
    free(s);

    v = ngx_f1_replay_json_parse((const unsigned char *) "[1,{\"a\":[2,x",
                                 12, err, sizeof(err));
    UNIT_CHECK(v == NULL && strlen(err) == sizeof(err) - 1,
               "error message is cut to errlen");

    v = ngx_f1_replay_json_parse((const unsigned char *) "{", 1, NULL, 0);
    UNIT_CHECK(v == NULL, "error without a message buffer");
}


static void
ngx_f1_replay_test_patch(void)
{
    ngx_f1_replay_json_t  *s, *p;

    s = NULL;
    p = ngx_f1_replay_test_parse("{\"Lines\":{\"1\":{\"Position\":\"1\"}}}");
    UNIT_CHECK(ngx_f1_replay_json_patch(&s, p) == 0 && s == p,
               "patch into NULL state makes the patch the state");

    UNIT_CHECK(ngx_f1_replay_json_patch(&s, NULL) == 0
               && ngx_f1_replay_test_is(s,
                      "{\"Lines\":{\"1\":{\"Position\":\"1\"}}}"),
               "NULL patch changes nothing");

    p = ngx_f1_replay_test_parse("{\"Lines\":{\"1\":{\"Position\":\"2\"},"
                                 "\"44\":{\"Position\":\"1\"}}}");
    UNIT_CHECK(ngx_f1_replay_json_patch(&s, p) == 0
               && ngx_f1_replay_test_is(s,
                      "{\"Lines\":{\"1\":{\"Position\":\"2\"},"
                      "\"44\":{\"Position\":\"1\"}}}"),
               "patch merges and adds keys");
    ngx_f1_replay_json_free(s);

    UNIT_CHECK(ngx_f1_replay_test_patched(
                   "{\"a\":1,\"b\":{\"c\":1,\"d\":2}}",
                   "{\"b\":{\"d\":3,\"e\":4},\"f\":5}",
                   "{\"a\":1,\"b\":{\"c\":1,\"d\":3,\"e\":4},\"f\":5}"),
               "objects merge recursively");

    UNIT_CHECK(ngx_f1_replay_test_patched(
                   "{\"Sectors\":[{\"Value\":\"30.1\"},{\"Value\":\"31.2\"},"
                   "{\"Value\":\"\"}]}",
                   "{\"Sectors\":{\"2\":{\"Value\":\"29.9\","
                   "\"PersonalFastest\":true}}}",
                   "{\"Sectors\":[{\"Value\":\"30.1\"},{\"Value\":\"31.2\"},"
                   "{\"Value\":\"29.9\",\"PersonalFastest\":true}]}"),
               "list sent whole is patched by index keys");

    UNIT_CHECK(ngx_f1_replay_test_patched(
                   "{\"Messages\":[{\"Message\":\"A\"}]}",
                   "{\"Messages\":{\"1\":{\"Message\":\"B\"}}}",
                   "{\"Messages\":[{\"Message\":\"A\"},{\"Message\":\"B\"}]}"),
               "index equal to the length appends");

    UNIT_CHECK(ngx_f1_replay_test_patched("[1]", "{\"3\":4,\"1\":2}",
                                          "[1,2,null,4]"),
               "larger index pads with nulls, then fills");

    UNIT_CHECK(ngx_f1_replay_test_patched("[1,2]", "{}", "[1,2]"),
               "empty object leaves an array alone");

    UNIT_CHECK(ngx_f1_replay_test_patched("[1,2]", "[3]", "[3]"),
               "array patch replaces an array");

    UNIT_CHECK(ngx_f1_replay_test_patched("[1,2]", "{\"0\":5,\"x\":6}",
                                          "{\"0\":5,\"x\":6}"),
               "object with a non-index key replaces an array");

    UNIT_CHECK(ngx_f1_replay_test_patched("[1,2]", "{\"01\":5}",
                                          "{\"01\":5}"),
               "leading zero is not an index");

    UNIT_CHECK(ngx_f1_replay_test_patched("[1]", "{\"100000\":5}",
                                          "{\"100000\":5}"),
               "huge index is not an index (no huge padding)");

    UNIT_CHECK(ngx_f1_replay_test_patched("{\"x\":1}", "{\"x\":2,\"x\":3}",
                                          "{\"x\":3}"),
               "later value in one patch overrides earlier");

    UNIT_CHECK(ngx_f1_replay_test_patched("{\"a\":{\"b\":1}}", "{\"a\":5}",
                                          "{\"a\":5}"),
               "scalar replaces object");

    UNIT_CHECK(ngx_f1_replay_test_patched("{\"a\":5}", "{\"a\":{\"b\":1}}",
                                          "{\"a\":{\"b\":1}}"),
               "object replaces scalar");

    UNIT_CHECK(ngx_f1_replay_test_patched("{\"a\":\"x\"}", "{\"a\":null}",
                                          "{\"a\":null}"),
               "null replaces a value");

    UNIT_CHECK(ngx_f1_replay_test_patched("{\"a\":1}", "[1]", "[1]"),
               "array replaces object");

    UNIT_CHECK(ngx_f1_replay_test_patched("7", "{\"a\":1}", "{\"a\":1}"),
               "object replaces top-level scalar");

    s = ngx_f1_replay_test_parse("{\"L\":{\"4\":{\"S\":[{\"T\":1}]}}}");
    p = ngx_f1_replay_test_parse("{\"L\":{\"4\":{\"S\":{\"0\":{\"T\":2}}}}}");
    UNIT_CHECK(s && ngx_f1_replay_json_patch(&s, p) == 0, "patch 1");
    p = ngx_f1_replay_test_parse("{\"L\":{\"4\":{\"S\":{\"1\":{\"T\":0}}}}}");
    UNIT_CHECK(ngx_f1_replay_json_patch(&s, p) == 0, "patch 2");
    p = ngx_f1_replay_test_parse("{\"L\":{\"4\":{\"S\":{\"1\":{\"T\":3}}}}}");
    UNIT_CHECK(ngx_f1_replay_json_patch(&s, p) == 0
               && ngx_f1_replay_test_is(s,
                      "{\"L\":{\"4\":{\"S\":[{\"T\":2},{\"T\":3}]}}}"),
               "later patches override earlier ones");
    ngx_f1_replay_json_free(s);
}


static void
ngx_f1_replay_test_get(void)
{
    ngx_f1_replay_json_t  *v, *n;

    v = ngx_f1_replay_test_parse("{\"Meeting\":{\"Name\":\"Mexico\","
                                 "\"Circuit\":{\"Key\":65}},\"k\":1,"
                                 "\"k\":2}");

    n = ngx_f1_replay_json_get_path(v, "Meeting", "Name", NULL);
    UNIT_CHECK(n && strcmp(ngx_f1_replay_json_string(n), "Mexico") == 0,
               "get_path finds a nested member");

    n = ngx_f1_replay_json_get_path(v, "Meeting", "Circuit", "Key", NULL);
    UNIT_CHECK(n && n->number == 65, "get_path three deep");

    UNIT_CHECK(ngx_f1_replay_json_get_path(v, NULL) == v,
               "get_path without keys is the value");

    UNIT_CHECK(ngx_f1_replay_json_get_path(v, "Meeting", "Nope", "Key",
                                           NULL) == NULL,
               "get_path through a missing key is NULL");

    UNIT_CHECK(ngx_f1_replay_json_get_path(v, "Meeting", "Name", "x",
                                           NULL) == NULL,
               "get_path through a string is NULL");

    n = ngx_f1_replay_json_get(v, "k");
    UNIT_CHECK(n && n->number == 2, "get returns the last duplicate key");

    UNIT_CHECK(ngx_f1_replay_json_get(v, "missing") == NULL,
               "get missing key is NULL");

    UNIT_CHECK(ngx_f1_replay_json_get(v->items[0]->items[0], "a") == NULL,
               "get on a string is NULL");

    UNIT_CHECK(ngx_f1_replay_json_get(NULL, "a") == NULL,
               "get on NULL is NULL");

    ngx_f1_replay_json_free(v);

    v = ngx_f1_replay_test_parse("[{\"a\":1}]");
    UNIT_CHECK(ngx_f1_replay_json_get(v, "0") == NULL,
               "get on an array is NULL");
    ngx_f1_replay_json_free(v);
}


static void
ngx_f1_replay_test_scalars(void)
{
    int                    b;
    double                 d;
    size_t                 i;
    ngx_f1_replay_json_t  *v;

    static const char  *bad[] = {
        "\"1 LAP\"", "\"\"", "\" 12\"", "\"12 \"", "\"abc\"", "\".\"",
        "\"+\"", "\"1e\"", "\"0x10\"", "\"inf\"", "\"nan\"", "\"1e999\"",
        "\"1\\u00002\"", "true", "null", "[1]", "{}"
    };

    v = ngx_f1_replay_test_parse("[12.5,\"12\",\"+1.234\",\"-3\",\"1e3\","
                                 "\".5\",true,false,\"true\",\"false\","
                                 "\"True\",1,\"x\"]");

    UNIT_CHECK(v && v->nitems == 13, "scalars parsed");

    if (v == NULL || v->nitems != 13) {
        ngx_f1_replay_json_free(v);
        return;
    }

    UNIT_CHECK(ngx_f1_replay_json_number(v->items[0], &d) == 0 && d == 12.5,
               "number reads a number");
    UNIT_CHECK(ngx_f1_replay_json_number(v->items[1], &d) == 0 && d == 12,
               "number reads \"12\"");
    UNIT_CHECK(ngx_f1_replay_json_number(v->items[2], &d) == 0 && d == 1.234,
               "number reads \"+1.234\"");
    UNIT_CHECK(ngx_f1_replay_json_number(v->items[3], &d) == 0 && d == -3,
               "number reads \"-3\"");
    UNIT_CHECK(ngx_f1_replay_json_number(v->items[4], &d) == 0
               && d == 1000, "number reads \"1e3\"");
    UNIT_CHECK(ngx_f1_replay_json_number(v->items[5], &d) == 0 && d == 0.5,
               "number reads \".5\"");

    UNIT_CHECK(ngx_f1_replay_json_bool(v->items[6], &b) == 0 && b == 1,
               "bool reads true");
    UNIT_CHECK(ngx_f1_replay_json_bool(v->items[7], &b) == 0 && b == 0,
               "bool reads false");
    UNIT_CHECK(ngx_f1_replay_json_bool(v->items[8], &b) == 0 && b == 1,
               "bool reads \"true\"");
    UNIT_CHECK(ngx_f1_replay_json_bool(v->items[9], &b) == 0 && b == 0,
               "bool reads \"false\"");

    b = 7;
    UNIT_CHECK(ngx_f1_replay_json_bool(v->items[10], &b) == -1 && b == 7,
               "bool rejects \"True\" and leaves out alone");
    UNIT_CHECK(ngx_f1_replay_json_bool(v->items[11], &b) == -1 && b == 7,
               "bool rejects a number");
    UNIT_CHECK(ngx_f1_replay_json_bool(NULL, &b) == -1, "bool of NULL");

    UNIT_CHECK(strcmp(ngx_f1_replay_json_string(v->items[12]), "x") == 0,
               "string reads a string");
    UNIT_CHECK(ngx_f1_replay_json_string(v->items[0]) == NULL
               && ngx_f1_replay_json_string(NULL) == NULL,
               "string of a number or NULL is NULL");

    ngx_f1_replay_json_free(v);

    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        v = ngx_f1_replay_test_parse(bad[i]);
        d = 99;

        UNIT_CHECK(v && ngx_f1_replay_json_number(v, &d) == -1 && d == 99,
                   "number rejects a non-number and leaves out alone");

        ngx_f1_replay_json_free(v);
    }

    UNIT_CHECK(ngx_f1_replay_json_number(NULL, &d) == -1, "number of NULL");
}
