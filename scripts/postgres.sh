#!/usr/bin/env bash
# A local PostgreSQL server for dateline's tests and for trying `--db postgresql://...` on one machine.
#
#   scripts/postgres.sh          install Debian's postgresql if missing (root + apt), create a cluster under
#                                .pg/ (or a folder in /tmp when the postgres user cannot reach the repo), start it
#                                on 127.0.0.1:$DATELINE_PG_PORT (default: the first free port from 54329, kept
#                                with the cluster), create role and database `dateline`, print the URL and
#                                write it to .pg/url. Idempotent.
#   scripts/postgres.sh stop     stop that server.
#   scripts/postgres.sh url      print the URL of a started server.
#
# When PostgreSQL cannot be installed (no apt, no network) it says why in .pg/unavailable and exits 0, so
# `make test` goes on and the PostgreSQL tests skip with that reason.
set -uo pipefail

cd "$(dirname "$0")/.."
REPO=$(pwd)
STATE="$REPO/.pg"          # url, unavailable, and (when reachable by the postgres user) the cluster itself
USER_NAME=dateline
PASSWORD=dateline          # a loopback-only test server; shared deployments set their own URL
mkdir -p "$STATE"

say() { echo "postgres.sh: $*" >&2; }

unavailable() {
    say "$1; the PostgreSQL tests will skip"
    echo "$1" > "$STATE/unavailable"
    exit 0
}

bindir() {
    local d
    for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
        [ -x "$d/pg_ctl" ] && { echo "$d"; return 0; }
    done
    return 1
}

install_if_missing() {
    bindir >/dev/null && return 0
    [ "$(id -u)" = 0 ] || unavailable "PostgreSQL is not installed and installing it needs root (apt-get install postgresql)"
    command -v apt-get >/dev/null || unavailable "PostgreSQL is not installed and apt-get is missing"
    say "installing Debian's postgresql package"
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null) \
        || unavailable "could not install postgresql with apt-get (is the package mirror reachable?)"
    bindir >/dev/null || unavailable "postgresql was installed but no pg_ctl was found under /usr/lib/postgresql"
}

# The server runs as the postgres OS user (it refuses root); its data folder must be reachable by that user.
as_pg() {
    if [ "$(id -u)" = 0 ]; then (cd / && runuser -u postgres -- "$@"); else "$@"; fi
}

data_root() {
    if [ "$(id -u)" != 0 ] || as_pg test -x "$STATE" 2>/dev/null; then
        echo "$STATE/cluster"
    else
        echo "${TMPDIR:-/tmp}/dateline-pg-$(echo "$REPO" | sha1sum | cut -c1-10)"
    fi
}

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# The cluster keeps the port it was made with; a new one takes the first free port from 54329, so a server
# left by another checkout (or another user) does not stop this one.
port_of() {
    local root=$1 p
    if [ -n "${DATELINE_PG_PORT:-}" ]; then echo "$DATELINE_PG_PORT"; return; fi
    if [ -f "$root/port" ]; then cat "$root/port"; return; fi
    if [ -f "$root/data/PG_VERSION" ]; then echo 54329; return; fi
    for p in $(seq 54329 54429); do
        listening "$p" || { echo "$p" > "$root/port"; echo "$p"; return; }
    done
    echo "no free port between 54329 and 54429 on 127.0.0.1" > "$STATE/unavailable"
    return 1
}

start() {
    install_if_missing
    rm -f "$STATE/unavailable"
    local bin root data run log PORT URL
    bin=$(bindir)
    root=$(data_root)
    data="$root/data"; run="$root/run"; log="$root/server.log"
    mkdir -p "$root" "$run"
    [ "$(id -u)" = 0 ] && chown postgres: "$root" "$run"
    PORT=$(port_of "$root") || unavailable "$(cat "$STATE/unavailable")"
    URL="postgresql://$USER_NAME:$PASSWORD@127.0.0.1:$PORT/dateline"
    if [ ! -f "$data/PG_VERSION" ]; then
        mkdir -p "$data"; [ "$(id -u)" = 0 ] && chown postgres: "$data"
        # C locale: text sorts by code point, as in SQLite, so both stores list rows in the same order.
        as_pg "$bin/initdb" -D "$data" -U postgres -E UTF8 --locale=C.UTF-8 \
            --auth-local=peer --auth-host=scram-sha-256 >"$root/initdb.log" 2>&1 \
            || unavailable "initdb failed (see $root/initdb.log)"
    fi
    if ! as_pg "$bin/pg_ctl" -D "$data" status >/dev/null 2>&1; then
        as_pg "$bin/pg_ctl" -D "$data" -l "$log" -w -t 60 start \
            -o "-c listen_addresses=127.0.0.1 -c port=$PORT -c unix_socket_directories=$run -c max_connections=200 -c fsync=off" \
            >/dev/null || unavailable "the server did not start on port $PORT (see $log)"
    fi
    local psql=("$bin/psql" -h "$run" -p "$PORT" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA)
    if [ "$(as_pg "${psql[@]}" -c "SELECT 1 FROM pg_roles WHERE rolname = '$USER_NAME'")" != 1 ]; then
        as_pg "${psql[@]}" -c "CREATE ROLE $USER_NAME LOGIN CREATEDB PASSWORD '$PASSWORD'" >/dev/null
    fi
    if [ "$(as_pg "${psql[@]}" -c "SELECT 1 FROM pg_database WHERE datname = 'dateline'")" != 1 ]; then
        as_pg "${psql[@]}" -c "CREATE DATABASE dateline OWNER $USER_NAME" >/dev/null
    fi
    echo "$URL" > "$STATE/url"
    echo "$URL"
}

stop() {
    local bin root
    bin=$(bindir) || { say "PostgreSQL is not installed"; return 0; }
    root=$(data_root)
    [ -f "$root/data/PG_VERSION" ] || { say "no cluster under $root"; return 0; }
    as_pg "$bin/pg_ctl" -D "$root/data" -m fast -w stop >/dev/null 2>&1 || say "the server was not running"
    rm -f "$STATE/url"
}

case "${1:-start}" in
    start) start ;;
    stop) stop ;;
    url) cat "$STATE/url" 2>/dev/null || { say "not started: run scripts/postgres.sh"; exit 1; } ;;
    *) echo "usage: scripts/postgres.sh [start|stop|url]" >&2; exit 2 ;;
esac
