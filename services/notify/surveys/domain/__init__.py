"""Pure survey rules: no session, no HTTP, no clock reads."""
