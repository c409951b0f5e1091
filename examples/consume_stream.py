"""A small downstream indexer: read ``ingest``'s change stream with a consumer group.

Each event names an article (id, version, kind, cursor); the example loads the article from the
store and prints one JSON line per event — replace ``handle`` with writes to your search
index. Events are acknowledged after ``handle`` returns, so a crash or restart never loses one;
one may be handled twice (at-least-once), so index by article id and keep the highest cursor.

    python examples/consume_stream.py --group indexer --consumer indexer-1 \
        --db sqlite:///data/ingest.sqlite

Run several processes with different ``--consumer`` names in the same ``--group`` to share
the work; messages a dead consumer left unacknowledged are claimed after ``--claim-idle``
seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import sys

from ingest.events import DEFAULT_STREAM, ChangeEvent, StreamConsumer
from ingest.settings import load_settings
from ingest.store.base import article_record
from ingest.store.engine import make_engine
from ingest.store.sql import SqlStore


def main(argv: list[str] | None = None) -> int:
    settings = load_settings()
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--redis-url", default=settings.redis_url)
    p.add_argument("--stream", default=f"{settings.redis_prefix}{DEFAULT_STREAM}")
    p.add_argument("--group", default="indexer")
    p.add_argument("--consumer", default=f"consumer-{os.getpid()}")
    p.add_argument("--db", default=None, help="database URL to load each article from")
    p.add_argument("--claim-idle", type=float, default=60.0, help="seconds; claim others' stale")
    p.add_argument("--from-start", action="store_true", help="new group reads the whole stream")
    p.add_argument("--max-events", type=int, default=0, help="stop after N events (0: never)")
    p.add_argument("--block", type=float, default=5.0, help="seconds to wait for new events")
    args = p.parse_args(argv)

    store = SqlStore(make_engine(args.db)) if args.db else None
    consumer = StreamConsumer(
        args.redis_url,
        args.stream,
        group=args.group,
        consumer=args.consumer,
        claim_idle_ms=int(args.claim_idle * 1000),
    )
    consumer.ensure_group(start="0" if args.from_start else "$")
    handled = 0

    def handle(event: ChangeEvent) -> None:
        nonlocal handled
        line: dict[str, object] = {
            "event": event.kind.value,
            "article_id": event.article_id,
            "version": event.version,
            "cursor": event.cursor,
            "cluster_id": event.cluster_id,
        }
        if store is not None:
            article = store.get_article(event.article_id)
            line["article"] = article_record(article) if article is not None else None
        sys.stdout.write(json.dumps(line, ensure_ascii=False) + "\n")
        sys.stdout.flush()
        handled += 1

    try:
        consumer.consume(
            handle,
            block_ms=int(args.block * 1000),
            stop=lambda: bool(args.max_events) and handled >= args.max_events,
        )
    except KeyboardInterrupt:
        pass
    finally:
        consumer.close()
        if store is not None:
            store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
