"""Google: Calendar events, reports through Gmail, off-site backup copies in Drive."""
