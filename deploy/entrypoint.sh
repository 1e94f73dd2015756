#!/bin/sh
# Secrets as files: for each JARVIS_<NAME>_FILE, read the file into JARVIS_<NAME> (the file's
# content, without a trailing newline) and drop the _FILE variable, then run the command.
# This keeps the secret key and the database password out of `docker inspect` and compose files.
set -eu

for var in $(env | sed -n 's/^\(JARVIS_[A-Z0-9_]*\)_FILE=.*/\1/p'); do
    file=$(printenv "${var}_FILE")
    if [ ! -r "$file" ]; then
        echo "jarvis-entrypoint: ${var}_FILE names $file, which this user ($(id -u)) cannot read" >&2
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
