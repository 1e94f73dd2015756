"""Front ends: the command line (and, next, the web app with the chat)."""
