"""Small plumbing shared by every service: database engines, reliable messaging, errors, health, logs.

It knows no service and no business rule; services import it, it imports only `contracts`.
"""
