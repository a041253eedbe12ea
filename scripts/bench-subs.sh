#!/usr/bin/env bash
#
# The cost of distinct subscriptions: nginx (the distribution's, with the
# module) with 2 workers streams the Dutch GP at 50 Hz, full JSON frames,
# to CLIENTS f1-replay-load connections on the same machine, in variants
# (a fresh nginx each):
#
#   a  distinct, slow   the clients spread over DELAYS distinct
#                       subscriptions (connection i: ?delay=(i mod DELAYS)
#                       s, -d) and read only once every DRAIN seconds
#                       (-D, SO_RCVBUF 4096): they fall behind
#   b  shared, slow     the same clients on one subscription, the same
#                       reading
#   c  distinct, fast   the distinct ones reading all the time
#   d  shared, fast     (not run by default) the usual benchmark's case
#
# Each worker keeps the subscriptions of its own clients (at most 256,
# NGX_F1_REPLAY_SUB_MAX): with the kernel spreading connections over the
# workers (reuseport), each worker holds the delays of the clients it
# got, about 240 of 256 with 4 clients a delay; the figures use what the
# status says each worker has.  Per worker, over SECONDS of steady state
# (after every client is connected and one DRAIN period has passed):
#
#   cpu%     utime + stime (/proc/PID/stat) / wall time
#   subs     distinct subscriptions (the status gauge "subscriptions")
#   enc/tick frames encoded per tick (the status counter "frames_encoded",
#            one per subscription and tick at most: a subscription whose
#            every client still holds a frame waiting is not encoded, its
#            clients skip that tick)
#   us/sub/tick  cpu / (ticks x subs): everything the worker did (views of
#            the clock, encoding, sending) spread over its subscriptions
#   skip/s   frames skipped for slow clients a second (status counter)
#
# and the marginal cost of a subscription, (cpu(a) - cpu(b)) and
# (cpu(c) - cpu(d)) if d ran, over ticks x (subs - 1).  The replay is
# anchored 15 minutes in the past, so that every delay plays.
#
# The server's socket send buffers are bounded (listen ... sndbuf=16k,
# BENCH_SNDBUF): with the kernel's autotuning (up to tcp_wmem's 4 MB) a
# loopback connection buffers the 330 KB of 3 s of frames, nginx never
# finds the socket full and the module never sees a slow client as behind
# (BENCH_SNDBUF=0 shows it: every subscription encoded every tick, no
# frame skipped, the clients get every frame late).
#
#   scripts/bench-subs.sh [SECONDS [CLIENTS [DELAYS [DRAIN]]]]
#                                  default 20 s, 1024 clients, 256, 3 s
#
# Environment: F1_REPLAY_DATA (default ../shared/data), BENCH_VARIANTS
# ("a b c"; "a b c d" for all four), BENCH_RAMP (500 connections a
# second), BENCH_SNDBUF (16k; 0: the kernel's default).  Logs:
# build/bench-subs/.

set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WINDOW=${1:-20}
N=${2:-1024}
DELAYS=${3:-256}
DRAIN=${4:-3}
DATA=${F1_REPLAY_DATA:-$ROOT/../shared/data}
RUN=$ROOT/build/bench-subs
LOAD=$ROOT/build/tools/f1-replay-load
RAMP=${BENCH_RAMP:-500}
SNDBUF=${BENCH_SNDBUF:-16k}
read -ra VARIANTS <<< "${BENCH_VARIANTS:-a b c}"
RATE=50

die() { echo "bench-subs: $*" >&2; exit 1; }

. "$ROOT/scripts/bench-lib.sh"

case "$WINDOW$N$DELAYS$RAMP" in
*[!0-9]*|'') die "usage: $0 [SECONDS [CLIENTS [DELAYS [DRAIN]]]]" ;;
esac
case "$DRAIN" in
''|*[!0-9.]*) die "DRAIN: seconds" ;;
esac
case "$SNDBUF" in
0) LISTEN_OPT= ;;
[1-9]*) LISTEN_OPT=" sndbuf=$SNDBUF" ;;
*) die "BENCH_SNDBUF: a size (16k) or 0" ;;
esac
[ "$DELAYS" -ge 2 ] && [ "$DELAYS" -le 600 ] || die "DELAYS: 2..600"
[ "$N" -ge "$DELAYS" ] && [ "$N" -le 20000 ] || die "CLIENTS: DELAYS..20000"
for v in "${VARIANTS[@]}"; do
    case $v in a|b|c|d) ;; *) die "unknown variant \"$v\" (a, b, c, d)" ;;
    esac
done
[ -d "$DATA/2025-dutch-grand-prix-race" ] \
    || die "no $DATA/2025-dutch-grand-prix-race (set F1_REPLAY_DATA)"
DATA=$(cd "$DATA" && pwd)
NOFILE=$(ulimit -Hn)
[ "$NOFILE" = unlimited ] && NOFILE=1048576
[ "$NOFILE" -gt $((N + 100)) ] \
    || die "the hard file limit ($NOFILE) must exceed $N clients + 100"

"$ROOT/scripts/deps.sh" build >/dev/null
"$ROOT/scripts/build-module.sh" >/dev/null
make -s -C "$ROOT/scripts/tools" "$LOAD" >/dev/null

PORT=$(bench_free_port)

mkdir -p "$RUN/logs"

MASTER=
WORKERS=
start_nginx() {
    local anchor

    # 15 minutes ago: every delay up to 600 s is playing
    anchor=$(date -u -d '-900 seconds' '+%Y-%m-%dT%H:%M:%SZ')

    cat > "$RUN/nginx.conf" <<END
$(bench_conf_main $NOFILE $((N + 1000)))
http {
    access_log off;
    f1_replay_session dutch
        path=$DATA/2025-dutch-grand-prix-race zone=dutch:64m
        anchor=$anchor;
    server {
        listen 127.0.0.1:$PORT reuseport$LISTEN_OPT;
        location = /ws {
            f1_replay dutch;
            f1_replay_max_delay 600s;
        }
        location = /status {
            f1_replay_status;
        }
    }
}
END

    bench_start_master "$RUN" "$PORT"
    MASTER=$M_PID
    WORKERS=$M_WORKERS
}

stop_nginx() {
    bench_stop_masters $MASTER
    MASTER=
}

LP=
cleanup() {
    [ -z "$LP" ] || kill $LP 2>/dev/null || true
    stop_nginx
}
trap cleanup EXIT

# per worker: "pid cputicks subscriptions encoded skipped clients"
sample() {
    local json p
    json=$(curl -s "http://127.0.0.1:$PORT/status")
    for p in $WORKERS; do
        echo "$p $(awk '{print $14 + $15}' /proc/$p/stat)" \
             "$(echo "$json" | perl -MJSON::PP -e '
                my $j = decode_json(join "", <STDIN>);
                for my $w (@{$j->{sessions}[0]{workers}}) {
                    next unless $w->{pid} == '"$p"';
                    print join " ", @{$w}{qw(subscriptions frames_encoded
                                             skipped_frames clients)};
                }')"
    done
}

connected() {
    curl -s "http://127.0.0.1:$PORT/status" \
        | sed -n 's/.*"total":{"clients":\([0-9]*\).*/\1/p'
}

hz=$(getconf CLK_TCK)

echo "# f1-replay subscriptions benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "# $(nproc) cores, $(awk -F': *' '/^model name/ {print $2; exit}' \
/proc/cpuinfo), $(. /etc/os-release && echo "$PRETTY_NAME"), nginx \
$(/usr/sbin/nginx -v 2>&1 | sed 's/.*\///'), 2 workers; load client on" \
     "the same machine"
echo "# $0 $WINDOW $N $DELAYS $DRAIN: Dutch GP, full JSON frames at" \
     "$RATE Hz, $N clients, $WINDOW s measured per variant, listen" \
     "sndbuf=${SNDBUF/#0/default}, module" \
     "$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?')"
printf '%-16s %6s %7s | %6s %5s %8s %8s %11s %7s\n' variant worker \
    clients cpu% subs enc/tick enc/sub us/sub/tick skip/s

declare -A CPU SUBS
for v in "${VARIANTS[@]}"; do
    args=(-q -n "$N" -r "$RAMP")
    case $v in
    a) name="a distinct,slow"; args+=(-d "$DELAYS" -D "$DRAIN") ;;
    b) name="b shared,slow"; args+=(-D "$DRAIN") ;;
    c) name="c distinct,fast"; args+=(-d "$DELAYS") ;;
    d) name="d shared,fast" ;;
    esac

    start_nginx
    out=$RUN/load-$v.txt
    settle=$(awk -v d="$DRAIN" 'BEGIN { printf "%d", d + 2.999 }')
    "$LOAD" "${args[@]}" -t $((settle + WINDOW + 30)) \
        "ws://127.0.0.1:$PORT/ws" > "$out" 2>&1 &
    LP=$!

    have=0
    for _ in $(seq $((N * 10 / RAMP + 300))); do
        have=$(connected)
        [ "${have:-0}" -ge "$N" ] && break
        sleep 0.1
    done
    sleep "$settle"

    s0=$(sample)
    t0=$(date +%s.%N)
    sleep "$WINDOW"
    s1=$(sample)
    t1=$(date +%s.%N)

    kill -INT $LP 2>/dev/null || true
    wait $LP || true
    LP=
    stop_nginx

    wall=$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')
    ticks=$(awk -v w="$wall" -v r=$RATE 'BEGIN { print w * r }')
    CPU[$v]=0
    SUBS[$v]=0
    while read -r p c0 _ e0 k0 _ && read -r _ c1 subs e1 k1 cl <&3; do
        cpu=$(awk -v d=$((c1 - c0)) -v hz="$hz" 'BEGIN { print d / hz }')
        CPU[$v]=$(awk -v a="${CPU[$v]}" -v b="$cpu" 'BEGIN { print a + b }')
        SUBS[$v]=$((SUBS[$v] + subs))
        printf '%-16s %6s %7s | %6.1f %5s %8.1f %8.3f %11.1f %7.0f\n' \
            "$name" "$p" "$cl" \
            "$(awk -v c="$cpu" -v w="$wall" 'BEGIN { print c / w * 100 }')" \
            "$subs" \
            "$(awk -v e=$((e1 - e0)) -v t="$ticks" 'BEGIN { print e / t }')" \
            "$(awk -v e=$((e1 - e0)) -v t="$ticks" -v s="$subs" \
               'BEGIN { print s ? e / t / s : 0 }')" \
            "$(awk -v c="$cpu" -v t="$ticks" -v s="$subs" \
               'BEGIN { print s ? c / t / s * 1e6 : 0 }')" \
            "$(awk -v k=$((k1 - k0)) -v w="$wall" 'BEGIN { print k / w }')"
        name=
    done < <(echo "$s0") 3< <(echo "$s1")
    echo "#   load client: $(grep -o 'established=[0-9]* failed=[0-9]*' \
        "$out" | head -1), $(grep -o 'cpu_s=[0-9.]*' "$out"), frames/s" \
        "p50 $(grep -o 'fps_p50=[0-9.]*' "$out" | cut -d= -f2)," \
        "close codes $(grep -o 'close_codes=[^ ]*' "$out" | cut -d= -f2)"
    TICKS=$ticks
done

# marginal: the CPU a distinct subscription adds, both workers together

marginal() {
    awk -v a="${CPU[$1]}" -v b="${CPU[$2]}" -v sa="${SUBS[$1]}" \
        -v sb="${SUBS[$2]}" -v t="$TICKS" 'BEGIN {
            if (sa > sb) printf "%.1f", (a - b) / t / (sa - sb) * 1e6;
            else printf "-" }'
}

echo "# enc/sub = frames encoded / (ticks x subscriptions): 1 when every" \
     "subscription is encoded every tick"
[ -n "${CPU[a]:-}" ] && [ -n "${CPU[b]:-}" ] \
    && echo "# marginal cost of a subscription whose clients drain every" \
            "${DRAIN} s (a - b): $(marginal a b) us per tick"
[ -n "${CPU[c]:-}" ] && [ -n "${CPU[d]:-}" ] \
    && echo "# marginal cost of a subscription read all the time (c - d):" \
            "$(marginal c d) us per tick"
[ -n "${CPU[c]:-}" ] && [ -n "${CPU[b]:-}" ] \
    && echo "# distinct, read all the time, against shared and slow (c - b):" \
            "$(marginal c b) us per subscription per tick"
exit 0
