"""Plex Media Server: sessions playing, libraries, recently added, library refresh."""
