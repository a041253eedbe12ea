#!/usr/bin/env bash
#
# Builds ngx_f1_replay_module as a dynamic module for the distribution's
# nginx (the nginx-dev tree under /usr/share/nginx/src, Debian's own
# configure flags, so the .so is binary compatible with /usr/sbin/nginx):
#
#   build/dynamic/ngx_f1_replay_module.so
#
# configure (15-35 s) runs only when there is no Makefile yet or when the
# module's `config` (or the nginx-dev tree, or the flags) changed; otherwise
# this is just `make` (about 1 s).  Ends by checking that /usr/sbin/nginx
# loads the .so (`nginx -t` on a tiny temporary config).
#
# Environment:
#   F1_REPLAY_MODULE_DIR   module source tree (default: the repository);
#                          for pipeline tests with another module tree

set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODULE_DIR=$(cd "${F1_REPLAY_MODULE_DIR:-$ROOT}" && pwd)
BUILD=$ROOT/build/dynamic
NGX_SRC=/usr/share/nginx/src
NGINX=/usr/sbin/nginx
SO=$BUILD/ngx_f1_replay_module.so
STAMP=$BUILD/.configure.sum

log() { echo "build-module: $*"; }
die() { echo "build-module: error: $*" >&2; exit 1; }

[ -f "$MODULE_DIR/config" ] || die "no module config in $MODULE_DIR"
if [ ! -f "$NGX_SRC/conf_flags" ] || [ ! -x "$NGX_SRC/configure" ]; then
    die "$NGX_SRC not found: run scripts/deps.sh build (nginx-dev)"
fi
[ -x "$NGINX" ] || die "$NGINX not found: run scripts/deps.sh build (nginx)"

# What configure depends on: the module's config, the dev tree's flags and
# configure scripts (they change with an nginx-dev upgrade), and the paths.
want_sum=$(
    {
        echo "module=$MODULE_DIR build=$BUILD"
        dpkg-query -W -f='${Version}\n' nginx-dev 2>/dev/null || true
        cat "$MODULE_DIR/config" "$NGX_SRC/conf_flags" "$NGX_SRC/configure"
    } | sha256sum | cut -d' ' -f1
)

mkdir -p "$BUILD"

if [ -f "$BUILD/Makefile" ] && [ -f "$STAMP" ] \
   && [ "$(cat "$STAMP")" = "$want_sum" ]
then
    log "configure is up to date"
else
    log "configure (nginx-dev $(dpkg-query -W -f='${Version}' nginx-dev \
2>/dev/null || echo '?'), module $MODULE_DIR)"
    rm -f "$STAMP"
    start=$(date +%s)
    (
        cd "$NGX_SRC"
        # shellcheck disable=SC1091  # Debian's file, defines NGX_CONF_FLAGS
        . ./conf_flags
        ./configure "${NGX_CONF_FLAGS[@]}" \
            --builddir="$BUILD" \
            --add-dynamic-module="$MODULE_DIR"
    ) > "$BUILD/configure.log" 2>&1 || {
        tail -n 30 "$BUILD/configure.log" >&2
        die "configure failed (full log: $BUILD/configure.log)"
    }
    echo "$want_sum" > "$STAMP"
    log "configure took $(( $(date +%s) - start )) s"
fi

start=$(date +%s)
(cd "$NGX_SRC" && make -f "$BUILD/Makefile" -j2 modules) \
    > "$BUILD/make.log" 2>&1 || {
        grep -E -B2 -A6 'error|warning' "$BUILD/make.log" | head -n 60 >&2 \
            || tail -n 30 "$BUILD/make.log" >&2
        die "make failed (full log: $BUILD/make.log)"
    }
[ -f "$SO" ] || die "make succeeded but built no $SO (check the config's" \
    "ngx_module_link branch)"
log "make took $(( $(date +%s) - start )) s"

# The .so must be loadable by the installed nginx.  Test with a private
# prefix so nothing under /etc/nginx or /var is used.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/logs"
cat > "$tmp/nginx.conf" <<EOF
load_module $SO;
error_log $tmp/logs/error.log;
pid $tmp/nginx.pid;
events {}
EOF
if ! out=$("$NGINX" -t -q -p "$tmp/" -c "$tmp/nginx.conf" 2>&1); then
    echo "$out" >&2
    die "$NGINX cannot load $SO"
fi
log "ok: $SO (loads into $("$NGINX" -v 2>&1 | sed 's/.*: //'))"
