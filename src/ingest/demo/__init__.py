"""A generated, deterministic news site served on loopback, for ``ingest demo``, tests and
benchmarks.

``DemoSite(DemoConfig(...))`` holds the ground truth (``story(i)``) and answers any path with
``render(path)``; ``serve(site)`` runs it on 127.0.0.1 with aiohttp and records every request.
"""

from __future__ import annotations

from ingest.demo.server import DemoServer, RequestRecord, make_app, run, serve
from ingest.demo.site import DemoConfig, DemoSite, Rendered
from ingest.demo.stories import REFERENCE_DATE, TEMPLATES, DemoStory, StoryRef

__all__ = [
    "REFERENCE_DATE",
    "TEMPLATES",
    "DemoConfig",
    "DemoServer",
    "DemoSite",
    "DemoStory",
    "Rendered",
    "RequestRecord",
    "StoryRef",
    "make_app",
    "run",
    "serve",
]
