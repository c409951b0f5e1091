"""The ``ingest`` command as a user runs it: real processes, real HTTP on loopback, SQLite."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

pytestmark = pytest.mark.integration

REPO = Path(__file__).resolve().parents[2]


def ingest(*args: str, cwd: Path, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("INGEST_")}
    return subprocess.run(
        [sys.executable, "-m", "ingest.cli.main", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_help_lists_the_commands(tmp_path: Path) -> None:
    done = ingest("--help", cwd=tmp_path)
    assert done.returncode == 0
    for command in (
        "crawl",
        "articles",
        "extract",
        "export",
        "demo",
        "db",
        "serve",
        "job",
        "sites",
    ):
        assert command in done.stdout


def test_demo_crawls_the_site_and_prints_a_clean_article(tmp_path: Path) -> None:
    done = ingest("demo", "--articles", "30", "--quiet", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Crawl summary" in out
    stored = int(out.split("articles stored (new)")[1].split()[0])
    assert "(30 stories + 3 syndicated copies)" in out
    assert stored == 33
    assert "failed                       0" in out
    article = out.split("One clean article from the store")[1]
    assert article.count("\n# ") == 1 and "Recent posts" not in article
    assert (tmp_path / "data" / "demo.sqlite").exists()

    listed = ingest(
        "--db",
        "sqlite:///data/demo.sqlite",
        "articles",
        "list",
        "--json",
        "--limit",
        "100",
        cwd=tmp_path,
    )
    records = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(records) == 33
    assert all(r["body"] and r["published"].endswith("+00:00") for r in records)

    exported = ingest(
        "--db",
        "sqlite:///data/demo.sqlite",
        "export",
        "--one-per-cluster",
        "-o",
        "out.jsonl",
        cwd=tmp_path,
    )
    assert exported.returncode == 0, exported.stderr
    lines = (tmp_path / "out.jsonl").read_text().splitlines()
    assert len(lines) == 30  # one article per story: syndicated copies share a cluster


def test_crawl_without_input_explains_what_to_give(tmp_path: Path) -> None:
    done = ingest("crawl", cwd=tmp_path)
    assert done.returncode == 2
    assert "nothing to crawl" in done.stderr and "--feed" in done.stderr


def test_crawl_refuses_loopback_unless_allowed(tmp_path: Path) -> None:
    done = ingest("crawl", "--quiet", "--json", "http://127.0.0.1:9/story", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)["summary"]
    assert summary["outcomes"] == {"disallowed": 1}
    assert summary["reasons"] == {"disallowed:blocked_address": 1}


def test_extract_prints_json(tmp_path: Path) -> None:
    page = tmp_path / "page.html"
    page.write_text(
        "<html lang='en'><head><title>Harbour deal signed | Example News</title>"
        "<meta property='article:published_time' content='2024-05-03T10:00:00+02:00'></head>"
        "<body><nav><a href='/'>Home</a></nav><article><h1>Harbour deal signed</h1>"
        + "".join(
            f"<p>Paragraph {i} says the harbour council approved the budget after a "
            f"long debate about the port and its workers, item {i}.</p>"
            for i in range(6)
        )
        + "</article><footer>Copyright Example News</footer></body></html>"
    )
    done = ingest(
        "extract", str(page), "--url", "https://news.example.com/2024/05/03/deal", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert record["title"] == "Harbour deal signed"
    assert record["body"].startswith("Paragraph 0")
    assert "Copyright" not in record["body"] and "Home" not in record["body"]
    assert record["published"].startswith("2024-05-03")


def test_crawl_from_a_damaged_warc_keeps_what_came_before(tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from ingest.discover.warc import WarcWriter
    from ingest.model import Page

    def page(i: int) -> Page:
        html = (
            f"<html><head><title>Story {i}</title></head><body><article><h1>Story {i}</h1>"
            + "".join(
                f"<p>Paragraph {j} of story {i} tells how the council of town {i} voted "
                f"on the new harbour plan and what residents said, item {j}.</p>"
                for j in range(6)
            )
            + "</article></body></html>"
        ).encode()
        return Page(
            url=f"https://news.example.com/2024/05/0{i}/story-{i}",
            final_url=f"https://news.example.com/2024/05/0{i}/story-{i}",
            status=200,
            headers={"content-type": "text/html; charset=utf-8"},
            body=html,
            fetched_at=datetime(2024, 5, 9, tzinfo=UTC),
        )

    archive = tmp_path / "pages.warc.gz"
    with WarcWriter(archive) as writer:
        for i in range(1, 4):
            writer.write(page(i))
    data = archive.read_bytes()
    (tmp_path / "damaged.warc.gz").write_bytes(data[: len(data) - 200])

    done = ingest("crawl", "--quiet", "--json", "--warc", "damaged.warc.gz", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    stored = json.loads(done.stdout)["summary"]["outcomes"].get("stored", 0)
    assert 1 <= stored < 3
    assert "damage" in done.stderr


def test_crawl_help_explains_learn_first(tmp_path: Path) -> None:
    done = ingest("crawl", "--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    text = " ".join(done.stdout.split())
    assert "--learn-first" in text
    assert "pass 1 only counts the blocks of every article page" in text
    assert "temporary WARC (or into --save-warc FILE)" in text


@contextmanager
def _demo_site(n_articles: int) -> Iterator[str]:
    """The demo site served from a thread of this process; yields its base URL."""
    import asyncio
    import threading

    from ingest.demo.server import serve
    from ingest.demo.site import DemoConfig, DemoSite

    ready = threading.Event()
    found: list[str] = []
    loop = asyncio.new_event_loop()
    stop = asyncio.Event()

    async def main() -> None:
        async with serve(DemoSite(DemoConfig(n_articles=n_articles))) as server:
            found.append(server.base_url)
            ready.set()
            await stop.wait()

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    try:
        assert ready.wait(30), "the demo site did not start"
        yield found[0]
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(30)
        loop.close()


def test_crawl_learn_first_from_a_live_sitemap_then_from_its_warc(tmp_path: Path) -> None:
    with _demo_site(30) as base:
        done = ingest(
            "--db",
            "sqlite:///live.sqlite",
            "crawl",
            "--learn-first",
            "--sitemap",
            f"{base}/sitemap.xml",
            "--allow-network",
            "127.0.0.0/8",
            "--workers",
            "1",
            "--save-warc",
            "site.warc.gz",
            "--json",
            "--quiet",
            cwd=tmp_path,
        )
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    stored = report["summary"]["outcomes"]["stored"]
    assert stored == 33  # 30 stories + 3 syndicated copies
    learnt = report["learnt"]
    assert learnt["hosts"] == {"127.0.0.1": 30}  # the copies are near-duplicates
    assert learnt["pages_counted"] == 30 and learnt["skipped"]["near_duplicate"] == 3
    assert learnt["pages_read"] == report["summary"]["fetched"]

    # The fetched pages were kept in --save-warc: the same batch again, from the file, with
    # the progress of both passes and what the first learnt on stderr, the summary on stdout.
    replayed = ingest(
        "--db",
        "sqlite:///replay.sqlite",
        "crawl",
        "--learn-first",
        "--warc",
        "site.warc.gz",
        "--workers",
        "1",
        cwd=tmp_path,
    )
    assert replayed.returncode == 0, replayed.stderr
    assert "learning:" in replayed.stderr and "crawling:" in replayed.stderr
    assert "learnt first: 30 of " in replayed.stderr and "(127.0.0.1 30)" in replayed.stderr
    out = replayed.stdout
    assert "Learnt first (pass 1: counting only)" in out and "Crawl summary" in out
    assert int(out.split("article pages counted")[1].split()[0]) == 30
    assert int(out.split("articles stored (new)")[1].split()[0]) == 33

    # A second run over the same file is idempotent: nothing counted, nothing changed.
    again = ingest(
        "--db",
        "sqlite:///replay.sqlite",
        "crawl",
        "--learn-first",
        "--warc",
        "site.warc.gz",
        "--json",
        "--quiet",
        cwd=tmp_path,
    )
    assert again.returncode == 0, again.stderr
    report = json.loads(again.stdout)
    assert report["learnt"]["pages_counted"] == 0 and report["learnt"]["skipped"]["known"] == 30
    assert report["summary"]["outcomes"]["unchanged"] == 33
    shown = ingest(
        "--db", "sqlite:///replay.sqlite", "sites", "show", "127.0.0.1", "--json", cwd=tmp_path
    )
    assert json.loads(shown.stdout)["pages"] == 30


def test_crawl_learn_first_needs_learning_on(tmp_path: Path) -> None:
    (tmp_path / "settings.yaml").write_text("learn:\n  enabled: false\n")
    done = ingest(
        "--config",
        "settings.yaml",
        "crawl",
        "--learn-first",
        "--warc",
        "none.warc.gz",
        cwd=tmp_path,
    )
    assert done.returncode == 2
    assert "--learn-first needs site learning" in done.stderr
