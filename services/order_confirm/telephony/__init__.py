"""The order_confirm side of telephony (docs/telephony.md "Division of work").

order_confirm holds no Twilio credential, SID or URL: notify does. This package
- feeds notify's routing projection (settings, presence, cover, customer routes) through the outbox
  (`projection.py`, `settings.py`, `lines.py`);
- asks notify, with the service token, for softphone tokens and call controls (`calls.py`, through
  `clients/notify_telephony.py`);
- turns notify's call facts into attempts, inbound-call facts, timeline lines, callback tasks and
  recording links (`facts.py`, `inbound.py`, `callbacks.py`, `recordings.py`);
- authorizes, audits and streams recording playback (`playback.py`);
- shows the live phone on the supervisor's floor (`floor.py`). The phone report's definitions are pure
  functions in `domain/phone_figures.py`, read through `service/reports/phone.py` like every report; the
  post-call survey's gate is `service/call_completion.py`.
"""
