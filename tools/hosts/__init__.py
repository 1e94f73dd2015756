"""Other hosts over SSH: pinned host keys, one pooled connection per host, remote commands."""
