"""Fuzz every reader with mutated real samples: no crash, only refusals and counted problems.

``make test`` runs a short pass (:data:`CASES` per format, seconds); ``make fuzz`` runs
``STCLUSTERS_FUZZ_CASES`` (100,000 by default there) per format and writes the figures
(cases run, read, refused, per format) to ``STCLUSTERS_FUZZ_REPORT``.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from fuzz.mutate import KINDS, check_case, mutate, validate_batch
from fuzz.seeds import FORMATS, patentsview_tables, seeds
from stclusters.records import Records

#: Cases per format in ``make test`` (a short pass); ``make fuzz`` sets far more.
CASES = int(os.environ.get("STCLUSTERS_FUZZ_CASES", "12"))
#: Cases whose records are validated together (see :func:`fuzz.mutate.validate_batch`).
BATCH = 500
REPORT = os.environ.get("STCLUSTERS_FUZZ_REPORT")

OPS = st.lists(
    st.tuples(
        st.integers(0, len(KINDS) - 1),
        st.floats(0, 1, exclude_max=True, allow_nan=False),
        st.integers(0, 64),
        st.integers(0, 1 << 16),
    ),
    min_size=1,
    max_size=4,
)


@pytest.mark.parametrize("fmt", FORMATS)
def test_reader_survives_mutations(fmt: str, shared_dir: Path) -> None:
    chosen = seeds(shared_dir, fmt)
    if not chosen:
        pytest.skip(f"no seed files of {fmt} in {shared_dir}")
    tally = {"cases": 0, "read": 0, "refused": 0}
    batch: list[tuple[bytes, Records]] = []
    folder = Path(tempfile.mkdtemp(prefix=f"fuzz-{fmt}-"))
    rest_all = patentsview_tables() if fmt == "patentsview" else {}

    @given(seed=st.sampled_from(chosen), ops=OPS)
    def case(seed: tuple[str, bytes], ops: list[tuple[int, float, int, int]]) -> None:
        name, data = seed
        rest = {k: v for k, v in rest_all.items() if k != name}
        mutated = mutate(data, ops)
        records = check_case(fmt, folder, name, mutated, rest)
        tally["cases"] += 1
        tally["refused" if records is None else "read"] += 1
        if records is not None and records.documents.num_rows:
            batch.append((mutated, records))
        if len(batch) >= BATCH:
            validate_batch(batch)
            batch.clear()

    try:
        # Hypothesis ends a run early once it judges the space explored (about 47,000 cases
        # of a seed here); each further run starts from a new random seed, until CASES.
        while tally["cases"] < CASES:
            before = tally["cases"]
            settings(
                max_examples=CASES - before,
                deadline=None,
                database=None,
                phases=[Phase.generate, Phase.shrink],
                suppress_health_check=list(HealthCheck),
            )(case)()
            if tally["cases"] == before:
                break
        validate_batch(batch)
    finally:
        for old in folder.iterdir():
            old.unlink()
        folder.rmdir()
        if REPORT:
            with Path(REPORT).open("a", encoding="utf-8") as fh:
                fh.write(json.dumps({"format": fmt, **tally}) + "\n")
    assert tally["cases"] >= min(CASES, 10)


@pytest.mark.parametrize("fmt", FORMATS)
def test_seeds_read_unmutated(fmt: str, shared_dir: Path) -> None:
    """The seeds themselves are read (so that mutations start from real, readable input)."""
    chosen = seeds(shared_dir, fmt)
    if not chosen:
        pytest.skip(f"no seed files of {fmt}")
    rest_all = patentsview_tables() if fmt == "patentsview" else {}
    outcomes = []
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in chosen:
            rest = {k: v for k, v in rest_all.items() if k != name}
            records = check_case(fmt, Path(tmp), name, data, rest)
            assert records is not None, f"{fmt}: the seed {name} was refused"
            validate_batch([(data, records)])
            outcomes.append(records.documents.num_rows)
    assert sum(outcomes) > 0, f"{fmt}: no document in the seeds: {outcomes}"
