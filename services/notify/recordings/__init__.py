"""Call recordings: Twilio's recording status callback, audio streamed to order_confirm with HTTP Range,
deletion on request and by the tenant's retention (docs/telephony.md "Recordings").

The audio and the provider's URL never leave notify: order_confirm authorizes and audits playback, then
streams `GET …/recordings/{id}/audio` from here; notify fetches the bytes with its own credentials.
"""
