# Sourced by .ci/run: makes sure a PostgreSQL server answers on 127.0.0.1 and exports GROUNDCREW_TEST_PG for it.
#
# - GROUNDCREW_TEST_PG already set: used as it is (a server the CI machine provides).
# - A server already answers on 127.0.0.1:5432: used with user and password postgres.
# - Otherwise: Debian's `postgresql` is installed when pg_ctlcluster or psql is missing, the first cluster (made if
#   there is none) is tuned for tests and started, and the postgres user gets the password postgres. CI runs as
#   root and the server refuses root, so pg_ctlcluster (which switches to the cluster's owner) starts it and psql runs
#   as the postgres user.

ci_postgres() {
  if [ -n "${GROUNDCREW_TEST_PG:-}" ]; then
    echo "== PostgreSQL: GROUNDCREW_TEST_PG given"
    return 0
  fi
  local url="postgres://postgres:postgres@127.0.0.1:5432/postgres"
  if command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p 5432; then
    echo "== PostgreSQL: already running on 127.0.0.1:5432"
    export GROUNDCREW_TEST_PG="$url"
    return 0
  fi
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! command -v psql >/dev/null 2>&1; then
    echo "== installing postgresql"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  if [ -z "$(pg_lsclusters -h)" ]; then
    pg_createcluster "$(ls /usr/lib/postgresql | sort -V | tail -n 1)" main >/dev/null
  fi
  local version name port
  read -r version name port _ < <(pg_lsclusters -h | head -n 1)
  # A throwaway cluster: no waiting for the disk (a crash of the CI machine loses nothing worth keeping).
  printf '%s\n' 'fsync = off' 'synchronous_commit = off' 'full_page_writes = off' "listen_addresses = '127.0.0.1'" \
    >"${CI_PG_CONF_ROOT:-/etc/postgresql}/$version/$name/conf.d/groundcrew-ci.conf"
  pg_ctlcluster "$version" "$name" start || pg_ctlcluster "$version" "$name" restart
  runuser -u postgres -- psql -q -p "$port" -c "alter user postgres password 'postgres'"
  pg_isready -q -h 127.0.0.1 -p "$port"
  echo "== PostgreSQL $version/$name started on 127.0.0.1:$port"
  export GROUNDCREW_TEST_PG="postgres://postgres:postgres@127.0.0.1:$port/postgres"
}
