"""``python -m ingest.demo [--host H] [--port P] [--articles N]``: serve the demo site."""

from __future__ import annotations

import argparse

from ingest.demo.server import run


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ingest.demo", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--articles", type=int, default=60)
    args = parser.parse_args(argv)
    run(args.host, args.port, args.articles)


if __name__ == "__main__":
    main()
