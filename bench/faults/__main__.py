"""`python -m bench.faults`: see bench/faults/__init__.py."""

from __future__ import annotations

import argparse
import os
import time

from bench.faults import __doc__ as DOC
from bench.faults.campaign import (
    SECRET,
    SHOP,
    Count,
    Plan,
    Timeline,
    faults,
    install,
    play,
    teardown,
    wait_for_every_order,
)
from bench.faults.shop import Shop


def main() -> int:
    plan = _plan()
    print(f"load average before: {_load()}", flush=True)
    installation = install(plan)
    try:
        shop = Shop(installation.api_url, SHOP, SECRET, count=plan.webhooks, rate=plan.rate, senders=8)
        timeline = Timeline()
        shop.start()
        steps = faults(installation, plan)
        play(timeline, steps).join()
        shop.join(timeout=plan.patience)
        final, all_present_at = wait_for_every_order(installation, shop, plan)
        faults_over = timeline.started + max(at for at, _ in timeline.events)  # when the last one really ended
        _report(plan, shop, final, None if all_present_at is None else all_present_at - faults_over)
        print(f"load average after:  {_load()}  (the machine is shared: other work ran meanwhile)")
        lost = {w.external_id for w in shop.acknowledged} - final.webhook_orders.keys()
        return 1 if lost or all_present_at is None else 0
    finally:
        teardown(installation)


def _plan() -> Plan:
    parser = argparse.ArgumentParser(description=DOC, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--webhooks", type=int, default=Plan.webhooks)
    parser.add_argument("--rate", type=float, default=Plan.rate, help="webhooks per second")
    parser.add_argument("--erp-orders", type=int, default=Plan.erp_orders)
    parser.add_argument("--redis-loses-data", action="store_true", help="Redis restarts without its AOF")
    args = parser.parse_args()
    return Plan(
        webhooks=args.webhooks, rate=args.rate, erp_orders=args.erp_orders, redis_loses_data=args.redis_loses_data
    )


def _report(plan: Plan, shop: Shop, final: Count, recovery: float | None) -> None:
    acknowledged = {w.external_id for w in shop.acknowledged}
    present = acknowledged & final.webhook_orders.keys()
    duplicated = sum(1 for rows in final.webhook_orders.values() if rows > 1)
    duplicated += sum(1 for rows in final.erp_orders.values() if rows > 1)
    failures = ", ".join(f"{what} {n}" for what, n in shop.failures.most_common()) or "none"
    print()
    print(f"webhooks sent:         {len(shop.webhooks)} in {shop.attempts} attempts (failed attempts: {failures})")
    print(f"acknowledged (202):    {len(acknowledged)}")
    print(f"present in Okno:       {len(present)} of the acknowledged, {len(acknowledged) - len(present)} lost")
    print(f"ERP orders:            {len(final.erp_orders)} of {plan.erp_orders} pulled")
    print(f"duplicated orders:     {duplicated}")
    print(f"republished (settlement): {final.republished}")
    if recovery is None:
        print(f"recovery:              NOT every acknowledged order present after {plan.patience:.0f} s")
    else:
        print(f"recovery:              every order present {max(0.0, recovery):.1f} s after the last fault ended")


def _load() -> str:
    return " ".join(f"{value:.2f}" for value in os.getloadavg()) + f" at {time.strftime('%H:%M:%S')}"


if __name__ == "__main__":
    raise SystemExit(main())
