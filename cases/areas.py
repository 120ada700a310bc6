"""The areas of the product a user may open (the header's links, and where ``/`` sends them), registered by the apps
that own them. The kernel names no office's URLs: each office app registers its area in ``AppConfig.ready``, with
who may open it and whether it is a home for them; the kernel only orders what is registered and asks the
predicates."""

from collections.abc import Callable
from dataclasses import dataclass

from cases.access import Access, access_for


@dataclass(frozen=True)
class Area:
    """One area: its URL name, its label in the header, its place among the others (lower first), who sees it
    (``shown``) and for whom it is the landing page (``home``; the first that applies wins)."""

    url_name: str
    label: str
    order: int
    shown: Callable[[Access], bool]
    home: Callable[[Access], bool]


_registered: dict[str, Area] = {}


def area_register(area: Area) -> None:
    """Called from an app's ``ready()``; registering the same URL name again replaces it (``ready`` may run twice in
    tests)."""
    _registered[area.url_name] = area


def areas() -> list[Area]:
    return sorted(_registered.values(), key=lambda a: (a.order, a.url_name))


def areas_for(user) -> list[Area]:
    """The areas ``user`` may open, in header order."""
    access = access_for(user)
    return [a for a in areas() if a.shown(access)]


def home_for(user) -> Area | None:
    """The area ``/`` sends ``user`` to, or None when they have no role the offices know."""
    access = access_for(user)
    return next((a for a in areas() if a.home(access)), None)
