"""Check API responses against the OpenAPI document the API serves."""

from __future__ import annotations

import json
from typing import Any

import jsonschema

from ingest.api.app import openapi_document

__all__ = ["DOC", "check"]

DOC: dict[str, Any] = json.loads(openapi_document())


def check(body: Any, path: str, method: str, status: int) -> None:
    """Validate a response body against the OpenAPI document."""
    responses = DOC["paths"][path][method]["responses"]
    assert str(status) in responses, f"{method.upper()} {path} {status} is not documented"
    content = responses[str(status)].get("content", {})
    schema = content["application/json"]["schema"]
    jsonschema.validate(
        body,
        {**schema, "components": DOC["components"]},
        cls=jsonschema.Draft202012Validator,
    )
