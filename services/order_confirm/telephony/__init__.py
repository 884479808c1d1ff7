"""The order_confirm side of telephony (docs/telephony.md "Division of work").

order_confirm holds no Twilio credential, SID or URL: notify does. This package
- feeds notify's routing projection (settings, presence, cover, customer routes) through the outbox
  (`projection.py`, `settings.py`, `lines.py`);
- asks notify, with the service token, for softphone tokens and call controls (`client.py`, `calls.py`);
- turns notify's call facts into attempts, inbound-call facts, timeline lines, callback tasks and
  recording links (`facts.py`, `inbound.py`, `callbacks.py`, `recordings.py`);
- authorizes, audits and streams recording playback (`playback.py`);
- computes the phone figures of the reports and the floor (`domain/`, `report.py`, `floor.py`).
"""
