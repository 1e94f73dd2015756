"""Sunshine game streaming: its applications, paired Moonlight clients, and pairing by PIN."""
