#!/bin/sh
# Secrets as files: for each secret setting below, JARVIS_<NAME>_FILE names a file whose
# content (without a trailing newline) becomes JARVIS_<NAME>; the _FILE variable is dropped.
# This keeps the secret key and the database password out of `docker inspect` and compose
# files. Only these names: other settings end in _FILE by their own right (the audit one).
set -eu

for var in JARVIS_SECRET_KEY JARVIS_DATABASE_URL JARVIS_REDIS_URL JARVIS_ADMIN_PASSWORD \
    JARVIS_LLM_API_KEY JARVIS_NOTIFY_URLS; do
    file=$(printenv "${var}_FILE" || true)
    [ -n "$file" ] || continue
    if [ ! -r "$file" ]; then
        echo "jarvis-entrypoint: ${var}_FILE names $file, which user $(id -u) cannot read" >&2
        exit 64
    fi
    if [ -n "$(printenv "$var" || true)" ]; then
        echo "jarvis-entrypoint: both $var and ${var}_FILE are set; keep one" >&2
        exit 64
    fi
    value=$(cat "$file")
    export "$var=$value"
    unset "${var}_FILE"
done

exec "$@"
