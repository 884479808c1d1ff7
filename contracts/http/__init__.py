"""Bodies of cross-service HTTP calls (service token auth); one module per area."""
