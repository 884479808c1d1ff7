"""notify's telephony routes: Twilio's signed webhooks and the internal endpoints order_confirm calls."""
