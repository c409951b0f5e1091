"""The package's public entry point."""

from __future__ import annotations

import importlib

import ingest
from ingest.model import Extracted, NotArticle


def test_extract_is_the_function_even_after_importing_the_package_modules() -> None:
    importlib.import_module("ingest.extract.rules")
    importlib.import_module("ingest.pipeline.process")
    page = (
        "<html><head><title>Rail strike ends</title></head><body><article><h1>Rail strike ends"
        "</h1>"
        + "".join(
            f"<p>Sentence {i} about the rail strike, the unions and the ministry, "
            f"which reached a deal on wages and hours late on Tuesday night.</p>"
            for i in range(6)
        )
        + "</article></body></html>"
    )
    result = ingest.extract(page, url="https://example.com/2024/05/03/rail")
    assert isinstance(result, Extracted)
    assert result.title == "Rail strike ends"
    assert isinstance(ingest.extract(b""), NotArticle)
