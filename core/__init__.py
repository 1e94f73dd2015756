"""Cross-cutting pieces: settings, typed errors, structured logging."""
