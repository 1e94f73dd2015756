"""Durable workflows: multi-step changes that survive a restart and roll back on failure."""
