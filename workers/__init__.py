"""Celery entry point of the distributed mode: ``celery -A workers.app worker -Q ...``.

``workers.app`` builds the app from the same :class:`~ingest.settings.Settings` as every other
entry point; ``workers.tasks`` holds the thin tasks; ``workers.runtime`` the per-process edges;
``workers.schedule`` the beat schedule from the sources file. See docs/distributed.md.
"""
