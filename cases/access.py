"""Who may see and do what, from a user's memberships (docs/product.md §2).

``access_for(user)`` reads the memberships once per request (cached on the user object); selectors turn it into
queryset filters, transition services into role checks for one case.
"""

from dataclasses import dataclass, field
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404

from cases.models import Membership

Role = Membership.Role


@dataclass(frozen=True)
class Access:
    user_id: int | None = None
    clerk_front_office_ids: frozenset[int] = field(default_factory=frozenset)
    clerk_community_ids: frozenset[int] = field(default_factory=frozenset)
    supervisor_community_ids: frozenset[int] = field(default_factory=frozenset)
    specialist_back_office_ids: frozenset[int] = field(default_factory=frozenset)
    head_back_office_ids: frozenset[int] = field(default_factory=frozenset)
    ministry_roles: frozenset[str] = field(default_factory=frozenset)

    @property
    def community_ids(self) -> frozenset[int]:
        """Communities whose cases (and applicants) this user may see from the front-office side."""
        return self.clerk_community_ids | self.supervisor_community_ids

    @property
    def back_office_ids(self) -> frozenset[int]:
        return self.specialist_back_office_ids | self.head_back_office_ids

    @property
    def roles(self) -> frozenset[str]:
        held = set(self.ministry_roles)
        for role, ids in (
            (Role.CLERK, self.clerk_front_office_ids),
            (Role.SUPERVISOR, self.supervisor_community_ids),
            (Role.SPECIALIST, self.specialist_back_office_ids),
            (Role.HEAD, self.head_back_office_ids),
        ):
            if ids:
                held.add(role)
        return frozenset(held)

    @property
    def is_front(self) -> bool:
        return bool(self.community_ids)

    @property
    def is_back(self) -> bool:
        return bool(self.back_office_ids)

    @property
    def is_ministry(self) -> bool:
        return bool(self.ministry_roles)

    def roles_for_case(self, case) -> frozenset[str]:
        """The roles this user holds *for this case* (a clerk of its community, the head of its back office…)."""
        roles = set()
        if case.community_id in self.clerk_community_ids:
            roles.add(Role.CLERK)
        if case.community_id in self.supervisor_community_ids:
            roles.add(Role.SUPERVISOR)
        if case.back_office_id in self.specialist_back_office_ids:
            roles.add(Role.SPECIALIST)
        if case.back_office_id in self.head_back_office_ids:
            roles.add(Role.HEAD)
        return frozenset(roles)


NO_ACCESS = Access()


def access_for(user) -> Access:
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_ACCESS
    cached = getattr(user, "_hromada_access", None)
    if cached is not None:
        return cached
    sets: dict[str, set[int]] = {
        "clerk_front_office_ids": set(),
        "clerk_community_ids": set(),
        "supervisor_community_ids": set(),
        "specialist_back_office_ids": set(),
        "head_back_office_ids": set(),
    }
    ministry = set()
    rows = Membership.objects.filter(user=user).values_list(
        "role", "front_office_id", "front_office__community_id", "community_id", "back_office_id"
    )
    for role, front_office_id, front_office_community_id, community_id, back_office_id in rows:
        if role == Role.CLERK:
            sets["clerk_front_office_ids"].add(front_office_id)
            sets["clerk_community_ids"].add(front_office_community_id)
        elif role == Role.SUPERVISOR:
            sets["supervisor_community_ids"].add(community_id)
        elif role == Role.SPECIALIST:
            sets["specialist_back_office_ids"].add(back_office_id)
        elif role == Role.HEAD:
            sets["head_back_office_ids"].add(back_office_id)
        else:
            ministry.add(role)
    access = Access(user_id=user.pk, ministry_roles=frozenset(ministry), **{k: frozenset(v) for k, v in sets.items()})
    user._hromada_access = access
    return access


def forget_access(user) -> None:
    """Drop the cached access (after memberships change within one request or test)."""
    user.__dict__.pop("_hromada_access", None)


def access_required(test):
    """A view decorator: signed in, and ``test(access_for(user))`` true; anyone else gets 404, as for an object
    outside their scope (the page's existence is not confirmed to them)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not test(access_for(request.user)):
                raise Http404
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


ministry_required = access_required(lambda access: access.is_ministry)
ministry_required.__doc__ = "Ministry staff only; others get 404."
