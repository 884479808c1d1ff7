"""Inbound one window (docs/telephony.md "Inbound"): a call to the shop's number rings the customer's owner,
then their cover, then anyone free; meanwhile the caller queues with their position, hold music and a
callback offer. Routing decisions are `telephony.routing` (pure); this package reads notify's own tables,
writes the call's facts and answers Twilio's webhooks with voice steps."""
