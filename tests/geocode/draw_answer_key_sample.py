"""Draw the random sample of real addresses behind the geocoding answer key (run by hand, once).

The sample is drawn with a fixed seed from the unique address strings of the WoS, Scopus, USPTO
and EPO files in ``../shared/data/samples``; city, country and region of each drawn address are
then filled in *by a person* reading it (``answer_key.csv``), never by the geocoder. Patent
addresses are written in inventor style: ``city, state, postcode, country`` (the address elements
the patent office gives, street left out).

Usage::

    python tests/geocode/draw_answer_key_sample.py > /tmp/sample.csv
"""

from __future__ import annotations

import csv
import random
import re
import sys
import zipfile
from pathlib import Path

SEED = 20240605
SIZES = {"wos": 150, "scopus": 110, "uspto": 45, "epo": 35}

SAMPLES = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "samples"


#: a cited reference ("Abraham M., 1909, RC CIRC MAT PALERMO, V28, P1"), which some old plain
#: text files run on into the C1 field without a CR tag
_REFERENCE = re.compile(r"^[^,]+, (1[6-9]|20)\d\d, ")


def _split_c1(value: str) -> list[str]:
    value = re.sub(r"\[[^\]]*\]", "", value)
    parts = [p.strip().rstrip(".").strip() for p in value.split(";")]
    return [p for p in parts if p and not _REFERENCE.match(p)]


def wos_addresses(path: Path) -> list[str]:
    """C1 addresses of a WoS file (plain text or tab-delimited)."""
    raw = path.read_bytes()
    text = (
        raw.decode("utf-16") if raw[:2] in (b"\xff\xfe", b"\xfe\xff") else raw.decode("utf-8-sig")
    )
    out: list[str] = []
    lines = text.splitlines()
    if lines and lines[0].startswith(("PT\t", "\ufeffPT\t")):
        header = lines[0].lstrip("\ufeff").split("\t")
        col = header.index("C1")
        for line in lines[1:]:
            cells = line.split("\t")
            if len(cells) > col and cells[col]:
                out.extend(_split_c1(cells[col]))
        return out
    in_c1 = False
    for line in lines:
        if line.startswith("C1 "):
            in_c1 = True
            out.extend(_split_c1(line[3:]))
        elif in_c1 and line.startswith("   "):
            out.extend(_split_c1(line[3:]))
        else:
            in_c1 = False
    return out


def scopus_addresses(path: Path) -> list[str]:
    """Affiliation strings of a Scopus CSV export."""
    csv.field_size_limit(1 << 30)
    with path.open(encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    out: list[str] = []
    for row in rows:
        for part in (row.get("Affiliations") or "").split(";"):
            if part.strip():
                out.append(part.strip())
    return out


def _tag(block: str, name: str) -> str:
    m = re.search(rf"<{name}>(.*?)</{name}>", block, re.S)
    return " ".join(m.group(1).split()) if m else ""


def _inventor_style(block: str) -> str:
    parts = [_tag(block, t) for t in ("city", "state", "postcode", "country")]
    return ", ".join(p for p in parts if p)


def uspto_addresses(path: Path) -> list[str]:
    """Inventor addresses of a USPTO grant XML file (or a zip of one)."""
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as zf:
            text = "".join(
                zf.read(n).decode("utf-8", "replace") for n in zf.namelist() if n.endswith(".xml")
            )
    else:
        text = path.read_text(encoding="utf-8", errors="replace")
    blocks = re.findall(r"<inventor\b.*?</inventor>", text, re.S)
    blocks += re.findall(
        r"<applicant\b[^>]*app-type=\"applicant-inventor\".*?</applicant>", text, re.S
    )
    return [s for s in (_inventor_style(b) for b in blocks) if s]


def epo_addresses(path: Path) -> list[str]:
    """Inventor addresses (B721) of an EPO publication XML file."""
    text = path.read_text(encoding="utf-8", errors="replace")
    out = []
    for block in re.findall(r"<B721>.*?</B721>", text, re.S):
        city, ctry = _tag(block, "city"), _tag(block, "ctry")
        s = ", ".join(p for p in (city, ctry) if p)
        if s:
            out.append(s)
    return out


def main() -> None:
    if not SAMPLES.is_dir():
        sys.exit(f"no samples folder at {SAMPLES}")
    pools: dict[str, dict[tuple[str, str], None]] = {k: {} for k in SIZES}
    for path in sorted((SAMPLES / "wos").iterdir()):
        if path.name != "badFile.isi" and path.suffix in (".txt", ".isi"):
            for a in wos_addresses(path):
                pools["wos"].setdefault((path.name, a))
    for path in sorted((SAMPLES / "scopus").iterdir()):
        for a in scopus_addresses(path):
            pools["scopus"].setdefault((path.name, a))
    for path in sorted((SAMPLES / "patents" / "uspto").rglob("*")):
        if path.suffix in (".xml", ".zip"):
            for a in uspto_addresses(path):
                pools["uspto"].setdefault((path.name, a))
    for path in sorted((SAMPLES / "patents" / "epo").rglob("*.xml")):
        for a in epo_addresses(path):
            pools["epo"].setdefault((path.name, a))
    rng = random.Random(SEED)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["source", "file", "address"])
    for source, size in SIZES.items():
        # unique address strings (first file that has each), sorted for a stable draw
        seen: dict[str, str] = {}
        for f, a in pools[source]:
            seen.setdefault(a, f)
        items = sorted(seen.items())
        print(f"{source}: {len(items)} unique addresses", file=sys.stderr)
        for a, f in rng.sample(items, min(size, len(items))):
            writer.writerow([source, f, a])


if __name__ == "__main__":
    main()
