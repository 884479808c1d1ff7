"""The sandbox telephony simulator (`okno run` without Twilio credentials): plays Twilio's part in a page."""
