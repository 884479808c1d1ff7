"""Courier adapters: Protocols in `base`, one module per courier, `providers` picks (the only importer)."""
