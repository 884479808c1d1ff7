"""The post-call survey (docs/surveys.md): after a conversation, notify calls the customer back and asks CSAT
and NPS by keypad.

`domain/` holds the pure rules (when to survey, the voice menu, the script, the statuses); `scheduling`,
`dispatch` and `placement` take a finished conversation to a ringing phone; `voice` and `twiml` answer
Twilio's webhooks step by step; `reports` sends the facts back to order_confirm exactly once.
"""
