"""Measurement stage: fractional counts, ranks, population, names, fields and profiles."""
