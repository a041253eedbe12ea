
/*
 * Copyright (C) ngx_f1_replay_module developers
 */


#ifndef _NGX_F1_REPLAY_OUTLINE_H_INCLUDED_
#define _NGX_F1_REPLAY_OUTLINE_H_INCLUDED_


/*
 * The track outline for maps, found in the block being built: the
 * positions of the quickest lap, between two line crossings, that had no
 * pit visit and a clear track, of the car with the most laps; points
 * about 5 m apart.  Free of nginx types.
 */


#include "ngx_f1_replay_build.h"


/* sets the block's outline; leaves it empty when no lap fits */
void ngx_f1_replay_outline_build(ngx_f1_replay_block_t *b);


#endif /* _NGX_F1_REPLAY_OUTLINE_H_INCLUDED_ */
