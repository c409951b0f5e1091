"""Prometheus text exposition for the API: request latencies, job outcomes, store and queue
gauges. Counters live in one :class:`Metrics` object per application (no globals)."""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable, Mapping

from ingest.model import Result

__all__ = ["LATENCY_BUCKETS", "Metrics", "render_gauges"]

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(labels: Mapping[str, str]) -> str:
    if not labels:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in sorted(labels.items())) + "}"


class _Histogram:
    def __init__(self) -> None:
        self.buckets = [0] * (len(LATENCY_BUCKETS) + 1)
        self.total = 0.0
        self.count = 0

    def observe(self, value: float) -> None:
        self.buckets[bisect_left(LATENCY_BUCKETS, value)] += 1
        self.total += value
        self.count += 1


class Metrics:
    """In-process counters: HTTP requests and latencies, fetch outcomes of API jobs."""

    def __init__(self) -> None:
        self.requests: Counter[tuple[str, str, str]] = Counter()
        self.latency: dict[tuple[str, str], _Histogram] = {}
        self.outcomes: Counter[str] = Counter()

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests[(method, route, str(status))] += 1
        self.latency.setdefault((method, route), _Histogram()).observe(seconds)

    def observe_result(self, result: Result) -> None:
        self.outcomes[str(result.kind)] += 1

    def render(self) -> list[str]:
        lines = [
            "# HELP ingest_http_requests_total API requests by method, route and status.",
            "# TYPE ingest_http_requests_total counter",
        ]
        for (method, route, status), n in sorted(self.requests.items()):
            labels = _labels({"method": method, "route": route, "status": status})
            lines.append(f"ingest_http_requests_total{labels} {n}")
        lines += [
            "# HELP ingest_http_request_duration_seconds API request latency.",
            "# TYPE ingest_http_request_duration_seconds histogram",
        ]
        for (method, route), h in sorted(self.latency.items()):
            base = {"method": method, "route": route}
            cumulative = 0
            for bound, n in zip((*LATENCY_BUCKETS, float("inf")), h.buckets, strict=True):
                cumulative += n
                le = "+Inf" if bound == float("inf") else repr(bound)
                labels = _labels({**base, "le": le})
                lines.append(f"ingest_http_request_duration_seconds_bucket{labels} {cumulative}")
            lines.append(f"ingest_http_request_duration_seconds_sum{_labels(base)} {h.total}")
            lines.append(f"ingest_http_request_duration_seconds_count{_labels(base)} {h.count}")
        lines += [
            "# HELP ingest_fetch_outcomes_total Outcomes of URLs crawled by this API's jobs.",
            "# TYPE ingest_fetch_outcomes_total counter",
        ]
        for outcome, n in sorted(self.outcomes.items()):
            lines.append(f"ingest_fetch_outcomes_total{_labels({'outcome': outcome})} {n}")
        return lines


def render_gauges(
    name: str, help_text: str, values: Iterable[tuple[Mapping[str, str], float]]
) -> list[str]:
    """One gauge family in the text format."""
    lines = [f"# HELP {name} {help_text}", f"# TYPE {name} gauge"]
    lines.extend(f"{name}{_labels(labels)} {value:g}" for labels, value in values)
    return lines
