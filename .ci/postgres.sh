#!/usr/bin/env bash
# A throwaway PostgreSQL server for the organisation-scan tests (tests/test_org_*.py, marker
# "postgres"). Installs Debian's postgresql package if its binaries are missing, starts a new
# cluster as a non-root user in a temporary folder on a free port of 127.0.0.1 (trust auth,
# fsync off: it holds nothing worth keeping), and prints on stdout only
#   export SOVAUDIT_TEST_PG_URL=postgresql://postgres@127.0.0.1:PORT/postgres
# so that   eval "$(bash .ci/postgres.sh)"   sets it. Everything else goes to stderr.
# Stop it with: pg_ctl -D "$SOVAUDIT_TEST_PG_DIR/data" stop   (or let the machine's end do it).
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

find_bin() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1; }
bin="$(find_bin || true)"
if [ -z "$bin" ] || [ ! -x "$bin/initdb" ] || [ ! -x "$bin/pg_ctl" ]; then
  echo "postgres.sh: installing Debian's postgresql package" >&2
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
  bin="$(find_bin)"
fi

# initdb and postgres refuse to run as root: as root, run them as the package's postgres user
if [ "$(id -u)" = 0 ]; then
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin postgres
  as_user() { runuser -u postgres -- "$@"; }
  owner=postgres
else
  as_user() { "$@"; }
  owner="$(id -un)"
fi

dir="$(mktemp -d "${TMPDIR:-/tmp}/sovaudit-pg.XXXXXX")"
chown "$owner" "$dir"
port="$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"

as_user "$bin/initdb" -D "$dir/data" -U postgres --auth=trust -E UTF8 --no-locale >"$dir/initdb.log" 2>&1 \
  || { cat "$dir/initdb.log" >&2; exit 1; }
as_user "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 60 \
  -o "-p $port -k $dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
  start >&2 || { cat "$dir/server.log" >&2; exit 1; }

echo "postgres.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir" >&2
echo "export SOVAUDIT_TEST_PG_DIR=$dir"
echo "export SOVAUDIT_TEST_PG_URL=postgresql://postgres@127.0.0.1:$port/postgres"
