"""The process pool of the embedded mode: CPU stages run here, one rule set per worker."""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from datetime import datetime
from pathlib import Path

from ingest.extract.profile import HostProfile
from ingest.extract.rules import RuleSet, load_rules
from ingest.model import Page
from ingest.normalize.article import NormalizeOptions
from ingest.pipeline.process import Analysed, analyse

__all__ = ["analyse_in_worker", "make_pool"]


class _WorkerState:
    """Per-process state set by the pool initializer (each worker process has its own)."""

    rules: RuleSet | None = None


def _init_worker(rules_dir: str | None) -> None:
    _WorkerState.rules = load_rules(Path(rules_dir)) if rules_dir else None


def analyse_in_worker(
    page: Page, options: NormalizeOptions, now: datetime, profile: HostProfile | None = None
) -> Analysed:
    return analyse(page, rules=_WorkerState.rules, options=options, now=now, profile=profile)


def make_pool(workers: int, rules_dir: Path | None) -> ProcessPoolExecutor:
    """A pool of ``workers`` processes (0: one per CPU), started with ``spawn``-safe state."""
    count = workers or os.cpu_count() or 1
    ctx = multiprocessing.get_context("forkserver" if os.name == "posix" else "spawn")
    return ProcessPoolExecutor(
        max_workers=count,
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(str(rules_dir) if rules_dir and rules_dir.is_dir() else None,),
    )
