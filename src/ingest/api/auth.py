"""Bearer-token authentication for the API's write endpoints."""

from __future__ import annotations

import hmac

from aiohttp import web

from ingest.api.errors import ApiError

__all__ = ["require_token"]


def require_token(request: web.Request, token: str | None) -> None:
    """Raise an :class:`ApiError` (401, or 403 when writes are disabled) unless the request
    carries ``Authorization: Bearer <token>`` with the configured token."""
    if not token:
        raise ApiError(
            403,
            "writes_disabled",
            "write endpoints are disabled: set api_token (INGEST_API_TOKEN) to enable them",
        )
    header = request.headers.get("Authorization", "")
    scheme, _, given = header.partition(" ")
    if scheme.lower() != "bearer" or not given.strip():
        raise ApiError(401, "unauthorized", "missing bearer token", auth_challenge=True)
    if not hmac.compare_digest(given.strip().encode(), token.encode()):
        raise ApiError(401, "unauthorized", "invalid bearer token", auth_challenge=True)
