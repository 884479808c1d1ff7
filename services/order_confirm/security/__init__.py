"""Authentication primitives of order_confirm (the only service operators log in to)."""
