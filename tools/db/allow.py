"""The commands the database tools may run: the engines' dump and restore clients (data)."""

from __future__ import annotations

from tools.safety.allow_tree import load_allow_tree

# Connection details are checked values, database names the strict identifier pattern, files
# absolute paths under the backup folder; passwords travel in the environment, never here.
DB_ALLOW_TREE_YAML = r"""
rules:
  - &path {kind: path, pattern: '[^\x00]+', description: a file under the backup folder}
  - &host {pattern: '[A-Za-z0-9:][A-Za-z0-9.:_-]{0,253}', description: a host name or address}
  - &port {pattern: '[0-9]{1,5}', description: a port}
  - &user {pattern: '[A-Za-z0-9_][A-Za-z0-9_.@-]{0,62}', description: a user name}
  - &ident {pattern: '[a-z_][a-z0-9_]{0,62}', description: a database name}
programs:
  pg_dump:
    flags: {--format: {pattern: custom}, --host: *host, --port: *port, --username: *user,
            --dbname: *ident, --file: *path, --no-password: null,
            --snapshot: {pattern: '[0-9A-Fa-f-]{1,64}', description: an exported snapshot}}
  pg_restore:
    flags: {--clean: null, --if-exists: null, --single-transaction: null, --exit-on-error: null,
            --no-owner: null, --no-privileges: null, --host: *host, --port: *port,
            --username: *user, --dbname: *ident, --no-password: null}
    args: *path
    max_args: 1
  mariadb-dump:
    flags: {--single-transaction: null, --routines: null, --triggers: null, --events: null,
            --host: *host, --port: *port, --user: *user, --protocol: {pattern: tcp},
            --result-file: *path}
    args: *ident
    max_args: 1
  mariadb:
    flags: {--host: *host, --port: *port, --user: *user, --protocol: {pattern: tcp},
            --database: *ident, --batch: null}
"""

DB_ALLOW_TREE = load_allow_tree(DB_ALLOW_TREE_YAML)
