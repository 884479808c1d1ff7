"""The survey's routes: Twilio's voice webhooks and the per-tenant rules (service token)."""
