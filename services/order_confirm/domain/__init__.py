"""Pure rules of the confirmation workflow: no session, no HTTP, no clock reads (`now` is passed in)."""
