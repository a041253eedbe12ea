
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ngx_f1_replay_json.h"
#include "ngx_f1_replay_line.h"
#include "ngx_f1_replay_time.h"


/*
 * The input is a .jsonStream file: each line's JSON is parsed, and
 * decoded as a .z payload with a small output limit; the whole input and
 * each line's JSON are tried as UTC times.
 */


#define NGX_F1_REPLAY_FUZZ_MAX_OUT  4096


int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);


int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    int                     rc;
    char                    err[128];
    size_t                  lineno, out_len;
    int64_t                 ms;
    unsigned char          *out;
    ngx_f1_replay_line_t    line;
    ngx_f1_replay_lines_t   ls;
    ngx_f1_replay_json_t   *v;

    (void) ngx_f1_replay_time_parse_utc((const char *) data, size, &ms);

    ngx_f1_replay_line_init(&ls, data, size);

    lineno = 0;

    for ( ;; ) {
        err[0] = '\0';

        rc = ngx_f1_replay_line_next(&ls, &line, err, sizeof(err));

        if (rc == NGX_F1_REPLAY_LINE_DONE) {
            break;
        }

        if (line.lineno <= lineno) {
            abort();
        }

        lineno = line.lineno;

        if (rc == NGX_F1_REPLAY_LINE_BAD) {
            if (err[0] == '\0' || strchr(err, '\n') != NULL) {
                abort();
            }

            continue;
        }

        if (line.json < data || line.json + line.json_len > data + size
            || line.time_ms < 0 || line.time_ms > 359999999)
        {
            abort();
        }

        v = ngx_f1_replay_json_parse(line.json, line.json_len, err,
                                     sizeof(err));
        ngx_f1_replay_json_free(v);

        (void) ngx_f1_replay_time_parse_utc((const char *) line.json,
                                       line.json_len, &ms);

        out = NULL;

        if (ngx_f1_replay_line_decode_z(line.json, line.json_len, &out,
                                        &out_len, NGX_F1_REPLAY_FUZZ_MAX_OUT,
                                        err, sizeof(err))
            != 0)
        {
            if (out != NULL || err[0] == '\0'
                || strchr(err, '\n') != NULL)
            {
                abort();
            }

            continue;
        }

        if (out_len > NGX_F1_REPLAY_FUZZ_MAX_OUT || out[out_len] != '\0') {
            abort();
        }

        v = ngx_f1_replay_json_parse(out, out_len, err, sizeof(err));
        ngx_f1_replay_json_free(v);

        free(out);
    }

    return 0;
}
