"""``ingest serve``: run the HTTP API and dashboard."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from aiohttp import web

from ingest.settings import load_settings

__all__ = ["add_serve_parser", "run_serve"]


def add_serve_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``ingest serve``."""
    s = sub.add_parser(
        "serve",
        help="run the HTTP API and the dashboard",
        description="Serve the HTTP API (jobs, articles and search, sources, /health, "
        "/metrics, /openapi.json) and the read-only dashboard at /dashboard/. Write endpoints "
        "need the bearer token from the api_token setting (INGEST_API_TOKEN).",
    )
    s.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    s.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    s.add_argument(
        "--distributed",
        action="store_true",
        help="distributed mode: jobs posted to the API run on the Celery workers (through "
        "the configured broker); /health and /metrics also check the broker",
    )


def run_serve(args: argparse.Namespace) -> int:
    """Serve until interrupted. Raises :class:`ConfigError` for bad settings."""
    from ingest.api.app import create_app  # noqa: PLC0415 - keeps other commands light

    overrides: dict[str, Any] = {}
    if getattr(args, "database_url", None):
        overrides["database_url"] = args.database_url
    settings = load_settings(getattr(args, "config", None), overrides=overrides)
    app = create_app(settings, distributed=args.distributed)
    if not settings.api_token:
        print("ingest: api_token is not set: write endpoints are disabled", file=sys.stderr)
    web.run_app(app, host=args.host, port=args.port, access_log=None, print=None)
    return 0
