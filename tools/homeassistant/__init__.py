"""Home Assistant: entities and their states, service calls (lights, switches, scenes ...)."""

from tools.homeassistant.tools import family

__all__ = ["family"]
