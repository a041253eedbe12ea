#!/usr/bin/env bash
#
# The dashboard's cost in a browser: the quick start (scripts/start.sh,
# on a free port, in a run directory of its own) serves the Dutch GP, and
# Debian's headless chromium (playwright-core, t/browser/) shows the page
# at 1x with all 20 cars at 50 Hz (compact, deflated frames), once per
# device pixel ratio.  Prints display frames and frames drawn per second,
# late display frames, the renderer main thread's busy time (% of a core)
# and the processes' CPU; the method is described at the top of
# t/browser/bench-dashboard.mjs.
#
#   scripts/bench-dashboard.sh [seconds] [dpr ...]    (default: 20 s, 1 2)
#
# Environment: F1_REPLAY_DATA (as for scripts/start.sh).

set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_RUN=${1:-20}
shift || true
DPRS=${*:-1 2}

die() { echo "bench-dashboard: error: $*" >&2; exit 1; }

[ -x /usr/bin/chromium ] || die "no /usr/bin/chromium (scripts/deps.sh test)"
if [ ! -d "$ROOT/t/browser/node_modules/playwright-core" ]; then
    npm ci --prefix "$ROOT/t/browser" --no-audit --no-fund
fi

RUN=$(mktemp -d /tmp/f1-bench-dashboard.XXXXXX)
chmod 755 "$RUN"
PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
NGINX_PID=""

cleanup() {
    if [ -n "$NGINX_PID" ] && kill -0 "$NGINX_PID" 2>/dev/null; then
        kill -QUIT "$NGINX_PID"
        for _ in $(seq 50); do
            kill -0 "$NGINX_PID" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$NGINX_PID" 2>/dev/null || true
    fi
    rm -rf "$RUN"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# start.sh ends by exec'ing nginx: its pid is the master's
F1_REPLAY_RUN=$RUN F1_REPLAY_LISTEN=127.0.0.1:$PORT \
    "$ROOT/scripts/start.sh" > "$RUN/start.log" 2>&1 &
NGINX_PID=$!

for _ in $(seq 600); do
    curl -s -o /dev/null "http://127.0.0.1:$PORT/control/" && break
    kill -0 "$NGINX_PID" 2>/dev/null || { cat "$RUN/start.log"; die "nginx did not start"; }
    sleep 0.1
done

echo "bench-dashboard: $(nproc) cores, $(/usr/bin/chromium --version 2>/dev/null), node $(node --version)"
for dpr in $DPRS; do
    (cd "$ROOT/t/browser" &&
     timeout $((SECONDS_RUN + 90)) node bench-dashboard.mjs \
         --base "http://127.0.0.1:$PORT/" --seconds "$SECONDS_RUN" --dpr "$dpr")
done
