#!/usr/bin/env bash
# Make sure the services the integration tests use are running on this machine: start the
# installed PostgreSQL and Redis when they are not listening. The tests themselves start a
# throwaway instance where none can be started here, and fail loudly where neither works.
set -uo pipefail

# Headless Chromium drives the dashboard's end-to-end test.
if ! command -v chromedriver >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "installing chromium and chromium-driver (Debian packages)" >&2
        (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
            chromium chromium-driver >/dev/null) || echo "note: could not install chromium" >&2
    else
        echo "note: chromium/chromedriver missing; install them (apt-get install chromium chromium-driver)" >&2
    fi
fi

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

if ! listening 6379 && command -v redis-server >/dev/null; then
    echo "starting redis-server on 127.0.0.1:6379" >&2
    mkdir -p /tmp/ingest-redis
    redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
        --dir /tmp/ingest-redis --logfile /tmp/ingest-redis/redis.log || true
fi

if ! listening 5432 && command -v pg_ctlcluster >/dev/null && [ -d /etc/postgresql ]; then
    for version in $(ls /etc/postgresql); do
        echo "starting PostgreSQL $version" >&2
        pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    done
fi

for i in $(seq 1 50); do
    if listening 6379 && listening 5432; then break; fi
    sleep 0.2
done
listening 6379 || echo "note: Redis is not listening on 6379; tests will try a throwaway one" >&2
listening 5432 || echo "note: PostgreSQL is not listening on 5432; tests will try a throwaway one" >&2
exit 0
