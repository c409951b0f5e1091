"""The dashboard end to end in headless Chromium (Debian's chromium and chromium-driver)
against the API serving articles crawled from the demo site into a real database."""

from __future__ import annotations

import shutil
import socket
import subprocess
import threading
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
from aiohttp import web

from ingest.api.app import make_app
from ingest.api.jobs import EmbeddedJobService
from ingest.api.metrics import Metrics
from ingest.api.routes import ApiContext
from ingest.bootstrap import embedded_crawler, open_store
from ingest.demo.server import serve
from ingest.demo.site import DemoConfig, DemoSite
from ingest.settings import load_settings
from ingest.sources import Source
from ingest.store.base import ArticleQuery

pytestmark = pytest.mark.integration

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
TOKEN = "dash-token"
WAIT_MS = 60_000  # upper bound for the page to reach a state; never a timing assertion


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def chromedriver() -> Iterator[str]:
    if not (Path(CHROMIUM).exists() and shutil.which(CHROMEDRIVER)):
        pytest.fail("install Debian's chromium and chromium-driver packages for this test")
    port = _free_port()
    proc = subprocess.Popen(
        [CHROMEDRIVER, f"--port={port}", "--allowed-ips=127.0.0.1"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        for line in proc.stdout:  # ready once it says so
            if "started successfully" in line:
                break
        else:
            pytest.fail("chromedriver exited before it was ready")
        threading.Thread(target=proc.stdout.read, daemon=True).start()  # keep the pipe drained
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


class Browser:
    """A minimal W3C WebDriver client over aiohttp (the API server shares the event loop)."""

    def __init__(self, http: aiohttp.ClientSession, base: str, session_id: str) -> None:
        self.http, self.base, self.id = http, base, session_id

    async def cmd(self, method: str, path: str, body: Any = None) -> Any:
        url = f"{self.base}/session/{self.id}{path}"
        async with self.http.request(method, url, json=body) as response:
            payload = await response.json()
        if response.status != 200:
            raise AssertionError(f"webdriver {path}: {payload}")
        return payload["value"]

    async def js(self, script: str, *args: Any) -> Any:
        return await self.cmd("POST", "/execute/sync", {"script": script, "args": list(args)})

    async def until(self, condition: str, *args: Any) -> Any:
        """Resolve when the JS expression ``condition`` (args as ``arguments``) is truthy,
        polling in the page; returns its value."""
        script = (
            "const done = arguments[arguments.length - 1];"
            "const args = Array.prototype.slice.call(arguments, 0, -1);"
            f"const test = function() {{ return ({condition}); }};"
            "const tick = () => { let v = null; try { v = test.apply(null, args); } catch (e) {}"
            "  if (v) done(v); else setTimeout(tick, 50); };"
            "tick();"
        )
        return await self.cmd("POST", "/execute/async", {"script": script, "args": list(args)})

    async def go(self, url: str) -> None:
        await self.cmd("POST", "/url", {"url": url})


@pytest.fixture
async def browser(chromedriver: str, tmp_path: Path) -> AsyncIterator[Browser]:
    options = {
        "binary": CHROMIUM,
        "args": [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            f"--user-data-dir={tmp_path / 'chromium-profile'}",
            "--window-size=1280,900",
        ],
    }
    caps = {"capabilities": {"alwaysMatch": {"goog:chromeOptions": options}}}
    async with aiohttp.ClientSession() as http:
        async with http.post(f"{chromedriver}/session", json=caps) as response:
            created = await response.json()
        assert response.status == 200, created
        b = Browser(http, chromedriver, created["value"]["sessionId"])
        await b.cmd("POST", "/timeouts", {"script": WAIT_MS, "pageLoad": WAIT_MS})
        try:
            yield b
        finally:
            async with http.delete(f"{chromedriver}/session/{b.id}"):
                pass


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
async def test_dashboard_shows_sources_jobs_search_and_article(
    backend: str, request: pytest.FixtureRequest, tmp_path: Path, browser: Browser
) -> None:
    db_url = request.getfixturevalue(f"{backend}_url")
    settings = load_settings(
        env={},
        overrides={
            "database_url": db_url,
            "api_token": TOKEN,
            "sites_dir": str(tmp_path / "no-rules"),
            "fetch": {"allow_networks": ["127.0.0.0/8"], "max_attempts": 1},
        },
    )
    async with serve(DemoSite(DemoConfig(n_articles=30))) as demo:
        source = Source(name="demo", feeds=(f"{demo.base_url}/feed.xml",))
        store = open_store(settings)
        metrics = Metrics()
        jobs = EmbeddedJobService(
            settings,
            store,
            {"demo": source},
            crawler_factory=embedded_crawler,
            on_result=metrics.observe_result,
        )
        ctx = ApiContext(
            settings=settings, store=store, jobs=jobs, sources={"demo": source}, metrics=metrics
        )
        runner = web.AppRunner(make_app(ctx), access_log=None)
        await runner.setup()
        port = _free_port()
        await web.TCPSite(runner, "127.0.0.1", port).start()
        base = f"http://127.0.0.1:{port}"
        try:
            async with (
                aiohttp.ClientSession() as http,
                http.post(
                    f"{base}/jobs",
                    json={"source": "demo"},
                    headers={"Authorization": f"Bearer {TOKEN}"},
                ) as response,
            ):
                assert response.status == 202
                job = await response.json()
            await jobs.wait(job["id"])
            stored = store.query(ArticleQuery(limit=1000))
            assert stored
            await _check_dashboard(browser, base, job["id"], stored)
        finally:
            await jobs.close()
            await runner.cleanup()
            store.close()


async def _check_dashboard(browser: Browser, base: str, job_id: str, stored: list[Any]) -> None:
    await browser.go(f"{base}/dashboard/")

    # sources and their last crawl
    row = await browser.until(
        "document.querySelector('#sources tr[data-source=\"demo\"]')"
        " && document.querySelector('#sources tr[data-source=\"demo\"]').innerText"
    )
    assert str(len(stored)) in row and "finished" in row

    # jobs with their counts
    stored_count = await browser.until(
        'document.querySelector(`#jobs tr[data-job="${arguments[0]}"]`)'
        ' && document.querySelector(`#jobs tr[data-job="${arguments[0]}"]`).dataset.stored',
        job_id,
    )
    assert int(stored_count) == len(stored)
    health = await browser.until(
        "document.getElementById('health').dataset.state !== 'unknown'"
        " && document.getElementById('health').innerText"
    )
    assert health.startswith("ok")

    # latest articles
    ids = await browser.until(
        "document.getElementById('articles-status').dataset.ready"
        " && Array.from(document.querySelectorAll('#articles li')).map(li => li.dataset.id)"
    )
    newest = sorted((a.id for a in stored), reverse=True)
    assert [int(i) for i in ids] == newest[: len(ids)] and ids

    # search: type a word from one article's title and submit
    target = next(a for a in stored if len(a.title.split()[0]) > 3)
    word = target.title.split()[0].strip(".,:;'\"")
    await browser.js(
        "const q = document.getElementById('q'); q.value = arguments[0];"
        "document.getElementById('articles-status').dataset.ready = '';"
        "document.querySelector('#search button[type=submit]').click();",
        word,
    )
    found = await browser.until(
        "document.getElementById('articles-status').dataset.ready"
        " && Array.from(document.querySelectorAll('#articles li')).map(li => ["
        "   li.dataset.id, li.querySelectorAll('.snippet mark').length])"
    )
    assert str(target.id) in [f[0] for f in found]
    assert all(marks > 0 for _, marks in found)

    # article view: clean text beside its source URL
    await browser.js(
        'document.querySelector(`#articles li[data-id="${arguments[0]}"] a.title`).click()',
        str(target.id),
    )
    shown = await browser.until(
        "document.getElementById('article-view').dataset.ready === arguments[0] && {"
        " title: document.getElementById('a-title').innerText,"
        " body: document.getElementById('a-body').innerText,"
        " url: document.getElementById('a-url').innerText,"
        " href: document.getElementById('a-url').href,"
        " frame: document.getElementById('a-frame').getAttribute('src'),"
        " homeHidden: document.getElementById('home').hidden }",
        str(target.id),
    )
    assert shown["title"] == target.title
    assert shown["url"] == target.url and shown["href"] == target.url
    assert shown["frame"] == target.url and shown["homeHidden"]
    first_paragraph = target.body.split("\n\n")[0]
    assert " ".join(first_paragraph.split()) in " ".join(shown["body"].split())

    # back to the list
    await browser.js("document.getElementById('back').click()")
    await browser.until("!document.getElementById('home').hidden")
    status = await browser.js("return document.getElementById('articles-status').innerText")
    assert not status.startswith("Error")
