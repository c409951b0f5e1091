"""Schema migrations, applied in order by :func:`ingest.store.migrate.upgrade`.

Each migration is a module ``vNNNN_<name>.py`` with ``VERSION`` and ``upgrade(conn)``. A migration
is frozen once released: it declares the tables as they were at its version, never importing
``ingest.store.schema``.
"""
