"""Reliable messaging: transactional outbox, idempotent consumers, retries and a dead-letter list.

Guarantee: a state change and the messages it causes commit together; a broker outage delays them and
loses none; every consumer applies each `message_id` once.
"""
