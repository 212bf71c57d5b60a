#!/usr/bin/env bash
# Starts (or finds already running) a throwaway PostgreSQL server for the tests and prints the
# lines to export:
#
#   eval "$(scripts/pg-test-server.sh)"    # sets CODEX_THREADS_TEST_PG (and the TLS ones)
#   scripts/pg-test-server.sh stop
#
# The cluster lives in a temporary directory ($CODEX_THREADS_PG_DIR, default
# /tmp/codex-threads-pg), listens on a unix socket there and on 127.0.0.1 (same port), trusts
# both, and runs as an unprivileged user (`codexpg`, created if missing) because the server
# refuses to run as root. TCP connections must use TLS (`hostnossl` is rejected): the server's
# certificate, for `localhost` only, is signed by a throwaway CA made with openssl once per
# cluster in $dir/tls, which also holds a client certificate (client.crt, client.key) signed by
# that CA and an unrelated CA (untrusted-ca.crt). Exported:
#
#   CODEX_THREADS_TEST_PG       the unix socket, as the server's superuser
#   CODEX_THREADS_TEST_PG_TLS   the same over TCP: postgresql://codexpg@localhost:PORT/postgres
#   CODEX_THREADS_TEST_PG_CA    the CA's certificate ($dir/tls/ca.crt)
#
# Idempotent: a second call reuses the running server (one started without TLS by an older
# version of this script is left alone, and only the socket's line is printed).
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

# The TLS files, once per cluster. The server's name is `localhost` only (no IP address), so
# verify-full against 127.0.0.1 fails on the name while verify-ca passes.
tls="$dir/tls"
if [[ ! -f "$tls/server.crt" || ! -f "$tls/client.crt" ]]; then
    if ! command -v openssl >/dev/null && [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null; then
        echo "pg-test-server: installing openssl from Debian's packages" >&2
        { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq openssl; } >&2
    fi
    if ! command -v openssl >/dev/null; then
        echo "pg-test-server: openssl is needed to make the test certificates" >&2
        exit 1
    fi
    mkdir -p "$tls"
    (
        cd "$tls"
        umask 077
        ec_key=(-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes)
        make_ca() { # name, subject
            openssl req -x509 "${ec_key[@]}" -days 3650 -subj "$2" \
                -addext basicConstraints=critical,CA:TRUE \
                -addext keyUsage=critical,keyCertSign,cRLSign -keyout "$1.key" -out "$1.crt"
        }
        sign() { # name, subject, extended key usage, subjectAltName or empty
            openssl req "${ec_key[@]}" -subj "$2" -keyout "$1.key" -out "$1.csr"
            {
                echo "basicConstraints=critical,CA:FALSE"
                echo "keyUsage=critical,digitalSignature"
                echo "extendedKeyUsage=$3"
                if [[ -n "$4" ]]; then echo "subjectAltName=$4"; fi
            } >"$1.ext"
            openssl x509 -req -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial -days 3650 \
                -extfile "$1.ext" -out "$1.crt"
            rm "$1.csr" "$1.ext"
        }
        make_ca ca "/CN=codex-threads test CA"
        make_ca untrusted-ca "/CN=codex-threads untrusted CA"
        sign server "/CN=localhost" serverAuth DNS:localhost
        sign client "/CN=$pg_user" clientAuth ""
        chmod 644 ./*.crt
    ) >"$dir/openssl.log" 2>&1 || {
        cat "$dir/openssl.log" >&2
        exit 1
    }
    # The server reads its key only when its own user owns it and no one else may read it.
    chown "$pg_user" "$tls/server.key" 2>/dev/null || true
fi

# Socket connections are trusted; TCP ones must use TLS.
cat >"$dir/pg_hba.conf" <<HBA
local     all all                trust
hostssl   all all 127.0.0.1/32   trust
hostnossl all all 0.0.0.0/0      reject
HBA

if ! as_pg "$bin_dir/pg_ctl" -D "$dir/data" status >/dev/null 2>&1; then
    # Enough connections for the parallel test binaries.
    as_pg "$bin_dir/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses='127.0.0.1' -c unix_socket_directories='$dir' -p $port -c max_connections=200 -c fsync=off -c hba_file='$dir/pg_hba.conf' -c ssl=on -c ssl_cert_file='$tls/server.crt' -c ssl_key_file='$tls/server.key' -c ssl_ca_file='$tls/ca.crt'" \
        start >/dev/null || {
        cat "$dir/server.log" >&2
        exit 1
    }
fi

# The test user connects as the server's superuser over the socket (trust auth), and over TCP
# with TLS.
chmod 755 "$dir"
echo "export CODEX_THREADS_TEST_PG='postgresql://$pg_user@/postgres?host=$dir&port=$port'"
if grep -q "ssl=on" "$dir/data/postmaster.opts" 2>/dev/null; then
    echo "export CODEX_THREADS_TEST_PG_TLS='postgresql://$pg_user@localhost:$port/postgres'"
    echo "export CODEX_THREADS_TEST_PG_CA='$tls/ca.crt'"
else
    echo "pg-test-server: the running server has no TLS (started by an older version of this" \
        "script); stop it for the TLS test variables" >&2
fi
