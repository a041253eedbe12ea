
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_TELEMETRY_H_INCLUDED_
#define _NGX_F1_REPLAY_TELEMETRY_H_INCLUDED_


/*
 * The telemetry topics, CarData.z and Position.z: each line a JSON
 * string of base64 raw DEFLATE of entries of every car's samples, read
 * with yajl's SAX parser into the loader's per-car samples (on the UTC
 * clock; ngx_f1_replay_build.c puts them on the session clock).  Free of
 * nginx types.
 */


#include "ngx_f1_replay_loader.h"


/*
 * One line of topic (NGX_F1_REPLAY_T_CAR_DATA or _POSITION):
 * NGX_F1_REPLAY_LINE_OK, or NGX_F1_REPLAY_LINE_BAD with the reason in err
 * (nothing of the line is kept then)
 */
int ngx_f1_replay_telemetry_add(ngx_f1_replay_loader_t *ld, uint32_t topic,
    ngx_f1_replay_line_t *line, char *err, size_t errlen);


#endif /* _NGX_F1_REPLAY_TELEMETRY_H_INCLUDED_ */
