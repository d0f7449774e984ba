"""Read exports into a records folder on disk (the ``stclusters read`` command's work)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from stclusters._outdir import staged_folder
from stclusters.readers import ReadStream
from stclusters.records import RecordsWriter

__all__ = ["ACCOUNTS_FILE", "read_into_folder"]

#: The read accounts written beside the records (one entry per input file, with its problems).
ACCOUNTS_FILE = "accounts.json"


def read_into_folder(
    inputs: Sequence[str | Path],
    *,
    out: str | Path,
    format: str | None = None,
    force: bool = False,
) -> ReadStream:
    """Read ``inputs`` chunk by chunk into the records folder ``out`` (constant memory).

    The folder is built beside ``out`` and replaces it only when every input was read; it holds
    the four Parquet tables, the manifest and :data:`ACCOUNTS_FILE`.

    Returns
    -------
    ReadStream
        The finished stream: ``accounts`` holds one account per input file.

    Raises
    ------
    OutputError
        When ``out`` may not be replaced (checked before any reading; see ``force``).
    InputError
        When an input does not exist or cannot be read at all.
    """
    with staged_folder(out, kind="records", inputs=inputs, force=force) as folder:
        stream = ReadStream(inputs, format=format)
        with RecordsWriter(folder, meta={"inputs": [str(i) for i in inputs]}) as writer:
            for chunk in stream:
                writer.write(chunk)
        text = json.dumps(stream.to_dict(), indent=2) + "\n"
        (folder / ACCOUNTS_FILE).write_text(text, encoding="utf-8")
    return stream
