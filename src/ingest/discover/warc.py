"""WARC input and output: read archived HTML responses as ``Page`` values, and save fetched
pages as a WARC (``--save-warc``). The only module of ``ingest.discover`` that does file I/O.

Reading accepts gzip or plain WARC (and ARC) files. Only ``response`` records with an HTTP
status 2xx and an HTML body become pages (with ``html_only=False``, any 2xx body: for a file
of pages the fetcher already accepted); every other record is skipped and counted. The body
is the HTTP payload with chunked and content encodings removed, so ``content-encoding``,
``transfer-encoding`` and ``content-length`` are not part of ``Page.headers`` (as for a live
fetch); the other header names are lower-cased.

Writing produces one gzip member per record (WARC/1.1): a ``warcinfo`` record, then a
``response`` record per page (and optionally a ``request`` record). Fields of ``Page`` that
WARC has no place for are kept in ``Ingest-*`` extension headers, so a page read back equals
the page written.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from http import HTTPStatus
from pathlib import Path
from types import TracebackType
from typing import BinaryIO, Literal
from urllib.parse import urlsplit
from zlib import error as ZlibError

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from ingest.discover._dates import parse_feed_date
from ingest.errors import PermanentError
from ingest.model import Page

__all__ = ["MAX_RECORD_BYTES", "WarcError", "WarcReader", "WarcWriter", "iter_warc_pages"]

#: Bodies larger than this are skipped when reading (an article page is far smaller).
MAX_RECORD_BYTES = 50 * 1024 * 1024
_HTML_TYPES = ("text/html", "application/xhtml+xml")
_PAYLOAD_HEADERS = frozenset({"content-encoding", "content-length", "transfer-encoding"})
_H_REQUESTED = "Ingest-Requested-URI"
_H_REDIRECTS = "Ingest-Redirects"
_H_ENCODING = "Ingest-Encoding"
_H_SOURCE = "Ingest-Source"
_H_ELAPSED = "Ingest-Elapsed"
# warcio reports damaged input with assorted exceptions (AttributeError and TypeError
# included, from its parsers meeting a cut header); all are translated to WarcError.
_READ_ERRORS = (
    ArchiveLoadFailed,
    EOFError,
    ZlibError,
    OSError,
    ValueError,
    IndexError,
    KeyError,
    AttributeError,
    TypeError,
)


class WarcError(PermanentError):
    """A WARC file could not be opened, read to its end, or written."""


class WarcReader:
    """Iterate the HTML pages of one WARC file.

    Iteration stops at the first unreadable record (a truncated or corrupt file) and stores
    the ``WarcError`` in ``error`` instead of raising: the pages before it are yielded.
    ``skipped`` counts records that were not HTML 2xx responses. ``html_only=False`` also
    yields 2xx responses whose body does not look like HTML (a page the fetcher accepted by
    its own rules, read back from a file this process wrote).
    """

    def __init__(
        self, path: Path, *, max_record_bytes: int = MAX_RECORD_BYTES, html_only: bool = True
    ) -> None:
        self.path = path
        self.max_record_bytes = max_record_bytes
        self.html_only = html_only
        self.error: WarcError | None = None
        self.skipped = 0

    def __iter__(self) -> Iterator[Page]:
        try:
            stream = self.path.open("rb")
        except OSError as exc:
            self.error = WarcError(f"cannot open WARC {self.path}: {exc}")
            return
        with stream:
            archive = ArchiveIterator(stream)
            records = iter(archive)
            while True:
                try:
                    record = next(records, None)
                    if record is None:
                        break
                    page = self._page(record)
                    _drain(record)
                except _READ_ERRORS as exc:
                    self.error = WarcError(f"unreadable WARC {self.path}: {exc}")
                    return
                if page is None:
                    self.skipped += 1
                else:
                    yield page
            self.error = _check_tail(stream, int(getattr(archive, "offset", 0)), self.path)

    def _page(self, record: object) -> Page | None:
        rec_type: str = getattr(record, "rec_type", "")
        http: StatusAndHeaders | None = getattr(record, "http_headers", None)
        if rec_type != "response" or http is None:
            return None
        warc: StatusAndHeaders = getattr(record, "rec_headers")  # noqa: B009 - untyped library
        status = int(http.get_statuscode() or 0)
        uri = (warc.get_header("WARC-Target-URI") or "").strip("<> ")
        if not 200 <= status < 300 or not uri:
            return None
        headers = _page_headers(http.headers)
        body: bytes = getattr(record, "content_stream")().read(self.max_record_bytes + 1)  # noqa: B009
        if len(body) > self.max_record_bytes:
            return None
        if self.html_only and not _is_html(headers.get("content-type"), body):
            return None
        fetched_at = parse_feed_date(warc.get_header("WARC-Date")) or datetime.fromtimestamp(0, UTC)
        return Page(
            url=warc.get_header(_H_REQUESTED) or uri,
            final_url=uri,
            status=status,
            headers=headers,
            body=body,
            fetched_at=fetched_at,
            encoding=warc.get_header(_H_ENCODING) or None,
            elapsed=_float(warc.get_header(_H_ELAPSED)),
            redirects=tuple((warc.get_header(_H_REDIRECTS) or "").split()),
            source=warc.get_header(_H_SOURCE) or "",
        )


def _drain(record: object) -> None:
    """Read the rest of the record; raise ``EOFError`` when the file ends inside it."""
    headers = getattr(record, "rec_headers", None)
    name = "Content-Length" if getattr(record, "format", "") == "warc" else "length"
    length = headers.get_header(name) if headers is not None else None
    if not (length or "").strip().isdigit():
        raise EOFError("a record without a valid length (cut in its headers, or not a WARC)")
    raw = getattr(record, "raw_stream")  # noqa: B009 - untyped library
    while raw.read(1 << 16):
        pass
    if getattr(raw, "limit", 0) > 0:
        raise EOFError("the file ends inside a record")


def _check_tail(stream: BinaryIO, end: int, path: Path) -> WarcError | None:
    """An error when bytes other than blank lines follow the last complete record (a
    record cut in its headers, or a truncated gzip member, is otherwise silently lost)."""
    stream.seek(end)
    rest = stream.read(1 << 16)
    if rest.strip(b"\r\n"):
        return WarcError(f"truncated or corrupt WARC {path} at offset {end}")
    return None


def iter_warc_pages(
    path: Path, *, on_error: Literal["raise", "stop"] = "raise", html_only: bool = True
) -> Iterator[Page]:
    """The HTML pages of a WARC file, in archive order (see ``WarcReader``).

    After the last readable page of a truncated or corrupt file, raises ``WarcError``
    (``on_error="raise"``) or just stops (``on_error="stop"``). A file that cannot be opened
    is treated the same way.
    """
    reader = WarcReader(path, html_only=html_only)
    yield from reader
    if reader.error is not None and on_error == "raise":
        raise reader.error


def _page_headers(items: list[tuple[str, str]]) -> dict[str, str]:
    headers: dict[str, str] = {}
    for key, value in items:
        name = key.strip().lower()
        if name in _PAYLOAD_HEADERS:
            continue
        headers[name] = f"{headers[name]}, {value}" if name in headers else value
    return headers


def _is_html(content_type: str | None, body: bytes) -> bool:
    if content_type:
        return content_type.split(";", 1)[0].strip().lower() in _HTML_TYPES
    head = body[:1024].lstrip().lower()
    return head.startswith((b"<!doctype html", b"<html")) or b"<html" in head


def _float(text: str | None) -> float:
    try:
        return float(text) if text else 0.0
    except ValueError:
        return 0.0


class WarcWriter:
    """Write pages to a gzip WARC file. Use as a context manager; ``write`` may be called from
    several threads (records are written whole, one at a time).

    ``requests=True`` adds a ``request`` record (a reconstructed GET) before each response.
    ``append=True`` adds to an existing file instead of replacing it. Raises ``WarcError``
    when the file cannot be opened or written.
    """

    def __init__(
        self,
        path: Path,
        *,
        requests: bool = False,
        append: bool = False,
        gzip: bool = True,
        software: str = "ingest",
    ) -> None:
        self.path = path
        self.requests = requests
        self._append = append
        self._gzip = gzip
        self._software = software
        self._lock = threading.Lock()
        self._stream: BinaryIO | None = None
        self._writer: WARCWriter | None = None
        self.written = 0

    def __enter__(self) -> WarcWriter:
        try:
            self._stream = self.path.open("ab") if self._append else self.path.open("wb")
        except OSError as exc:
            raise WarcError(f"cannot open WARC {self.path} for writing: {exc}") from exc
        self._writer = WARCWriter(self._stream, gzip=self._gzip, warc_version="1.1")
        info = {"software": self._software, "format": "WARC File Format 1.1"}
        self._emit(self._writer.create_warcinfo_record(self.path.name, info))
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        """Flush and close the file (idempotent)."""
        with self._lock:
            if self._stream is not None:
                self._stream.close()
                self._stream = None
                self._writer = None

    def write(self, page: Page) -> None:
        """Append ``page`` as a response record (after a request record if enabled)."""
        with self._lock:
            writer = self._writer
            if writer is None:
                raise WarcError("WarcWriter.write called outside its context")
            response = writer.create_warc_record(
                page.final_url or page.url,
                "response",
                payload=io.BytesIO(page.body),
                length=None,
                warc_headers_dict=_warc_headers(page),
                http_headers=_http_headers(page),
            )
            if self.requests:
                request = writer.create_warc_record(
                    page.final_url or page.url,
                    "request",
                    payload=io.BytesIO(b""),
                    warc_headers_dict={"WARC-Date": _warc_date(page.fetched_at)},
                    http_headers=_request_headers(page.final_url or page.url),
                )
                record_id = response.rec_headers.get_header("WARC-Record-ID")
                request.rec_headers.add_header("WARC-Concurrent-To", record_id)
                self._emit(request)
            self._emit(response)
            self.written += 1

    def _emit(self, record: object) -> None:
        assert self._writer is not None and self._stream is not None
        try:
            self._writer.write_record(record)
            self._stream.flush()
        except OSError as exc:
            raise WarcError(f"cannot write WARC {self.path}: {exc}") from exc


def _warc_date(when: datetime) -> str:
    aware = when if when.tzinfo is not None else when.replace(tzinfo=UTC)
    return aware.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _warc_headers(page: Page) -> dict[str, str]:
    headers = {"WARC-Date": _warc_date(page.fetched_at)}
    if page.url and page.url != page.final_url:
        headers[_H_REQUESTED] = page.url
    if page.redirects:
        headers[_H_REDIRECTS] = " ".join(page.redirects)
    if page.encoding:
        headers[_H_ENCODING] = page.encoding
    if page.source:
        headers[_H_SOURCE] = page.source
    if page.elapsed:
        headers[_H_ELAPSED] = repr(page.elapsed)
    return headers


def _http_headers(page: Page) -> StatusAndHeaders:
    try:
        reason = HTTPStatus(page.status).phrase
    except ValueError:
        reason = ""
    items = _header_items(page.headers)
    items.append(("Content-Length", str(len(page.body))))
    return StatusAndHeaders(f"{page.status} {reason}".strip(), items, protocol="HTTP/1.1")


def _header_items(headers: Mapping[str, str]) -> list[tuple[str, str]]:
    return [
        (k, " ".join(v.split())) for k, v in headers.items() if k.lower() not in _PAYLOAD_HEADERS
    ]


def _request_headers(url: str) -> StatusAndHeaders:
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return StatusAndHeaders(
        f"GET {target} HTTP/1.1",
        [("Host", parts.netloc), ("Accept", "text/html,application/xhtml+xml")],
        is_http_request=True,
    )
