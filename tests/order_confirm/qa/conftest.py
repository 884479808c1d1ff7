from tests.order_confirm.qa.world import world

__all__ = ["world"]
