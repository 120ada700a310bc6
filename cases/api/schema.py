"""The OpenAPI schema says every answer an operation can give (schemathesis checks it: tests/reliability/
test_api_conformance.py).

``AutoSchema`` adds, to every operation, the error answers our API gives by construction, so no view has to
repeat them and an endpoint added later is described truthfully from the start:

- **401** unless the view lets anonymous callers in (``AllowAny``, or no permission class): no token, or an unknown
  one. A public view with a key of its own (the status page's bearer token) declares its 401 itself.
- **403** when the view has a permission class beyond "signed in" (a role check: ``IsBackOffice``, ``PaymentsUser``).
- **404** when the path names an object (``{id}``, ``{code}``: none among those you may see), and on paginated lists
  (a page past the last).
- **400** when the operation takes query parameters or a body (a bad value is refused, never silently ignored).
- **429** when anonymous callers may reach it (the throttles and the views' own limits).

A view that can answer something else (409 from a transition, 403 raised inside) says so with ``extend_schema``.

The post-processing hook gives every 400 one truthful shape: either field errors ``{"field": ["message", ...]}``
(DRF's validation, and a service's Django ValidationError) or a refused request ``{"code", "detail", "field"?}``
(``InvalidInput``, ``FileRejected``); and every other error ``{"code", "detail"}``.
"""

import re
from decimal import Decimal
from functools import cache

from drf_spectacular.openapi import AutoSchema as Base
from drf_spectacular.plumbing import ResolvedComponent
from rest_framework import serializers
from rest_framework.permissions import AllowAny, IsAuthenticated

BAD_REQUEST = {
    "type": "object",
    "description": 'Either field errors `{"field": ["message"]}` or a refused request `{"code", "detail"}`.',
    # A field of the input may itself be called `code`, `detail` or `field` (the status page's one-time `code`): its
    # errors are then a list of messages under that name.
    "properties": {
        "code": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "detail": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "field": {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}]},
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": True,
}
PROBLEM = {
    "type": "object",
    "description": "An error: a machine-readable `code` and a message for people in `detail`.",
    "properties": {"code": {"type": "string"}, "detail": {"type": "string"}},
    "required": ["detail"],
    "additionalProperties": True,
}
DESCRIPTIONS = {
    "400": "Bad input: field errors, or `code` and `detail` (and the `field` at fault).",
    "401": "Not signed in: no token, or one that is unknown or expired (`code` not_authenticated).",
    "403": "Your role may not use this (`code` permission_denied).",
    "404": "No such object among those you may see, or a page past the last (`code` not_found).",
    "429": "Too many requests: wait and try again.",
}
SIGNED_IN_ONLY = (AllowAny, IsAuthenticated)


class AutoSchema(Base):
    def get_operation(self, path, path_regex, path_prefix, method, registry):
        operation = super().get_operation(path, path_regex, path_prefix, method, registry)
        if operation is None:
            return None
        responses = operation["responses"]
        for code in self.error_codes(operation):
            responses.setdefault(code, {"description": DESCRIPTIONS[code]})
        operation["responses"] = dict(sorted(responses.items()))
        return operation

    def error_codes(self, operation) -> list[str]:
        permissions = self.view.get_permissions()
        anonymous = all(isinstance(p, AllowAny) for p in permissions)  # no permission class: open to anyone
        codes = []
        if any(p.get("in") == "query" for p in operation.get("parameters", ())) or "requestBody" in operation:
            codes.append("400")
        if not anonymous:
            codes.append("401")
        if any(not isinstance(p, SIGNED_IN_ONLY) for p in permissions):
            codes.append("403")
        if "{" in self.path or self._paginates():
            codes.append("404")
        if anonymous:
            codes.append("429")
        return codes

    def _map_serializer_field(self, field, direction, bypass_extensions=False):
        schema = super()._map_serializer_field(field, direction, bypass_extensions)
        if isinstance(field, serializers.DecimalField) and schema.get("format") == "decimal" and "pattern" in schema:
            pattern = decimal_pattern(field)
            if pattern:
                schema["pattern"] = pattern
        return schema

    def _paginates(self) -> bool:
        return bool(self._is_list_view() and self._get_paginator()) or any(
            p.get("name") == "page" for p in self._get_parameters()
        )


def error_shapes(result, generator, request, public):
    """One schema for every 400 (``BadRequest``) and one for every other error without its own (``Problem``). Errors
    are JSON whatever the operation's success answer is (a PDF, a CSV)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["BadRequest"], schemas["Problem"] = BAD_REQUEST, PROBLEM
    _decimals_need_a_digit(result)
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict):
                continue
            for code, response in operation.get("responses", {}).items():
                if not code.startswith(("4", "5")):
                    continue
                content = {k: v for k, v in response.get("content", {}).items() if k == "application/json"}
                if code == "400":
                    content = {"application/json": {"schema": {"$ref": "#/components/schemas/BadRequest"}}}
                elif not content:
                    content = {"application/json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
                response["content"] = content
    return result


def decimal_pattern(field: serializers.DecimalField) -> str | None:
    """A decimal string's ``min_value`` in its pattern (JSON Schema's ``minimum`` is for numbers): 0 allows no minus
    sign, the smallest step (0.01 for two places) no zero either. Whole digits count as DRF counts them: leading
    zeros are free. Other minimums: None (the generic pattern stays)."""
    whole, places = field.max_whole_digits, field.decimal_places
    if field.min_value is None or whole is None or not places or whole < 1:
        return None
    step = Decimal(1).scaleb(-places)
    if field.min_value == 0:
        return rf"^(?:0*\d{{1,{whole}}}(?:\.\d{{0,{places}}})?|\.\d{{1,{places}}})$"
    if field.min_value != step:
        return None
    # A non-zero whole part, or a zero one with a non-zero fraction (k zeros, then a non-zero digit, then the rest).
    fractions = "|".join(
        "0" * k + "[1-9]" + (rf"\d{{0,{places - k - 1}}}" if k < places - 1 else "") for k in range(places)
    )
    return rf"^(?:0*[1-9]\d{{0,{whole - 1}}}(?:\.\d{{0,{places}}})?|0*\.(?:{fractions}))$"


@cache
def printable_class() -> str:
    """A character class body of every character ``cases.validators.validate_printable`` lets through (what
    ``str.isprintable`` says is printable, and tab and line breaks), exact for this Python's Unicode database up to
    U+FFFF. Characters beyond are left out: excluding them from a negated class makes generation from the pattern
    take minutes, so the schema is the stricter of the two there (an emoji is accepted, not described)."""
    ranges, start = [], None
    for code in range(0x10000):
        allowed = not 0xD800 <= code < 0xE000 and (chr(code).isprintable() or chr(code) in "\t\n\r")
        if allowed and start is None:
            start = code
        elif not allowed and start is not None:
            ranges.append((start, code - 1))
            start = None
    if start is not None:
        ranges.append((start, 0xFFFF))

    def escape(code: int) -> str:
        return rf"\x{code:02x}" if code < 0x100 else rf"\u{code:04x}"

    return "".join(escape(a) if a == b else f"{escape(a)}-{escape(b)}" for a, b in ranges)


def printable_text_component(registry) -> ResolvedComponent:
    """``PrintableText``: a string without control characters (``validate_printable``), registered once."""
    component = ResolvedComponent(
        name="PrintableText",
        type=ResolvedComponent.SCHEMA,
        object="PrintableText",
        schema={
            "type": "string",
            "description": "Text without control characters (tabs and line breaks allowed).",
            "pattern": f"^[{printable_class()}]*$",
        },
    )
    registry.register_on_missing(component)
    return component


DECIMAL = re.compile(r"^\^-\?\\d\{0,(\d+)\}\(\?:\\\.\\d\{0,(\d+)\}\)\?\$$")


def _decimals_need_a_digit(node) -> None:
    """drf-spectacular's decimal pattern ``^-?\\d{0,N}(?:\\.\\d{0,D})?$`` also matches "", "-" and ".", which DRF
    refuses: the pattern is made to say what DRF accepts (at least one digit)."""
    if isinstance(node, dict):
        match = DECIMAL.match(node.get("pattern", "")) if node.get("format") == "decimal" else None
        if match:
            whole, places = match.groups()
            node["pattern"] = rf"^-?(?:\d{{1,{whole}}}(?:\.\d{{0,{places}}})?|\.\d{{1,{places}}})$"
        for value in node.values():
            _decimals_need_a_digit(value)
    elif isinstance(node, list):
        for value in node:
            _decimals_need_a_digit(value)
