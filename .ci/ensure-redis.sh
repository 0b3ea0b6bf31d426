#!/usr/bin/env bash
# Make sure a Redis server answers on 127.0.0.1:6379 (and that redis-server is installed: the
# outage suite starts private ones). Starts it if stopped; installs Debian's package on a bare machine.
set -euo pipefail

ready() { redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }

if ! command -v redis-server >/dev/null 2>&1 || ! command -v redis-cli >/dev/null 2>&1; then
  echo "Redis is not installed: installing Debian's redis-server package"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
fi

if ! ready; then
  echo "Starting Redis"
  mkdir -p /var/lib/redis /var/log/redis
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log
  for _ in $(seq 1 30); do ready && break; sleep 1; done
fi
ready || { echo "Redis did not start on 127.0.0.1:6379"; exit 1; }
echo "Redis is ready"
