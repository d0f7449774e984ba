"""Measure clusters: fractional counts, ranks, population, names, fields and profiles."""
