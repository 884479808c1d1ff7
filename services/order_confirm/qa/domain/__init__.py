"""Pure QA rules: no session, no HTTP, no clock reads (pass `now`, days and seeds in)."""
