#!/usr/bin/env bash
#
# Builds a static nginx with ngx_f1_replay_module compiled in, from the
# Debian nginx source package (same upstream version as the installed
# nginx, Debian's patches applied):
#
#   scripts/build-nginx.sh debug   -> build/nginx-debug/sbin/nginx
#   scripts/build-nginx.sh asan    -> build/nginx-asan/sbin/nginx
#                                     (AddressSanitizer + UBSan, with
#                                     float-cast-overflow)
#
# Both are built with -DNGX_DEBUG_PALLOC=1: every pool allocation is its
# own malloc, so overflows inside nginx pools are visible to ASan and to
# valgrind.
#
# The source package is fetched once into build/src with a private apt
# configuration (deb-src lines; the system's apt configuration is not
# touched).  configure runs only when its inputs change (flags, the
# module's `config`, the source version); a module change is just `make`.
#
# Environment:
#   F1_REPLAY_MODULE_DIR         module source tree (default: the repository)
#   F1_REPLAY_NGINX_SRC_VERSION  Debian source version to use (default: the
#                                installed nginx's, else the pinned one below)

set -eu

# The security archive's source files of newer +deb12uN versions are not
# always downloadable (404); this one is in the main archive.
PINNED_VERSION=1.22.1-9+deb12u9

usage() {
    echo "usage: $0 debug|asan" >&2
    exit 2
}

[ $# -eq 1 ] || usage
VARIANT=$1

ROOT=$(cd "$(dirname "$0")/.." && pwd)
MODULE_DIR=$(cd "${F1_REPLAY_MODULE_DIR:-$ROOT}" && pwd)
SRC_CACHE=$ROOT/build/src
PREFIX=$ROOT/build/nginx-$VARIANT
OBJS=$PREFIX/objs
STAMP=$OBJS/.configure.sum

log() { echo "build-nginx($VARIANT): $*"; }
die() { echo "build-nginx($VARIANT): error: $*" >&2; exit 1; }

case "$VARIANT" in
    debug)
        CC_OPT="-O1 -g -fno-omit-frame-pointer -DNGX_DEBUG_PALLOC=1"
        LD_OPT=""
        ;;
    asan)
        # float-cast-overflow: not part of gcc's "undefined" (a double
        # out of an integer type's range cast to it)
        CC_OPT="-O1 -g -fno-omit-frame-pointer"
        CC_OPT="$CC_OPT -fsanitize=address,undefined,float-cast-overflow"
        CC_OPT="$CC_OPT -fno-sanitize=nonnull-attribute -DNGX_DEBUG_PALLOC=1"
        LD_OPT="-fsanitize=address,undefined,float-cast-overflow"
        ;;
    *)
        usage
        ;;
esac

[ -f "$MODULE_DIR/config" ] || die "no module config in $MODULE_DIR"


# --- the Debian source package, cached -------------------------------------

APT_DIR=$SRC_CACHE/apt
MIRROR=${F1_REPLAY_DEBIAN_MIRROR:-http://deb.debian.org}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
APT_OPTS=(
    -o "Dir::Etc::SourceList=$APT_DIR/sources.list"
    -o "Dir::Etc::SourceParts=/dev/null"
    -o "Dir::State::Lists=$APT_DIR/lists"
    -o "Dir::Cache=$APT_DIR/cache"
    -o "APT::Sandbox::User=root"
)

# private deb-src lists: the system's apt configuration is not touched
apt_update() {
    local signed=""

    [ -f "$KEYRING" ] && signed="[signed-by=$KEYRING] "
    mkdir -p "$APT_DIR/lists/partial" "$APT_DIR/cache"
    cat > "$APT_DIR/sources.list" <<EOF
deb-src ${signed}$MIRROR/debian bookworm main
deb-src ${signed}$MIRROR/debian bookworm-updates main
deb-src ${signed}$MIRROR/debian-security bookworm-security main
EOF
    log "apt-get update (private deb-src lists in $APT_DIR)"
    apt-get -q "${APT_OPTS[@]}" update > "$APT_DIR/update.log" 2>&1 || {
        cat "$APT_DIR/update.log" >&2
        die "apt-get update of the deb-src lists failed"
    }
    touch "$APT_DIR/lists/.updated"
}

# source versions the lists offer with the installed upstream version
listed_versions() {
    apt-cache "${APT_OPTS[@]}" showsrc nginx 2>/dev/null \
        | awk '/^Version: / { print $2 }' \
        | grep -F "${installed%%-*}-" | sort -u -r -V || true
}

fetch_source() {
    local version=$1 dir=$SRC_CACHE/dl-$1 tree

    log "apt-get source nginx=$version"
    rm -rf "$dir" && mkdir -p "$dir"
    if ! (cd "$dir" && apt-get -q "${APT_OPTS[@]}" source "nginx=$version") \
        > "$dir.log" 2>&1
    then
        rm -rf "$dir"
        log "nginx=$version not downloadable (log: $dir.log)"
        return 1
    fi

    tree=$(find "$dir" -mindepth 1 -maxdepth 1 -type d -name 'nginx-*' \
           | head -n 1)
    if [ -z "$tree" ] || [ ! -x "$tree/configure" ]; then
        log "nginx=$version: no source tree unpacked (log: $dir.log)"
        return 1
    fi
    rm -rf "$SRC_CACHE/nginx-$version"
    mv "$tree" "$SRC_CACHE/nginx-$version"
    rm -rf "$dir" "$dir.log"
    echo "$version" > "$SRC_CACHE/nginx-$version/.debian-version"
}

installed=$(dpkg-query -W -f='${Version}' nginx 2>/dev/null || true)
[ -n "$installed" ] || installed=$PINNED_VERSION

# the installed version first, then the pinned one (the security archive
# does not always serve its newest source files)
candidates=()
if [ -n "${F1_REPLAY_NGINX_SRC_VERSION:-}" ]; then
    candidates=("$F1_REPLAY_NGINX_SRC_VERSION")
else
    candidates=("$installed")
    [ "$installed" != "$PINNED_VERSION" ] && candidates+=("$PINNED_VERSION")
fi

SRC=""
for v in "${candidates[@]}"; do
    if [ -f "$SRC_CACHE/nginx-$v/.debian-version" ]; then
        SRC=$SRC_CACHE/nginx-$v
        break
    fi
done

if [ -z "$SRC" ]; then
    command -v dpkg-source >/dev/null 2>&1 \
        || die "dpkg-source missing: run scripts/deps.sh test"
    listed=()
    for lists in cached fresh; do
        if [ "$lists" = fresh ] || [ ! -f "$APT_DIR/lists/.updated" ]; then
            apt_update
        fi
        # then any other listed source of the same upstream version, for
        # when the pinned one has left the archive
        mapfile -t listed < <(listed_versions)
        for v in "${candidates[@]}" "${listed[@]}"; do
            if [ -f "$SRC_CACHE/nginx-$v/.debian-version" ] \
               || fetch_source "$v"
            then
                SRC=$SRC_CACHE/nginx-$v
                break
            fi
        done
        [ -n "$SRC" ] && break
    done
    [ -n "$SRC" ] || die "could not fetch the nginx source package" \
        "(tried: ${candidates[*]} ${listed[*]})"
fi

src_version=$(cat "$SRC/.debian-version")
if [ "${installed%%-*}" != "${src_version%%-*}" ]; then
    log "warning: installed nginx is $installed, source is $src_version"
fi


# --- configure (only when needed) and make ---------------------------------

CONF_ARGS=(
    --prefix="$PREFIX"
    --builddir="$OBJS"
    --with-debug
    --with-compat
    --with-http_ssl_module
    --with-http_v2_module
    --with-threads
    --with-http_stub_status_module
    --with-http_realip_module
    --with-http_gzip_static_module
    --with-cc-opt="$CC_OPT"
    --add-module="$MODULE_DIR"
)
[ -n "$LD_OPT" ] && CONF_ARGS+=(--with-ld-opt="$LD_OPT")

want_sum=$(
    {
        echo "src=$SRC version=$src_version"
        printf '%s\n' "${CONF_ARGS[@]}"
        cat "$MODULE_DIR/config"
    } | sha256sum | cut -d' ' -f1
)

mkdir -p "$OBJS"

if [ -f "$OBJS/Makefile" ] && [ -f "$STAMP" ] \
   && [ "$(cat "$STAMP")" = "$want_sum" ]
then
    log "configure is up to date (nginx $src_version)"
else
    log "configure (nginx $src_version, module $MODULE_DIR)"
    rm -f "$STAMP"
    start=$(date +%s)
    (cd "$SRC" && ./configure "${CONF_ARGS[@]}") > "$OBJS/configure.log" 2>&1 \
        || {
            tail -n 30 "$OBJS/configure.log" >&2
            die "configure failed (full log: $OBJS/configure.log)"
        }
    echo "$want_sum" > "$STAMP"
    log "configure took $(( $(date +%s) - start )) s"
fi

start=$(date +%s)
(cd "$SRC" && make -f "$OBJS/Makefile" -j"$(nproc)") > "$OBJS/make.log" 2>&1 \
    || {
        grep -E 'error|Error' "$OBJS/make.log" | head -n 40 >&2 || true
        die "make failed (full log: $OBJS/make.log)"
    }
log "make took $(( $(date +%s) - start )) s"

mkdir -p "$PREFIX/sbin" "$PREFIX/logs" "$PREFIX/conf"
if ! cmp -s "$OBJS/nginx" "$PREFIX/sbin/nginx"; then
    cp "$OBJS/nginx" "$PREFIX/sbin/nginx.tmp"
    mv "$PREFIX/sbin/nginx.tmp" "$PREFIX/sbin/nginx"
fi
[ -f "$PREFIX/conf/mime.types" ] || cp "$SRC/conf/mime.types" "$PREFIX/conf/"

# smoke test: the binary runs and has the module compiled in
if ! "$PREFIX/sbin/nginx" -V 2>&1 | grep -q -- "--add-module=$MODULE_DIR"; then
    die "$PREFIX/sbin/nginx does not report the module"
fi
log "ok: $PREFIX/sbin/nginx"
