from tests.planning.world import world

__all__ = ["world"]
