#!/usr/bin/env bash
# Make sure a PostgreSQL server answers on 127.0.0.1:5432 with user postgres / password postgres
# and a database "test". Starts the machine's cluster, or installs Debian's package on a bare machine.
set -euo pipefail

ready() { pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; }

if ! command -v pg_isready >/dev/null 2>&1 || ! command -v pg_ctlcluster >/dev/null 2>&1; then
  echo "PostgreSQL is not installed: installing Debian's postgresql package"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi

if ! ready; then
  version="$(ls /etc/postgresql | sort -V | tail -1)"
  echo "Starting PostgreSQL $version"
  pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do ready && break; sleep 1; done
fi
ready || { echo "PostgreSQL did not start on 127.0.0.1:5432"; exit 1; }

# On a fresh install TCP logins need a password; on machines with trust auth this changes nothing.
su postgres -c "psql -q -c \"alter user postgres with password 'postgres'\"" >/dev/null 2>&1 || true
su postgres -c "psql -q -tc \"select 1 from pg_database where datname = 'test'\" | grep -q 1 || createdb test" \
  >/dev/null 2>&1 || true
echo "PostgreSQL is ready"
