"""The routing projection order_confirm feeds notify (docs/telephony.md "The routing projection").

notify routes a live call from its own copy of who works, who is free, who owns which caller and who covers
whom, so a ringing call never waits on order_confirm. This package keeps that copy current:
- `watch.py` notices, in every order_confirm transaction, the changes the copy is made of — wherever they
  happen (API, consumers, the scheduler, CLI commands) — and publishes them just before the commit, through
  the outbox, so a message leaves if and only if its change commits;
- `publish.py` compares what should be known with what notify was last told (`telephony_projection`) and
  sends only the differences, each with a revision that only grows;
- `republish.py` sends everything again (`okno telephony republish`): idempotent by revision.
Only tenants with telephony settings are projected; saving a tenant's first settings sends its projection
whole.
"""
