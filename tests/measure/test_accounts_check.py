"""The accounts' identities (issue 13): a real run's accounts add up, and breaking any one
identity on purpose fails the check, naming it, with exit code 3 on the command line."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from stclusters.cli import app
from stclusters.errors import EXIT_CODES, AccountsError
from stclusters.measure import accounts as accounts_module
from stclusters.measure.accounts import check_accounts
from stclusters.pipeline import compute
from worlds import SMALL_CONFIG, small_world


@pytest.fixture(scope="module")
def real_accounts() -> dict[str, Any]:
    return compute(small_world(), config=SMALL_CONFIG).accounts


BREAKS: dict[str, tuple[Callable[[dict[str, Any]], None], str]] = {
    "documents of a layer": (
        lambda a: a["documents"]["layers"]["patent"].__setitem__(
            "kept", a["documents"]["layers"]["patent"]["kept"] - 1
        ),
        "patent documents",
    ),
    "documents of a file": (
        lambda a: next(iter(next(iter(a["documents"]["files"].values())).values())).__setitem__(
            "read", 10**9
        ),
        "documents of",
    ),
    "people rows": (
        lambda a: a["people"]["article"].__setitem__(
            "not_located", a["people"]["article"]["not_located"] + 1
        ),
        "article people rows",
    ),
    "shares": (lambda a: a["people"]["patent"].__setitem__("shares_balance", 0.5), "patent shares"),
    "points": (
        lambda a: a["clustering"]["article"].__setitem__(
            "points_noise", a["clustering"]["article"]["points_noise"] + 3
        ),
        "article points",
    ),
}


def test_a_real_run_adds_up(real_accounts: dict[str, Any]) -> None:
    check_accounts(real_accounts)
    assert real_accounts["documents"]["files"] and real_accounts["people"]


@pytest.mark.parametrize("broken", sorted(BREAKS))
def test_each_broken_identity_fails_and_is_named(
    real_accounts: dict[str, Any], broken: str
) -> None:
    change, words = BREAKS[broken]
    acc = copy.deepcopy(real_accounts)
    change(acc)
    with pytest.raises(AccountsError) as err:
        check_accounts(acc)
    assert len(err.value.problems) == 1, err.value.problems
    assert words in err.value.problems[0]
    assert err.value.exit_code == EXIT_CODES["accounts"] == 3


def test_the_command_line_exits_3_and_writes_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from stclusters.records import write_records

    folder = write_records(small_world(), tmp_path / "world")
    real = accounts_module.run_accounts

    def broken(*args: Any, **kwargs: Any) -> dict[str, Any]:
        acc = real(*args, **kwargs)
        acc["people"]["patent"]["rows"] += 1
        return acc

    monkeypatch.setattr("stclusters.pipeline.run_accounts", broken)
    out = tmp_path / "out"
    result = CliRunner().invoke(
        app, ["run", str(folder), "--out", str(out), "--min-points", "40", "--no-site"]
    )
    assert result.exit_code == 3, result.output
    assert "accounts do not add up" in " ".join(result.output.split())
    assert "Traceback" not in result.output
    assert not out.exists()
