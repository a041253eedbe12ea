
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_UNIT_H_INCLUDED_
#define _NGX_F1_REPLAY_UNIT_H_INCLUDED_


/*
 * A minimal TAP producer for the C unit tests.  Each test program prints
 * "ok N - name" / "not ok N - name" lines and a closing "1..N"; its exit
 * status is the number of failures.  t/000-unit.t runs them under prove.
 */


#include <stdio.h>


static int  unit_n;
static int  unit_failed;


#define UNIT_CHECK(cond, name)                                                \
    do {                                                                      \
        unit_n++;                                                             \
        if (cond) {                                                           \
            printf("ok %d - %s\n", unit_n, name);                             \
        } else {                                                              \
            unit_failed++;                                                    \
            printf("not ok %d - %s\n#   at %s:%d: %s\n", unit_n, name,        \
                   __FILE__, __LINE__, #cond);                                \
        }                                                                     \
    } while (0)


#define UNIT_DONE()                                                           \
    (printf("1..%d\n", unit_n), unit_failed > 125 ? 125 : unit_failed)


#endif /* _NGX_F1_REPLAY_UNIT_H_INCLUDED_ */
