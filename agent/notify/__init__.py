"""Notifications: approvals, findings, failed runs and summaries sent through Apprise."""
