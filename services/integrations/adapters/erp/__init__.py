"""ERP adapters: the Protocol in `base`, one module per ERP, `providers` picks (the only importer)."""
