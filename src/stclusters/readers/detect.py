"""Find the input files (files, folders, globs, zip archives) and detect the format of each."""

from __future__ import annotations

import glob
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from stclusters.errors import InputError
from stclusters.readers._common import Source, decode_head
from stclusters.readers.patentsview import patentsview_table
from stclusters.readers.table import CANONICAL_NAMES
from stclusters.records import MANIFEST

__all__ = ["FORMATS", "Unit", "detect_format", "plan_inputs"]

#: Formats a user can name with ``--format``.
FORMATS = (
    "wos",
    "scopus",
    "openalex",
    "uspto",
    "epo",
    "pct",
    "patentsview",
    "table",
    "records",
    "institutions",
)
#: Order in which formats are read: when the same document comes from two sources, the copy
#: read first is kept (Web of Science before Scopus before OpenAlex; USPTO XML before
#: PatentsView).
PRIORITY = {
    "records": 0,
    "institutions": 0,
    "wos": 1,
    "scopus": 2,
    "openalex": 3,
    "uspto": 1,
    "patentsview": 2,
    "epo": 1,
    "pct": 1,
    "table": 4,
    "canonical": 4,
}
#: Files a folder may hold beside data, never read.
IGNORED_SUFFIXES = (".md", ".rst", ".html", ".htm", ".pdf", ".png", ".jpg", ".log", ".py")
_XML_ROOTS = {
    "us-patent-grant": "uspto",
    "us-patent-application": "uspto",
    "ep-patent-document": "epo",
    "wo-patent-document": "pct",
    "wo-international-application-status": "pct",
}


@dataclass
class Unit:
    """One thing to read: a file (or zip member), a group of tables, or a records folder."""

    format: str
    sources: dict[str, Source] = field(default_factory=dict)
    explicit: bool = True
    order: int = 0
    folder: Path | None = None

    @property
    def name(self) -> str:
        """The name the accounts use for this unit."""
        if self.folder is not None:
            return str(self.folder)
        first = self.sources.get("g_patent") or self.sources.get("documents")
        return (first or next(iter(self.sources.values()))).name


def _csv_header(text: str) -> list[str]:
    """The column names of a CSV header, split by the delimiter rule the table reader uses
    (:func:`stclusters.readers._dialect.detect_delimiter`: comma, semicolon or tab)."""
    from stclusters.readers._dialect import detect_delimiter

    first = text.splitlines()[0] if text else ""
    return [c.strip().strip('"') for c in first.split(detect_delimiter(first))]


def detect_format(source: Source) -> str | None:
    """The format of one file from its name and first bytes; None when not recognised."""
    fmt = _format_by_name(source.filename.lower())
    if fmt is not None:
        return fmt
    head = source.head(65536)
    if not head.strip() or _is_binary(head):
        return None
    text = decode_head(head).lstrip()
    if text.startswith("<"):
        return _xml_format(text)
    if text.startswith(("FN ", "PT ", "VR ")):
        return "wos"
    return _header_format(_csv_header(text)) or _json_format(text)


def _format_by_name(name: str) -> str | None:
    """The format a lower-case file name alone tells (PatentsView, canonical tables, Parquet)."""
    if patentsview_table(name):
        return "patentsview"
    stem = name.split(".", 1)[0]
    if stem in CANONICAL_NAMES and name.endswith((".csv", ".parquet", ".csv.gz")):
        return "canonical"
    if name.endswith(".parquet"):
        return "table"
    return None


def _is_binary(head: bytes) -> bool:
    """Whether the first bytes hold NUL bytes that are not those of UTF-16 text."""
    return (
        b"\x00" in head[:4096]
        and not head.startswith((b"\xff\xfe", b"\xfe\xff"))
        and head[1:200:2].count(0) < 50
        and head[0:200:2].count(0) < 50
    )


def _xml_format(text: str) -> str | None:
    """The patent format of an XML file, from its root element."""
    for root, fmt in _XML_ROOTS.items():
        if f"<{root}" in text:
            return fmt
    return None


def _header_format(header: list[str]) -> str | None:
    """The format a CSV or tab-delimited header tells, from the columns it names."""
    if "UT" in header and ("PT" in header or "AU" in header):
        return "wos"
    if "EID" in header and ("Authors" in header or "Title" in header):
        return "scopus"
    if "doc_id" in header and "layer" in header:
        return "table"
    if "display_name" in header and "latitude" in header and "longitude" in header:
        return "institutions"
    return None


def _json_format(text: str) -> str | None:
    """The format of a JSON file: OpenAlex works, or institutions (OpenAlex or ROR)."""
    if not text.startswith(("{", "[")):
        return None
    if '"authorships"' in text or "openalex.org/W" in text:
        return "openalex"
    if "ror.org/" in text and ('"addresses"' in text or '"locations"' in text):
        return "institutions"
    if "openalex.org/I" in text and '"geo"' in text:
        return "institutions"
    return None


def _expand_one(item: str | Path) -> tuple[list[Path], bool]:
    """Paths an input names, and whether they were named explicitly (not found in a folder)."""
    text = str(item)
    if any(ch in text for ch in "*?[") and not Path(text).exists():
        matches = sorted(Path(p) for p in glob.glob(text, recursive=True))  # noqa: PTH207
        if not matches:
            raise InputError(f"{text}: the pattern matches no file")
        return matches, False
    path = Path(text)
    if not path.exists():
        raise InputError(f"{text}: no such file or folder")
    return [path], True


def _walk(folder: Path) -> list[Path]:
    """Data files under a folder (records folders kept whole), sorted."""
    if (folder / MANIFEST).exists():
        return [folder]
    out: list[Path] = []
    for child in sorted(folder.iterdir()):
        if child.name.startswith((".", "_")):
            continue
        if child.is_dir():
            out.extend(_walk(child))
        elif child.suffix.lower() not in IGNORED_SUFFIXES:
            out.append(child)
    return out


def _sources(path: Path) -> list[Source]:
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as zf:
                members = [m for m in zf.namelist() if not m.endswith("/")]
        except (zipfile.BadZipFile, OSError) as exc:
            raise InputError(f"{path}: not a readable zip archive ({exc})") from exc
        if len(members) == 1 and patentsview_table(Path(members[0]).name):
            return [Source(path)]
        return [Source(path, m) for m in members]
    return [Source(path)]


def plan_inputs(
    inputs: Sequence[str | Path], *, format: str | None = None
) -> tuple[list[Unit], list[Source]]:
    """Expand the inputs into units to read, in reading order, and the unrecognised files.

    Raises
    ------
    InputError
        When an input does not exist, a pattern matches nothing, a named file has a format
        that cannot be recognised, or ``format`` is not a known format name.
    """
    if format is not None and format not in FORMATS:
        raise InputError(f"unknown format {format!r}; choose one of {', '.join(FORMATS)}")
    if not inputs:
        raise InputError("no input given; name files, folders or patterns to read")
    units: list[Unit] = []
    unknown: list[Source] = []
    groups: dict[tuple[str, str], Unit] = {}
    order = 0
    for item in inputs:
        paths, explicit = _expand_one(item)
        for path in paths:
            files = _walk(path) if path.is_dir() else [path]
            named = explicit and not path.is_dir()
            for file in files:
                if file.is_dir():
                    order += 1
                    units.append(Unit("records", {}, named, order, folder=file))
                    continue
                if named and _is_empty(file):
                    raise InputError(f"{file}: {EMPTY_FILE}")
                for src in _sources(file):
                    order += 1
                    fmt = format or detect_format(src)
                    if fmt == "patentsview" or fmt == "canonical":
                        table = (
                            patentsview_table(src.filename)
                            if fmt == "patentsview"
                            else src.filename.lower().split(".", 1)[0]
                        )
                        key = (fmt, str(file.parent if src.member is None else file))
                        unit = groups.get(key)
                        if unit is None:
                            unit = groups[key] = Unit(fmt, {}, named, order)
                            units.append(unit)
                        unit.sources[table or src.filename] = src
                    elif fmt is None:
                        if named and src.member is None:
                            raise InputError(
                                f"{src.name}: format not recognised; name it with --format "
                                f"({', '.join(FORMATS)})"
                            )
                        unknown.append(src)
                    else:
                        units.append(Unit(fmt, {"file": src}, named, order))
    # by format, then by name: the same files give the same records (which copy of a
    # duplicate is kept) in whatever order they were given
    units.sort(key=lambda u: (PRIORITY.get(u.format, 9), u.name, u.order))
    return units, unknown


#: The one message for an empty input file, with or without --format.
EMPTY_FILE = "the file is empty (0 bytes): there is nothing to read; export it again"


def _is_empty(path: Path) -> bool:
    try:
        return path.stat().st_size == 0
    except OSError:
        return False
