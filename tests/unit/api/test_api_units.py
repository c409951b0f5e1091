"""Pure parts of the API: metrics text, cursors, request validation, bearer tokens."""

from __future__ import annotations

import json

import jsonschema
import pytest
from aiohttp.test_utils import make_mocked_request
from pydantic import ValidationError

from ingest.api.app import openapi_document
from ingest.api.auth import require_token
from ingest.api.errors import ApiError
from ingest.api.metrics import Metrics, render_gauges
from ingest.api.routes import MAX_URLS, JobRequest, _decode_cursor, _encode_cursor
from ingest.model import OutcomeKind, Result


def test_metrics_render_counters_and_cumulative_histograms() -> None:
    m = Metrics()
    m.observe_request("GET", "/articles", 200, 0.003)
    m.observe_request("GET", "/articles", 200, 0.2)
    m.observe_result(Result("u", OutcomeKind.STORED))
    text = "\n".join(m.render())
    assert 'ingest_http_requests_total{method="GET",route="/articles",status="200"} 2' in text
    bucket = 'ingest_http_request_duration_seconds_bucket{le="%s",method="GET",route="/articles"}'
    assert f"{bucket % '0.005'} 1" in text and f"{bucket % '0.1'} 1" in text
    assert f"{bucket % '0.25'} 2" in text and f"{bucket % '+Inf'} 2" in text
    assert 'ingest_http_request_duration_seconds_count{method="GET",route="/articles"} 2' in text
    assert 'ingest_fetch_outcomes_total{outcome="stored"} 1' in text


def test_gauge_labels_are_escaped() -> None:
    lines = render_gauges("g", "help", [({"q": 'a"b\\c\nd'}, 1.0)])
    assert lines[-1] == 'g{q="a\\"b\\\\c\\nd"} 1'


def test_cursors_round_trip_and_reject_garbage() -> None:
    token = _encode_cursor({"o": 40})
    assert _decode_cursor(make_mocked_request("GET", f"/articles?cursor={token}"), "o") == 40
    for bad in ("x", _encode_cursor({"b": 3}), _encode_cursor({"o": -1}), "e30"):
        with pytest.raises(ApiError) as info:
            _decode_cursor(make_mocked_request("GET", f"/articles?cursor={bad}"), "o")
        assert info.value.status == 400


def test_job_request_validation() -> None:
    assert JobRequest.model_validate({"source": "demo"}).source == "demo"
    assert JobRequest.model_validate({"urls": ["https://a.example/x"]}).urls
    for body in (
        {},
        {"source": ""},
        {"source": "bad name"},
        {"urls": ["https://a.example/"] * (MAX_URLS + 1)},
        {"urls": ["x" * 5000]},
        {"source": "a", "other": 1},
    ):
        with pytest.raises(ValidationError):
            JobRequest.model_validate(body)


@pytest.mark.parametrize(
    ("header", "token", "status"),
    [
        (None, "t", 401),
        ("Bearer", "t", 401),
        ("Basic t", "t", 401),
        ("Bearer wrong", "t", 401),
        ("Bearer t", None, 403),
    ],
)
def test_bearer_token_is_required(header: str | None, token: str | None, status: int) -> None:
    headers = {"Authorization": header} if header else {}
    with pytest.raises(ApiError) as info:
        require_token(make_mocked_request("POST", "/jobs", headers=headers), token)
    assert info.value.status == status


def test_the_right_token_passes() -> None:
    request = make_mocked_request("POST", "/jobs", headers={"Authorization": "bearer t"})
    require_token(request, "t")


@pytest.mark.parametrize(
    "body",
    [
        {"source": "demo"},
        {"urls": ["https://a.example/x"], "source": "label"},
        {},
        {"source": ""},
        {"source": "bad name"},
        {"urls": "https://a.example/"},
        {"urls": ["https://a.example/"] * (MAX_URLS + 1)},
        {"source": "a", "other": 1},
    ],
)
def test_openapi_job_request_schema_agrees_with_the_model(body: dict[str, object]) -> None:
    doc = json.loads(openapi_document())
    schema = {**doc["components"]["schemas"]["JobRequest"], "components": doc["components"]}
    documented = jsonschema.Draft202012Validator(schema).is_valid(body)
    try:
        JobRequest.model_validate(body)
        accepted = True
    except ValidationError:
        accepted = False
    assert documented == accepted
