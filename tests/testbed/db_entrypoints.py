"""Entrypoints of the database test images: small scripts that behave like the official
images' on what Jarvis relies on (password from the environment or a file, first-start
initialisation, the server running as its own user)."""

PG_ENTRYPOINT = r"""#!/bin/sh
# First start: initdb with the superuser password from the environment; then run as postgres.
set -e
export PGDATA="${PGDATA:-/var/lib/postgresql/data}"
if [ -n "$POSTGRES_PASSWORD_FILE" ]; then POSTGRES_PASSWORD="$(cat "$POSTGRES_PASSWORD_FILE")"; fi
mkdir -p "$PGDATA" /run/postgresql
chown postgres:postgres "$PGDATA" /run/postgresql
chmod 700 "$PGDATA"
as_pg() { su -p -s /bin/sh -c 'exec "$0" "$@"' -- postgres "$@"; }
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  if [ -z "$POSTGRES_PASSWORD" ]; then
    echo "error: POSTGRES_PASSWORD or POSTGRES_PASSWORD_FILE must be set" >&2
    exit 1
  fi
  umask 077
  printf '%s\n' "$POSTGRES_PASSWORD" > /run/postgresql/pwfile
  chown postgres /run/postgresql/pwfile
  as_pg initdb -D "$PGDATA" -U "${POSTGRES_USER:-postgres}" --pwfile=/run/postgresql/pwfile \
    -A scram-sha-256 --no-locale -E UTF8 >/dev/null
  rm -f /run/postgresql/pwfile
  echo "host all all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
  echo "listen_addresses = '*'" >> "$PGDATA/postgresql.conf"
fi
unset POSTGRES_PASSWORD
exec su -p -s /bin/sh -c 'exec "$0" "$@"' -- postgres "$@"
"""

REDIS_ENTRYPOINT = r"""#!/bin/sh
# Like the official image: a first argument that is an option or a .conf file means
# redis-server; the server runs as the redis user in /data.
set -e
case "$1" in -*|*.conf) set -- redis-server "$@" ;; esac
if [ "$1" = redis-server ] && [ "$(id -u)" = 0 ]; then
  chown -R redis:redis /data
  exec su -p -s /bin/sh -c 'exec "$0" "$@"' -- redis "$@"
fi
exec "$@"
"""

MARIADB_ENTRYPOINT = r"""#!/bin/sh
# First start: system tables, then root (here and from anywhere) with the password from the
# environment, all in one bootstrap run; then the server drops to the mysql user itself.
set -e
if [ -n "$MARIADB_ROOT_PASSWORD_FILE" ]; then
  MARIADB_ROOT_PASSWORD="$(cat "$MARIADB_ROOT_PASSWORD_FILE")"
fi
mkdir -p /var/lib/mysql /run/mysqld
chown mysql:mysql /var/lib/mysql /run/mysqld
if [ ! -d /var/lib/mysql/mysql ]; then
  if [ -z "$MARIADB_ROOT_PASSWORD" ]; then
    echo "error: MARIADB_ROOT_PASSWORD or MARIADB_ROOT_PASSWORD_FILE must be set" >&2
    exit 1
  fi
  pw="$(printf '%s' "$MARIADB_ROOT_PASSWORD" | sed -e 's/\\/\\\\/g' -e "s/'/\\\\'/g")"
  share=/usr/share/mysql
  {
    printf '%s\n' "CREATE DATABASE IF NOT EXISTS mysql;" "USE mysql;" "SET @auth_root_socket=NULL;"
    cat $share/mysql_system_tables.sql $share/mysql_performance_tables.sql \
      $share/mysql_system_tables_data.sql
    echo "FLUSH PRIVILEGES;"
    printf "ALTER USER 'root'@'localhost' IDENTIFIED BY '%s';\n" "$pw"
    printf "CREATE USER 'root'@'%%' IDENTIFIED BY '%s';\n" "$pw"
    echo "GRANT ALL ON *.* TO 'root'@'%' WITH GRANT OPTION;"
  } | mariadbd --bootstrap --user=mysql --datadir=/var/lib/mysql --log-warnings=0 \
      --enforce-storage-engine="" --max_allowed_packet=8M --net_buffer_length=16K
fi
unset MARIADB_ROOT_PASSWORD pw
exec "$@"
"""
