"""The check's result stored in a records folder's manifest (issue 12): used while every table
file is the one that was checked, and never otherwise."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import stclusters.records as rec
from stclusters.errors import ValidationError
from stclusters.inputs import Workspace, open_inputs
from stclusters.records import (
    CHECKED,
    SCHEMAS,
    TABLES,
    Records,
    RecordsWriter,
    check_folder,
    check_records,
    check_rules,
    file_signatures,
    read_manifest,
    record_check,
    stored_check,
    write_records,
)
from test_records import tiny

_real_check = rec.check_records


class Calls:
    """Counts the full checks (``check_records`` of stclusters.records, wrapped)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.n = 0

        def counted(*args: Any, **kwargs: Any) -> rec.Checked:
            self.n += 1
            return _real_check(*args, **kwargs)

        monkeypatch.setattr(rec, "check_records", counted)


def _manifest(folder: Path) -> dict[str, Any]:
    manifest: dict[str, Any] = json.loads((folder / "manifest.json").read_text())
    return manifest


def _set_manifest(folder: Path, manifest: dict[str, Any]) -> None:
    (folder / "manifest.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")


def _orphan_applicants() -> pa.Table:
    return pa.table(
        {"doc_id": ["P9"], "name": ["X"], "country": ["CN"]}, schema=SCHEMAS["applicants"]
    )


def _bad() -> Records:
    records = tiny()
    return Records(**{t: records.table(t) for t in TABLES if t != "applicants"},
                   applicants=_orphan_applicants())  # fmt: skip


ORPHAN = "applicants: 1 row(s) whose doc_id is not in documents (for example P9)"


def test_written_folder_stores_the_full_checks_result(tmp_path: Path) -> None:
    folder = write_records(tiny(), tmp_path / "recs")
    stamp = read_manifest(folder)[CHECKED]
    full = check_records(folder)
    assert stamp["rows"] == full.counts == tiny().counts()
    assert stamp["content_checksum"] == full.content_checksum
    assert stamp["rules"] == check_rules()
    assert stamp["files"] == file_signatures(folder)
    assert stored_check(folder) == full


def test_opening_a_written_folder_does_not_check_it_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_records(tiny(), tmp_path / "recs")
    full = check_records(folder)
    calls = Calls(monkeypatch)
    assert check_folder(folder) == full
    with Workspace() as ws:
        tables = open_inputs([folder], workspace=ws)
        assert tables.counts["people"] == 4
    assert calls.n == 0
    (account,) = tables.accounts["records_folders"]
    assert account["content_checksum"] == full.content_checksum
    assert account["rows"] == full.counts


def test_one_changed_byte_falls_back_to_the_full_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_records(tiny(), tmp_path / "recs")
    # documents without compression, dictionary or statistics: each layer value is in the file once
    path = folder / "documents.parquet"
    pq.write_table(
        tiny().documents,
        path,
        compression="none",
        use_dictionary=False,
        write_statistics=False,
    )
    record_check(folder)
    assert stored_check(folder) is not None
    data = path.read_bytes()
    assert data.count(b"patent") == 1
    path.write_bytes(data.replace(b"patent", b"patenT"))  # one byte, same size
    calls = Calls(monkeypatch)
    with pytest.raises(ValidationError, match="layer other than"):
        check_folder(folder)
    assert calls.n == 1


def test_a_replaced_file_falls_back_to_the_full_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_records(tiny(), tmp_path / "recs")
    pq.write_table(_orphan_applicants(), folder / "applicants.parquet")
    calls = Calls(monkeypatch)
    with pytest.raises(ValidationError) as info:
        check_folder(folder)
    assert ORPHAN in str(info.value)
    assert calls.n == 1


def test_a_removed_file_falls_back_to_the_full_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_records(tiny(), tmp_path / "recs")
    (folder / "classes.parquet").unlink()
    calls = Calls(monkeypatch)
    with pytest.raises(ValidationError, match=r"classes\.parquet: file missing"):
        check_folder(folder)
    assert calls.n == 1


def test_a_table_file_the_result_does_not_sign_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A stored result that signs three tables (the fourth file added since) does not count,
    even sealed again."""
    folder = write_records(tiny(), tmp_path / "recs")
    pq.write_table(_orphan_applicants(), folder / "applicants.parquet")
    manifest = _manifest(folder)
    body = {k: v for k, v in manifest[CHECKED].items() if k != "seal"}
    del body["files"]["applicants"]
    manifest[CHECKED] = {**body, "seal": rec._seal(body)}
    _set_manifest(folder, manifest)
    calls = Calls(monkeypatch)
    with pytest.raises(ValidationError) as info:
        check_folder(folder)
    assert ORPHAN in str(info.value)
    assert calls.n == 1


def test_a_forged_result_falls_back_to_the_full_check(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Invalid records get no stored result; one written in by hand (claiming the counts,
    signing the files as they are) or copied from a valid folder is not used."""
    with RecordsWriter(tmp_path / "bad") as writer:
        writer.write(_bad())
    assert writer.checked is None
    assert writer.problems is not None and ORPHAN in str(writer.problems)
    bad = tmp_path / "bad"
    manifest = _manifest(bad)
    assert CHECKED not in manifest
    good = write_records(tiny(), tmp_path / "good")
    claims = [
        {  # a hand-made entry, consistent but for the seal
            "rules": check_rules(),
            "rows": _bad().counts(),
            "content_checksum": _manifest(good)[CHECKED]["content_checksum"],
            "files": file_signatures(bad),
            "seal": "0" * 64,
        },
        _manifest(good)[CHECKED],  # a valid folder's entry
        {**_manifest(good)[CHECKED], "files": file_signatures(bad)},  # its files swapped in
    ]
    calls = Calls(monkeypatch)
    for claim in claims:
        _set_manifest(bad, {**manifest, CHECKED: claim})
        assert stored_check(bad) is None
        with pytest.raises(ValidationError) as info:
            check_folder(bad)
        assert ORPHAN in str(info.value)
    assert calls.n == len(claims)


@pytest.mark.parametrize(
    "edit",
    [
        lambda m: m.pop(CHECKED),  # a manifest written before results were stored
        lambda m: m[CHECKED]["rows"].update(people=3),  # a count edited by hand
        lambda m: m[CHECKED].update(rules="0" * 64),  # stored by another version of the check
        lambda m: m[CHECKED].pop("seal"),
        lambda m: m.update({CHECKED: "valid"}),
    ],
)
def test_an_older_or_edited_manifest_falls_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, edit: Any
) -> None:
    folder = write_records(tiny(), tmp_path / "recs")
    full = check_records(folder)
    manifest = _manifest(folder)
    edit(manifest)
    _set_manifest(folder, manifest)
    calls = Calls(monkeypatch)
    assert check_folder(folder) == full
    assert calls.n == 1


def test_a_change_of_the_rules_makes_the_stored_result_stale(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write_records(tiny(), tmp_path / "recs")
    before = check_rules()
    monkeypatch.setattr(rec, "CHECK_VERSION", rec.CHECK_VERSION + 1)
    assert check_rules() != before
    assert stored_check(folder) is None


def test_record_check_stores_the_result_of_an_older_folder(tmp_path: Path) -> None:
    folder = write_records(tiny(), tmp_path / "recs")
    written = (folder / "manifest.json").read_bytes()
    manifest = _manifest(folder)
    del manifest[CHECKED]
    _set_manifest(folder, manifest)
    assert stored_check(folder) is None
    assert record_check(folder) == check_records(folder)
    assert (folder / "manifest.json").read_bytes() == written
    assert not list(folder.glob("*.part"))
    with pytest.raises(ValidationError):
        record_check(write_records(_bad(), tmp_path / "bad", force=True))
    assert CHECKED not in _manifest(tmp_path / "bad")


def test_the_manifest_is_the_same_bytes_for_the_same_records(tmp_path: Path) -> None:
    a = write_records(tiny(), tmp_path / "a", meta={"source": "test"})
    b = write_records(tiny(), tmp_path / "elsewhere" / "b", meta={"source": "test"})
    text = (a / "manifest.json").read_text()
    assert text == (b / "manifest.json").read_text()
    assert str(tmp_path) not in text and "/" not in text
    keys = json.dumps(_manifest(a)[CHECKED], sort_keys=True).lower()
    assert "time" not in keys and "date" not in keys


def test_no_check_after_a_failed_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = Calls(monkeypatch)
    with pytest.raises(RuntimeError), RecordsWriter(tmp_path / "recs") as writer:
        writer.write(tiny())
        raise RuntimeError("a reader failed")
    assert calls.n == 0
    assert CHECKED not in _manifest(tmp_path / "recs")
    with RecordsWriter(tmp_path / "off", check=False) as writer:
        writer.write(tiny())
    assert calls.n == 0
    assert CHECKED not in _manifest(tmp_path / "off")


def test_file_signatures_hash_blocks(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """With small blocks a file spans several: its signature is the SHA-256 of their digests,
    and a change in a late block changes it."""
    folder = write_records(tiny(), tmp_path / "recs")
    monkeypatch.setattr(rec, "SIGNATURE_BLOCK", 100)
    data = (folder / "people.parquet").read_bytes()
    assert len(data) > 300
    blocks = [hashlib.sha256(data[i : i + 100]).digest() for i in range(0, len(data), 100)]
    signed = file_signatures(folder)["people"]
    assert signed == {
        "bytes": len(data),
        "sha256_blocks": hashlib.sha256(b"".join(blocks)).hexdigest(),
    }
    (folder / "people.parquet").write_bytes(data[:-5] + bytes([data[-5] ^ 1]) + data[-4:])
    assert file_signatures(folder)["people"]["sha256_blocks"] != signed["sha256_blocks"]


def test_validate_command_stores_the_result(tmp_path: Path) -> None:
    """``stclusters validate`` checks in full and gives a folder from an earlier version its
    stored result; on invalid records it stores none."""
    from typer.testing import CliRunner

    from stclusters.cli import app

    folder = write_records(tiny(), tmp_path / "recs")
    manifest = _manifest(folder)
    del manifest[CHECKED]
    _set_manifest(folder, manifest)
    result = CliRunner().invoke(app, ["validate", str(folder)])
    assert result.exit_code == 0, result.output
    assert stored_check(folder) == check_records(folder)
    bad = write_records(_bad(), tmp_path / "bad")
    result = CliRunner().invoke(app, ["validate", str(bad)])
    assert result.exit_code == 2
    assert CHECKED not in _manifest(bad)


def test_a_result_given_as_meta_is_not_written(tmp_path: Path) -> None:
    good = write_records(tiny(), tmp_path / "good")
    claim = {CHECKED: _manifest(good)[CHECKED]}
    with RecordsWriter(tmp_path / "bad", meta=claim) as writer:
        writer.write(_bad())
    assert CHECKED not in _manifest(tmp_path / "bad")
