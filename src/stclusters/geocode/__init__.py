"""Offline geocoding: address strings to points with a precision level (method.md section 2).

- :class:`Geocoder` geocodes one address (``Geocoder.load().geocode(text, style=...)``);
- :func:`geocode_people` is the pipeline stage: it locates every people row without coordinates
  of a DuckDB connection through its distinct normalised inputs (the rows stay in DuckDB) and
  returns a :class:`GeocodeReport` for the accounts; :func:`geocode_records` does the same for
  records in memory;
- :func:`geocode_csv` geocodes a CSV file of address strings (``stclusters geocode``).
"""

from __future__ import annotations

from stclusters.geocode.gazetteer import Gazetteer
from stclusters.geocode.geocoder import Geocoder, GeocodeResult
from stclusters.geocode.stage import GeocodeReport, geocode_csv, geocode_people, geocode_records

__all__ = [
    "Gazetteer",
    "GeocodeReport",
    "GeocodeResult",
    "Geocoder",
    "geocode_csv",
    "geocode_people",
    "geocode_records",
]
