"""Pure survey rules of notify: no session, no HTTP, no clock reads."""
