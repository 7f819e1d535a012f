"""drf-spectacular postprocessing hook: the error answers every operation can give.

Views document their 200; the errors come from shared machinery (filter and form validation:
400; unknown code or page past the end: 404; the anonymous rate: 429), so they are documented
once here rather than on each view. Without them a client generated from the schema (and
schemathesis, tests/test_fuzz_api.py) would meet answers the schema says cannot happen.
"""

VALIDATION_ERROR = {
    "type": "object",
    "description": "parameter name → messages (or `detail` for the request as a whole)",
    "additionalProperties": {
        "oneOf": [{"type": "array", "items": {"type": "string"}}, {"type": "string"}]
    },
}
DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}


def _response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def add_error_responses(result, generator, request, public):
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components.setdefault("ValidationError", VALIDATION_ERROR)
    components.setdefault("ErrorDetail", DETAIL)
    validation = {"$ref": "#/components/schemas/ValidationError"}
    detail = {"$ref": "#/components/schemas/ErrorDetail"}
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if method != "get" or path.endswith("/schema/"):
                continue
            responses = operation.setdefault("responses", {})
            if operation.get("parameters"):
                responses.setdefault("400", _response("Invalid parameters", validation))
            paged = any(p.get("name") == "page" for p in operation.get("parameters", []))
            if "{" in path or paged:
                responses.setdefault("404", _response("No such record or page", detail))
            responses.setdefault("429", _response("Too many requests: retry later", detail))
    return result
