#!/usr/bin/env bash
# Makes PostgreSQL (127.0.0.1:5432, user postgres, trust auth) and Redis (127.0.0.1:6379)
# answer before the tests run, on Debian 12 as root. A no-op when both already answer;
# installs with apt only what is missing, starts what is stopped. Sourced by .ci/run.
set -euo pipefail

pg_answers() { pg_isready -q -h 127.0.0.1 -p 5432 >/dev/null 2>&1; }
# -w: never prompt, so a password rule fails here instead of hanging the run.
pg_trusts() { psql -w -h 127.0.0.1 -p 5432 -U postgres -d postgres -Atc 'SELECT 1' >/dev/null 2>&1; }
redis_answers() { [ "$(redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null)" = PONG ]; }

# Waits up to 30 s for a check to pass.
wait_for() {
  local i
  for i in $(seq 1 60); do "$@" && return 0; sleep 0.5; done
  return 1
}

ensure_postgres() {
  if pg_answers && pg_trusts; then echo "== postgresql answers"; return 0; fi
  if ! command -v pg_ctlcluster >/dev/null 2>&1 || ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    echo "== apt-get install postgresql"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends postgresql >/dev/null
  fi
  if ! pg_answers; then
    local ver
    ver=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    # The package makes a "main" cluster unless told not to; make one if it is not there.
    local clusters
    clusters=$(pg_lsclusters -h | awk '{print $1" "$2}')
    if ! grep -qx "$ver main" <<<"$clusters"; then
      echo "== pg_createcluster $ver main"
      pg_createcluster "$ver" main >/dev/null
    fi
    echo "== pg_ctlcluster $ver main start"
    pg_ctlcluster "$ver" main start || service postgresql start
    wait_for pg_answers || { echo "postgresql did not start"; pg_lsclusters; exit 1; }
  fi
  if ! pg_trusts; then
    # Debian's default asks for a password on 127.0.0.1: the tests connect as postgres without one.
    local hba
    hba=$(su postgres -c "psql -Atc 'SHOW hba_file'")
    echo "== trust auth for 127.0.0.1 in $hba"
    sed -i '1i host all all 127.0.0.1/32 trust' "$hba"
    su postgres -c "psql -Atc 'SELECT pg_reload_conf()'" >/dev/null
    wait_for pg_trusts || { echo "postgresql still refuses postgres@127.0.0.1 without a password"; exit 1; }
  fi
  echo "== postgresql answers"
}

ensure_redis() {
  if redis_answers; then echo "== redis answers"; return 0; fi
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "== apt-get install redis-server"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends redis-server >/dev/null
  fi
  # The package's own start may have worked (or been refused in a container): check again.
  if ! redis_answers; then
    echo "== redis-server --daemonize yes"
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no
    wait_for redis_answers || { echo "redis did not start"; exit 1; }
  fi
  echo "== redis answers"
}

ensure_postgres
ensure_redis
