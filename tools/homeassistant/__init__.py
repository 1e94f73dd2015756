"""Home Assistant: entities and their states, service calls (lights, switches, scenes ...)."""
