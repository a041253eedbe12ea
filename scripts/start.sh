#!/usr/bin/env bash
#
# Quick start: installs what is missing, builds the module for the
# distribution's nginx, renders conf/f1-replay.conf into build/run/nginx.conf
# and runs /usr/sbin/nginx on it in the foreground (Ctrl-C stops it).
#
#   scripts/start.sh                     a session from F1_REPLAY_DATA
#   scripts/start.sh --fetch YEAR EVENT SESSION [f1-replay-fetch options]
#                                        a session fetched from the F1
#                                        archive first (or found complete in
#                                        the fetcher's cache), e.g.
#                                        --fetch 2025 dutch race
#
# Environment:
#   F1_REPLAY_DATA      session archives directory (default: ../shared/data
#                       relative to the repository)
#   F1_REPLAY_SESSION   archive to load: a folder name in F1_REPLAY_DATA
#                       (default 2025-dutch-grand-prix-race) or the path of
#                       a session folder (one with a "/", e.g. one fetched
#                       to ~/.cache/f1-replay/2025-dutch-grand-prix-race)
#   F1_REPLAY_USER      worker user when run as root (default nobody)
#   F1_REPLAY_LISTEN    address:port to listen on (default 127.0.0.1:8765)
#   F1_REPLAY_RUN       run directory: config, logs, pid (default build/run)

set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
NGINX=/usr/sbin/nginx
RUN=${F1_REPLAY_RUN:-$ROOT/build/run}
SO=$ROOT/build/dynamic/ngx_f1_replay_module.so
TEMPLATE=$ROOT/conf/f1-replay.conf
CONF=$RUN/nginx.conf
HTML=$ROOT/html
LISTEN=${F1_REPLAY_LISTEN:-127.0.0.1:8765}

SESSION=${F1_REPLAY_SESSION:-2025-dutch-grand-prix-race}

die() { echo "start: error: $*" >&2; exit 1; }

usage() {
    echo "usage: $0 [--fetch YEAR EVENT SESSION [f1-replay-fetch options]]"
}

FETCH=()
if [ $# -gt 0 ]; then
    case $1 in
        --fetch)
            shift
            [ $# -ge 3 ] || { usage >&2; exit 2; }
            FETCH=("$@") ;;
        -h|--help)
            usage
            exit 0 ;;
        *)
            usage >&2
            exit 2 ;;
    esac
fi

"$ROOT/scripts/deps.sh" build
"$ROOT/scripts/build-module.sh"

if [ ${#FETCH[@]} -gt 0 ]; then
    # the fetcher test-loads what it fetched with f1-replay-inspect
    make -s -C "$ROOT/scripts/tools" "$ROOT/build/tools/f1-replay-inspect" \
        || die "cannot build build/tools/f1-replay-inspect"
    dir=$("$ROOT/scripts/f1-replay-fetch" --print-dir "${FETCH[@]}") \
        || die "f1-replay-fetch ${FETCH[*]} failed (see above)"
    SESSION=$dir
fi

case $SESSION in
    */*)
        # a session folder given by its path (a fetched one)
        [ -d "$SESSION" ] || die "no session folder $SESSION"
        [ -f "$SESSION/SessionInfo.jsonStream" ] \
            || die "$SESSION has no SessionInfo.jsonStream: not a session"
        DATA=$(cd "$(dirname "$SESSION")" && pwd)
        SESSION=$(basename "$SESSION") ;;
    *)
        DATA=${F1_REPLAY_DATA:-$ROOT/../shared/data}
        [ -d "$DATA" ] || die "no session data at $DATA (set F1_REPLAY_DATA," \
                              "or fetch one: $0 --fetch 2025 dutch race)"
        DATA=$(cd "$DATA" && pwd)
        if [ ! -d "$DATA/$SESSION" ]; then
            have=""
            for d in "$DATA"/*/; do
                compgen -G "$d*.jsonStream" >/dev/null \
                    && have="$have $(basename "$d")"
            done
            die "no session \"$SESSION\" in $DATA (have:${have:- nothing})"
        fi ;;
esac

case "$DATA/$SESSION$RUN$HTML$LISTEN" in
    *[[:space:]\;\{\}\'\"\|\&\#]*)
        die "paths with spaces, quotes or ;{}|&# are not supported:" \
            "$DATA/$SESSION, $RUN, $HTML, $LISTEN" ;;
esac

mkdir -p "$RUN/tmp"

# As root the master (which loads the module and the session) stays root
# and the workers switch to an unprivileged user; they must still be able
# to read what they may reopen.
if [ "$(id -u)" -eq 0 ]; then
    WORKER_USER=${F1_REPLAY_USER:-nobody}
    id "$WORKER_USER" >/dev/null 2>&1 || die "no user \"$WORKER_USER\""
    if command -v setpriv >/dev/null 2>&1; then
        as_worker() {
            setpriv --reuid="$WORKER_USER" --regid="$(id -g "$WORKER_USER")" \
                --clear-groups "$@"
        }
        # a folder the worker cannot enter (a fetched session under
        # /root/.cache) is one warning, not one per file
        if as_worker test -r "$DATA/$SESSION" -a -x "$DATA/$SESSION"; then
            files=("$SO" "$DATA/$SESSION"/* "$HTML/index.html")
        else
            files=("$SO" "$DATA/$SESSION" "$HTML/index.html")
        fi
        for f in "${files[@]}"; do
            if ! as_worker test -r "$f"; then
                echo "start: warning: worker user $WORKER_USER cannot read $f" \
                     "(chmod o+r, or set F1_REPLAY_USER)" >&2
            fi
        done
    fi
    USER_LINE="user $WORKER_USER $(id -gn "$WORKER_USER");"
else
    USER_LINE="# user: not started as root, workers run as $(id -un)"
fi

sed -e "s|@MODULE@|$SO|g" \
    -e "s|@DATA@|$DATA|g" \
    -e "s|@SESSION@|$SESSION|g" \
    -e "s|@PREFIX@|$RUN|g" \
    -e "s|@HTML@|$HTML|g" \
    -e "s|@LISTEN@|$LISTEN|g" \
    -e "s|^user @USER@;|$USER_LINE|" \
    "$TEMPLATE" > "$CONF.tmp"
mv "$CONF.tmp" "$CONF"

echo
echo "  ngx_f1_replay_module: session $DATA/$SESSION"
echo "  config:  $CONF"
echo "  logs:    $RUN/error.log, $RUN/access.log"
echo
echo "  http://$LISTEN/                 the dashboard (open it in a browser)"
echo "  http://$LISTEN/info             session summary (JSON)"
echo "  http://$LISTEN/info?t=01:00:00  race state one hour in"
echo "  ws://$LISTEN/ws                 the replay over WebSocket, 50 Hz"
echo "  http://$LISTEN/control/         the replay clock (pause, seek, ...)"
echo
echo "  nginx runs in the foreground; Ctrl-C stops it."
echo

exec "$NGINX" -p "$RUN/" -c "$CONF"
