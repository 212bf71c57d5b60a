#!/usr/bin/env bash
# Starts (or finds already running) a throwaway PostgreSQL server for the tests and prints the
# line to export:
#
#   eval "$(scripts/pg-test-server.sh)"    # sets CODEX_THREADS_TEST_PG
#   scripts/pg-test-server.sh stop
#
# The cluster lives in a temporary directory ($CODEX_THREADS_PG_DIR, default
# /tmp/codex-threads-pg), listens only on a unix socket there (no TCP), trusts local
# connections, and runs as an unprivileged user (`codexpg`, created if missing) because the
# server refuses to run as root. Idempotent: a second call reuses the running server.
set -euo pipefail

dir="${CODEX_THREADS_PG_DIR:-/tmp/codex-threads-pg}"
port="${CODEX_THREADS_PG_PORT:-54329}"
pg_user=codexpg

find_server() {
    bin_dir=""
    for candidate in /usr/lib/postgresql/*/bin /usr/local/bin /usr/bin; do
        if [[ -x "$candidate/initdb" && -x "$candidate/pg_ctl" ]]; then
            bin_dir="$candidate"
            return
        fi
    done
}
find_server
# A fresh machine may have only the client: install Debian's server (with pg_trgm) once.
if [[ -z "$bin_dir" && "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
    echo "pg-test-server: installing the PostgreSQL server from Debian's packages" >&2
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; } >&2
    find_server
fi
if [[ -z "$bin_dir" ]]; then
    echo "pg-test-server: no PostgreSQL server binaries (initdb, pg_ctl) on this machine" >&2
    exit 1
fi

# Runs a command as the server's user (or as ourselves when we are not root).
as_pg() {
    if [[ "$(id -u)" == 0 ]]; then
        runuser -u "$pg_user" -- "$@"
    else
        "$@"
    fi
}

if [[ "$(id -u)" == 0 ]]; then
    if ! id "$pg_user" >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /usr/sbin/nologin "$pg_user"
    fi
else
    pg_user="$(id -un)"
fi

if [[ "${1:-}" == stop ]]; then
    if [[ -f "$dir/data/postmaster.pid" ]]; then
        as_pg "$bin_dir/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null
    fi
    exit 0
fi

mkdir -p "$dir"
chmod 700 "$dir"
chown "$pg_user" "$dir" 2>/dev/null || true

if [[ ! -f "$dir/data/PG_VERSION" ]]; then
    as_pg "$bin_dir/initdb" -D "$dir/data" -U "$pg_user" --auth=trust --encoding=UTF8 \
        --locale=C.UTF-8 >"$dir/initdb.log" 2>&1 || {
        cat "$dir/initdb.log" >&2
        exit 1
    }
fi

if ! as_pg "$bin_dir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    # Only the unix socket; enough connections for the parallel test binaries.
    as_pg "$bin_dir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses='' -c unix_socket_directories='$dir' -p $port -c max_connections=200 -c fsync=off" \
        start >/dev/null || {
        cat "$dir/server.log" >&2
        exit 1
    }
fi

# The test user connects as the server's superuser over the socket (trust auth).
chmod 755 "$dir"
echo "export CODEX_THREADS_TEST_PG='postgresql://$pg_user@/postgres?host=$dir&port=$port'"
