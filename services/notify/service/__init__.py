"""Service functions of notify: each takes a session (the caller's transaction) and never commits."""
