# What the benchmark scripts share (sourced by bench-ws.sh, bench-mem.sh,
# bench-subs.sh, bench-nchan.sh; not run): free ports on 127.0.0.1, the
# head of nginx.conf, an nginx master started and its two workers found,
# masters stopped by pid, CPU ticks from /proc, a field of the load
# client's RESULT line.  The sourcing script sets ROOT and RUN and
# defines die().

# a port free on 127.0.0.1 now (the kernel's choice)
bench_free_port() {
    perl -MSocket -e '
        socket(my $s, PF_INET, SOCK_STREAM, 0) or die;
        bind($s, pack_sockaddr_in(0, inet_aton("127.0.0.1"))) or die;
        print((unpack_sockaddr_in(getsockname($s)))[0]);'
}

# the pids listening on TCP port $1, one a line
bench_listeners() {
    ss -Hltnp "sport = :$1" | grep -o 'pid=[0-9]*' | cut -d= -f2 | sort -u
}

# true when something listens on TCP port $1
bench_port_busy() {
    [ -n "$(ss -Hltn "sport = :$1")" ]
}

# bench_start_master PREFIX [PORT...]: /usr/sbin/nginx with
# PREFIX/nginx.conf (2 workers, daemon off); its pid in M_PID, the workers'
# in M_WORKERS; dies unless both workers run and nothing else listens on
# the PORTs given
bench_start_master() {
    local prefix=$1 p port
    shift
    /usr/sbin/nginx -p "$prefix/" -c "$prefix/nginx.conf" &
    M_PID=$!
    for _ in $(seq 100); do
        M_WORKERS=$(pgrep -P $M_PID | tr '\n' ' ' || true)
        [ "$(echo $M_WORKERS | wc -w)" -ge 2 ] && break
        sleep 0.1
    done
    [ "$(echo $M_WORKERS | wc -w)" -eq 2 ] || {
        tail -5 "$prefix/logs/error.log" >&2
        die "nginx did not start (see $prefix/logs/error.log)"
    }
    sleep 0.5
    for port in "$@"; do
        for p in $(bench_listeners "$port"); do
            case " $M_PID $M_WORKERS " in
            *" $p "*) ;;
            *) die "process $p listens on 127.0.0.1:$port too" ;;
            esac
        done
    done
}

# QUIT to each master pid given (ours), and wait for it
bench_stop_masters() {
    local m
    for m in "$@"; do
        kill -QUIT $m 2>/dev/null || true
        wait $m 2>/dev/null || true
    done
}

# utime + stime, in clock ticks, of the pids given (0 for one gone)
bench_cpu_ticks() {
    local p t=0
    for p in "$@"; do
        t=$((t + $(awk '{print $14 + $15}' /proc/$p/stat 2>/dev/null \
                   || echo 0)))
    done
    echo $t
}

# the value of KEY in the load client's "RESULT key=value ..." line of FILE
bench_field() {
    sed -n "s/.* $1=\([^ ]*\).*/\1/p" "$2"
}

# bench_conf_main NOFILE CONNECTIONS: the main and events contexts of a
# benchmark's nginx.conf (the module, 2 workers in the foreground, logs in
# $RUN/logs), on stdout
bench_conf_main() {
    cat <<END
load_module $ROOT/build/dynamic/ngx_f1_replay_module.so;
daemon off;
master_process on;
worker_processes 2;
worker_rlimit_nofile $1;
error_log $RUN/logs/error.log notice;
pid $RUN/logs/nginx.pid;
events {
    worker_connections $2;
}
END
}
