"""`okno tenant policy show|set`: a tenant's policy (retries, calling hours, cover grace, service level,
planning and QA targets) from the command line.

`set` changes only the keys given (`--retry-steps "15m,1h,next_day 10:00" --max-attempts 4`, or any key as
`--value planning.shrinkage=0.25`), validates the whole result like the API (every mistake listed) and
audits the change as `system:cli`. It reads and writes in one transaction with the tenant row locked, so it
never overwrites a change made meanwhile.
"""

from __future__ import annotations

import json
from typing import Annotated, Any

import typer
from rich.console import Console

from services.common.clock import utc_now
from services.common.db import make_engine, transaction
from services.common.problems import DomainError
from services.order_confirm.domain.policy_document import stored_form
from services.order_confirm.domain.vocabulary import Role
from services.order_confirm.service import tenancy, tenant_policy
from services.order_confirm.settings import OrderConfirmSettings

policy_app = typer.Typer(help="A tenant's policy: retries, calling hours, cover grace, targets.", no_args_is_help=True)
console = Console()
CLI = tenant_policy.Caller(actor="system:cli", role=Role.ADMIN, tenant_ids=None)


def show_policy(slug: str) -> tenant_policy.PolicyState:
    with transaction(make_engine(OrderConfirmSettings().database_url)) as session:
        tenant = tenancy.get_tenant(session, slug)
        return tenant_policy.read(session, CLI, tenant.id or 0)


def change_policy(slug: str, changes: dict[str, Any]) -> tenant_policy.PolicyState:
    """Apply a merge patch to the tenant's policy (validated as a whole, audited)."""
    with transaction(make_engine(OrderConfirmSettings().database_url)) as session:
        tenant = tenancy.get_tenant(session, slug)
        return tenant_policy.patch(session, CLI, tenant.id or 0, changes, if_match="*", now=utc_now())


def assignment(text: str) -> dict[str, Any]:
    """`a.b=value` as a merge patch `{"a": {"b": value}}`; the value is JSON if it parses, else text."""
    path, separator, raw = text.partition("=")
    if not separator or not path.strip():
        raise typer.BadParameter(f"{text!r}: write KEY=VALUE, e.g. planning.shrinkage=0.25")
    try:
        value: Any = json.loads(raw)
    except json.JSONDecodeError:
        value = raw
    for key in reversed(path.strip().split(".")):
        value = {key: value}
    return value  # type: ignore[no-any-return]


def _print(state: tenant_policy.PolicyState) -> None:
    console.print_json(data={"etag": state.etag, "policy": stored_form(state.document)})
    for problem in state.ignored:
        console.print(f"[yellow]ignored[/] (not valid, the default applies): {problem['field']}: {problem['message']}")


def _fail(error: DomainError) -> typer.Exit:
    console.print(f"[red]error[/]: {error.detail}")
    for item in error.extra.get("errors", []):
        console.print(f"  {item['field']}: {item['message']}")
    return typer.Exit(1)


@policy_app.command("show")
def show(tenant: Annotated[str, typer.Argument(help="Tenant slug")]) -> None:
    """Print the policy in force (defaults filled in) and its ETag."""
    try:
        _print(show_policy(tenant))
    except DomainError as error:
        raise _fail(error) from None


@policy_app.command("set")
def set_(
    tenant: Annotated[str, typer.Argument(help="Tenant slug")],
    retry_steps: Annotated[str | None, typer.Option(help="Comma-separated, e.g. '15m,1h,3h,next_day 10:00'")] = None,
    max_attempts: Annotated[int | None, typer.Option(help="The n-th unanswered call makes it unreachable")] = None,
    calling_hours: Annotated[str | None, typer.Option(help="Customer's local window, e.g. 09:00-21:00")] = None,
    cover_grace: Annotated[int | None, typer.Option(help="Minutes a task waits for an off-shift owner")] = None,
    value: Annotated[
        list[str] | None, typer.Option(help="Any key as KEY=VALUE (repeat), e.g. service_level.within_minutes=30")
    ] = None,
) -> None:
    """Change only the keys given; the whole policy is validated and the change audited."""
    changes: dict[str, Any] = {}
    if retry_steps is not None:
        changes["retry_steps"] = [step.strip() for step in retry_steps.split(",")]
    if max_attempts is not None:
        changes["max_attempts"] = max_attempts
    if calling_hours is not None:
        start, _, end = calling_hours.partition("-")
        changes["calling_hours"] = {"start": start.strip(), "end": end.strip()}
    if cover_grace is not None:
        changes["cover_grace_minutes"] = cover_grace
    patch: dict[str, Any] = {}
    for text in value or []:
        patch = _combined(patch, assignment(text))
    if not changes and not patch:
        raise typer.BadParameter("nothing to change: give at least one option (see --help)")
    try:
        _print(change_policy(tenant, _combined(patch, changes)))
    except DomainError as error:
        raise _fail(error) from None


def _combined(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """Two patches as one (nested keys of the same section combine)."""
    result = dict(base)
    for key, item in extra.items():
        if isinstance(item, dict) and isinstance(result.get(key), dict):
            result[key] = _combined(result[key], item)
        else:
            result[key] = item
    return result
