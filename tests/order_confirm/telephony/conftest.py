"""Fixtures of the order_confirm telephony tests: the workflow world (frozen clock, no worker threads)."""

from tests.order_confirm.workflow.conftest import api, frozen_okno

__all__ = ["api", "frozen_okno"]
