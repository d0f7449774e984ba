"""`stclusters run` end to end on the real sample exports (readers, geocoder, method, outputs)."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from stclusters.cli import app


def test_run_on_the_real_samples(samples_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app,
        [
            "run",
            str(samples_dir),
            "--out",
            str(out),
            "--min-points",
            "3",
            "--top-n",
            "20",
            "--no-site",
            "--cache-dir",
            str(tmp_path / "cache"),
        ],
    )
    assert result.exit_code == 0, result.output
    accounts = json.loads((out / "accounts.json").read_text())
    totals = accounts["inputs"]["totals"]
    assert totals["records_read"] == (
        totals["records_kept"] + totals["records_rejected"] + totals["duplicates_dropped"]
    )
    assert totals["records_rejected"] >= 2  # testFile.isi holds two broken records
    for layer in ("patent", "article"):
        docs = accounts["documents"]["layers"][layer]
        assert docs["read"] == sum(
            docs[k]
            for k in ("kept", "outside_window", "no_year", "filtered_type", "filtered_field")
        )
        assert docs["kept"] > 0
        people = accounts["people"][layer]
        assert people["rows"] == (
            people["located"] + people["located_too_coarsely"] + people["not_located"]
        )
        assert abs(people["shares_balance"]) < 1e-6
    assert sum(accounts["documents"]["layers"]["article"][k] for k in ("filtered_type",)) > 0
    geo = accounts["geocoding"]
    assert geo["geocoded"]["city"] > 0.8 * geo["rows"]
    ranking = (out / "ranking.csv").read_text().splitlines()
    assert len(ranking) == 21
    profiles = json.loads((out / "profiles.json").read_text())["profiles"]
    assert len(profiles) == 20
    # the terminal says where the records went, per layer, and the problems found
    output = result.output.replace("\n", " ")
    assert "Where the records went" in output
    words = " ".join(output.replace("│", " ").split())
    per_layer = re.search(r"Read ([\d,]+) ([\d,]+) Rejected", words)
    assert per_layer, words
    read = sum(int(n.replace(",", "")) for n in per_layer.groups())
    assert read == totals["records_read"]  # every record read is in one layer's row
    assert "problem(s) found" in output
