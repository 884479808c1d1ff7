"""The proposed roster: how many operators start on each shift pattern each day so that every interval has
at least the required operators, with the least over-staffing. Solved by pyworkforce's MinRequiredResources
(an OR-Tools CP-SAT model) with each pattern's cost = its working intervals, so the objective is exactly the
staffed operator-intervals: the requirement (fixed) plus the over-staffing (minimised).

A pattern is a template at one of its start times: working intervals are 1, the break and the time outside
the shift are 0. Shifts end by midnight (a day is solved on its own). OR-Tools is imported lazily.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time, timedelta

from services.common.problems import Unprocessable
from services.order_confirm.planning.domain.intervals import INTERVAL_MINUTES, INTERVALS_PER_DAY, index_of_time


class InvalidTemplate(Unprocessable):
    code, title = "invalid_shift_template", "The shift template is not valid"


@dataclass(frozen=True)
class Template:
    id: int
    name: str
    starts: tuple[time, ...]
    length_minutes: int
    break_after_minutes: int | None = None
    break_minutes: int = 0


@dataclass(frozen=True)
class Pattern:
    template_id: int
    start: time
    coverage: tuple[int, ...]  # INTERVALS_PER_DAY flags

    @property
    def key(self) -> str:
        return f"{self.template_id}@{self.start.strftime('%H:%M')}"

    @property
    def working_intervals(self) -> int:
        return sum(self.coverage)


@dataclass(frozen=True)
class Start:
    day: date
    template_id: int
    start: time
    operators: int


@dataclass(frozen=True)
class Proposal:
    status: str  # OPTIMAL | FEASIBLE | INFEASIBLE | UNKNOWN | MODEL_INVALID (CP-SAT's names)
    starts: list[Start]
    staffed: list[list[int]]  # per day and interval
    over_staffing: int  # operator-intervals above the requirement
    uncovered: list[tuple[date, int, int]]  # (day, interval, operators) no template can cover

    @property
    def shifts(self) -> int:
        return sum(start.operators for start in self.starts)


def template_errors(template: Template) -> list[dict[str, str]]:
    errors: list[dict[str, str]] = []
    if not template.starts:
        errors.append({"field": "starts", "message": "at least one start time"})
    if template.length_minutes <= 0 or template.length_minutes % INTERVAL_MINUTES:
        errors.append({"field": "length_minutes", "message": "a positive multiple of 30"})
    for start in template.starts:
        try:
            first = index_of_time(start)
        except ValueError as error:
            errors.append({"field": "starts", "message": str(error)})
            continue
        if first * INTERVAL_MINUTES + template.length_minutes > 24 * 60:
            errors.append(
                {"field": "starts", "message": f"a shift from {start.strftime('%H:%M')} must end by midnight"}
            )
    if template.break_minutes < 0 or template.break_minutes % INTERVAL_MINUTES:
        errors.append({"field": "break_minutes", "message": "0 or a multiple of 30"})
    if template.break_minutes and template.break_after_minutes is None:
        errors.append({"field": "break_after_minutes", "message": "needed with a break"})
    if template.break_after_minutes is not None:
        after = template.break_after_minutes
        if after <= 0 or after % INTERVAL_MINUTES or after + template.break_minutes >= template.length_minutes:
            errors.append(
                {
                    "field": "break_after_minutes",
                    "message": "a multiple of 30 inside the shift, with work after the break",
                }
            )
    return errors


def patterns(template: Template) -> list[Pattern]:
    errors = template_errors(template)
    if errors:
        raise InvalidTemplate(f"Template {template.name!r} is not valid; see `errors`.", errors=errors)
    length = template.length_minutes // INTERVAL_MINUTES
    out = []
    for start in template.starts:
        first = index_of_time(start)
        flags = [0] * INTERVALS_PER_DAY
        for i in range(first, first + length):
            flags[i] = 1
        if template.break_minutes and template.break_after_minutes is not None:
            on_break = first + template.break_after_minutes // INTERVAL_MINUTES
            for i in range(on_break, on_break + template.break_minutes // INTERVAL_MINUTES):
                flags[i] = 0
        out.append(Pattern(template.id, start, tuple(flags)))
    return out


def propose(
    required: Sequence[Sequence[int]], first_day: date, templates: Sequence[Template], *, time_limit_seconds: float
) -> Proposal:
    """`required[d][i]` operators in interval i of day `first_day + d`."""
    shapes = {pattern.key: pattern for template in templates for pattern in patterns(template)}
    if not shapes:
        raise InvalidTemplate("Add at least one shift template before asking for a roster.")
    coverable = [any(p.coverage[i] for p in shapes.values()) for i in range(INTERVALS_PER_DAY)]
    uncovered = [
        (first_day + timedelta(days=d), i, need)
        for d, day in enumerate(required)
        for i, need in enumerate(day)
        if need > 0 and not coverable[i]
    ]
    demand = [[need if coverable[i] else 0 for i, need in enumerate(day)] for day in required]
    peak = max((max(day) for day in demand), default=0)
    if peak == 0:
        empty = [[0] * INTERVALS_PER_DAY for _ in demand]
        return Proposal("OPTIMAL", [], empty, 0, uncovered)
    from pyworkforce.scheduling import MinRequiredResources

    solver = MinRequiredResources(
        num_days=len(demand),
        periods=INTERVALS_PER_DAY,
        shifts_coverage={key: list(p.coverage) for key, p in shapes.items()},
        required_resources=demand,
        max_period_concurrency=peak * len(shapes) + 1,
        max_shift_concurrency=peak,
        cost_dict={key: p.working_intervals for key, p in shapes.items()},
        max_search_time=float(time_limit_seconds),
        num_search_workers=2,
    )
    solution = solver.solve()
    status = str(solution["status"])
    if status not in ("OPTIMAL", "FEASIBLE"):
        return Proposal(status, [], [[0] * INTERVALS_PER_DAY for _ in demand], 0, uncovered)
    starts = [
        Start(
            first_day + timedelta(days=int(row["day"])),
            shapes[row["shift"]].template_id,
            shapes[row["shift"]].start,
            int(row["resources"]),
        )
        for row in solution["resources_shifts"]
        if int(row["resources"]) > 0
    ]
    staffed = [[0] * INTERVALS_PER_DAY for _ in demand]
    for start in starts:
        coverage = shapes[f"{start.template_id}@{start.start.strftime('%H:%M')}"].coverage
        row = staffed[(start.day - first_day).days]
        for i, flag in enumerate(coverage):
            row[i] += flag * start.operators
    over = sum(s - r for srow, rrow in zip(staffed, demand, strict=True) for s, r in zip(srow, rrow, strict=True))
    return Proposal(status, starts, staffed, over, uncovered)
