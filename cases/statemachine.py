"""One executor for every state machine of the product: cases, fee statements, pages, scan batches.

A machine is a table. Each ``Rule`` in it names the states it may start from, the roles that may take it and its
named ``Guard``\\ s — every precondition is in the table, none in a service, view, form, serializer or template.
A rule with a ``target`` (or a ``resolve`` that picks one) is a transition; a rule without one is an *act* that
leaves the state as it is (accepting a package, printing a receipt, changing documents).

``Machine.execute`` is the only way a status changes, always in this order and in one transaction::

    lock the row → a repeat by the same actor is a no-op that returns the current state → state → role
    → guards → the service's own change (the fields it sets) → status → history row

``Machine.available_actions(obj, user)`` asks the same questions without the lock, so a page that shows a button
for ``"decide" in actions`` shows it exactly when the executor would let the user decide. ``Machine.require``
runs the checks of an act under the caller's lock (document changes) without writing history.

``Machine.execute_many(objs, action, …)`` is the same for a set of rows at once (the hundreds of pages of a scan
batch), in one transaction::

    lock the rows in pk order → state (strict: the first row in another state refuses all; ``skip``: such rows are
    left out, the compare-and-set of a worker) → role → guards, for every row → ``change`` → one UPDATE
    → one INSERT of the history rows

``Machine.execute_chain(obj, [Step(…), …], by=…)`` runs several actions on one locked row (the robot's claim,
accept and grant) with the same checks, step by step, and writes them at once: one UPDATE, one INSERT.
``Machine.execute_chains([(obj, steps), …], by=…)`` is the same for many locked rows (the robot's batch): every row
checked as ``execute_chain`` checks it, all written with one UPDATE per distinct set of values and one INSERT.

The system (a worker, the sweeper, the robot) acts with ``by=None`` and holds the role ``SYSTEM`` only.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db import models, transaction
from django.db.models import signals
from django.utils.translation import gettext_lazy as _

from cases import clock
from cases.exceptions import DomainError, NotPermitted, TransitionNotAllowed

SYSTEM = "system"


@dataclass
class Attempt:
    """One user's (or the system's) try at one action on one object: what guards, resolvers and changes read."""

    obj: Any
    action: str
    by: Any
    roles: frozenset[str] = frozenset()
    params: Mapping[str, Any] = field(default_factory=dict)

    @property
    def by_id(self) -> int | None:
        return getattr(self.by, "pk", None)


@dataclass(frozen=True)
class Guard:
    """A named precondition: ``holds(attempt)`` is true when the action may go on; otherwise ``error(attempt)``
    is raised. ``needs_params`` guards depend on the request's input and are checked only by the executor."""

    name: str
    holds: Callable[[Attempt], bool]
    error: Callable[[Attempt], DomainError]
    needs_params: bool = False


def guard(name: str, error: type[DomainError], message=None, *, needs_params: bool = False):
    """Decorator: ``@guard("holder", CaseHeldByAnother, _("Take the case first."))`` over ``def holder(a): …``."""

    def wrap(holds: Callable[[Attempt], bool]) -> Guard:
        return Guard(name=name, holds=holds, error=lambda a: error(message), needs_params=needs_params)

    return wrap


@dataclass(frozen=True)
class Rule:
    """One row of a machine's table. ``target=None`` and no ``resolve``: an act that keeps the state.

    ``done(attempt)`` says the action was already done by this actor (a repeat is then a no-op); by default it is
    "the object is in a state this action leads to and its last history row is this action by this actor".
    ``state_errors`` gives a more telling error than "not in this state" for particular states (a claim of a case
    someone else holds). ``records``: an act that writes a history row (accepting the package) or not (a print).
    """

    action: str
    sources: frozenset[str]
    roles: frozenset[str]
    target: str | None = None
    guards: tuple[Guard, ...] = ()
    resolve: Callable[[Attempt], str] | None = None
    targets: frozenset[str] = frozenset()
    done: Callable[[Attempt], bool] | None = None
    state_errors: Mapping[str, Callable[[], DomainError]] = field(default_factory=dict)
    records: bool = True

    @property
    def is_transition(self) -> bool:
        return self.target is not None or self.resolve is not None

    @property
    def reachable(self) -> frozenset[str]:
        """Every state this rule can lead to (its target, or what its resolver may pick)."""
        if self.target is not None:
            return frozenset({self.target})
        return self.targets


def rule(action, sources: Iterable[str], roles: Iterable[str], target=None, **kwargs) -> Rule:
    return Rule(action=str(action), sources=frozenset(sources), roles=frozenset(roles), target=target, **kwargs)


@dataclass
class Change:
    """What a service's own step returns: the fields it set, and the history row's note and data."""

    fields: tuple[str, ...] = ()
    note: str = ""
    data: dict | None = None


@dataclass
class Step:
    """One action of ``Machine.execute_chain``: what ``execute`` takes for it."""

    action: str
    change: Callable[[Attempt], Change | None] | None = None
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class Outcome:
    """The object after ``execute``; ``repeated`` when the call was a no-op repeat (side effects must not run)."""

    obj: Any
    repeated: bool = False
    event: Any = None


class Machine:
    """A state machine over one model: its table, who holds which role for an object, and where history goes.

    ``roles_of(obj, user)`` answers the roles ``user`` holds for ``obj``; ``history`` is the model of its history
    rows, created with ``{owner_field: obj, at, actor, action, from_status, to_status, note, data}``.
    """

    def __init__(
        self,
        *,
        name: str,
        model: type[models.Model],
        rules: Iterable[Rule],
        roles_of: Callable[[Any, Any], frozenset[str]],
        history: type[models.Model],
        owner_field: str,
        status_field: str = "status",
        touch: tuple[str, ...] = (),
        select_related: tuple[str, ...] = (),
        state_label: Callable[[Any], str] | None = None,
        action_label: Callable[[str], str] | None = None,
    ):
        self.name = name
        self.model = model
        self.rules: dict[str, Rule] = {}
        for r in rules:
            if r.action in self.rules:
                raise ValueError(f"{name}: {r.action} appears twice")
            self.rules[r.action] = r
        self.roles_of_user = roles_of
        self.history = history
        self.owner_field = owner_field
        self.status_field = status_field
        self.touch = touch
        self.select_related = select_related
        self.state_label = state_label or (lambda obj: getattr(obj, f"get_{status_field}_display")())
        self.action_label = action_label or (lambda action: action)

    # --- reading -----------------------------------------------------------------------------------------------

    def status(self, obj) -> str:
        return getattr(obj, self.status_field)

    def roles_of(self, obj, by) -> frozenset[str]:
        if by is None:
            return frozenset({SYSTEM})
        return self.roles_of_user(obj, by)

    def last_event(self, obj):
        return (
            self.history.objects.filter(**{self.owner_field: obj})
            .order_by("-at", "-pk")
            .values_list("action", "actor_id")
            .first()
        )

    def is_done(self, r: Rule, a: Attempt, *, last: tuple | None = None) -> bool:
        """``last``: the (action, actor id) of a history row not written yet (``execute_chain``'s earlier step)."""
        if r.done is not None:
            return r.done(a)
        if not r.is_transition or self.status(a.obj) not in r.reachable:
            return False
        return (last if last is not None else self.last_event(a.obj)) == (r.action, a.by_id)

    def _state_error(self, r: Rule, a: Attempt) -> DomainError:
        status = self.status(a.obj)
        if status in r.state_errors:
            return r.state_errors[status]()
        return TransitionNotAllowed(
            _("Not possible while it is “%(status)s”: %(action)s.")
            % {"status": self.state_label(a.obj), "action": self.action_label(r.action)},
            action=r.action,
            status=status,
        )

    def check(self, r: Rule, a: Attempt, *, with_params: bool = True) -> None:
        """State, role, guards — in that order; raises the first that fails."""
        if self.status(a.obj) not in r.sources:
            raise self._state_error(r, a)
        a.roles = self.roles_of(a.obj, a.by) & r.roles
        if not a.roles:
            raise NotPermitted(action=r.action)
        for g in r.guards:
            if (with_params or not g.needs_params) and not g.holds(a):
                raise g.error(a)

    def permits(self, obj, action: str, user) -> bool:
        r = self.rules[action]
        a = Attempt(obj=obj, action=action, by=user)
        try:
            self.check(r, a, with_params=False)
        except DomainError:
            return False
        return not self.is_done(r, a)

    def available_actions(self, obj, user) -> frozenset[str]:
        """What ``user`` may do with ``obj`` now: exactly what ``execute`` would allow (input aside)."""
        held = self.roles_of(obj, user)
        status = self.status(obj)
        return frozenset(
            action
            for action, r in self.rules.items()
            if status in r.sources and held & r.roles and self.permits(obj, action, user)
        )

    def offered(self, obj, user) -> dict[str, DomainError | None]:
        """The actions the state and ``user``'s roles open now, each with the guard error that still blocks it
        (None: allowed). A page shows a blocked action disabled, with its reason."""
        held = self.roles_of(obj, user)
        status = self.status(obj)
        offered = {}
        for action, r in self.rules.items():
            if status not in r.sources or not held & r.roles:
                continue
            a = Attempt(obj=obj, action=action, by=user, roles=held & r.roles)
            if self.is_done(r, a):
                continue
            offered[action] = next((g.error(a) for g in r.guards if not g.needs_params and not g.holds(a)), None)
        return offered

    def guards_hold(self, obj, action: str, user=None) -> bool:
        """Whether the rule's guards hold, whoever asks and whatever the state (e.g. "is the package complete?")."""
        a = Attempt(obj=obj, action=action, by=user)
        return all(g.holds(a) for g in self.rules[action].guards if not g.needs_params)

    def why_not(self, obj, action: str, user) -> DomainError | None:
        """The error ``execute`` would raise for ``action`` now (input aside), or None when it is allowed."""
        try:
            self.check(self.rules[action], Attempt(obj=obj, action=action, by=user), with_params=False)
        except DomainError as e:
            return e
        return None

    # --- writing -----------------------------------------------------------------------------------------------

    def lock(self, obj, *, related: tuple[str, ...] = ()):
        """Re-read the row under ``SELECT … FOR UPDATE`` (with ``related`` rows joined, not locked). Call inside
        ``transaction.atomic``."""
        pk = obj.pk if isinstance(obj, models.Model) else obj
        rows = self.model.objects.select_for_update(of=("self",)).select_related(*self.select_related, *related)
        return rows.get(pk=pk)

    def require(self, obj, action: str, *, by, params: Mapping[str, Any] | None = None) -> Attempt:
        """The checks of an act on an object the caller has locked; returns the attempt (its roles)."""
        r = self.rules[action]
        a = Attempt(obj=obj, action=action, by=by, params=params or {})
        self.check(r, a)
        return a

    def execute(
        self,
        obj,
        action: str,
        *,
        by,
        params: Mapping[str, Any] | None = None,
        change: Callable[[Attempt], Change | None] | None = None,
        locked: bool = False,
    ) -> Outcome:
        """Run ``action`` on ``obj`` (see the module docstring for the order). ``change`` sets the service's own
        fields on ``attempt.obj`` and returns them; it may raise ``ValidationError`` for bad input, which undoes
        everything. ``locked``: the caller already holds the row lock and passes the locked object."""
        r = self.rules[action]
        with transaction.atomic():
            obj = obj if locked else self.lock(obj)
            a = Attempt(obj=obj, action=action, by=by, params=params or {})
            if self.is_done(r, a):
                return Outcome(obj=obj, repeated=True)
            self.check(r, a)
            target = r.resolve(a) if r.resolve is not None else r.target
            done = (change(a) if change is not None else None) or Change()
            from_status = self.status(obj)
            fields = list(done.fields)
            if target is not None:
                setattr(obj, self.status_field, target)
                fields.append(self.status_field)
            now = clock.now()
            for name in self.touch:
                setattr(obj, name, now)
            fields += self.touch
            if fields:
                obj.save(update_fields=list(dict.fromkeys(fields)))
            event = None
            if r.records:
                event = self.record(obj, action, by=by, from_status=from_status, note=done.note, data=done.data, at=now)
            return Outcome(obj=obj, event=event)

    def execute_chain(self, obj, steps: Iterable[Step], *, by) -> list[Outcome]:
        """Several actions on one row the caller has locked (inside its transaction), one after another, exactly as
        ``execute`` would run them one by one — each step's repeat test, state, role and guards see what the steps
        before it left — but written at once: one UPDATE of every field the steps set, one INSERT of their history
        rows. Each history row is then signalled as saved (``post_save``, ``created=True``), so receivers see every
        row as with ``execute``. A step already done is a repeat (``Outcome.repeated``, no row) and the chain goes on;
        an error in any step raises before anything is written. Returns one outcome per step."""
        if not transaction.get_connection().in_atomic_block:
            raise transaction.TransactionManagementError("execute_chain needs the caller's transaction and lock")
        now = clock.now()
        outcomes, fields, events = self._plan_chain(obj, steps, by=by, now=now)
        if fields:
            for name in self.touch:
                setattr(obj, name, now)
            obj.save(update_fields=list(dict.fromkeys([*fields, *self.touch])))
        self._insert_history(events)
        return outcomes

    def execute_chains(
        self,
        chains: Iterable[tuple[Any, Iterable[Step]]],
        *,
        by,
        now=None,
        on_error: Callable[[Any, Exception], None] | None = None,
    ) -> dict[Any, list[Outcome]]:
        """``execute_chain`` over many rows the caller has locked (the robot's batch), set-based: every step of every
        row is checked exactly as ``execute_chain`` checks it (repeat, state, role, guards, in step order), then the
        rows are written with one UPDATE per distinct set of new values (one for a batch whose steps set the same
        values, as the robot's do with one ``now``) and one INSERT of all their history rows, each then signalled
        ``post_save`` as ``execute_chain`` does. The UPDATE is a queryset update: the rows' own ``save`` and its
        signals are not run (no receiver listens to them; the history rows are the facts receivers read).

        A row whose chain raises: without ``on_error`` the error raises before anything is written; with it the row
        is put back as it was read, ``on_error(obj, error)`` is called, and the others go on. Returns the outcomes of
        each row that went through (by pk)."""
        if not transaction.get_connection().in_atomic_block:
            raise transaction.TransactionManagementError("execute_chains needs the caller's transaction and locks")
        now = now or clock.now()
        concrete = [f for f in self.model._meta.concrete_fields if not f.primary_key]
        results: dict[Any, list[Outcome]] = {}
        groups: dict[tuple, list] = {}
        events = []
        for obj, steps in chains:
            before = {f.attname: getattr(obj, f.attname) for f in concrete}
            try:
                outcomes, fields, rows = self._plan_chain(obj, steps, by=by, now=now)
            except Exception as e:
                if on_error is None:
                    raise
                for name, value in before.items():
                    setattr(obj, name, value)
                on_error(obj, e)
                continue
            results[obj.pk] = outcomes
            events += rows
            if fields:
                for name in self.touch:
                    setattr(obj, name, now)
                names = list(dict.fromkeys([*fields, *self.touch]))
                attnames = tuple(self.model._meta.get_field(n).attname for n in names)
                key = tuple((a, getattr(obj, a)) for a in attnames)
                groups.setdefault(key, []).append(obj.pk)
        for key, pks in groups.items():
            self.model.objects.filter(pk__in=pks).update(**dict(key))
        self._insert_history(events)
        return results

    def _plan_chain(self, obj, steps: Iterable[Step], *, by, now) -> tuple[list[Outcome], list[str], list]:
        """The checks and changes of a chain on ``obj`` in memory: its outcomes, the fields set, the history rows."""
        outcomes: list[Outcome] = []
        fields: list[str] = []
        events = []
        last = None
        for step in steps:
            r = self.rules[step.action]
            a = Attempt(obj=obj, action=step.action, by=by, params=step.params)
            if self.is_done(r, a, last=last):
                outcomes.append(Outcome(obj=obj, repeated=True))
                continue
            self.check(r, a)
            target = r.resolve(a) if r.resolve is not None else r.target
            done = (step.change(a) if step.change is not None else None) or Change()
            from_status = self.status(obj)
            fields += done.fields
            if target is not None:
                setattr(obj, self.status_field, target)
                fields.append(self.status_field)
            event = None
            if r.records:
                event = self._history_row(obj, step.action, by=by, from_status=from_status, done=done, at=now)
                events.append(event)
                last = (step.action, getattr(by, "pk", None))
            outcomes.append(Outcome(obj=obj, event=event))
        return outcomes, fields, events

    def _insert_history(self, events: list) -> None:
        """One INSERT of history rows, each then signalled as saved (``post_save``, ``created=True``)."""
        if not events:
            return
        self.history.objects.bulk_create(events)
        for event in events:
            signals.post_save.send(
                sender=self.history,
                instance=event,
                created=True,
                update_fields=None,
                raw=False,
                using=event._state.db,
            )

    def record_many(self, rows: Iterable[tuple[Any, str, str, dict | None]], *, by, at=None) -> list:
        """History rows that are not changes of state (the robot's reviews), ``(obj, action, note, data)`` each: one
        INSERT, each row then signalled as saved, as ``record`` would."""
        at = at or clock.now()
        events = [
            self.history(
                **{self.owner_field: obj},
                at=at,
                actor=by,
                action=action,
                from_status=self.status(obj),
                to_status=self.status(obj),
                note=note,
                data=data or {},
            )
            for obj, action, note, data in rows
        ]
        self._insert_history(events)
        return events

    def _history_row(self, obj, action: str, *, by, from_status, done: Change, at):
        return self.history(
            **{self.owner_field: obj},
            at=at,
            actor=by,
            action=action,
            from_status=from_status,
            to_status=self.status(obj),
            note=done.note,
            data=done.data or {},
        )

    def execute_many(
        self,
        objs,
        action: str,
        *,
        by,
        values: Mapping[str, Any] | None = None,
        note: str = "",
        data: dict | None = None,
        skip: bool = False,
        change: Callable[[list], Mapping[str, Any] | None] | None = None,
    ) -> list:
        """Run the transition ``action`` on every row of ``objs`` (objects, pks or a queryset) set-based: one
        locking SELECT, one UPDATE of the status and ``values``, one INSERT of the history rows (``note``,
        ``data``). A row not in a source state raises its state error (the first in pk order), or with ``skip``
        is left out. Role and guards are checked for every row. ``change(rows)`` runs after the checks, under the
        lock, and returns more values for the UPDATE (a document the pages went into); it may raise, which undoes
        everything. Returns the changed rows, in pk order, with their new status. Repeats are not no-ops here: a
        row already in the target state is simply not in a source state."""
        r = self.rules[action]
        if r.target is None:
            raise ValueError(f"{self.name}: {action} is not a transition with a fixed target")
        if isinstance(objs, models.QuerySet):
            pks = objs.values("pk")
        else:
            pks = [o.pk if isinstance(o, models.Model) else o for o in objs]
        with transaction.atomic():
            rows = list(
                self.model.objects.select_for_update(of=("self",))
                .select_related(*self.select_related)
                .filter(pk__in=pks)
                .order_by("pk")
            )
            chosen = []
            for obj in rows:
                a = Attempt(obj=obj, action=action, by=by)
                if skip and self.status(obj) not in r.sources:
                    continue
                self.check(r, a)
                chosen.append(obj)
            if not chosen:
                return []
            values = dict(values or {})
            if change is not None:
                values.update(change(chosen) or {})
            now = clock.now()
            values.update({name: now for name in self.touch})
            self.model.objects.filter(pk__in=[o.pk for o in chosen]).update(**{self.status_field: r.target}, **values)
            events = []
            for obj in chosen:
                from_status = self.status(obj)
                setattr(obj, self.status_field, r.target)
                for name, value in values.items():
                    setattr(obj, name, value)
                if r.records:
                    events.append(
                        self.history(
                            **{self.owner_field: obj},
                            at=now,
                            actor=by,
                            action=action,
                            from_status=from_status,
                            to_status=r.target,
                            note=note,
                            data=data or {},
                        )
                    )
            self.history.objects.bulk_create(events)
            return chosen

    def record(self, obj, action: str, *, by, from_status=None, note: str = "", data=None, at=None):
        """A history row. ``execute`` writes one per change; call it alone only for what is not a change of state
        (a case opened)."""
        status = self.status(obj)
        return self.history.objects.create(
            **{self.owner_field: obj},
            at=at or clock.now(),
            actor=by,
            action=action,
            from_status=status if from_status is None else from_status,
            to_status=status,
            note=note,
            data=data or {},
        )
