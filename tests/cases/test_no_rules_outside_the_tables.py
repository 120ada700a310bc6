"""The state machines' tables are the whole rule: no template, view, form, serializer or API module compares a
status. They ask ``available_actions`` (``"decide" in actions``) or a model's own property instead."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UI_MODULES = ("views.py", "forms.py", "serializers.py", "api.py")

# A status compared in a template: {% if case.status == "draft" %}, {% if p.status != 'routed' %}, ... in (...)
TEMPLATE_RULE = re.compile(r"\bstatus\s*(==|!=|\bin\b|\bnot in\b)")
# ... and in Python: case.status == S.DRAFT, page.status in (...), status != "ready"
PYTHON_RULE = re.compile(r"\.status\s*(==|!=|\bin\b|\bnot in\b)\s*[\w(\[\"']")


def _files(pattern: str):
    for path in sorted(ROOT.glob(pattern)):
        if ".venv" not in path.parts:
            yield path


def _offences(paths, rule) -> list[str]:
    found = []
    for path in paths:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if rule.search(line):
                found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()[:120]}")
    return found


def test_no_template_compares_a_status():
    assert _offences(_files("templates/**/*.html"), TEMPLATE_RULE) == []


@pytest.mark.parametrize("module", UI_MODULES)
def test_no_view_form_serializer_or_api_compares_a_status(module):
    paths = [p for p in _files(f"**/{module}") if p.parts[len(ROOT.parts)] not in ("tests", "bench", "gateway")]
    assert _offences(paths, PYTHON_RULE) == []


def test_the_rules_catch_what_they_are_for():
    assert TEMPLATE_RULE.search('{% if case.status == "draft" %}')
    assert TEMPLATE_RULE.search("{% elif p.status != 'routed' %}")
    assert not TEMPLATE_RULE.search('<span class="badge {{ case.status }}">{{ case.get_status_display }}</span>')
    assert PYTHON_RULE.search("if case.status not in (S.DECIDED, S.CLOSED):")
    assert PYTHON_RULE.search('return all(p.status == "ready" for p in pages)')
    assert not PYTHON_RULE.search("status = request.GET.get('status', '')")
