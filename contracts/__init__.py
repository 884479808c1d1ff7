"""Okno's shared contracts: message and HTTP body models, message names, queues, versions.

Nothing here does I/O or holds business rules. A service that sends a message needs only this package.
"""
