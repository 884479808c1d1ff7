"""What a wake-up says: whose console a committed change concerns. Ids only, never personal data.

- `tenant`: the tenant the change belongs to; None when it spans tenants (an operator's own row).
- `operators`: operators whose queue may have changed (assignee, lease holder, owner, before and after) and
  whose row on a supervisor's floor may have changed; a floor watches its team, so it is woken by these too.
- `calls`: operators whose own current call changed (a call fact): their consoles' softphone bars re-read it;
- `floor`: something every floor of `tenant` shows changed (the unassigned pool, a cover rule, who works
  for the tenant); with `tenant` None, every floor.
- `everyone`: a change nobody could attribute (a bulk statement): every stream of `tenant` re-reads (every
  stream at all when `tenant` is None).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class Wakeup:
    tenant: int | None
    operators: set[int] = field(default_factory=set)
    floor: bool = False
    everyone: bool = False
    calls: set[int] = field(default_factory=set)

    def as_json(self) -> dict[str, object]:
        body: dict[str, object] = {"tenant": self.tenant, "operators": sorted(self.operators)}
        if self.calls:
            body["calls"] = sorted(self.calls)
        if self.floor:
            body["floor"] = True
        if self.everyone:
            body["everyone"] = True
        return body


class Wakeups:
    """The wake-ups one transaction collects, merged per tenant."""

    def __init__(self) -> None:
        self.by_tenant: dict[int | None, Wakeup] = {}

    def __bool__(self) -> bool:
        return bool(self.by_tenant)

    def add(
        self,
        tenant: int | None,
        operators: Iterable[int | None] = (),
        *,
        floor: bool = False,
        calls: Iterable[int | None] = (),
    ) -> None:
        found = self.by_tenant.setdefault(tenant, Wakeup(tenant))
        found.operators.update(operator for operator in operators if operator is not None)
        found.floor = found.floor or floor
        found.calls.update(operator for operator in calls if operator is not None)

    def everyone(self, tenant: int | None = None) -> None:
        self.by_tenant.setdefault(tenant, Wakeup(tenant)).everyone = True

    def encode(self) -> str:
        notes = [wakeup.as_json() for _, wakeup in sorted(self.by_tenant.items(), key=lambda item: item[0] or 0)]
        return json.dumps(notes, separators=(",", ":"))


def decode(note: str) -> list[Wakeup]:
    """The wake-ups of one note; malformed parts are skipped (a note is a hint, never trusted data)."""
    try:
        items = json.loads(note)
    except ValueError:
        return []
    found: list[Wakeup] = []
    for item in items if isinstance(items, list) else []:
        if not isinstance(item, dict):
            continue
        tenant = item.get("tenant")
        operators = item.get("operators", [])
        if not (tenant is None or isinstance(tenant, int)) or not isinstance(operators, list):
            continue
        ids = {operator for operator in operators if isinstance(operator, int)}
        calls = item.get("calls", [])
        on_call = {operator for operator in calls if isinstance(operator, int)} if isinstance(calls, list) else set()
        found.append(Wakeup(tenant, ids, bool(item.get("floor")), bool(item.get("everyone")), on_call))
    return found
