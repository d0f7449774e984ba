"""The one cache folder of stclusters (gazetteer index, places arrays, geocoding results).

Every module that caches asks :func:`cache_folder`, which honours the ``cache_dir`` setting and
otherwise gives the platform's user cache folder (``$XDG_CACHE_HOME/stclusters`` or
``~/.cache/stclusters`` on Linux, ``~/Library/Caches/stclusters`` on macOS, ``%LOCALAPPDATA%``
on Windows).
"""

from __future__ import annotations

import os
import zipfile
from pathlib import Path

__all__ = ["UNREADABLE_CACHE", "cache_folder", "default_cache_dir"]

#: What reading a torn or corrupt ``.npz`` cache file can raise (a truncated zip, a bad CRC,
#: arrays missing or of the wrong shape, text that does not decode): the file is then rebuilt.
UNREADABLE_CACHE: tuple[type[BaseException], ...] = (
    OSError,
    EOFError,
    KeyError,
    IndexError,
    ValueError,
    TypeError,
    zipfile.BadZipFile,
)


def default_cache_dir() -> Path:
    """The platform's user cache folder for stclusters (``~/.cache/stclusters`` on Linux)."""
    base = os.environ.get("XDG_CACHE_HOME") or ""
    if os.name == "nt":  # pragma: no cover - not tested on Windows
        base = os.environ.get("LOCALAPPDATA") or str(Path.home() / "AppData" / "Local")
    elif not base:
        base = str(Path.home() / "Library" / "Caches") if os.uname().sysname == "Darwin" else ""
    if not base:
        base = str(Path.home() / ".cache")
    return Path(base) / "stclusters"


def cache_folder(cache_dir: str | Path | None = None) -> Path:
    """``cache_dir`` when given (the ``cache_dir`` setting), else :func:`default_cache_dir`."""
    return Path(cache_dir) if cache_dir else default_cache_dir()
