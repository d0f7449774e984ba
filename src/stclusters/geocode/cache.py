"""The result cache: geocoded addresses kept between runs in a small SQLite file.

Keyed by the normalised input (style and address fields) and the geocoder version (gazetteer
version and rules version); rows of any other version are dropped when the cache is opened.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path

from stclusters.geocode.geocoder import GeocodeResult

__all__ = ["ResultCache"]

log = logging.getLogger(__name__)

FILENAME = "geocode-results.sqlite"
_COLUMNS = ("lat", "lon", "precision", "city", "region", "country", "rule", "reason")
_CHUNK = 50_000


def _corrupt(exc: sqlite3.DatabaseError) -> bool:
    """Whether SQLite says the file is damaged or not a database (rather than locked, say)."""
    text = str(exc).lower()
    return any(w in text for w in ("malformed", "not a database", "quick_check", "corrupt"))


class ResultCache:
    """Geocoding results by normalised input, for one geocoder version.

    A torn or corrupt cache file (not a database, a failed ``PRAGMA quick_check``) is removed
    and rebuilt empty; a cache that cannot be opened or written (read-only folder, locked file)
    logs a warning and behaves as an empty cache: geocoding never fails because of it.
    """

    def __init__(self, folder: Path, version: str) -> None:
        self.path = Path(folder) / FILENAME
        self.version = version
        self._con: sqlite3.Connection | None = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._con = self._open()
        except sqlite3.DatabaseError as exc:
            if not _corrupt(exc):
                log.warning(
                    "geocoding result cache %s unusable (%s); going without", self.path, exc
                )
                return
            log.warning("geocoding result cache %s corrupt (%s); rebuilding it", self.path, exc)
            self._rebuild()
        except (sqlite3.Error, OSError) as exc:
            log.warning("geocoding result cache %s unusable (%s); going without", self.path, exc)

    def _open(self) -> sqlite3.Connection:
        """Connect, check the file's structure (``PRAGMA quick_check``) and prepare the table."""
        con = sqlite3.connect(self.path, timeout=30)
        try:
            check = con.execute("PRAGMA quick_check").fetchone()
            if check is None or check[0] != "ok":
                raise sqlite3.DatabaseError(f"quick_check: {check[0] if check else 'no answer'}")
            con.execute(
                "CREATE TABLE IF NOT EXISTS results (key TEXT PRIMARY KEY, version TEXT, "
                + ", ".join(f"{c} {'REAL' if c in ('lat', 'lon') else 'TEXT'}" for c in _COLUMNS)
                + ")"
            )
            con.execute("DELETE FROM results WHERE version <> ?", (self.version,))
            con.commit()
        except BaseException:
            con.close()
            raise
        return con

    def _rebuild(self) -> None:
        """Remove a corrupt cache file (and its journals) and start an empty one."""
        try:
            for suffix in ("", "-journal", "-wal", "-shm"):
                Path(f"{self.path}{suffix}").unlink(missing_ok=True)
            self._con = self._open()
        except (sqlite3.Error, OSError) as exc:
            log.warning("geocoding result cache %s unusable (%s); going without", self.path, exc)

    def get(self, keys: Sequence[str]) -> dict[str, GeocodeResult]:
        """The cached results of those of ``keys`` that are in the cache."""
        con = self._con
        if con is None or not keys:
            return {}
        out: dict[str, GeocodeResult] = {}
        try:
            con.execute("CREATE TEMP TABLE IF NOT EXISTS wanted (key TEXT PRIMARY KEY)")
            for start in range(0, len(keys), _CHUNK):
                con.execute("DELETE FROM wanted")
                con.executemany(
                    "INSERT OR IGNORE INTO wanted VALUES (?)",
                    ((k,) for k in keys[start : start + _CHUNK]),
                )
                rows = con.execute(
                    "SELECT r.key, " + ", ".join(f"r.{c}" for c in _COLUMNS) + " FROM wanted w "
                    "JOIN results r ON r.key = w.key AND r.version = ?",
                    (self.version,),
                )
                for k, *values in rows:
                    out[k] = GeocodeResult(*values)
        except sqlite3.Error as exc:
            log.warning("reading the geocoding result cache failed (%s)", exc)
            return {}
        return out

    def put(self, items: Iterable[tuple[str, GeocodeResult]]) -> None:
        """Store results."""
        con = self._con
        if con is None:
            return
        rows = (
            (
                k,
                self.version,
                r.lat,
                r.lon,
                r.precision,
                r.city,
                r.region,
                r.country,
                r.rule,
                r.reason,
            )
            for k, r in items
        )
        try:
            con.executemany(
                "INSERT OR REPLACE INTO results VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
            )
            con.commit()
        except sqlite3.Error as exc:
            log.warning("writing the geocoding result cache failed (%s)", exc)

    def __len__(self) -> int:
        if self._con is None:
            return 0
        row = self._con.execute("SELECT count(*) FROM results").fetchone()
        return int(row[0])

    def close(self) -> None:
        """Close the file."""
        if self._con is not None:
            self._con.close()
            self._con = None

    def __enter__(self) -> ResultCache:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
