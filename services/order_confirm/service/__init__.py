"""Service functions of order_confirm: each takes a session (the caller's transaction) and the actor.

They never commit: the request or message boundary does. They raise `services.common.problems` errors.
"""
