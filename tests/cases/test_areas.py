"""The kernel names no office's URLs: each office registers its area (``cases.areas``), and the header and ``/``
are built from what is registered."""

import re
from pathlib import Path

import pytest
from django.conf import settings

from cases.areas import areas, areas_for, home_for


def test_the_kernel_names_no_office_url():
    base = Path(settings.BASE_DIR)
    pattern = re.compile(r"""["'](frontoffice|backoffice|payments):[\w-]+["']""")
    sources = [p for p in (base / "cases").rglob("*.py") if "migrations" not in p.parts]
    sources += list((base / "templates" / "cases").rglob("*.html"))
    offenders = [str(p.relative_to(base)) for p in sources if pattern.search(p.read_text(encoding="utf-8"))]
    assert offenders == []


def test_each_office_registers_its_area_in_order():
    assert [a.url_name for a in areas()] == [
        "frontoffice:home",
        "proactive:list",
        "backoffice:home",
        "payments:home",
        "proactive:dashboard",
        "registries:health",
    ]


@pytest.mark.django_db
def test_the_registries_panel_is_in_the_header_of_heads_and_the_ministry_admin_only(world):
    shown = {u: "registries:health" in [a.url_name for a in areas_for(getattr(world, u))] for u in (
        "clerk_a", "supervisor_a", "specialist", "head", "accountant", "admin"
    )}  # fmt: skip
    assert shown == {
        "clerk_a": False, "supervisor_a": False, "specialist": False, "head": True, "accountant": False, "admin": True
    }  # fmt: skip


@pytest.mark.django_db
def test_a_supervisor_sees_fees_in_the_header_but_lands_on_the_front_office(world):
    assert [a.url_name for a in areas_for(world.supervisor_a)] == ["frontoffice:home", "payments:home"]
    assert home_for(world.supervisor_a).url_name == "frontoffice:home"
    assert [a.url_name for a in areas_for(world.accountant)] == ["payments:home", "proactive:dashboard"]
    assert home_for(world.accountant).url_name == "payments:home"
