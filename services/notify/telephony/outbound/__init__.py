"""Outbound calls (docs/telephony.md "Outbound: click-to-call"): an operator calls a customer about an attempt.

`calls` starts, holds and hangs up calls (the internal endpoints), `connect` answers Twilio's requests for the
operator's and the customer's legs with voice steps, `legs` applies the legs' status callbacks, and
`progress` holds the pure rules they share (which state may follow which, what a provider status means).
"""
