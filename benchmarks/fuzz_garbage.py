"""Read large hostile files with every reader: random bytes, one huge line, NUL bytes.

Prints, per file and format, the outcome (a refusal's message, or the accounts: read, kept,
rejected, problems), the seconds and the peak memory of a fresh process reading that file. No
reader may crash (any exception other than the documented InputError) or hold the whole file in
memory.

    python benchmarks/fuzz_garbage.py --mb 200
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
from pathlib import Path

from stclusters.errors import InputError, ValidationError
from stclusters.readers import FORMATS, ReadStream

SKIP = ("records", "institutions")


def _write(path: Path, mb: int, kind: str) -> None:
    block = 1 << 20
    with path.open("wb") as fh:
        for i in range(mb):
            if kind == "random":
                fh.write(os.urandom(block))
            elif kind == "one-line":
                fh.write((b"PT J AU Smith, J C1 Univ Oxford, Oxford, England " * 21000)[:block])
            else:  # nul
                fh.write(bytes(block) if i % 2 else b"\x00\xff" * (block // 2))


def _read(path: Path, fmt: str | None) -> str:
    try:
        stream = ReadStream([path], format=fmt)
        docs = sum(chunk.documents.num_rows for chunk in stream)
    except ValidationError as exc:
        return f"CRASH (invalid records): {str(exc)[:200]}"
    except InputError as exc:
        return f"refused: {str(exc)[:160]}"
    except Exception as exc:  # a crash: report it and go on
        return f"CRASH {type(exc).__name__}: {str(exc)[:200]}"
    acc = stream.accounts[0] if stream.accounts else None
    if acc is None:
        return f"{docs} documents"
    return (
        f"read {acc.records_read:,}, kept {acc.records_kept:,}, rejected "
        f"{acc.records_rejected:,}, problems {acc.problems_total:,}; {docs} documents"
    )


def _read_in_child(path: Path, fmt: str | None) -> tuple[str, float]:
    """:func:`_read` in a fresh process: its outcome and that process's peak memory in MB."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(1) as pool:
        return pool.apply(_read_measured, (path, fmt))


def _read_measured(path: Path, fmt: str | None) -> tuple[str, float]:
    outcome = _read(path, fmt)
    return outcome, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--mb", type=int, default=200, help="size of each file in MB")
    parser.add_argument("--kinds", default="random,one-line,nul", help="kinds of garbage")
    args = parser.parse_args()
    crashes = 0
    with tempfile.TemporaryDirectory() as tmp:
        for kind in args.kinds.split(","):
            path = Path(tmp) / f"{kind}.txt"
            _write(path, args.mb, kind)
            for fmt in (None, *[f for f in FORMATS if f not in SKIP]):
                start = time.perf_counter()
                outcome, peak = _read_in_child(path, fmt)
                crashes += outcome.startswith("CRASH")
                seconds = time.perf_counter() - start
                print(
                    f"{kind:8} {args.mb} MB  {fmt or 'detect':12} {seconds:6.1f} s"
                    f"  peak {peak:7.0f} MB  {outcome}",
                    flush=True,
                )
            path.unlink()
    print(f"crashes: {crashes}")
    raise SystemExit(1 if crashes else 0)


if __name__ == "__main__":
    main()
