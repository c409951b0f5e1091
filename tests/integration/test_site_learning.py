"""Site-aware chrome learning through the real crawl: store-backed profiles, the CLI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiohttp import web

from ingest.bootstrap import embedded_crawler, open_store
from ingest.demo.server import serve
from ingest.demo.site import DemoConfig, DemoSite
from ingest.demo.templates.house import house_blocks
from ingest.settings import Settings, load_settings
from ingest.sources import Source
from ingest.store.base import ArticleQuery
from support.pages import story_page

pytestmark = pytest.mark.integration


@pytest.fixture
async def site() -> AsyncIterator[str]:
    async def story(request: web.Request) -> web.Response:
        return web.Response(text=story_page(int(request.match_info["n"])), content_type="text/html")

    app = web.Application()
    app.router.add_get("/news/story-{n}", story)
    runner = web.AppRunner(app)
    await runner.setup()
    tcp = web.TCPSite(runner, "127.0.0.1", 0)
    await tcp.start()
    port = tcp._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    yield f"http://127.0.0.1:{port}"
    await runner.cleanup()


def _settings(db: str, tmp_path: Path, **learn: object) -> Settings:
    return load_settings(
        env={},
        overrides={
            "database_url": db,
            "sites_dir": str(tmp_path / "none"),
            "fetch": {"allow_networks": ["127.0.0.0/8"], "concurrency": 1},
            "learn": learn,
        },
    )


async def _crawl(settings: Settings, urls: list[str]) -> None:
    store = open_store(settings)
    async with embedded_crawler(settings, store, processes=False) as crawler:
        await crawler.crawl_urls(urls, Source(name="s", seeds=tuple(urls)))
    store.close()


def _bodies(settings: Settings) -> dict[str, str]:
    store = open_store(settings)
    try:
        return {a.url.rsplit("/", 1)[1]: a.body for a in store.query(ArticleQuery(limit=100))}
    finally:
        store.close()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_a_crawl_learns_the_sites_widget_and_later_pages_come_out_clean(
    site: str, tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    db = request.getfixturevalue(f"{backend}_url")
    settings = _settings(db, tmp_path)
    await _crawl(settings, [f"{site}/news/story-{n}" for n in range(1, 7)])
    await _crawl(settings, [f"{site}/news/story-{n}" for n in (20, 21)])
    bodies = _bodies(settings)
    assert "weekly digest" in bodies["story-1"]  # cold start: the generic rules only
    for later in ("story-20", "story-21"):
        assert "weekly digest" not in bodies[later] and "Don't miss" not in bodies[later]
        assert bodies[later].count("raised point") == 6  # the article itself is whole


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_the_demo_sites_house_chrome_leaks_cold_and_is_gone_once_learnt(
    tmp_path: Path, backend: str, request: pytest.FixtureRequest
) -> None:
    """The demo site's six templates share one host, so each template's house box (a few
    rotating variants) is on a few percent of the host's pages: it is learnt within its slot."""
    settings = _settings(request.getfixturevalue(f"{backend}_url"), tmp_path)
    min_pages = settings.learn.min_pages
    site = DemoSite(DemoConfig(n_articles=100, syndicated_every=0))
    first = range(60)
    seen = Counter(house_blocks(site.story(i)) for i in first)
    later = [i for i in range(60, 100) if seen[house_blocks(site.story(i))] > min_pages][:8]
    async with serve(site) as server:
        await _crawl(settings, [server.base_url + site.ref(i).path for i in first])
        await _crawl(settings, [server.base_url + site.ref(i).path for i in later])
    store = open_store(settings)
    try:
        bodies = {urlsplit(a.url).path: a.body for a in store.query(ArticleQuery(limit=200))}
    finally:
        store.close()

    # Cold start: a variant's first pages cannot be told from the article, so it comes through.
    for variant, count in seen.items():
        pages = [site.ref(i).path for i in first if house_blocks(site.story(i)) == variant]
        leaking = sum(variant[-1] in bodies[path] for path in pages)
        assert leaking >= min(count, min_pages), variant
    # Learnt: later pages of every template come out without their house box, article whole.
    assert len({site.ref(i).template for i in later}) >= 4
    for i in later:
        story = site.story(i)
        body = bodies[story.path]
        assert not any(text in body for text in house_blocks(story)), (story.template, body)
        assert body == story.body, story.template


async def test_learning_off_keeps_the_generic_result(
    site: str, tmp_path: Path, sqlite_url: str
) -> None:
    settings = _settings(sqlite_url, tmp_path, enabled=False)
    await _crawl(settings, [f"{site}/news/story-{n}" for n in range(1, 9)])
    assert all("weekly digest" in body for body in _bodies(settings).values())


async def test_sites_show_and_reset(site: str, tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'learn.sqlite'}"
    await _crawl(_settings(db, tmp_path), [f"{site}/news/story-{n}" for n in range(1, 6)])
    host = "127.0.0.1"
    env = {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")}

    def cli(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "ingest.cli.main", "--db", db, *args],
            capture_output=True,
            text=True,
            env=env,
            check=False,
            timeout=120,
        )

    shown = cli("sites", "show", host, "--json")
    assert shown.returncode == 0, shown.stderr
    report = json.loads(shown.stdout)
    assert report["pages"] == 5
    chrome = {b["text"] for b in report["top"] if b["chrome"]}
    assert "Our weekly digest, every Friday" in chrome
    assert not any("raised point" in text for text in chrome)
    assert "chrome" in cli("sites", "show", host).stdout
    assert cli("sites", "reset", host).returncode == 0
    assert json.loads(cli("sites", "show", host, "--json").stdout)["pages"] == 0
