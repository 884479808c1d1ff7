"""Pure rules of integrations: no session, no HTTP, no clock reads."""
