"""Local stand-ins for outside systems that `okno run`'s demo and the tests talk to over real HTTP.

Each speaks the outside system's real wire protocol, so the production adapters talk to them unchanged.
"""
