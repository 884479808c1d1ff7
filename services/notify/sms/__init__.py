"""Texting customers (payment links): templates, sending through the telephony boundary, delivery status."""
