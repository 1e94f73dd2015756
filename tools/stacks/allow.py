"""The commands the stacks tools may run: git in a stack's checkout, and compose (data)."""

from __future__ import annotations

from tools.safety.allow_tree import load_allow_tree

# Revisions and repository paths are plain tokens (no leading dash, so never a flag); the
# compose file and project folder are absolute paths under the stacks root or Jarvis's own
# validation folder. Log formats are fixed strings.
STACKS_ALLOW_TREE_YAML = r"""
rules:
  - &path {kind: path, pattern: '[^\x00]+', description: a path under the stacks root}
  - &rev {pattern: '[A-Za-z0-9@{}^~./_:][A-Za-z0-9@{}^~./_:-]{0,250}',
          description: a revision or a file of the repository}
  - &project {pattern: '[a-z0-9][a-z0-9_-]{0,62}', description: a compose project name}
  - &service {pattern: '[A-Za-z0-9][A-Za-z0-9._-]{0,62}', description: a service name}
  - &lines {pattern: '[0-9]{1,4}', description: a number of lines}
  - &compose
    flags: {-f: *path, --file: *path, --project-directory: *path, -p: *project,
            --project-name: *project, --ansi: {pattern: never}, --no-ansi: null}
    subcommands:
      config: {flags: {-q: null, --quiet: null, --services: null}}
      up: {flags: {-d: null, --detach: null, --remove-orphans: null, --no-color: null,
                   --build: null}}
      down: {flags: {--remove-orphans: null, -v: null, --volumes: null}}
      ps: {flags: {-a: null, --all: null, -q: null, --services: null}}
      logs: {flags: {--tail: *lines, --no-color: null, -t: null}, args: *service, max_args: 1}
      version: {flags: {--short: null}}
programs:
  git:
    subcommands:
      fetch: {flags: {--quiet: null, --prune: null, --no-tags: null}}
      rev-parse: {flags: {--abbrev-ref: null, --symbolic-full-name: null, --verify: null,
                          --quiet: null, --short: null}, args: *rev, max_args: 2}
      status: {flags: {--porcelain: null, --untracked-files: {pattern: 'no|normal'}}}
      rev-list: {flags: {--left-right: null, --count: null}, args: *rev, max_args: 2}
      log: {flags: {--format: {pattern: '%H%x09%an%x09%aI%x09%s'}, --max-count: *lines,
                    --no-merges: null},
            args: *rev, max_args: 2}
      diff: {flags: {--no-color: null, --name-only: null, --: null}, args: *rev, max_args: 4}
      merge-base: {flags: {--is-ancestor: null}, args: *rev, max_args: 2}
      merge: {flags: {--ff-only: null, --quiet: null}, args: *rev, max_args: 1}
      reset: {flags: {--keep: null, --quiet: null}, args: *rev, max_args: 1}
      worktree:
        subcommands:
          add: {flags: {--detach: null, --force: null}, args: *rev, max_args: 2}
          remove: {flags: {--force: null}, args: *rev, max_args: 1}
          prune: {}
  docker:
    subcommands:
      compose: *compose
  docker-compose: *compose
"""

STACKS_ALLOW_TREE = load_allow_tree(STACKS_ALLOW_TREE_YAML)
