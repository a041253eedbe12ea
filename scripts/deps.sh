#!/usr/bin/env bash
#
# Installs what building and testing ngx_f1_replay_module needs
# (Debian bookworm, apt).
#
#   scripts/deps.sh build    what the quick start needs (scripts/start.sh)
#   scripts/deps.sh test     everything: sanitizers, valgrind, fuzzers,
#                            the Perl test harness, Debian's chromium and
#                            npm playwright-core (t/browser/, pinned by its
#                            package-lock.json) for the dashboard's browser
#                            test (scripts/test.sh)
#
# Idempotent: when every package is installed it does nothing (no apt-get
# update, no network).  Needs root, or sudo, only when something is missing.

set -eu

usage() {
    echo "usage: $0 build|test" >&2
    exit 2
}

[ $# -eq 1 ] || usage

# python3 and ca-certificates: scripts/f1-replay-fetch (standard library
# only; HTTPS to the F1 archive needs the CA certificates)
BUILD_PKGS="nginx nginx-dev libyajl-dev build-essential curl
    python3 ca-certificates"

# nginx-dev pulls libssl-dev, libpcre2-dev and zlib1g-dev; they are listed
# anyway because the static nginx builds (scripts/build-nginx.sh) need them.
# dpkg-dev and xz-utils unpack the Debian nginx source package.
TEST_PKGS="$BUILD_PKGS
    libssl-dev libpcre2-dev zlib1g-dev
    clang libclang-rt-14-dev valgrind dpkg-dev xz-utils
    python3 python3-websockets node-ws openssl
    perl libtest-base-perl libtest-longstring-perl liblist-moreutils-perl
    libtext-diff-perl libhttp-message-perl liburi-perl
    libprotocol-websocket-perl libmojolicious-perl
    chromium fonts-dejavu-core"

case "$1" in
    build) PKGS=$BUILD_PKGS ;;
    test)  PKGS=$TEST_PKGS ;;
    *)     usage ;;
esac

ROOT=$(cd "$(dirname "$0")/.." && pwd)

# npm packages of the browser test (node and npm come with the machine's
# Node.js; playwright-core drives /usr/bin/chromium and downloads no
# browser)
npm_deps() {
    [ "$1" = test ] || return 0
    [ -d "$ROOT/t/browser/node_modules/playwright-core" ] && return 0
    if ! command -v npm >/dev/null 2>&1; then
        echo "deps: npm not found: install Node.js 20 with npm" >&2
        exit 1
    fi
    echo "deps ($1): npm ci in t/browser (playwright-core)"
    npm ci --prefix "$ROOT/t/browser" --no-audit --no-fund
}

missing=""
for p in $PKGS; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$p" 2>/dev/null || true)
    if [ "$status" != "installed" ]; then
        missing="$missing $p"
    fi
done

if [ -z "$missing" ]; then
    echo "deps ($1): all packages installed"
    npm_deps "$1"
    exit 0
fi

echo "deps ($1): installing:$missing"

if [ "$(id -u)" -eq 0 ]; then
    SUDO=""
elif command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
else
    echo "deps: need root (or sudo) to install:$missing" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive

# shellcheck disable=SC2086  # word splitting of the package list is wanted
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
    --no-install-recommends $missing

npm_deps "$1"

echo "deps ($1): done"
