"""Offline geocoding: address strings to points with a precision level (method.md section 2)."""

from __future__ import annotations

from stclusters.geocode.gazetteer import Gazetteer
from stclusters.geocode.geocoder import Geocoder, GeocodeResult

__all__ = ["Gazetteer", "GeocodeResult", "Geocoder"]
