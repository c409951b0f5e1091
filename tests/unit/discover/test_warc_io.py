from __future__ import annotations

import gzip
import io
import threading
from datetime import UTC, datetime
from pathlib import Path

import pytest
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from ingest.discover.warc import WarcError, WarcReader, WarcWriter, iter_warc_pages
from ingest.errors import PermanentError
from ingest.model import Page

T0 = datetime(2024, 3, 5, 8, 30, 1, 123456, tzinfo=UTC)


def make_page(n: int, **changes: object) -> Page:
    fields: dict[str, object] = {
        "url": f"https://news.example.com/2024/03/05/story-{n}",
        "final_url": f"https://news.example.com/2024/03/05/story-{n}",
        "status": 200,
        "headers": {"content-type": "text/html; charset=utf-8", "etag": f'"v{n}"'},
        "body": f"<!doctype html><html><body><p>Story {n} – café</p></body></html>".encode(),
        "fetched_at": T0,
    }
    fields.update(changes)
    return Page(**fields)  # type: ignore[arg-type]


def write_pages(path: Path, pages: list[Page], **options: bool) -> None:
    with WarcWriter(path, **options) as writer:
        for page in pages:
            writer.write(page)


# ---- round trip -----------------------------------------------------------------------------


def test_round_trip_gzip(tmp_path: Path) -> None:
    pages = [
        make_page(1),
        make_page(
            2,
            url="http://news.example.com/s/2",
            redirects=("http://news.example.com/s/2",),
            encoding="windows-1252",
            source="daily",
            elapsed=0.125,
            body="<html><p>caf\xe9</p></html>".encode("cp1252"),
        ),
        make_page(3, status=203, headers={"content-type": "application/xhtml+xml"}),
    ]
    path = tmp_path / "crawl.warc.gz"
    write_pages(path, pages)
    assert path.read_bytes()[:2] == b"\x1f\x8b"
    assert list(iter_warc_pages(path)) == pages


def test_round_trip_uncompressed_with_request_records(tmp_path: Path) -> None:
    pages = [make_page(1), make_page(2)]
    path = tmp_path / "crawl.warc"
    write_pages(path, pages, gzip=False, requests=True)
    raw = path.read_bytes()
    assert raw.startswith(b"WARC/1.1")
    assert raw.count(b"WARC-Type: request") == 2
    assert raw.count(b"WARC-Concurrent-To") == 2
    reader = WarcReader(path)
    assert list(reader) == pages
    assert reader.skipped == 3  # warcinfo + 2 requests
    assert reader.error is None


def test_naive_fetched_at_is_written_as_utc(tmp_path: Path) -> None:
    path = tmp_path / "naive.warc.gz"
    write_pages(path, [make_page(1, fetched_at=datetime(2024, 1, 2, 3, 4, 5))])
    (page,) = iter_warc_pages(path)
    assert page.fetched_at == datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC)


def test_payload_headers_are_not_copied(tmp_path: Path) -> None:
    page = make_page(
        1,
        headers={
            "content-type": "text/html",
            "content-encoding": "gzip",
            "transfer-encoding": "chunked",
            "content-length": "5",
        },
    )
    path = tmp_path / "h.warc.gz"
    write_pages(path, [page])
    (read,) = iter_warc_pages(path)
    assert read.body == page.body
    assert dict(read.headers) == {"content-type": "text/html"}


def test_append_mode_keeps_earlier_records(tmp_path: Path) -> None:
    path = tmp_path / "a.warc.gz"
    write_pages(path, [make_page(1)])
    with WarcWriter(path, append=True) as writer:
        writer.write(make_page(2))
    assert [p.url for p in iter_warc_pages(path)] == [make_page(1).url, make_page(2).url]


def test_concurrent_writes_are_whole_records(tmp_path: Path) -> None:
    path = tmp_path / "threads.warc.gz"
    with WarcWriter(path) as writer:
        threads = [
            threading.Thread(
                target=lambda k=k: [writer.write(make_page(k * 100 + i)) for i in range(25)]
            )
            for k in range(4)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert writer.written == 100
    urls = sorted(p.url for p in iter_warc_pages(path))
    assert urls == sorted(make_page(k * 100 + i).url for k in range(4) for i in range(25))


def test_write_outside_context_raises(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path / "x.warc.gz")
    with pytest.raises(WarcError):
        writer.write(make_page(1))


def test_unwritable_path_raises_warc_error(tmp_path: Path) -> None:
    with pytest.raises(WarcError), WarcWriter(tmp_path / "missing-dir" / "x.warc.gz"):
        pass


# ---- foreign archives -----------------------------------------------------------------------


def foreign_warc(path: Path) -> None:
    """A WARC as other crawlers write it: gzip content encoding, chunked, odd records."""
    with path.open("wb") as fh:
        w = WARCWriter(fh, gzip=True)

        def response(uri: str, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
            http = StatusAndHeaders(status, headers, protocol="HTTP/1.1")
            rec = w.create_warc_record(
                uri,
                "response",
                payload=io.BytesIO(body),
                http_headers=http,
                warc_headers_dict={"WARC-Date": "2023-11-02T10:20:30Z"},
            )
            w.write_record(rec)

        html = b"<html><head><title>Gz</title></head><body>compressed</body></html>"
        gz = gzip.compress(html)
        chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(gz), gz)
        response(
            "https://site.example/gz",
            "200 OK",
            [
                ("Content-Type", "text/html"),
                ("Content-Encoding", "gzip"),
                ("Transfer-Encoding", "chunked"),
                ("Set-Cookie", "a=1"),
                ("Set-Cookie", "b=2"),
            ],
            chunked,
        )
        response(
            "https://site.example/logo.png", "200 OK", [("Content-Type", "image/png")], b"\x89PNG"
        )
        response(
            "https://site.example/gone", "404 Not Found", [("Content-Type", "text/html")], b"<html>"
        )
        response("https://site.example/moved", "301 Moved", [("Location", "/x")], b"")
        response("https://site.example/untyped", "200 OK", [], b"  <!DOCTYPE html><html>ok</html>")
        w.write_record(
            w.create_warc_record(
                "dns:site.example",
                "resource",
                payload=io.BytesIO(b"1.2.3.4"),
                warc_content_type="text/dns",
            )
        )
        w.write_record(
            w.create_revisit_record(
                "https://site.example/gz",
                "sha1:AAAA",
                "https://site.example/gz",
                "2023-11-01T00:00:00Z",
            )
        )


def test_foreign_warc_html_responses_only(tmp_path: Path) -> None:
    path = tmp_path / "foreign.warc.gz"
    foreign_warc(path)
    reader = WarcReader(path)
    pages = list(reader)
    assert [p.url for p in pages] == ["https://site.example/gz", "https://site.example/untyped"]
    assert reader.error is None
    assert reader.skipped == 5
    gz = pages[0]
    assert gz.final_url == gz.url
    assert gz.status == 200
    assert gz.body == b"<html><head><title>Gz</title></head><body>compressed</body></html>"
    assert gz.headers == {"content-type": "text/html", "set-cookie": "a=1, b=2"}
    assert gz.fetched_at == datetime(2023, 11, 2, 10, 20, 30, tzinfo=UTC)
    assert gz.encoding is None and gz.redirects == () and gz.source == ""


# ---- damaged files --------------------------------------------------------------------------


@pytest.fixture
def archive(tmp_path: Path) -> tuple[Path, list[Page]]:
    pages = [make_page(i) for i in range(3)]
    path = tmp_path / "full.warc.gz"
    write_pages(path, pages)
    return path, pages


def test_truncated_gzip_yields_earlier_pages_then_raises(
    archive: tuple[Path, list[Page]], tmp_path: Path
) -> None:
    path, pages = archive
    cut = tmp_path / "cut.warc.gz"
    cut.write_bytes(path.read_bytes()[:-60])
    seen: list[Page] = []
    with pytest.raises(WarcError) as info:
        seen.extend(iter_warc_pages(cut))
    assert seen == pages[:2]
    assert isinstance(info.value, PermanentError)


def test_truncated_file_with_on_error_stop(
    archive: tuple[Path, list[Page]], tmp_path: Path
) -> None:
    path, pages = archive
    cut = tmp_path / "cut.warc.gz"
    data = path.read_bytes()
    cut.write_bytes(data[: len(data) * 2 // 3])
    got = list(iter_warc_pages(cut, on_error="stop"))
    assert got == pages[: len(got)]
    reader = WarcReader(cut)
    assert list(reader) == got
    assert reader.error is not None


@pytest.mark.parametrize("fraction", [0.1, 0.35, 0.5, 0.8, 0.97])
def test_any_truncation_of_uncompressed_warc_is_reported(
    archive: tuple[Path, list[Page]], tmp_path: Path, fraction: float
) -> None:
    path, pages = archive
    plain = gzip.decompress(path.read_bytes())
    cut = tmp_path / "cut.warc"
    cut.write_bytes(plain[: int(len(plain) * fraction)])
    reader = WarcReader(cut)
    got = list(reader)
    assert got == pages[: len(got)]
    assert isinstance(reader.error, WarcError)


def test_garbage_file(tmp_path: Path) -> None:
    path = tmp_path / "garbage.warc"
    path.write_bytes(b"this is not a warc file at all\n" * 10)
    reader = WarcReader(path)
    assert list(reader) == []
    assert isinstance(reader.error, WarcError)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(WarcError):
        list(iter_warc_pages(tmp_path / "nope.warc.gz"))
    assert list(iter_warc_pages(tmp_path / "nope.warc.gz", on_error="stop")) == []


def test_empty_file(tmp_path: Path) -> None:
    path = tmp_path / "empty.warc.gz"
    path.write_bytes(b"")
    assert list(iter_warc_pages(path)) == []


def test_oversized_record_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "big.warc.gz"
    write_pages(path, [make_page(1, body=b"<html>" + b"x" * 5000), make_page(2)])
    reader = WarcReader(path, max_record_bytes=1000)
    assert [p.url for p in reader] == [make_page(2).url]
    assert reader.error is None
