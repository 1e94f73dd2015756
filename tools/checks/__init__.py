"""Diagnose: small typed checks that each look at one part of the homelab and report findings."""
