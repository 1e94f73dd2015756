"""Typed tools, one module or package per family, and the registry that lists them."""
