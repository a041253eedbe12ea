#!/usr/bin/env bash
#
# WebSocket benchmark: nginx (the distribution's, with the module) with 2
# workers streams the Dutch GP at 50 Hz, full frames, to f1-replay-load on
# the same machine (127.0.0.1 only).  For each client count it prints the
# share of ticks received, clients with >= 98 % of ticks, jitter and
# delivery lateness percentiles, server CPU microseconds per delivered
# message, worker memory per client and bytes per client per second.
#
#   scripts/bench-ws.sh [SECONDS [N ...]]    default: 10 s; 100 500 1000 1500 2000
#
# N "-" skips that first table (for a variants table alone).
#
# With BENCH_VARIANTS set, a second table follows: one run per variant and
# client count (BENCH_VARIANT_CLIENTS, one count or several), with the
# share of ticks received, whether the count was sustained (every client
# >= 98 % of ticks and p99 lateness <= 20 ms), lateness, server CPU per
# delivered message (every message: frames, hello, state, replies,
# events) over the whole run and in the steady state, the handshake's
# server CPU, bytes per client per second (decrypted, and on the wire:
# TLS records included), TLS handshakes and resumptions, the load client's
# and other work's CPU, and a check that the variant was really in use
# (share of compact frames, connections with permessage-deflate accepted,
# TLS version and cipher).  A variant is words joined by "+":
#
#   json       the default format
#   compact    subscribe with "format":"compact"
#   deflate    offer permessage-deflate
#   rN         subscribe with "rate":N
#   tls        wss://: nginx listens with ssl, a self-signed RSA 2048
#              certificate made at run time in build/bench-ws (openssl
#              req; the load client does not verify it), nginx 1.22's
#              defaults (TLS 1.2, ssl_buffer_size 16k, no session cache,
#              session tickets on); the words below imply tls:
#   tls12, tls13   ssl_protocols TLSv1.2 / TLSv1.3 only
#   aes128, aes256, chacha   the cipher: AES-128-GCM, AES-256-GCM or
#              CHACHA20-POLY1305 (ssl_ciphers for TLS 1.2 and
#              ssl_conf_command Ciphersuites for TLS 1.3)
#   bufSIZE    ssl_buffer_size SIZE (buf16k, buf4k, buf1400)
#   ecdsa      an ECDSA P-256 certificate instead of RSA 2048
#   resume     the load client reuses TLS sessions (-S: each connection
#              offers the session last received; with nginx's defaults
#              that is a session ticket)
#   cache      ssl_session_cache shared:SSL:10m and ssl_session_tickets
#              off: resumption from nginx's shared cache (with resume)
#   nagle      tcp_nodelay off (nginx sets TCP_NODELAY on TLS connections
#              in its handshake and the module on plain ones, both only
#              with tcp_nodelay on, the default)
#   front      the clients connect to a front nginx (no module, 2 workers,
#              proxy_pass with the upgrade headers, as
#              conf/f1-replay-fleet-front.conf) that proxies them to the
#              module's nginx; with TLS words TLS ends at the front and
#              the front talks plain HTTP to the module.  fr_us is the
#              front's workers' CPU per message in the steady state
#              (st_us stays the module's)
#
# e.g. plain and TLS side by side:
#
#   BENCH_VARIANTS="json tls compact+deflate tls+compact+deflate" \
#       BENCH_VARIANT_CLIENTS="500 1000 2000" scripts/bench-ws.sh 10 -
#
# The steady state is the time between the moment every client is
# connected (the status gauge) and 1 s before the load client closes:
# st_us = workers' CPU / messages sent (the status counter) in it; hs_us =
# (workers' CPU until every client is connected - st_us x the messages
# sent by then) / handshakes.  cli% is the load client's CPU and oth% the
# CPU of everything else on the machine (/proc/stat busy, minus nginx, the
# front and the load client; it includes interrupts and softirqs not
# charged to a process), both in % of one core, over the steady state.
#
# Ports: free ones found at run time (one for the clients, one for the
# status, one for the front), unless BENCH_PORT says which for the
# clients (the module's nginx; the front's port is always found); a port that
# something already listens on is refused, and once nginx runs the script
# checks that no other process listens on its ports (reuseport would
# share them).
#
# Environment: F1_REPLAY_DATA (default ../shared/data), BENCH_PORT (a
# free port), BENCH_VARIANTS (none), BENCH_VARIANT_CLIENTS (1000),
# BENCH_VARIANT_SECONDS (10).  Logs: build/bench-ws/.

set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
SECONDS_PER_RUN=${1:-10}
shift || true
COUNTS=("$@")
[ ${#COUNTS[@]} -gt 0 ] || COUNTS=(100 500 1000 1500 2000)
[ "${COUNTS[*]}" != - ] || COUNTS=()
DATA=${F1_REPLAY_DATA:-$ROOT/../shared/data}
DATA=$(cd "$DATA" && pwd)
RUN=$ROOT/build/bench-ws
LOAD=$ROOT/build/tools/f1-replay-load
read -ra VARIANTS <<< "${BENCH_VARIANTS:-}"
read -ra VARIANT_NS <<< "${BENCH_VARIANT_CLIENTS:-1000}"
VARIANT_SECONDS=${BENCH_VARIANT_SECONDS:-10}

die() { echo "bench-ws: $*" >&2; exit 2; }

. "$ROOT/scripts/bench-lib.sh"

for n in "$SECONDS_PER_RUN" ${COUNTS[@]+"${COUNTS[@]}"} \
         ${VARIANT_NS[@]+"${VARIANT_NS[@]}"} "$VARIANT_SECONDS"; do
    case $n in
    ''|*[!0-9]*) die "SECONDS, N, BENCH_VARIANT_CLIENTS and" \
                     "BENCH_VARIANT_SECONDS must be whole numbers" ;;
    esac
done
[ ${#VARIANT_NS[@]} -gt 0 ] || VARIANT_NS=(1000)

# a variant's load client options in VARGS, what it should show in WANT_*,
# its nginx settings in V_*

variant_args() {
    local tok fmt='' rate='' msg
    local -a toks
    VARGS=()
    WANT_COMPACT=0
    WANT_DEFLATE=0
    V_TLS=0
    V_PROTO=
    V_CIPHER=
    V_BUF=
    V_CERT=rsa
    V_CACHE=0
    V_RESUME=0
    V_NAGLE=0
    V_FRONT=0
    IFS=+ read -ra toks <<< "$1"
    [ ${#toks[@]} -gt 0 ] || return 1
    for tok in "${toks[@]}"; do
        case $tok in
        json) fmt=json ;;
        compact) fmt=compact; WANT_COMPACT=1 ;;
        deflate) VARGS+=(-z); WANT_DEFLATE=1 ;;
        r[1-9]|r[1-9][0-9]|r[1-9][0-9][0-9]) rate=${tok#r} ;;
        tls) V_TLS=1 ;;
        tls12) V_TLS=1; V_PROTO=TLSv1.2 ;;
        tls13) V_TLS=1; V_PROTO=TLSv1.3 ;;
        aes128|aes256|chacha) V_TLS=1; V_CIPHER=$tok ;;
        buf[1-9]*) V_TLS=1; V_BUF=${tok#buf}
                   case $V_BUF in
                   *[!0-9kK]*|*[kK]?*) return 1 ;;
                   esac ;;
        ecdsa) V_TLS=1; V_CERT=ecdsa ;;
        resume) V_TLS=1; V_RESUME=1; VARGS+=(-S) ;;
        cache) V_TLS=1; V_CACHE=1 ;;
        nagle) V_NAGLE=1 ;;
        front) V_FRONT=1 ;;
        *) return 1 ;;
        esac
    done
    if [ "$fmt" = compact ] || [ -n "$rate" ]; then
        msg='{"type":"subscribe"'
        [ "$fmt" != compact ] || msg+=',"format":"compact"'
        [ -z "$rate" ] || msg+=",\"rate\":$rate"
        VARGS+=(-m "$msg}")
    fi
}

ANY_TLS=0
for v in ${VARIANTS[@]+"${VARIANTS[@]}"}; do
    variant_args "$v" || die "unknown variant \"$v\" (json, compact," \
        "deflate, rN, tls, tls12, tls13, aes128, aes256, chacha, bufSIZE," \
        "ecdsa, resume, cache, nagle, front, joined by +)"
    [ $V_TLS = 0 ] || ANY_TLS=1
done

# ports: free ones, or BENCH_PORT; never one something listens on

PORT=${BENCH_PORT:-$(bench_free_port)}
SPORT=$(bench_free_port)
while [ "$SPORT" = "$PORT" ]; do
    SPORT=$(bench_free_port)
done
FPORT=$(bench_free_port)
while [ "$FPORT" = "$PORT" ] || [ "$FPORT" = "$SPORT" ]; do
    FPORT=$(bench_free_port)
done
for p in "$PORT" "$SPORT" "$FPORT"; do
    ! bench_port_busy "$p" || die "127.0.0.1:$p is in use (set BENCH_PORT)"
done

"$ROOT/scripts/deps.sh" build >/dev/null
"$ROOT/scripts/build-module.sh" >/dev/null
make -s -C "$ROOT/scripts/tools" "$LOAD" >/dev/null

mkdir -p "$RUN/logs" "$RUN/front/logs"

# certificates, made for this run

if [ $ANY_TLS = 1 ]; then
    openssl req -x509 -newkey rsa:2048 -nodes -keyout "$RUN/rsa-key.pem" \
        -out "$RUN/rsa-cert.pem" -days 2 -subj /CN=localhost \
        > /dev/null 2>&1 || die "openssl req (RSA) failed"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
        -keyout "$RUN/ecdsa-key.pem" -out "$RUN/ecdsa-cert.pem" -days 2 \
        -subj /CN=localhost > /dev/null 2>&1 \
        || die "openssl req (ECDSA) failed"
fi

# nginx.conf for the settings in V_* (plain: variant_args json), and with
# front the front's front.conf (TLS there, plain HTTP to the module)

write_conf() {
    local listen_ssl='' ssl='' f_listen_ssl='' f_ssl='' nodelay=''
    if [ $V_TLS = 1 ]; then
        listen_ssl=' ssl'
        ssl+="        ssl_certificate $RUN/$V_CERT-cert.pem;"$'\n'
        ssl+="        ssl_certificate_key $RUN/$V_CERT-key.pem;"$'\n'
        [ -z "$V_PROTO" ] || ssl+="        ssl_protocols $V_PROTO;"$'\n'
        case $V_CIPHER in
        aes128) ssl+="        ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256;"$'\n'
                ssl+="        ssl_conf_command Ciphersuites TLS_AES_128_GCM_SHA256;"$'\n' ;;
        aes256) ssl+="        ssl_ciphers ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-AES256-GCM-SHA384;"$'\n'
                ssl+="        ssl_conf_command Ciphersuites TLS_AES_256_GCM_SHA384;"$'\n' ;;
        chacha) ssl+="        ssl_ciphers ECDHE-RSA-CHACHA20-POLY1305:ECDHE-ECDSA-CHACHA20-POLY1305;"$'\n'
                ssl+="        ssl_conf_command Ciphersuites TLS_CHACHA20_POLY1305_SHA256;"$'\n' ;;
        esac
        [ -z "$V_BUF" ] || ssl+="        ssl_buffer_size $V_BUF;"$'\n'
        if [ $V_CACHE = 1 ]; then
            ssl+="        ssl_session_cache shared:SSL:10m;"$'\n'
            ssl+="        ssl_session_tickets off;"$'\n'
        fi
    fi
    [ $V_NAGLE = 0 ] || nodelay="    tcp_nodelay off;"
    if [ $V_FRONT = 1 ]; then
        f_listen_ssl=$listen_ssl
        f_ssl=$ssl
        listen_ssl=
        ssl=
    fi
    cat > "$RUN/nginx.conf" <<END
$(bench_conf_main "$(ulimit -Hn)" 20000)
http {
    access_log off;
$nodelay
    f1_replay_session dutch
        path=$DATA/2025-dutch-grand-prix-race zone=dutch:64m;
    server {
        listen 127.0.0.1:$PORT reuseport$listen_ssl;
$ssl
        location = /ws {
            f1_replay dutch;
        }
    }
    server {
        listen 127.0.0.1:$SPORT;
        location = /status {
            f1_replay_status;
        }
    }
}
END
    cat > "$RUN/front/nginx.conf" <<END
daemon off;
master_process on;
worker_processes 2;
worker_rlimit_nofile $(ulimit -Hn);
error_log $RUN/front/logs/error.log notice;
pid $RUN/front/logs/nginx.pid;
events {
    worker_connections 20000;
}
http {
    access_log off;
$nodelay
    server {
        listen 127.0.0.1:$FPORT reuseport$f_listen_ssl;
$f_ssl
        location = /ws {
            proxy_pass http://127.0.0.1:$PORT;
            proxy_http_version 1.1;
            proxy_set_header Upgrade \$http_upgrade;
            proxy_set_header Connection upgrade;
            proxy_set_header Host \$host;
            proxy_read_timeout 60s;
            proxy_send_timeout 60s;
        }
    }
}
END
    SCHEME=ws
    [ $V_TLS = 0 ] || SCHEME=wss
    if [ $V_FRONT = 1 ]; then
        URL=$SCHEME://127.0.0.1:$FPORT/ws
    else
        URL=$SCHEME://127.0.0.1:$PORT/ws
    fi
}

# a fresh nginx per client count, so that memory per client is measured
# from a clean worker (after one client has touched the session's pages)

MASTER=
WORKERS=
FMASTER=
FWORKERS=
start_nginx() {
    bench_start_master "$RUN" "$PORT" "$SPORT"
    MASTER=$M_PID
    WORKERS=$M_WORKERS
    if [ $V_FRONT = 1 ]; then
        bench_start_master "$RUN/front" "$FPORT"
        FMASTER=$M_PID
        FWORKERS=$M_WORKERS
    fi
    "$LOAD" -q -n 2 -t 1 "$URL" > /dev/null 2>&1 || true
}

stop_nginx() {
    bench_stop_masters $FMASTER $MASTER
    MASTER=
    FMASTER=
    FWORKERS=
}

LP=
cleanup() {
    [ -z "$LP" ] || kill $LP 2>/dev/null || true
    stop_nginx
}
trap cleanup EXIT

busy_ticks() {   # the machine's busy time, all cores
    awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9; exit }' /proc/stat
}

rss_kb() {   # the module's workers
    local p t=0
    for p in $WORKERS; do
        t=$((t + $(awk '/^VmRSS/ {print $2}' /proc/$p/status)))
    done
    echo $t
}

status() {   # the sum over the workers of a status metric
    curl -s "http://127.0.0.1:$SPORT/status?format=prometheus" \
        | awk -v m="$1" '$1 ~ "^" m "({|$)" { s += $NF } END { print s + 0 }'
}

now() { date +%s.%N; }

sleep_until() {
    sleep "$(awk -v t="$1" -v n="$(now)" \
             'BEGIN { d = t - n; printf "%.2f", (d > 0 ? d : 0) }')"
}

# run_one N SECONDS OUT [load options...]: a fresh nginx, the load client;
# server CPU ticks in CPU_T, worker RSS growth (kB) in RSS_D; steady state
# and handshake figures in ST_US, FR_US, HS_US, CLI_PCT, OTH_PCT

run_one() {
    local n=$1 secs=$2 out=$3 rss0 rss1 c0 c1 f0 m0 t0 cu fu mu tu lu bu
    local ce fe me te le be
    shift 3
    start_nginx
    rss0=$(rss_kb)
    m0=$(status f1_replay_messages_total)
    c0=$(bench_cpu_ticks $WORKERS)
    f0=$(bench_cpu_ticks $FWORKERS)
    t0=$(now)
    "$LOAD" -q -n "$n" -t "$secs" -r 2000 "$@" "$URL" > "$out" 2>&1 &
    LP=$!

    # every client connected (at most the ramp and 20 s)
    for _ in $(seq $(( (n / 2000 + 20) * 10 ))); do
        [ "$(status f1_replay_clients)" -ge "$n" ] && break
        kill -0 $LP 2>/dev/null || break
        sleep 0.1
    done
    cu=$(bench_cpu_ticks $WORKERS); fu=$(bench_cpu_ticks $FWORKERS)
    mu=$(status f1_replay_messages_total); tu=$(now)
    lu=$(bench_cpu_ticks $LP); bu=$(busy_ticks)

    sleep_until "$(awk -v t="$t0" -v s="$secs" 'BEGIN { printf "%.3f", t + s / 2 + 1 }')"
    rss1=$(rss_kb)

    sleep_until "$(awk -v t="$tu" -v s="$secs" 'BEGIN { printf "%.3f", t + s - 1 }')"
    ce=$(bench_cpu_ticks $WORKERS); fe=$(bench_cpu_ticks $FWORKERS)
    me=$(status f1_replay_messages_total); te=$(now)
    le=$(bench_cpu_ticks $LP); be=$(busy_ticks)

    wait $LP || true
    LP=
    c1=$(bench_cpu_ticks $WORKERS)
    CPU_T=$((c1 - c0))
    RSS_D=$((rss1 - rss0))
    read -r ST_US FR_US HS_US CLI_PCT OTH_PCT < <(awk -v hz="$hz" \
        -v c0="$c0" -v cu="$cu" -v ce="$ce" -v f0="$f0" -v fu="$fu" \
        -v fe="$fe" -v m0="$m0" -v mu="$mu" -v me="$me" -v tu="$tu" \
        -v te="$te" -v lu="$lu" -v le="$le" -v bu="$bu" -v be="$be" \
        -v front="$V_FRONT" -v hs="$(bench_field established "$out")" '
        BEGIN {
            d = te - tu
            if (d < 0.5 || me <= mu) { print "- - - - -"; exit }
            us = 1e6 / hz
            st = (ce - cu) * us / (me - mu)
            fr = (fe - fu) * us / (me - mu)
            h = hs > 0 ? ((cu - c0 + fu - f0) * us - (st + fr) * (mu - m0)) \
                         / hs : 0
            cli = (le - lu) / hz / d * 100
            oth = ((be - bu) - (ce - cu) - (fe - fu) - (le - lu)) \
                  / hz / d * 100
            printf "%.2f %s %.0f %.0f %.0f\n", st,
                   (front ? sprintf("%.2f", fr) : "-"), h, cli,
                   (oth < 0 ? 0 : oth)
        }')
    stop_nginx
}

hz=$(getconf CLK_TCK)
echo "# f1-replay WebSocket benchmark, $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "# $(nproc) cores, $(awk -F': *' '/^model name/ {print $2; exit}' \
/proc/cpuinfo), nginx $(/usr/sbin/nginx -v 2>&1 | sed 's/.*\///'), 2 workers," \
"module $(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo '?')"
echo "# load average at the start: $(cut -d' ' -f1-3 /proc/loadavg)"

if [ ${#COUNTS[@]} -gt 0 ]; then
echo "# Dutch GP, full frames, 50 Hz, ${SECONDS_PER_RUN} s per run, load" \
     "client on the same machine"
printf '%6s %9s %8s %8s %8s %8s %8s %8s %9s %8s %10s\n' clients ticks% \
    'ok>=98%' jit_p50 jit_p99 late_p50 late_p99 late_max us/msg \
    KB/client B/client/s

variant_args json
write_conf
for n in "${COUNTS[@]}"; do
    out=$RUN/load-$n.txt
    run_one "$n" "$SECONDS_PER_RUN" "$out"
    frames=$(bench_field frames "$out")
    [ -n "$frames" ] || {
        echo "$n: load client failed:"; tail -5 "$out"; continue
    }
    msgs=$((frames + 2 * $(bench_field established "$out")))
    us=$(awk -v t=$CPU_T -v hz="$hz" -v m="$msgs" \
         'BEGIN { printf "%.2f", m ? t / hz * 1e6 / m : 0 }')
    printf '%6s %9s %8s %8s %8s %8s %8s %8s %9s %8s %10s\n' "$n" \
        "$(awk -v f="$(bench_field tick_fraction "$out")" \
           'BEGIN { printf "%.2f", f * 100 }')" \
        "$(bench_field clients_98 "$out")" \
        "$(bench_field jitter_p50_ms "$out")" \
        "$(bench_field jitter_p99_ms "$out")" \
        "$(bench_field late_p50_ms "$out")" \
        "$(bench_field late_p99_ms "$out")" \
        "$(bench_field late_max_ms "$out")" "$us" \
        "$(( RSS_D / (n > 0 ? n : 1) ))" \
        "$(bench_field client_bps_p50 "$out")"
done
fi

[ ${#VARIANTS[@]} -gt 0 ] || exit 0

echo
echo "# variants: ${VARIANT_NS[*]} clients, ${VARIANT_SECONDS} s per run;" \
     "sust = every client >= 98 % of ticks and late_p99 <= 20 ms;"
echo "# us/msg = server CPU / all delivered messages over the run, st_us" \
     "the same in the steady state, fr_us the front's (front);"
echo "# hs_us = server CPU per connection until all are up (TLS" \
     "handshake, WebSocket handshake, hello and state);"
echo "# B/cl/s decrypted and wire/cl/s on the wire (TLS records) per" \
     "client; B/frame on the wire before TLS; hs/res = TLS handshakes /"
echo "# resumed; cli%, oth% = load client and other CPU in % of a core;" \
     "compact% of frames, deflate = connections that negotiated it"
vrow() {
    printf '%-24s %7s %7s %7s %4s %8s %8s %7s %6s %6s %6s %8s %9s %7s %11s %4s %4s %8s %10s\n' \
        "$@"
}
vrow variant clients ticks% 'ok>=98%' sust late_p50 late_p99 us/msg st_us \
    fr_us hs_us B/cl/s wire/cl/s B/frame hs/res cli% oth% compact% deflate

WARN=()
TLSINFO=()
declare -A SUSTAINED=()
for n in "${VARIANT_NS[@]}"; do
for v in "${VARIANTS[@]}"; do
    variant_args "$v"
    write_conf
    out=$RUN/variant-${v//+/-}-$n.txt
    run_one "$n" "$VARIANT_SECONDS" "$out" ${VARGS[@]+"${VARGS[@]}"}
    frames=$(bench_field frames "$out")
    [ -n "$frames" ] || {
        echo "$v $n: load client failed:"; tail -5 "$out"; continue
    }
    est=$(bench_field established "$out")
    good=$(bench_field clients_98 "$out")
    p99=$(bench_field late_p99_ms "$out")
    compact=$(bench_field frames_compact "$out")
    dconns=$(bench_field deflate_conns "$out")
    us=$(awk -v t=$CPU_T -v hz="$hz" -v m="$(bench_field messages "$out")" \
         'BEGIN { printf "%.2f", m ? t / hz * 1e6 / m : 0 }')
    cpct=$(awk -v c="$compact" -v f="$frames" \
           'BEGIN { printf "%.1f", f ? c * 100 / f : 0 }')
    sust=no
    if [ "$est" = "$n" ] && [ "$good" = "$n" ] \
       && awk -v p="$p99" 'BEGIN { exit !(p <= 20) }'; then
        sust=yes
        [ "${SUSTAINED[$v]:-0}" -ge "$n" ] || SUSTAINED[$v]=$n
    fi
    hsres=-
    if [ $V_TLS = 1 ]; then
        hsres="$(bench_field tls_handshakes "$out")"
        hsres+="/$(bench_field tls_resumed "$out")"
        TLSINFO+=("$v $n: $(sed -n 's/^ *tls  *[0-9]* handshakes (\([^)]*\)).*/\1/p' \
                            "$out")")
    fi
    vrow "$v" "$n" \
        "$(awk -v f="$(bench_field tick_fraction "$out")" \
           'BEGIN { printf "%.2f", f * 100 }')" \
        "$good" "$sust" "$(bench_field late_p50_ms "$out")" "$p99" "$us" \
        "$ST_US" "$FR_US" "$HS_US" "$(bench_field client_bps_p50 "$out")" \
        "$(bench_field client_wire_bps_p50 "$out")" \
        "$(awk -v b="$(bench_field frame_wire_mean "$out")" \
           'BEGIN { printf "%.0f", b }')" \
        "$hsres" "$CLI_PCT" "$OTH_PCT" "$cpct" "$dconns/$est"

    # the variant must really be in use, and nothing refused or broken
    if [ $WANT_COMPACT = 1 ] \
       && awk -v p="$cpct" 'BEGIN { exit !(p < 99) }'; then
        WARN+=("$v $n: only $cpct% of the frames were compact")
    fi
    if [ $WANT_COMPACT = 0 ] && [ "$compact" != 0 ]; then
        WARN+=("$v $n: $compact compact frames without asking for them")
    fi
    if [ $WANT_DEFLATE = 1 ] && [ "$dconns" != "$est" ]; then
        WARN+=("$v $n: permessage-deflate on $dconns of $est connections")
    fi
    if [ $V_TLS = 1 ] && [ "$(bench_field tls "$out")" != 1 ]; then
        WARN+=("$v $n: not over TLS")
    fi
    if [ $V_TLS = 1 ]; then
        info=${TLSINFO[-1]#* * }
        [ -z "$V_PROTO" ] || [[ $info == "$V_PROTO,"* ]] \
            || WARN+=("$v $n: $info, not $V_PROTO")
        case $V_CIPHER in
        aes128) want='AES128|AES_128' ;;
        aes256) want='AES256|AES_256' ;;
        chacha) want='CHACHA20' ;;
        *) want= ;;
        esac
        [ -z "$want" ] || [[ $info =~ $want ]] \
            || WARN+=("$v $n: $info, not $V_CIPHER")
    fi
    for k in msg_error msg_bad_json msg_bad_frame z_errors failed tls_errors; do
        [ "$(bench_field $k "$out")" = 0 ] || \
            WARN+=("$v $n: $k=$(bench_field $k "$out") (see $out)")
    done
    [ "$(bench_field close_codes "$out")" = - ] || WARN+=(
        "$v $n: closed by the server: $(bench_field close_codes "$out")")
    [ "$(bench_field client_saturated "$out")" = 0 ] || \
        WARN+=("$v $n: the load client used over 90 % of a core")
done
done

echo "# clients sustained (the largest count run with sust = yes):"
for v in "${VARIANTS[@]}"; do
    echo "#   $v: ${SUSTAINED[$v]:-none of ${VARIANT_NS[*]}}"
done
for t in ${TLSINFO[@]+"${TLSINFO[@]}"}; do
    echo "# tls $t"
done
echo "# load average at the end: $(cut -d' ' -f1-3 /proc/loadavg)"
for w in ${WARN[@]+"${WARN[@]}"}; do
    echo "# WARNING $w"
done
