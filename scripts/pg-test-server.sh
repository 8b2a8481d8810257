#!/bin/sh
# A throwaway PostgreSQL server for the test suite (Debian's packages).
#
#   scripts/pg-test-server.sh run CMD [ARG...]   start a server, run CMD with DETENTE_TEST_PG set
#                                                 to its URL, stop the server, exit with CMD's code
#   scripts/pg-test-server.sh start DIR           start a server in the empty folder DIR; print its URL
#   scripts/pg-test-server.sh stop DIR            stop it and delete DIR
#
# Environment: DETENTE_PG_BINDIR=/usr/lib/postgresql/NN/bin picks an installation;
# DETENTE_PG_NO_INSTALL=1 never runs apt-get.
# `run` does nothing but run CMD when DETENTE_TEST_PG is already set (a server of your own). When
# no server can be started it still runs CMD, with DETENTE_TEST_PG_ERROR saying why, so that the
# PostgreSQL tests are skipped with that reason (pytest -ra shows it) instead of failing.
# PostgreSQL is installed with apt-get when it is missing and we are root (unless
# DETENTE_PG_NO_INSTALL=1). The cluster lives in a temporary folder, listens on 127.0.0.1 at a
# free port (and a unix socket in that folder), trusts local connections, and is deleted at the end.
set -u

say() { echo "pg-test-server: $*" >&2; }

bindir() {
    if [ -n "${DETENTE_PG_BINDIR:-}" ]; then  # a chosen installation
        [ -x "$DETENTE_PG_BINDIR/initdb" ] && echo "$DETENTE_PG_BINDIR" && return 0
        say "no initdb in DETENTE_PG_BINDIR=$DETENTE_PG_BINDIR"; return 1
    fi
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -t/ -k5 -n -r); do
        if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return 0; fi
    done
    if command -v initdb >/dev/null 2>&1 && command -v pg_ctl >/dev/null 2>&1; then
        dirname "$(command -v initdb)"; return 0
    fi
    return 1
}

install_postgres() {
    if [ "${DETENTE_PG_NO_INSTALL:-0}" = 1 ] || [ -n "${DETENTE_PG_BINDIR:-}" ]; then
        say "not installing PostgreSQL (DETENTE_PG_NO_INSTALL or DETENTE_PG_BINDIR is set)"; return 1
    fi
    if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null 2>&1; then
        say "PostgreSQL is not installed; install it (Debian: apt-get install postgresql) or set DETENTE_TEST_PG"
        return 1
    fi
    say "installing PostgreSQL (apt-get install postgresql)…"
    export DEBIAN_FRONTEND=noninteractive
    if ! apt-get install -y -qq postgresql >/dev/null 2>&1; then
        apt-get update -qq >/dev/null 2>&1
        apt-get install -y -qq postgresql >/dev/null 2>&1 || { say "apt-get install postgresql failed"; return 1; }
    fi
}

# as_owner CMD...: run CMD as the cluster's owner (initdb and postgres refuse to run as root).
as_owner() {
    if [ "$(id -u)" = 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    dir=$1
    bin=$(bindir) || { install_postgres && bin=$(bindir); } || { say "no initdb/pg_ctl found"; return 1; }
    if [ "$(id -u)" = 0 ]; then
        id postgres >/dev/null 2>&1 || { say "there is no 'postgres' user to own the cluster"; return 1; }
        chown postgres "$dir" && chmod 755 "$dir"
    fi
    if ! as_owner "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --locale=C --no-sync \
            >"$dir/initdb.log" 2>&1; then
        say "initdb failed:"; tail -n 5 "$dir/initdb.log" >&2; return 1
    fi
    for attempt in 1 2 3; do
        port=$(free_port) || { say "cannot find a free port (python3 missing?)"; return 1; }
        if as_owner "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 -o \
                "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
                start >/dev/null 2>&1; then
            if "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres detente_test 2>"$dir/createdb.log"; then
                echo "$bin" >"$dir/bindir"
                echo "postgresql://postgres@127.0.0.1:$port/detente_test"
                return 0
            fi
            say "createdb failed:"; cat "$dir/createdb.log" >&2
            as_owner "$bin/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
            return 1
        fi
        say "the server did not start on port $port (attempt $attempt):"; tail -n 3 "$dir/server.log" >&2
    done
    return 1
}

stop() {
    dir=$1
    [ -d "$dir" ] || return 0
    if [ -f "$dir/bindir" ] && [ -f "$dir/data/postmaster.pid" ]; then
        as_owner "$(cat "$dir/bindir")/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
            as_owner "$(cat "$dir/bindir")/pg_ctl" -D "$dir/data" -m immediate -w stop >/dev/null 2>&1
    fi
    rm -rf "$dir"
}

case "${1:-}" in
start)
    [ $# -eq 2 ] || { say "usage: $0 start DIR"; exit 2; }
    start "$2" || exit 1 ;;
stop)
    [ $# -eq 2 ] || { say "usage: $0 stop DIR"; exit 2; }
    stop "$2" ;;
run)
    shift
    [ $# -ge 1 ] || { say "usage: $0 run CMD [ARG...]"; exit 2; }
    if [ -n "${DETENTE_TEST_PG:-}" ]; then exec "$@"; fi
    base=${TMPDIR:-/tmp}
    if [ "$(id -u)" = 0 ] && ! runuser -u postgres -- test -x "$base" 2>/dev/null; then
        base=/tmp  # the cluster's owner must reach its folder
    fi
    dir=$(mktemp -d "$base/detente-pg.XXXXXX") || dir=$(mktemp -d /tmp/detente-pg.XXXXXX) || exit 1
    trap 'stop "$dir"' EXIT
    trap 'exit 130' INT TERM
    if url=$(start "$dir" 2>"$dir/start.err"); then
        cat "$dir/start.err" >&2
        export DETENTE_TEST_PG="$url"
        say "PostgreSQL test server at $url"
    else
        cat "$dir/start.err" >&2
        reason=$(sed 's/^pg-test-server: //' "$dir/start.err" | paste -s -d ';' - | sed 's/;/; /g')
        export DETENTE_TEST_PG_ERROR="${reason:-the server did not start}"
        say "WARNING: no PostgreSQL server; the PostgreSQL tests will be SKIPPED: $DETENTE_TEST_PG_ERROR"
    fi
    "$@"
    rc=$?
    exit $rc ;;
*)
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2 ;;
esac
