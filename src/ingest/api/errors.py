"""The API's error type and its JSON body ``{"error": {"code": ..., "message": ...}}``."""

from __future__ import annotations

import json
from typing import Any

from aiohttp import web

__all__ = ["ApiError", "error_response"]


class ApiError(Exception):
    """An expected client or service error, answered with ``status`` and a JSON body."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        *,
        details: Any = None,
        auth_challenge: bool = False,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.auth_challenge = auth_challenge


def error_response(error: ApiError) -> web.Response:
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if error.details is not None:
        body["details"] = error.details
    headers = {"WWW-Authenticate": 'Bearer realm="ingest"'} if error.auth_challenge else None
    return web.json_response(
        {"error": body},
        status=error.status,
        headers=headers,
        dumps=lambda v: json.dumps(v, ensure_ascii=False),
    )
