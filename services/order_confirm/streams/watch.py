"""Publish a wake-up after every commit that changed what a console stream shows.

A session hook, like the routing projection's (telephony/projection/watch.py), so no code path can forget
it: `after_flush` collects whom each changed row concerns (tasks, orders, customers, operators, who works
for which tenant, cover rules, login sessions), `before_commit` resolves changed orders to the operators
whose queues show them (one query, only for orders whose tasks did not change in the same transaction),
and `after_commit` hands one note to the wake-up channel; a rollback forgets it. A bulk statement on one of
these tables (`session.execute(update(Task)...)`) cannot be attributed and wakes every stream, unless its
code says whom it concerns with `note()` and the `NOTED` execution option; code that writes through a bare
connection calls `note()` itself, and what commits outside any session (the claim) calls `announce()`.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, and_, event, inspect, select
from sqlalchemy.orm import ORMExecuteState
from sqlalchemy.orm import Session as OrmSession
from sqlmodel import col

from services.common.wakeups import WakeupChannel
from services.order_confirm.domain.vocabulary import TaskStatus
from services.order_confirm.models import (
    AuthSession,
    CoverRule,
    Customer,
    Operator,
    OperatorTenant,
    Order,
    Task,
)
from services.order_confirm.streams.wakeup import Wakeups

_PENDING = "okno_stream_wakeups"
# Execution option of a bulk statement whose effect the code has already described with `note()`.
NOTED = "okno_stream_wakeups_noted"
WATCHED_TABLES = frozenset({"tasks", "orders", "customers", "operators", "operator_tenants", "cover_rules"})
_TASK_SHOWN = ("status", "priority", "due_at", "kind", "assignee_id", "is_cover", "lease_operator_id")
_TASK_SHOWN_TOO = ("lease_expires_at", "order_id")
_ORDER_SHOWN = ("status", "version", "updated_at", "closed_at", "customer_id")
_OPERATOR_SHOWN = ("status", "active", "name", "role", "supervisor_id", "capacity")


@dataclass
class Pending:
    wakeups: Wakeups = field(default_factory=Wakeups)
    orders: dict[int, int | None] = field(default_factory=dict)  # order id -> tenant, to resolve at commit
    orders_with_tasks: set[int] = field(default_factory=set)


_channels: dict[str, WakeupChannel] = {}
_keys: weakref.WeakKeyDictionary[Engine, str] = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def database_key(engine: Engine) -> str:
    """The database an engine points at, whatever its driver: a sync engine and the async engines of the same
    database publish on the same channel."""
    # Remembered per engine: the claim publishes after every lease, and rendering the URL cost most of that.
    key = _keys.get(engine)
    if key is None:
        url = engine.url
        key = _keys[engine] = url.set(drivername=url.get_backend_name()).render_as_string(hide_password=True)
    return key


def bind(engine: Engine, channel: WakeupChannel) -> WakeupChannel:
    """The runtime names its database's wake-up channel; an equivalent one already bound is kept, so a
    listener started on it keeps hearing every publisher (the embedded process builds runtimes more than once)."""
    key = database_key(engine)
    with _lock:
        found = _channels.get(key)
        if found is not None and _equivalent(found, channel):
            return found
        _channels[key] = channel
        return channel


def _equivalent(one: WakeupChannel, other: WakeupChannel) -> bool:
    if type(one) is not type(other):
        return False
    return (getattr(one, "url", None), getattr(one, "channel", None)) == (
        getattr(other, "url", None),
        getattr(other, "channel", None),
    )


def channel_for(engine: Engine) -> WakeupChannel | None:
    with _lock:
        return _channels.get(database_key(engine))


def pending(session: OrmSession) -> Pending:
    found: Pending = session.info.setdefault(_PENDING, Pending())
    return found


def note(
    session: OrmSession,
    tenant: int | None,
    operators: Iterable[int | None],
    *,
    floor: bool = False,
    calls: Iterable[int | None] = (),
) -> None:
    """Declare a change made without the ORM (Core statements on a connection), or one of a table the hook
    does not watch (`calls`: operators whose own current call changed): published after commit."""
    pending(session).wakeups.add(tenant, operators, floor=floor, calls=calls)


def announce(engine: Engine, tenant: int | None, operators: Iterable[int | None]) -> None:
    """Publish a change already committed outside any ORM session (the claim's one autocommit statement)."""
    channel = channel_for(engine)
    if channel is not None:  # no runtime in this process: streams' safety poll catches up
        wakeups = Wakeups()
        wakeups.add(tenant, operators)
        channel.publish(wakeups.encode())


def _history(obj: Any, name: str) -> list[Any] | None:
    """The attribute's value now and before this flush (both matter: a task leaving one queue enters another);
    None if it is not loaded (an expired object: loading it here would mean SQL inside the flush)."""
    history = inspect(obj).attrs[name].history
    values = [*history.added, *history.unchanged, *history.deleted]
    return values if values or name in inspect(obj).dict else None


def _loaded(obj: Any, name: str) -> Any:
    return inspect(obj).dict.get(name)


def _changed(obj: Any, names: Iterable[str]) -> bool:
    state = inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in names)


def _collect_task(task: Task, into: Pending, touched: bool) -> None:
    if not touched and not _changed(task, _TASK_SHOWN + _TASK_SHOWN_TOO):
        return
    tenant, assignees, leases = (
        _loaded(task, "tenant_id"),
        _history(task, "assignee_id"),
        _history(task, "lease_operator_id"),
    )
    if assignees is None or leases is None:
        into.wakeups.everyone(tenant)
        return
    into.wakeups.add(tenant, [*assignees, *leases], floor=None in assignees)
    if (order_id := _loaded(task, "order_id")) is not None:
        into.orders_with_tasks.add(order_id)


def _collect(obj: Any, into: Pending, *, touched: bool) -> None:
    if isinstance(obj, Task):
        _collect_task(obj, into, touched)
    elif isinstance(obj, Order) and (touched or _changed(obj, _ORDER_SHOWN)):
        order_id, tenant = _loaded(obj, "id"), _loaded(obj, "tenant_id")
        if order_id is None:
            into.wakeups.everyone(tenant)
        else:
            into.orders[order_id] = tenant
    elif isinstance(obj, Customer) and (touched or _changed(obj, ("owner_id",))):
        owners = _history(obj, "owner_id")
        if owners is None:
            into.wakeups.everyone(_loaded(obj, "tenant_id"))
        else:
            into.wakeups.add(_loaded(obj, "tenant_id"), owners, floor=None in owners)
    elif isinstance(obj, Operator) and (touched or _changed(obj, _OPERATOR_SHOWN)):
        # No tenant: a floor watches its team by id, and a new supervisor's floor gains this operator.
        into.wakeups.add(None, [_loaded(obj, "id"), *(_history(obj, "supervisor_id") or ())])
    elif isinstance(obj, OperatorTenant):
        into.wakeups.add(obj.tenant_id, [obj.operator_id], floor=True)
    elif isinstance(obj, CoverRule):
        into.wakeups.add(obj.tenant_id, [obj.owner_id, obj.cover_id], floor=True)
    elif isinstance(obj, AuthSession) and _changed(obj, ("revoked_at",)):
        into.wakeups.add(None, [obj.operator_id])  # the login ended: its streams say `reauth` now


def _after_flush(session: OrmSession, _context: Any) -> None:
    into = pending(session)
    for obj in session.new:
        _collect(obj, into, touched=True)
    for obj in session.dirty:
        _collect(obj, into, touched=False)
    for obj in session.deleted:
        _collect(obj, into, touched=True)


def _before_commit(session: OrmSession) -> None:
    if session.new or session.dirty or session.deleted:
        session.flush()  # collected by _after_flush
    work: Pending | None = session.info.get(_PENDING)
    if work is None:
        return
    unresolved = {
        order_id: tenant for order_id, tenant in work.orders.items() if order_id not in work.orders_with_tasks
    }
    if unresolved:
        _resolve_orders(session, work.wakeups, unresolved)


def _resolve_orders(session: OrmSession, into: Wakeups, orders: dict[int, int | None]) -> None:
    """Whose queue and floor show these orders: their open tasks' assignees and their customers' owners."""
    open_task = and_(col(Task.order_id) == col(Order.id), col(Task.status) == TaskStatus.OPEN.value)
    query = (
        select(col(Order.id), col(Customer.owner_id), col(Task.assignee_id), col(Task.lease_operator_id))
        .join(Customer, col(Customer.id) == col(Order.customer_id))
        .outerjoin(Task, open_task)
        .where(col(Order.id).in_(sorted(orders)))
    )
    found: set[int] = set()
    for order_id, owner_id, assignee_id, lease_by in session.connection().execute(query):
        found.add(order_id or 0)
        into.add(orders.get(order_id or 0), [owner_id, assignee_id, lease_by], floor=owner_id is None)
    for order_id in orders.keys() - found:  # deleted meanwhile
        into.add(orders[order_id], (), floor=True)


def _after_commit(session: OrmSession) -> None:
    work: Pending | None = session.info.pop(_PENDING, None)
    if work is None or not work.wakeups:
        return
    bind_ = session.get_bind()
    engine = bind_ if isinstance(bind_, Engine) else bind_.engine
    channel = channel_for(engine)
    if channel is not None:  # no runtime in this process (a CLI command): streams' safety poll catches up
        channel.publish(work.wakeups.encode())


def _forget(session: OrmSession, *_: Any) -> None:
    session.info.pop(_PENDING, None)


def _on_execute(state: ORMExecuteState) -> None:
    if not (state.is_insert or state.is_update or state.is_delete) or state.execution_options.get(NOTED):
        return
    table = getattr(state.statement, "table", None)
    if getattr(table, "name", None) in WATCHED_TABLES:
        pending(state.session).wakeups.everyone()


def install() -> None:
    """Listen on every Session once (idempotent); rows of other services' tables are ignored."""
    if not event.contains(OrmSession, "after_flush", _after_flush):
        event.listen(OrmSession, "after_flush", _after_flush)
        event.listen(OrmSession, "before_commit", _before_commit)
        event.listen(OrmSession, "after_commit", _after_commit)
        event.listen(OrmSession, "after_soft_rollback", _forget)
        event.listen(OrmSession, "do_orm_execute", _on_execute)
