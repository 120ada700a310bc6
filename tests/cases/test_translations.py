"""The Ukrainian and Russian catalogs translate every message the code has, and keep every placeholder.

A new ``gettext`` string without a translation would show English in the middle of a Ukrainian page: run
``manage.py makemessages -l uk -l ru -l en --ignore=.venv --ignore=var --ignore=tests --ignore=bench`` and
translate what it adds.
"""

import ast
import re
from pathlib import Path

import pytest
from django.test import Client

LOCALE = Path(__file__).resolve().parents[2] / "locale"
PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]|%[sd]|\{[a-z_0-9]*\}")


def entries(language: str) -> list[dict]:
    """The entries of a .po file: ``msgid``, ``msgid_plural``, ``msgstr`` / ``msgstr[n]``, and ``fuzzy``."""
    result, current, key, fuzzy = [], {}, None, False
    for line in (LOCALE / language / "LC_MESSAGES" / "django.po").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            if current:
                result.append(current)
            current, key, fuzzy = {}, None, False
        elif line.startswith("#,") and "fuzzy" in line:
            fuzzy = True
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            current[key] += ast.literal_eval(line)
        else:
            key, _, value = line.partition(" ")
            current[key] = ast.literal_eval(value)
            current["fuzzy"] = fuzzy
    if current:
        result.append(current)
    return [e for e in result if e.get("msgid")]  # without the header


@pytest.mark.parametrize("language", ["uk", "ru"])
def test_every_message_is_translated(language):
    found = entries(language)
    assert len(found) > 800
    untranslated = [e["msgid"] for e in found if not all(v for k, v in e.items() if k.startswith("msgstr"))]
    fuzzy = [e["msgid"] for e in found if e["fuzzy"]]
    assert untranslated == [] and fuzzy == []


@pytest.mark.parametrize("language", ["uk", "ru"])
def test_translations_keep_their_placeholders(language):
    wrong = []
    for entry in entries(language):
        for key, value in entry.items():
            if not key.startswith("msgstr"):
                continue
            source = (
                entry["msgid_plural"]
                if key not in ("msgstr", "msgstr[0]") and "msgid_plural" in entry
                else entry["msgid"]
            )
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(value)):
                wrong.append((entry["msgid"], value))
    assert wrong == []


@pytest.mark.parametrize(("language", "sign_in"), [("uk", "Увійти"), ("ru", "Войти"), ("en", "Sign in")])
def test_pages_speak_the_chosen_language(db, language, sign_in):
    if not (LOCALE / "uk" / "LC_MESSAGES" / "django.mo").exists():
        pytest.skip("messages are not compiled (make test compiles them; it needs GNU gettext)")
    client = Client()
    if language != "uk":
        client.cookies["django_language"] = language
    assert sign_in in client.get("/accounts/login/").content.decode()
