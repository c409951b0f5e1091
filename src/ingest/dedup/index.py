"""An in-memory LSH index over fingerprints: the reference semantics of the SQL dedup index.

The SQL store keeps the same data in the ``lsh_bands`` table (``band_key``, ``article_id``) and
answers :meth:`MemoryIndex.query` with ``WHERE band_key IN (...)``. This class is used by the
benchmark and by tests; it is not shared between processes.
"""

from __future__ import annotations

from ingest.dedup.keys import band_keys

__all__ = ["MemoryIndex"]


class MemoryIndex:
    """Band key -> article ids, plus each article's fingerprint. Not thread-safe."""

    __slots__ = ("_bands", "_fingerprints")

    def __init__(self) -> None:
        self._bands: dict[str, list[int]] = {}
        self._fingerprints: dict[int, bytes] = {}

    def __len__(self) -> int:
        return len(self._fingerprints)

    def __contains__(self, article_id: object) -> bool:
        return article_id in self._fingerprints

    def add(self, article_id: int, fp: bytes) -> None:
        """Index ``fp`` under ``article_id``; re-adding an id replaces its previous fingerprint."""
        if article_id in self._fingerprints:
            self.remove(article_id)
        self._fingerprints[article_id] = fp
        for key in band_keys(fp):
            self._bands.setdefault(key, []).append(article_id)

    def remove(self, article_id: int) -> None:
        """Forget ``article_id`` (no-op when unknown)."""
        fp = self._fingerprints.pop(article_id, None)
        if fp is None:
            return
        for key in band_keys(fp):
            ids = self._bands.get(key)
            if ids is None:
                continue
            ids.remove(article_id)
            if not ids:
                del self._bands[key]

    def query(self, fp: bytes) -> list[int]:
        """Ids of the indexed articles that share at least one band key with ``fp``, ascending."""
        found: set[int] = set()
        for key in band_keys(fp):
            found.update(self._bands.get(key, ()))
        return sorted(found)

    def fingerprint(self, article_id: int) -> bytes:
        """The fingerprint indexed under ``article_id``; raises ``KeyError`` when unknown."""
        return self._fingerprints[article_id]
