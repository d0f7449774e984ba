"""Print the SHA-256 of every file of two synthetic worlds (scale 0.01 seed 3, scale 0.002 seed 0).

The generator is deterministic for a seed, so a pure refactor of :mod:`stclusters.synth` leaves
every file byte-identical. Run it before and after a change and compare the outputs with ``diff``.

Usage::

    .venv/bin/python benchmarks/fingerprint_synth.py > before.txt
    # ... change the generator ...
    .venv/bin/python benchmarks/fingerprint_synth.py > after.txt
    diff before.txt after.txt && echo identical
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from pathlib import Path

from stclusters.synth import write_world

#: (scale, seed) of the worlds fingerprinted.
WORLDS = ((0.01, 3), (0.002, 0))


def file_digests(folder: Path) -> list[tuple[str, str]]:
    """(relative path, SHA-256) of every file under ``folder``, sorted by path."""
    return [
        (str(p.relative_to(folder)), hashlib.sha256(p.read_bytes()).hexdigest())
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    ]


def main() -> int:
    """Write each world to a temporary folder and print its files' digests."""
    for scale, seed in WORLDS:
        with tempfile.TemporaryDirectory() as tmp:
            folder = write_world(Path(tmp) / "world", scale=scale, seed=seed)
            for name, digest in file_digests(folder):
                sys.stdout.write(f"scale={scale} seed={seed} {name} {digest}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
