"""The words of a cluster profile: sentences, number formats and table rows, written once.

Every output of a profile (the Markdown file, the HTML page, the PDF) takes its sentences,
numbers and table cells from the pure functions of this module, so the three never disagree.

A sentence is a :class:`Sentence`: a tuple of ``(text, strong)`` parts that renders as plain
text, Markdown (``**strong**``) or HTML (``<strong>``). Number formats follow the published
profiles: counts are rounded to whole numbers with thousands separators (``5,791``), shares are
whole percentages (``18%``), ranks up to twenty are words (``nineteenth``) and digits above
(``68th``).

The profile dict is one item of ``profiles.json`` (see ``docs/outputs.md``). The number of
published clusters (the "top 100") is taken from the ``top_n`` keyword, else from the profile's
own ``top_n`` key; when neither is given the sentences say "the top S&T clusters".
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

__all__ = [
    "Sentence",
    "TableText",
    "collaboration_sentence",
    "economy_phrase",
    "format_count",
    "format_growth",
    "format_population",
    "format_share",
    "growth_sentence",
    "headline",
    "ordinal",
    "population_words",
    "profile_markdown",
    "profile_tables",
    "rank_lines",
    "sensitivity_sentence",
    "title",
]

Profile = Mapping[str, Any]
Layer = Literal["patents", "articles"]

_ORDINAL_WORDS = (
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
)

_MD_SPECIAL = "\\`*_[]<>|#"


@dataclass(frozen=True)
class Sentence:
    """A sentence made of ``(text, strong)`` parts, rendered alike in every output.

    Examples
    --------
    >>> s = Sentence((("It filed ", False), ("138", True), (" applications.", False)))
    >>> s.text
    'It filed 138 applications.'
    >>> s.markdown()
    'It filed **138** applications.'
    >>> s.html()
    'It filed <strong>138</strong> applications.'
    """

    parts: tuple[tuple[str, bool], ...]

    @property
    def text(self) -> str:
        """The sentence as plain text."""
        return "".join(t for t, _ in self.parts)

    def markdown(self) -> str:
        """The sentence as Markdown, strong parts in ``**``, special characters escaped."""
        return "".join(f"**{md_escape(t)}**" if b else md_escape(t) for t, b in self.parts)

    def html(self) -> str:
        """The sentence as HTML, escaped, strong parts in ``<strong>``."""
        return "".join(
            f"<strong>{html.escape(t)}</strong>" if b else html.escape(t) for t, b in self.parts
        )

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class TableText:
    """A table of a profile as strings: a key, a caption, column names and rows of cells.

    ``numeric`` says which columns hold numbers (right-aligned in every output).
    """

    key: str
    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: tuple[bool, ...]


def md_escape(text: str) -> str:
    """Escape the characters that Markdown would read as markup; runs of white space become one.

    Examples
    --------
    >>> md_escape("A|B *x*")
    'A\\\\|B \\\\*x\\\\*'
    """
    return "".join("\\" + c if c in _MD_SPECIAL else c for c in re.sub(r"\s+", " ", text))


def _round(x: float) -> int:
    """Round half away from zero (Python's round() rounds half to even)."""
    return math.floor(abs(x) + 0.5) * (1 if x >= 0 else -1)


def ordinal(n: int) -> str:
    """Return the ordinal of ``n``: words up to twenty, digits with a suffix above.

    Examples
    --------
    >>> ordinal(19), ordinal(21), ordinal(68), ordinal(112)
    ('nineteenth', '21st', '68th', '112th')
    """
    n = int(n)
    if n < 1:
        raise ValueError(f"an ordinal needs a rank of 1 or more; got {n}")
    if n <= len(_ORDINAL_WORDS):
        return _ORDINAL_WORDS[n - 1]
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def format_count(x: float | None) -> str:
    """Format a (fractional) count as a whole number with thousands separators.

    Examples
    --------
    >>> format_count(15842.6), format_count(0.4), format_count(None)
    ('15,843', '0', '–')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    return f"{_round(float(x)):,}"


def format_share(x: float | None) -> str:
    """Format a share (0..1) as a whole percentage; a share below 0.5% but above 0 is "<1%".

    Examples
    --------
    >>> format_share(0.184), format_share(0.003), format_share(0.0)
    ('18%', '<1%', '0%')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    pct = 100.0 * float(x)
    if 0 < pct < 0.5:
        return "<1%"
    return f"{_round(pct)}%"


def format_population(x: float | None) -> str:
    """Format a population: millions with one decimal from a million up, else a count.

    Examples
    --------
    >>> format_population(31_512_000), format_population(850_400)
    ('31.5 million', '850,400')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    if x >= 999_950:
        return f"{_round(x / 100_000) / 10:,.1f} million"
    return format_count(x)


def population_words(x: float | None, flag: str | None = None) -> str:
    """A population as shown: :func:`format_population`, or why there is none to rank by
    (``flag``, a key of :data:`~stclusters.results.POPULATION_FLAGS`).

    Examples
    --------
    >>> population_words(850_400), population_words(None, "outside_raster")
    ('850,400', 'not known (outside the population raster), ranks last')
    """
    from stclusters.results import POPULATION_FLAGS

    if flag is not None and flag in POPULATION_FLAGS:
        return POPULATION_FLAGS[flag]
    if x is None:
        return POPULATION_FLAGS["not_computed"]
    return format_population(x)


def format_growth(x: float | None) -> str:
    """Format a growth rate (a fraction) as a signed percentage with one decimal.

    Examples
    --------
    >>> format_growth(0.0534), format_growth(-0.021), format_growth(None)
    ('+5.3%', '-2.1%', '–')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "–"
    tenth = _round(1000.0 * float(x))
    sign = "+" if tenth > 0 else ("-" if tenth < 0 else "")
    return f"{sign}{abs(tenth) / 10:.1f}%"


def economy_phrase(names: Sequence[str]) -> str:
    """Join economy names as in prose: "China", "China and Hong Kong", "A, B and C"."""
    items = [n for n in names if n]
    if not items:
        return ""
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def _economy_names(profile: Profile) -> list[str]:
    names = profile.get("economy_names")
    if names:
        return [str(n) for n in names]
    return [e for e in str(profile.get("economies", "")).split(";") if e]


def _primary_name(profile: Profile) -> str:
    return str(profile.get("primary_economy_name") or profile.get("primary_economy") or "")


def _top_n(profile: Profile, top_n: int | None) -> int | None:
    value = top_n if top_n is not None else profile.get("top_n")
    return int(value) if value is not None else None


def _s(*parts: str | tuple[str, bool]) -> Sentence:
    out = [(p, False) if isinstance(p, str) else p for p in parts]
    return Sentence(tuple(out))


def _b(text: str) -> tuple[str, bool]:
    return (text, True)


def title(profile: Profile) -> str:
    """The profile's title: the cluster's name and its economies ("Zhengzhou, China")."""
    economies = economy_phrase(_economy_names(profile))
    name = str(profile["name"])
    return f"{name}, {economies}" if economies else name


def headline(profile: Profile, *, top_n: int | None = None) -> list[Sentence]:
    """The opening sentences: rank within the economy, output per million, totals.

    Parameters
    ----------
    profile
        One profile of ``profiles.json``.
    top_n
        The number of published clusters (the "top 100"); defaults to ``profile["top_n"]``.

    Returns
    -------
    list of Sentence
        Three sentences, in the order of the published profiles.
    """
    name = str(profile["name"])
    edition = profile.get("edition")
    n = _top_n(profile, top_n)
    group = f"the top {n} S&T clusters" if n else "the top S&T clusters"
    group_of = f"{group} of {edition}" if edition else group
    economy = _primary_name(profile)
    m = int(profile.get("economy_clusters") or 0)
    rank = profile.get("economy_rank")
    if m <= 1 and economy:
        first = _s(f"{name} is the only cluster of {economy} among {group_of}.")
    elif rank and economy:
        first = _s(
            f"{name} ranks ",
            _b(ordinal(int(rank))),
            " of the ",
            _b(f"{m:,}"),
            f" clusters of {economy} among {group_of}.",
        )
    else:
        first = _s(f"{name} is one of {group_of}.")
    flag = profile.get("population_flag")
    if flag:
        second = _s(
            "Population ", _b(population_words(profile.get("population"), flag)), " by intensity."
        )
    else:
        second = _s(
            "Per million inhabitants, it filed ",
            _b(f"{format_count(profile.get('patents_per_million'))} patent applications"),
            " and published ",
            _b(f"{format_count(profile.get('articles_per_million'))} scientific articles"),
            " over the ranking's time windows.",
        )
    third = _s(
        "In all, ",
        _b(format_count(profile.get("patents"))),
        " patent applications and ",
        _b(format_count(profile.get("articles"))),
        " articles are credited to the cluster (fractional counts)",
        *(
            ()
            if flag
            else (", for a population of ", _b(format_population(profile.get("population"))))
        ),
        ".",
    )
    return [first, second, third]


def rank_lines(profile: Profile) -> list[Sentence]:
    """The two rank lines: size rank and intensity rank in the edition."""
    edition = profile.get("edition")
    tail = f" in {edition}" if edition else ""
    lines = [
        _s(_b(ordinal(int(profile["rank"]))), f" largest science and technology cluster{tail}")
    ]
    if profile.get("intensity_rank"):
        lines.append(
            _s(
                _b(ordinal(int(profile["intensity_rank"]))),
                f" S&T cluster by intensity (output relative to population){tail}",
            )
        )
    return lines


def _name_list(names: Sequence[str]) -> list[str | tuple[str, bool]]:
    parts: list[str | tuple[str, bool]] = []
    for i, name in enumerate(names):
        if i > 0:
            parts.append(" and " if i == len(names) - 1 else ", ")
        parts.append(_b(name))
    return parts


def collaboration_sentence(profile: Profile, layer: Layer) -> Sentence:
    """The collaboration sentence of one layer ("patents" or "articles").

    Names the share of the cluster's documents with a co-inventor (co-author address) outside
    the cluster, the top three collaborating locations and the international share.
    """
    if layer not in ("patents", "articles"):
        raise ValueError(f"layer must be 'patents' or 'articles'; got {layer!r}")
    key = "patent_collaboration" if layer == "patents" else "article_collaboration"
    collab: Mapping[str, Any] = profile.get(key) or {}
    name = str(profile["name"])
    if layer == "patents":
        what, verb, who = "patent applications", "are filed with", "inventors"
    else:
        what, verb, who = "scientific articles", "are published with", "co-authors"
    if not collab:
        return _s(f"No collaboration figures were computed for {name}'s {what}.")
    share = format_share(collab.get("share"))
    names = [str(loc["name"]) for loc in (collab.get("top_locations") or [])[:3]]
    parts: list[str | tuple[str, bool]] = [
        _b(share),
        f" of {name}'s {what} {verb} {who} outside the cluster",
    ]
    if names:
        label = "the top collaborating location" if len(names) == 1 else "the top locations"
        parts += [", ", label, " being ", *_name_list(names)]
    parts.append("; ")
    econ = economy_phrase(_economy_names(profile)) or "the cluster's economies"
    parts += [_b(format_share(collab.get("international_share"))), f" involve {who} outside "]
    parts += [econ, "."]
    return _s(*parts)


def growth_sentence(profile: Profile) -> Sentence | None:
    """The growth sentence, or None when growth was not computed."""
    growth = profile.get("growth")
    if growth is None:
        return None
    name = str(profile["name"])
    if _round(1000.0 * float(growth)) == 0:
        return _s(f"{name}'s output did not change from the previous time window to this one.")
    verb = "grew" if growth > 0 else "fell"
    return _s(
        f"{name}'s output {verb} by ",
        _b(format_growth(abs(float(growth))).lstrip("+")),
        " from the previous time window to this one.",
    )


def sensitivity_sentence(profile: Profile) -> Sentence | None:
    """The sensitivity sentence (range of ranks across settings), or None when not computed."""
    sens = profile.get("sensitivity")
    if not sens:
        return None
    low, high = int(sens["rank_min"]), int(sens["rank_max"])
    span = f"{low}" if low == high else f"{low} to {high}"
    note = str(sens.get("note") or "").strip()
    tail = f" ({note.rstrip('.')})" if note else ""
    lost = int(sens.get("lost_in") or 0)
    if lost:
        runs = "run" if lost == 1 else "runs"
        tail += f"; in {lost} {runs} it is not found as a cluster"
    if low == high:
        return _s(
            "Across the settings tried, the cluster keeps its size rank, ", _b(span), tail + "."
        )
    return _s(
        "Across the settings tried, the cluster's size rank ranges from ", _b(span), tail + "."
    )


def _rows(items: Iterable[Mapping[str, Any]], cells: Sequence[str]) -> tuple[tuple[str, ...], ...]:
    out = []
    for i, item in enumerate(items, start=1):
        row = [str(i)]
        for cell in cells:
            if cell == "count":
                row.append(format_count(item.get("count")))
            elif cell == "share":
                row.append(format_share(item.get("share")))
            elif cell == "documents":
                row.append(format_count(item.get("documents")))
            else:
                row.append(str(item.get(cell) or ""))
        out.append(tuple(row))
    return tuple(out)


def profile_tables(profile: Profile) -> list[TableText]:
    """The four tables of a profile: applicants, organisations, technology and science fields."""
    name = str(profile["name"])
    return [
        TableText(
            "applicants",
            "Top patent applicants",
            ("Rank", "Applicant", "Patents", "Share"),
            _rows(profile.get("top_applicants") or [], ("name", "count", "share")),
            (True, False, True, True),
        ),
        TableText(
            "organisations",
            "Top publishing organisations",
            ("Rank", "Organisation", "Articles", "Share"),
            _rows(profile.get("top_organisations") or [], ("name", "count", "share")),
            (True, False, True, True),
        ),
        TableText(
            "tech_fields",
            f"Top technology fields in {name} (patents)",
            ("Rank", "Field", "Sector", "Patents", "Share"),
            _rows(profile.get("top_tech_fields") or [], ("field", "sector", "count", "share")),
            (True, False, False, True, True),
        ),
        TableText(
            "science_fields",
            f"Top science fields in {name} (articles)",
            ("Rank", "Field", "Articles", "Share"),
            _rows(profile.get("top_science_fields") or [], ("field", "count", "share")),
            (True, False, True, True),
        ),
    ]


def location_table(profile: Profile, layer: Layer) -> TableText:
    """The collaborating locations of one layer, with the number of shared documents."""
    key = "patent_collaboration" if layer == "patents" else "article_collaboration"
    collab = profile.get(key) or {}
    what = "patent applications" if layer == "patents" else "articles"
    return TableText(
        f"{layer}_locations",
        f"Top collaborating locations ({what})",
        ("Rank", "Location", "Shared documents"),
        _rows(collab.get("top_locations") or [], ("name", "documents")),
        (True, False, True),
    )


def _markdown_table(table: TableText) -> list[str]:
    lines = [f"### {md_escape(table.caption)}", ""]
    if not table.rows:
        return [*lines, "None recorded.", ""]
    lines.append("| " + " | ".join(md_escape(c) for c in table.columns) + " |")
    lines.append("|" + "|".join("---:" if num else "---" for num in table.numeric) + "|")
    for row in table.rows:
        lines.append("| " + " | ".join(md_escape(c) for c in row) + " |")
    return [*lines, ""]


def profile_markdown(
    profile: Profile, *, top_n: int | None = None, edition: int | None = None
) -> str:
    """Render a profile as Markdown, in the order of the published profiles.

    Parameters
    ----------
    profile
        One profile of ``profiles.json``.
    top_n
        The number of published clusters; defaults to ``profile["top_n"]``.
    edition
        The edition year; defaults to ``profile["edition"]``.

    Returns
    -------
    str
        The Markdown text, ending with a newline.

    Notes
    -----
    :func:`stclusters.report.write_site` writes ``profiles/<slug>.md`` with this function from
    the same dicts as the HTML pages (``top_n`` and ``edition`` taken from ``profiles.json``).
    """
    if top_n is not None or edition is not None:
        profile = {
            **profile,
            **({"top_n": top_n} if top_n is not None else {}),
            **({"edition": edition} if edition is not None else {}),
        }
    lines = [f"# {md_escape(title(profile))}", ""]
    edition = profile.get("edition")
    if edition:
        lines += [f"S&T cluster profile, {edition} edition", ""]
    for sentence in headline(profile, top_n=top_n):
        lines += [sentence.markdown(), ""]
    lines += [f"- {s.markdown()}" for s in rank_lines(profile)]
    lines.append("")
    for table in profile_tables(profile):
        lines += _markdown_table(table)
    lines += ["## Collaboration", ""]
    for layer in ("patents", "articles"):
        lines += [collaboration_sentence(profile, layer).markdown(), ""]
    extra = [s for s in (growth_sentence(profile), sensitivity_sentence(profile)) if s]
    if extra:
        lines += ["## Growth and sensitivity", ""]
        for sentence in extra:
            lines += [sentence.markdown(), ""]
    return "\n".join(lines).rstrip("\n") + "\n"
