"""Service functions of integrations: each takes a session (the caller's transaction), never commits."""
