"""OpenAPI post-processing: one truthful shape for every 400.

A 400 is either field errors ``{"field": ["message", ...]}`` (DRF's validation, and a service's Django
ValidationError) or a refused request ``{"code", "detail", "field"?}`` (``InvalidInput``, ``FileRejected``).
Views document 400 in different ways; this hook gives them all the one schema that admits both.
"""

BAD_REQUEST = {
    "type": "object",
    "description": 'Either field errors `{"field": ["message"]}` or a refused request `{"code", "detail"}`.',
    "properties": {
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "field": {"type": "string"},
        "non_field_errors": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": True,
}


def bad_request_shape(result, generator, request, public):
    result.setdefault("components", {}).setdefault("schemas", {})["BadRequest"] = BAD_REQUEST
    for path in result.get("paths", {}).values():
        for operation in path.values():
            response = operation.get("responses", {}).get("400") if isinstance(operation, dict) else None
            if response is not None:
                response["content"] = {"application/json": {"schema": {"$ref": "#/components/schemas/BadRequest"}}}
    return result
