"""TLS certificate tools: what a server presents, whether it is trusted, when it expires."""

from tools.ssl import check
from tools.ssl.check import classify, family

__all__ = ["check", "classify", "family"]
