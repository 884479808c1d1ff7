"""Payment providers: Protocols in `base`, one module per provider, `providers` picks (the only importer)."""
