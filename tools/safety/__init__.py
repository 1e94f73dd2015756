"""Mechanisms tools use to act safely: argv-only commands, atomic file edits, validators."""
