"""The chat web app (Chainlit): sessions, rendering, widgets."""
