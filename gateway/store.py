"""The stand-in's own storage: persons and their records, and the faults switched on. One SQLite file.

Seedable directly (the demo seed writes here before any server is up) and through the fixture API over HTTP.
"""

import contextlib
import datetime
import json
import os
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

PERSON_FIELDS = (
    "rnokpp",
    "last_name",
    "first_name",
    "patronymic",
    "birth_date",
    "unzr",
    "passport",
    "address",
    "children",
    "income",
    "disability",
    "idp",
)
EVENT_TYPES = ("birth_registered", "residence_registered", "disability_established", "pension_started")
FAULT_MODES = ("down", "slow", "timeout", "not_found", "garbage", "wrong_subject")
INCOME_SOURCES = ("tax", "pension", "insurance")
DISABILITY_GROUPS = ("I", "II", "III")


class InvalidFixture(ValueError):
    """A fixture the stand-in will not store; the message says which field."""


def default_path() -> Path:
    base = Path(os.environ.get("VAR_DIR", Path(__file__).resolve().parent.parent / "var"))
    return Path(os.environ.get("REGISTRY_GATEWAY_STORE", base / "gateway.sqlite3"))


def _text(value, name: str, *, required: bool = True) -> str:
    if value is None or value == "":
        if required:
            raise InvalidFixture(f"{name} is required")
        return ""
    if not isinstance(value, str):
        raise InvalidFixture(f"{name} must be a string")
    return value


def validate_person(data) -> dict:
    """The person exactly in the fixture API's shape (docs/registries.md), or InvalidFixture."""
    if not isinstance(data, dict):
        raise InvalidFixture("a JSON object is expected")
    unknown = set(data) - set(PERSON_FIELDS)
    if unknown:
        raise InvalidFixture(f"unknown fields: {', '.join(sorted(unknown))}")
    person = {name: _text(data.get(name), name) for name in ("rnokpp", "last_name", "first_name", "birth_date")}
    for name in ("patronymic", "unzr", "passport"):
        person[name] = _text(data.get(name), name, required=False)
    address = data.get("address")
    if address is not None:
        if not isinstance(address, dict):
            raise InvalidFixture("address must be an object")
        address = {k: _text(address.get(k), f"address.{k}") for k in ("community_katottg", "text", "registered_since")}
    person["address"] = address
    children = data.get("children") or []
    if not isinstance(children, list):
        raise InvalidFixture("children must be a list")
    person["children"] = []
    for c in children:
        if not isinstance(c, dict):
            raise InvalidFixture("children items must be objects")
        child = {k: _text(c.get(k), f"children.{k}") for k in ("last_name", "first_name", "birth_date", "birth_act")}
        child["patronymic"] = _text(c.get("patronymic"), "children.patronymic", required=False)
        person["children"].append(child)
    income = data.get("income") or []
    if not isinstance(income, list):
        raise InvalidFixture("income must be a list")
    person["income"] = []
    for row in income:
        if not isinstance(row, dict) or row.get("source") not in INCOME_SOURCES:
            raise InvalidFixture(f"income.source must be one of {', '.join(INCOME_SOURCES)}")
        person["income"].append(
            {
                "month": _text(row.get("month"), "income.month"),
                "amount": _text(row.get("amount"), "income.amount"),
                "source": row["source"],
            }
        )
    disability = data.get("disability")
    if disability is not None:
        if not isinstance(disability, dict) or disability.get("group") not in DISABILITY_GROUPS:
            raise InvalidFixture("disability.group must be I, II or III")
        disability = {"group": disability["group"], "since": _text(disability.get("since"), "disability.since")}
    person["disability"] = disability
    idp = data.get("idp")
    if idp is not None:
        if not isinstance(idp, dict):
            raise InvalidFixture("idp must be an object or null")
        idp = {
            "since": _text(idp.get("since"), "idp.since"),
            "from_katottg": _text(idp.get("from_katottg"), "idp.from_katottg"),
        }
    person["idp"] = idp
    return person


def validate_event(data) -> dict:
    """An event in the fixture API's shape (docs/proactive.md), or InvalidFixture. Without an ``id`` one is made."""
    if not isinstance(data, dict):
        raise InvalidFixture("a JSON object is expected")
    kind = data.get("type")
    if kind not in EVENT_TYPES:
        raise InvalidFixture(f"type must be one of {', '.join(EVENT_TYPES)}")
    rnokpp = _text(data.get("rnokpp"), "rnokpp")
    if not (len(rnokpp) == 10 and rnokpp.isdigit()):
        raise InvalidFixture("rnokpp must be 10 digits")
    event_id = data.get("id")
    if event_id is None or event_id == "":
        event_id = uuid.uuid4().hex
    if not isinstance(event_id, str) or len(event_id) > 100:
        raise InvalidFixture("id must be a string of at most 100 characters")
    event = {"id": event_id, "type": kind, "rnokpp": rnokpp}
    event["occurred_on"] = (
        _text(data.get("occurred_on"), "occurred_on", required=False) or datetime.date.today().isoformat()
    )
    if kind == "birth_registered":
        c = data.get("child")
        if not isinstance(c, dict):
            raise InvalidFixture("child is required for a birth: an object in the shape of children")
        child = {k: _text(c.get(k), f"child.{k}") for k in ("last_name", "first_name", "birth_date", "birth_act")}
        child["patronymic"] = _text(c.get("patronymic"), "child.patronymic", required=False)
        event["child"] = child
    elif kind == "residence_registered":
        address = data.get("address")
        if not isinstance(address, dict):
            raise InvalidFixture("address is required for a registration")
        event["address"] = {
            k: _text(address.get(k), f"address.{k}") for k in ("community_katottg", "text", "registered_since")
        }
    elif kind == "disability_established":
        disability = data.get("disability")
        if not isinstance(disability, dict) or disability.get("group") not in DISABILITY_GROUPS:
            raise InvalidFixture("disability.group must be I, II or III")
        event["disability"] = {
            "group": disability["group"],
            "since": _text(disability.get("since"), "disability.since"),
        }
    elif kind == "pension_started":
        event["since"] = _text(data.get("since"), "since", required=False) or event["occurred_on"]
    return event


def validate_fault(data) -> dict:
    if not isinstance(data, dict):
        raise InvalidFixture("a JSON object is expected")
    registry = _text(data.get("registry"), "registry")
    if data.get("mode") not in FAULT_MODES:
        raise InvalidFixture(f"mode must be one of {', '.join(FAULT_MODES)}")
    seconds, count = data.get("seconds"), data.get("count")
    if seconds is not None and (not isinstance(seconds, int | float) or isinstance(seconds, bool) or seconds < 0):
        raise InvalidFixture("seconds must be a number >= 0")
    if count is not None and (not isinstance(count, int) or isinstance(count, bool) or count < 1):
        raise InvalidFixture("count must be a whole number >= 1")
    return {"registry": registry, "mode": data["mode"], "seconds": seconds, "count": count}


class Store:
    """Persons by RNOKPP (and passport), faults by registry. Safe to share between threads and processes."""

    def __init__(self, path: str | Path | None = None):
        self.path = Path(path) if path else default_path()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")  # persistent: readers never wait for a writer
            db.execute("CREATE TABLE IF NOT EXISTS person (rnokpp TEXT PRIMARY KEY, passport TEXT, data TEXT)")
            db.execute("CREATE INDEX IF NOT EXISTS person_passport ON person (passport)")
            db.execute(
                "CREATE TABLE IF NOT EXISTS fault (registry TEXT PRIMARY KEY, mode TEXT, seconds REAL, remaining INT)"
            )
            # The event feed: ``seq`` is the order the exchange publishes in (the cursor reads after it); ``id`` is the
            # event's own identifier, unique, so the same event posted twice is one event.
            db.execute(
                "CREATE TABLE IF NOT EXISTS event (seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT UNIQUE, data TEXT)"
            )

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=10, isolation_level=None)
        try:
            yield db
        finally:
            db.close()

    def put_person(self, data) -> dict:
        person = validate_person(data)
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO person (rnokpp, passport, data) VALUES (?, ?, ?)",
                (person["rnokpp"], person["passport"].upper(), json.dumps(person, ensure_ascii=False)),
            )
        return person

    def get_person(self, *, rnokpp: str = "", passport: str = "") -> dict | None:
        with self._connect() as db:
            if rnokpp:
                row = db.execute("SELECT data FROM person WHERE rnokpp = ?", (rnokpp,)).fetchone()
            elif passport:
                row = db.execute("SELECT data FROM person WHERE passport = ?", (passport.upper(),)).fetchone()
            else:
                row = None
        return json.loads(row[0]) if row else None

    def person_count(self) -> int:
        with self._connect() as db:
            return db.execute("SELECT count(*) FROM person").fetchone()[0]

    def set_fault(self, data) -> dict:
        fault = validate_fault(data)
        with self._connect() as db:
            db.execute(
                "INSERT OR REPLACE INTO fault (registry, mode, seconds, remaining) VALUES (?, ?, ?, ?)",
                (fault["registry"], fault["mode"], fault["seconds"], fault["count"]),
            )
        return fault

    def clear_faults(self, registry: str = "") -> None:
        with self._connect() as db:
            if registry:
                db.execute("DELETE FROM fault WHERE registry = ?", (registry,))
            else:
                db.execute("DELETE FROM fault")

    def take_fault(self, registry: str) -> dict | None:
        """The fault for this registry (or ``"*"``, every registry), counting one use off a limited one."""
        query = (
            "SELECT registry, mode, seconds, remaining FROM fault WHERE registry IN (?, '*') "
            "ORDER BY registry = '*' LIMIT 1"
        )
        with self._connect() as db:
            row = db.execute(query, (registry,)).fetchone()
        if row is None or row[3] is None:  # no fault, or one until deleted: nothing to count, no write lock
            return None if row is None else {"registry": row[0], "mode": row[1], "seconds": row[2]}
        with self._lock, self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute(
                "SELECT registry, mode, seconds, remaining FROM fault WHERE registry IN (?, '*') "
                "ORDER BY registry = '*' LIMIT 1",
                (registry,),
            ).fetchone()
            if row is None:
                db.execute("COMMIT")
                return None
            name, mode, seconds, remaining = row
            if remaining is not None:
                if remaining <= 1:
                    db.execute("DELETE FROM fault WHERE registry = ?", (name,))
                else:
                    db.execute("UPDATE fault SET remaining = remaining - 1 WHERE registry = ?", (name,))
            db.execute("COMMIT")
        return {"registry": name, "mode": mode, "seconds": seconds}

    def put_event(self, data) -> tuple[dict, bool]:
        """Publish an event on the feed: (the event with its ``seq``, created). An ``id`` seen before is the same event
        (nothing changes). A birth adds the child to the person's ДРАЦС record (``children``) when the person is on
        file; an event about a person the registries do not know is published all the same (the reader skips it)."""
        event = validate_event(data)
        with self._lock, self._connect() as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT seq, data FROM event WHERE id = ?", (event["id"],)).fetchone()
            if row is not None:
                db.execute("COMMIT")
                return {**json.loads(row[1]), "seq": row[0]}, False
            cur = db.execute(
                "INSERT INTO event (id, data) VALUES (?, ?)", (event["id"], json.dumps(event, ensure_ascii=False))
            )
            seq = cur.lastrowid
            if event["type"] == "birth_registered":
                person = db.execute("SELECT data FROM person WHERE rnokpp = ?", (event["rnokpp"],)).fetchone()
                if person is not None:
                    record = json.loads(person[0])
                    acts = {c.get("birth_act") for c in record.get("children") or []}
                    if event["child"]["birth_act"] not in acts:
                        record["children"] = [*(record.get("children") or []), event["child"]]
                        db.execute(
                            "UPDATE person SET data = ? WHERE rnokpp = ?",
                            (json.dumps(record, ensure_ascii=False), event["rnokpp"]),
                        )
            db.execute("COMMIT")
        return {**event, "seq": seq}, True

    def events(self, *, after: int = 0, limit: int = 100) -> list[dict]:
        """The feed after ``seq`` ``after``, oldest first, at most ``limit`` events."""
        with self._connect() as db:
            rows = db.execute(
                "SELECT seq, data FROM event WHERE seq > ? ORDER BY seq LIMIT ?", (after, limit)
            ).fetchall()
        return [{**json.loads(data), "seq": seq} for seq, data in rows]

    def faults(self) -> list[dict]:
        with self._connect() as db:
            rows = db.execute("SELECT registry, mode, seconds, remaining FROM fault ORDER BY registry").fetchall()
        return [{"registry": r[0], "mode": r[1], "seconds": r[2], "count": r[3]} for r in rows]
