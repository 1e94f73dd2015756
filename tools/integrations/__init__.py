"""Integrated services: the registry of kinds, the shared HTTP client and access for tools."""
