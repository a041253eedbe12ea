#!/usr/bin/env bash
#
# The whole test suite of ngx_f1_replay_module:
#
#   deps, the dynamic module for the distribution's nginx, the inspect tool
#   and the C unit tests (run), then
#     a) t/ with /usr/sbin/nginx + the .so
#     b) t/ with a static ASan+UBSan nginx (scripts/build-nginx.sh asan),
#        but for the files that do not run the module and t/038 (ASAN_SKIP)
#     c) the block files of t/ (Test::Nginx::Socket: the loader, the
#        WebSocket endpoint, the status) under valgrind, static debug nginx
#     d) each libFuzzer target for FUZZ_SECONDS, from its seed corpus
#     e) the strategy back-test over the 2024 season, as a benchmark
#        (scripts/bench-backtest.sh: tables and leakage check printed)
#   and a summary; the exit status is non-zero when any stage failed.
#
# Nothing can hang CI: every stage has a wall-clock bound (timeout(1):
# TERM to the stage's process group, KILL 30 s later), every test file a
# limit of its own (F1Fixture::time_limit, scaled by F1_REPLAY_TIME_FACTOR
# for the sanitizer and valgrind builds), and each test file's nginx
# listens on a port free at the time (TEST_NGINX_RANDOMIZE for the real
# Test::Nginx; our t/lib runner and the scripts pick one by default), so
# two runs on one machine never meet.
#
# Environment:
#   F1_REPLAY_DATA            session archives (default ../shared/data)
#   F1_REPLAY_SKIP_ASAN=1     skip b)
#   F1_REPLAY_SKIP_VALGRIND=1 skip c)
#   F1_REPLAY_SKIP_FUZZ=1     skip d)
#   FUZZ_SECONDS              seconds per fuzzer (default 60)
#   FUZZ_JOBS                 fuzzers run at once (default: nproc)
#   F1_REPLAY_PROVE_LIMIT     seconds for the whole of t/ with the
#                             distribution's nginx (default 1800); the
#                             ASan stage gets 4 times that, valgrind 10
#   TEST_NGINX_SERVER_PORT    one port for every test file's nginx, and with
#                             TEST_NGINX_SERVROOT one servroot for every
#                             block file (default: a free port and
#                             t/servroot_PORT per file, TEST_NGINX_RANDOMIZE)

set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
cd "$ROOT"

SO=$ROOT/build/dynamic/ngx_f1_replay_module.so
NGINX_ASAN=$ROOT/build/nginx-asan/sbin/nginx
NGINX_DEBUG=$ROOT/build/nginx-debug/sbin/nginx
TOOLS=$ROOT/build/tools
LOGS=$ROOT/build/test/logs
FUZZ_SECONDS=${FUZZ_SECONDS:-60}
FUZZ_JOBS=${FUZZ_JOBS:-$(nproc)}
PROVE_LIMIT=${F1_REPLAY_PROVE_LIMIT:-1800}

export TEST_NGINX_DATA=${F1_REPLAY_DATA:-$ROOT/../shared/data}
export TEST_NGINX_TOOLS=$TOOLS

# a free port per test file unless one is given (TEST_NGINX_RANDOMIZE makes
# the real Test::Nginx pick one too)
if [ -z "${TEST_NGINX_SERVER_PORT:-}${TEST_NGINX_PORT:-}" ]; then
    export TEST_NGINX_RANDOMIZE=1
fi

mkdir -p "$LOGS"

STAGES=()
declare -A RESULT=() TIME=()
SUITE_START=$(date +%s)


# --- stage bookkeeping -----------------------------------------------------

header() {
    printf '\n==== %s ====\n' "$*"
}

record() {
    STAGES+=("$1")
    RESULT[$1]="$2"
}

passed() {
    [ "${RESULT[$1]:-}" = "ok" ]
}

# run_stage NAME FUNCTION: FUNCTION runs in a subshell with set -e
run_stage() {
    local name=$1 fn=$2 start rc

    header "$name"
    start=$(date +%s)
    set +e
    ( set -e; "$fn" )
    rc=$?
    set -e
    TIME[$name]=$(( $(date +%s) - start ))
    if [ $rc -eq 0 ]; then
        record "$name" "ok"
    else
        record "$name" "FAILED"
    fi
    echo "---- $name: ${RESULT[$name]} (${TIME[$name]} s)"
}

# bounded SECONDS COMMAND...: CI fails, it never hangs
bounded() {
    local limit=$1 rc=0
    shift

    timeout --kill-after=30 "$limit" "$@" || rc=$?
    if [ $rc -eq 124 ] || [ $rc -eq 137 ]; then
        echo "stopped: $1 ran past its wall-clock limit of $limit s"
    fi
    return $rc
}

skip_stage() {
    header "$1"
    echo "skipped: $2"
    record "$1" "skipped ($2)"
}

summary() {
    local name failed=0 passed=0

    header "summary"
    for name in "${STAGES[@]}"; do
        printf '  %-22s %s%s\n' "$name" "${RESULT[$name]}" \
            "${TIME[$name]:+, ${TIME[$name]} s}"
        case "${RESULT[$name]}" in
            FAILED*) failed=$((failed + 1)) ;;
            ok) passed=$((passed + 1)) ;;
        esac
    done
    echo "  total $(( $(date +%s) - SUITE_START )) s; logs in $LOGS"
    echo "stages: $passed passed, $failed failed"
    [ $failed -eq 0 ]
}


# --- the stages ------------------------------------------------------------

stage_deps() {
    "$ROOT/scripts/deps.sh" test
}

stage_module() {
    "$ROOT/scripts/build-module.sh"
}

stage_tools() {
    make -C "$ROOT/scripts/tools"
}

stage_unit() {
    local t n=0 failed=0

    for t in "$TOOLS"/test_*; do
        [ -x "$t" ] || continue
        n=$((n + 1))
        if bounded 300 "$t" > "$LOGS/$(basename "$t").log" 2>&1; then
            echo "ok     $(basename "$t")"
        else
            echo "FAILED $(basename "$t") (log: $LOGS/$(basename "$t").log)"
            tail -n 20 "$LOGS/$(basename "$t").log"
            failed=$((failed + 1))
        fi
    done
    echo "$n unit test program(s), $failed failed"
    [ $failed -eq 0 ]
}

stage_build_asan() {
    "$ROOT/scripts/build-nginx.sh" asan
}

stage_build_debug() {
    "$ROOT/scripts/build-nginx.sh" debug
}

# prove over the given test files with the right include path, for at
# most PROVE_LIMIT times F1_REPLAY_TIME_FACTOR seconds
run_prove() {
    local -a inc=()
    local factor=${F1_REPLAY_TIME_FACTOR:-1}

    # the project's own runner only where the real Test::Nginx is missing
    if ! perl -MTest::Nginx::Socket -e1 2>/dev/null; then
        inc=(-I "$ROOT/t/lib")
    fi
    echo "binary: $TEST_NGINX_BINARY"
    echo "data:   $TEST_NGINX_DATA"
    echo "limit:  $((PROVE_LIMIT * factor)) s, each file its own times $factor"
    bounded $((PROVE_LIMIT * factor)) prove --timer "${inc[@]}" "$@"
}

stage_prove_distro() {
    export TEST_NGINX_BINARY=/usr/sbin/nginx
    export TEST_NGINX_LOAD_MODULES=$SO
    run_prove -r t/
}

stage_prove_asan() {
    export TEST_NGINX_BINARY=$NGINX_ASAN
    unset TEST_NGINX_LOAD_MODULES
    # reports go to nginx's error log / stderr, where the runner fails the
    # block on "AddressSanitizer|LeakSanitizer|runtime error:"
    export ASAN_OPTIONS="detect_leaks=1:halt_on_error=1:abort_on_error=0\
:allocator_may_return_null=1:check_initialization_order=1\
:detect_stack_use_after_return=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
    export LSAN_OPTIONS="suppressions=$ROOT/t/lsan.supp:print_suppressions=0\
${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
    export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=0\
:report_error_type=1:suppressions=$ROOT/t/ubsan.supp\
${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
    # a sanitized nginx loads an archive several times slower: give the
    # blocks without their own --- timeout more than the default 3 s
    export TEST_NGINX_TIMEOUT=${TEST_NGINX_TIMEOUT:-10}
    export F1_REPLAY_TIME_FACTOR=4
    echo "ASAN_OPTIONS=$ASAN_OPTIONS"
    echo "LSAN_OPTIONS=$LSAN_OPTIONS"
    echo "UBSAN_OPTIONS=$UBSAN_OPTIONS"
    echo "not run here: ${ASAN_SKIP[*]} (see ASAN_SKIP)"
    run_prove "${ASAN_TESTS[@]}"
}

stage_valgrind() {
    export TEST_NGINX_BINARY=$NGINX_DEBUG
    unset TEST_NGINX_LOAD_MODULES
    export TEST_NGINX_USE_VALGRIND=1
    export F1_REPLAY_TIME_FACTOR=10
    run_prove "${BLOCK_TESTS[@]}"
}

# one fuzzer: NAME; seed corpus copied to a scratch dir; rc in a file
fuzz_one() {
    local bin=$1 name corpus d tmp rc
    local -a opts

    name=$(basename "$bin")
    corpus=""
    for d in "t/fuzz/corpus/$name" "t/fuzz/corpus/${name#fuzz_}"; do
        [ -d "$d" ] && { corpus=$d; break; }
    done
    opts=(
        -max_total_time="$FUZZ_SECONDS"
        -timeout=10
        -rss_limit_mb=2048
        -print_final_stats=1
        -artifact_prefix="$ROOT/build/fuzz/artifacts/$name/"
    )
    for d in "t/fuzz/$name.dict" "t/fuzz/${name#fuzz_}.dict"; do
        [ -f "$d" ] && { opts+=(-dict="$d"); break; }
    done

    mkdir -p "$ROOT/build/fuzz/artifacts/$name"
    tmp=$(mktemp -d "$ROOT/build/fuzz/corpus-$name.XXXXXX")
    [ -n "$corpus" ] && cp -R "$corpus/." "$tmp/"

    set +e
    bounded $((FUZZ_SECONDS + 300)) "$bin" "${opts[@]}" "$tmp" \
        > "$LOGS/$name.log" 2>&1
    rc=$?
    set -e
    rm -rf "$tmp"
    echo "$rc" > "$LOGS/$name.rc"
}

stage_backtest() {
    bounded 600 "$ROOT/scripts/bench-backtest.sh"
}

stage_fuzz() {
    local bin name rc failed=0 n=0 running=0
    local -a bins=()

    make -C "$ROOT/scripts/tools" fuzz
    for bin in "$TOOLS"/fuzz_*; do
        [ -x "$bin" ] && bins+=("$bin")
    done
    if [ ${#bins[@]} -eq 0 ]; then
        echo "no fuzz targets (t/fuzz/fuzz_*.c)"
        return 0
    fi
    mkdir -p "$ROOT/build/fuzz"

    echo "${#bins[@]} fuzzer(s), ${FUZZ_SECONDS} s each, $FUZZ_JOBS at once"
    for bin in "${bins[@]}"; do
        if [ $running -ge "$FUZZ_JOBS" ]; then
            wait -n || true
            running=$((running - 1))
        fi
        rm -f "$LOGS/$(basename "$bin").rc"
        fuzz_one "$bin" &
        running=$((running + 1))
    done
    wait || true

    for bin in "${bins[@]}"; do
        name=$(basename "$bin")
        n=$((n + 1))
        rc=$(cat "$LOGS/$name.rc" 2>/dev/null || echo "?")
        stats=$(grep -E '^stat::(number_of_executed_units|new_units_added)' \
                "$LOGS/$name.log" | sed 's/^stat:://' | tr -s ' \n' '  ' || true)
        if [ "$rc" = 0 ]; then
            echo "ok     $name: $stats"
        else
            failed=$((failed + 1))
            echo "FAILED $name (exit $rc; log: $LOGS/$name.log;" \
                 "artifacts: build/fuzz/artifacts/$name/)"
            grep -E -A25 '^==[0-9]+==|^SUMMARY|Test unit written' \
                "$LOGS/$name.log" | head -n 40 || tail -n 20 "$LOGS/$name.log"
        fi
    done
    echo "$n fuzzer(s), $failed failed"
    [ $failed -eq 0 ]
}


# --- the run ---------------------------------------------------------------

run_stage "deps" stage_deps
if ! passed "deps"; then
    summary || true
    exit 1
fi

if [ ! -d "$TEST_NGINX_DATA" ]; then
    echo "warning: no session data at $TEST_NGINX_DATA (set F1_REPLAY_DATA)"
else
    TEST_NGINX_DATA=$(cd "$TEST_NGINX_DATA" && pwd)
fi

run_stage "build module (.so)" stage_module
run_stage "inspect + unit build" stage_tools

if passed "inspect + unit build"; then
    run_stage "unit tests" stage_unit
else
    record "unit tests" "FAILED (not built)"
fi

shopt -s nullglob
ALL_TESTS=(t/*.t)
shopt -u nullglob

# valgrind runs the nginx of block files; the scripts start their own nginx
# (and their timing checks are no use at valgrind's speed)
BLOCK_TESTS=()
for f in "${ALL_TESTS[@]}"; do
    head -n 40 "$f" | grep -q '^use Test::Nginx::Socket' \
        && BLOCK_TESTS+=("$f")
done

# the ASan stage leaves out what does not run the module (the back-test
# tool, the fetcher against nginx as a static mirror, node's tests of the
# page's JavaScript) and t/038-events.t, which is bound by the clock (the
# longest race at 50x, 196 s) and runs in a)
ASAN_SKIP=(t/038-events.t t/040-backtest.t t/041-fetch.t
           t/051-dashboard-model.t)
ASAN_TESTS=()
for f in "${ALL_TESTS[@]}"; do
    [[ " ${ASAN_SKIP[*]} " == *" $f "* ]] || ASAN_TESTS+=("$f")
done

if [ ${#ALL_TESTS[@]} -eq 0 ]; then
    skip_stage "a) prove, distro nginx" "no t/*.t yet"
elif passed "build module (.so)"; then
    run_stage "a) prove, distro nginx" stage_prove_distro
else
    record "a) prove, distro nginx" "FAILED (no module)"
fi

if [ "${F1_REPLAY_SKIP_ASAN:-0}" = 1 ]; then
    skip_stage "b) prove, ASan nginx" "F1_REPLAY_SKIP_ASAN=1"
else
    run_stage "build nginx asan" stage_build_asan
    if [ ${#ALL_TESTS[@]} -eq 0 ]; then
        skip_stage "b) prove, ASan nginx" "no t/*.t yet"
    elif passed "build nginx asan"; then
        run_stage "b) prove, ASan nginx" stage_prove_asan
    else
        record "b) prove, ASan nginx" "FAILED (no binary)"
    fi
fi

if [ "${F1_REPLAY_SKIP_VALGRIND:-0}" = 1 ]; then
    skip_stage "c) valgrind, blocks" "F1_REPLAY_SKIP_VALGRIND=1"
elif [ ${#BLOCK_TESTS[@]} -eq 0 ]; then
    skip_stage "c) valgrind, blocks" "no block files in t/ yet"
else
    run_stage "build nginx debug" stage_build_debug
    if passed "build nginx debug"; then
        run_stage "c) valgrind, blocks" stage_valgrind
    else
        record "c) valgrind, blocks" "FAILED (no binary)"
    fi
fi

if [ "${F1_REPLAY_SKIP_FUZZ:-0}" = 1 ]; then
    skip_stage "d) fuzz" "F1_REPLAY_SKIP_FUZZ=1"
else
    run_stage "d) fuzz" stage_fuzz
fi

run_stage "e) back-test 2024" stage_backtest

summary
