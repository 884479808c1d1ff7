"""Service functions of order_confirm: each takes a session (the caller's transaction) and the actor.

They never commit: the request or message boundary does. They raise `services.common.problems` errors.
"""

# Every change to owners, presence, cover or telephony settings reaches notify's routing projection through
# a session hook, whichever service function (or CLI command) makes it; installing it here means no code path
# that uses order_confirm's services can run without it.
from services.order_confirm.streams import watch as _streams_watch
from services.order_confirm.telephony.projection import watch as _projection_watch

_projection_watch.install()
# Likewise every change a console stream shows publishes a wake-up after its commit (streams/watch.py).
_streams_watch.install()
