"""Roster optimizer on a two-week horizon for 200 operators.

`python -m bench.roster [--days 14] [--limit 10]`: a requirement peaking at 200 operators a half hour (a busy
contact centre's day, weekend lighter), six templates (8 h and 6 h, starts every hour 07:00–14:00, a 30-minute
break), solved by the planner's `propose` (pyworkforce MinRequiredResources / OR-Tools CP-SAT). Prints the
seconds, the solver status, the shifts and the over-staffing; exits 1 when no feasible roster is found within
the time limit.
"""

from __future__ import annotations

import argparse
import math
import time
from datetime import date
from datetime import time as clock

from services.order_confirm.planning.domain.intervals import INTERVALS_PER_DAY
from services.order_confirm.planning.domain.roster import Template, propose

FIRST_DAY = date(2026, 12, 7)
PEAK = 200


def requirement(days: int) -> list[list[int]]:
    grid = []
    for d in range(days):
        scale = 0.6 if d % 7 >= 5 else 1.0
        day = []
        for i in range(INTERVALS_PER_DAY):
            hour = i / 2
            need = PEAK * scale * math.exp(-(((hour - 14) / 4.5) ** 2)) if 8 <= hour < 22 else 0
            day.append(round(need))
        grid.append(day)
    return grid


def templates() -> list[Template]:
    starts = tuple(clock(h) for h in range(7, 15))
    return [
        Template(1, "8h", starts, 480, break_after_minutes=240, break_minutes=30),
        Template(2, "6h", starts, 360, break_after_minutes=180, break_minutes=30),
    ]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=14)
    parser.add_argument("--limit", type=float, default=10.0, help="solver time limit, seconds")
    args = parser.parse_args()
    grid = requirement(args.days)
    started = time.perf_counter()
    proposal = propose(grid, FIRST_DAY, templates(), time_limit_seconds=args.limit)
    seconds = time.perf_counter() - started
    need = sum(map(sum, grid))
    print(f"requirement: {args.days} days, peak {max(map(max, grid))} operators, {need} operator-intervals")
    print(f"solver: {proposal.status} in {seconds:.2f} s (limit {args.limit} s, OR-Tools import included)")
    print(
        f"shifts: {proposal.shifts}, over-staffing: {proposal.over_staffing} operator-intervals "
        f"({proposal.over_staffing / need:.1%} of the requirement), uncovered: {len(proposal.uncovered)}"
    )
    return 0 if proposal.status in ("OPTIMAL", "FEASIBLE") else 1


if __name__ == "__main__":
    raise SystemExit(main())
