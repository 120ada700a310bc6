"""What each registry's answer must look like, checked before anything is kept (docs/registries.md).

A schema is a small dict: field -> type (``str``), a nested schema (dict), or ``[schema]`` for a list of objects.
Every named field is required; unknown fields are dropped, so the normalised answer holds only what we expect.
"""

from datetime import date

DATE = "date"
MONEY = "money"

PERSON = {
    "rnokpp": str,
    "last_name": str,
    "first_name": str,
    "patronymic": str,
    "birth_date": DATE,
    "unzr": str,
    "passport": str,
}
CHILD = {"last_name": str, "first_name": str, "patronymic": str, "birth_date": DATE, "birth_act": str}
INCOME_ROW = {"month": str, "amount": MONEY, "source": str}

SCHEMAS: dict[str, dict] = {
    "eddr": PERSON,
    "dracs": {"births": [CHILD]},
    "drfo": {"income": [INCOME_ROW]},
    "pfu": {"income": [INCOME_ROW]},
    "idp": {"since": DATE, "from_katottg": str},
    "disability": {"group": str, "since": DATE},
    "rtg": {"community_katottg": str, "text": str, "registered_since": DATE},
}


class SchemaError(ValueError):
    """The answer does not have the shape its registry promises; the message names the field."""


def normalise(registry_code: str, data) -> dict:
    schema = SCHEMAS.get(registry_code)
    if schema is None:
        raise SchemaError(f"no schema for registry {registry_code}")
    return _check(schema, data, "")


def _check(schema, value, where: str):
    if isinstance(schema, dict):
        if not isinstance(value, dict):
            raise SchemaError(f"{where or 'data'}: an object is expected")
        return {name: _check(kind, value.get(name), f"{where}{name}") for name, kind in schema.items()}
    if isinstance(schema, list):
        if not isinstance(value, list) or len(value) > 500:
            raise SchemaError(f"{where}: a list is expected")
        return [_check(schema[0], item, f"{where}[{i}].") for i, item in enumerate(value)]
    if value is None:
        raise SchemaError(f"{where}: missing")
    if not isinstance(value, str) or len(value) > 300:
        raise SchemaError(f"{where}: text is expected")
    if schema == DATE:
        try:
            date.fromisoformat(value)
        except ValueError as e:
            raise SchemaError(f"{where}: a date is expected") from e
    if schema == MONEY:
        whole, _, cents = value.partition(".")
        if not (whole.isdigit() and (cents == "" or (cents.isdigit() and len(cents) <= 2))):
            raise SchemaError(f"{where}: an amount is expected")
    return value
