
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_LINE_H_INCLUDED_
#define _NGX_F1_REPLAY_LINE_H_INCLUDED_


/*
 * The byte layer of a live-timing .jsonStream file: lines of
 * "HH:MM:SS.mmm" followed by a JSON value; UTF-8 BOM, CRLF and LF
 * accepted; .z topics carry a JSON string of base64 raw DEFLATE.
 * Free of nginx types.
 */


#include <stddef.h>
#include <stdint.h>


typedef struct {
    const unsigned char  *pos;
    const unsigned char  *end;
    size_t                lineno;      /* of the line last returned, 1-based */
} ngx_f1_replay_lines_t;


typedef struct {
    int32_t               time_ms;     /* session time of the line */
    const unsigned char  *json;        /* the JSON text after the time */
    size_t                json_len;    /* without the line end */
    size_t                lineno;
    int                   terminated;  /* the line had a line end */
} ngx_f1_replay_line_t;


#define NGX_F1_REPLAY_LINE_OK     0
#define NGX_F1_REPLAY_LINE_DONE   1
#define NGX_F1_REPLAY_LINE_BAD   -1


/* skips a UTF-8 BOM at the start of buf */
void ngx_f1_replay_line_init(ngx_f1_replay_lines_t *ls,
    const unsigned char *buf, size_t len);

/*
 * Returns LINE_OK with the next non-empty line in *line, LINE_DONE at the
 * end, or LINE_BAD for a line whose time prefix is malformed (reason in
 * err, *line still has lineno; the reader has moved past that line, so
 * the caller may skip it and go on).
 */
int ngx_f1_replay_line_next(ngx_f1_replay_lines_t *ls,
    ngx_f1_replay_line_t *line, char *err, size_t errlen);

/*
 * Raw bytes for a message: at most NGX_F1_REPLAY_LINE_ESCAPE source
 * bytes, printable ASCII but '"' and '\\' as they are, anything else as
 * \xNN, "..." after a cut; buf holds NGX_F1_REPLAY_LINE_ESCAPE_BUF
 * bytes, the result is NUL-terminated
 */
#define NGX_F1_REPLAY_LINE_ESCAPE      40
#define NGX_F1_REPLAY_LINE_ESCAPE_BUF  (4 * NGX_F1_REPLAY_LINE_ESCAPE + 4)

const char *ngx_f1_replay_line_escape(const unsigned char *p, size_t len,
    char *buf);

/*
 * Decodes a .z payload: json/json_len is the JSON string literal
 * including its quotes ("..."), base64 of raw DEFLATE.  On success
 * returns 0 with *out (malloc'ed, NUL-terminated, caller frees) and
 * *out_len.  Output is limited to max_out bytes.  On failure returns -1
 * with the reason in err ("bad base64 at byte 17", "inflate: ...").
 */
int ngx_f1_replay_line_decode_z(const unsigned char *json, size_t json_len,
    unsigned char **out, size_t *out_len, size_t max_out,
    char *err, size_t errlen);


#endif /* _NGX_F1_REPLAY_LINE_H_INCLUDED_ */
