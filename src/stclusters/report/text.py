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

from stclusters.report.network import link_figures

__all__ = [
    "PARTNERS_HEADING",
    "PARTNERS_NOTE",
    "Sentence",
    "TableText",
    "collaboration_sentence",
    "counted",
    "data_note",
    "economy_in_sentence",
    "economy_phrase",
    "format_count",
    "format_growth",
    "format_population",
    "format_rank_change",
    "format_share",
    "growth_sentence",
    "headline",
    "ordinal",
    "partner_sentences",
    "population_words",
    "problem_lines",
    "profile_markdown",
    "profile_tables",
    "rank_change_sentence",
    "rank_interval_phrase",
    "rank_lines",
    "records_table",
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


def counted(x: float | None, singular: str, plural: str) -> str:
    """A (fractional) count and its noun, which agrees with the number shown.

    Examples
    --------
    >>> counted(1.2, "scientific article", "scientific articles")
    '1 scientific article'
    >>> counted(5791.2, "scientific article", "scientific articles")
    '5,791 scientific articles'
    """
    shown = format_count(x)
    return f"{shown} {singular if shown == '1' else plural}"


# Names of economies that take "the" in running text ("the Netherlands", "the United States"):
# plural names, and names made of a common noun (republic, kingdom, islands...).
_THE_NAMES = frozenset(
    {"bahamas", "comoros", "gambia", "holy see", "maldives", "netherlands", "philippines"}
    | {"seychelles", "vatican", "czech republic", "sudan"}
)
_THE_WORDS = re.compile(
    r"^(united |isle of )|\b(republic|kingdom|federation|islands|emirates|territory|"
    r"territories|states|union)\b",
    re.IGNORECASE,
)


def economy_in_sentence(name: str) -> str:
    """An economy's name as it reads inside a sentence, with "the" where English wants it.

    Examples
    --------
    >>> economy_in_sentence("United States"), economy_in_sentence("The Netherlands")
    ('the United States', 'the Netherlands')
    >>> economy_in_sentence("Republic of Korea"), economy_in_sentence("China")
    ('the Republic of Korea', 'China')
    """
    bare = re.sub(r"^the\s+", "", name.strip(), flags=re.IGNORECASE)
    if not bare:
        return bare
    if bare.casefold() in _THE_NAMES or _THE_WORDS.search(bare):
        return f"the {bare}"
    return bare


def economy_phrase(names: Sequence[str], *, in_sentence: bool = False) -> str:
    """Join economy names as in prose: "China", "China and Hong Kong", "A, B and C".

    With ``in_sentence``, each name as it reads inside a sentence (:func:`economy_in_sentence`).
    """
    items = [economy_in_sentence(n) if in_sentence else n for n in names if n]
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


def _group(profile: Profile, top_n: int | None) -> str:
    """The clusters a profile is ranked among: "the top 100 S&T clusters of 2024", or, when
    fewer were found than the setting asks for, "the 73 S&T clusters found in 2024"."""
    n = _top_n(profile, top_n)
    edition = profile.get("edition")
    published = profile.get("published")
    if published is not None and n is not None and int(published) < n:
        found = int(published)
        group = "the only S&T cluster found" if found == 1 else f"the {found:,} S&T clusters found"
        return f"{group} in {edition}" if edition else group
    group = f"the top {n} S&T clusters" if n else "the top S&T clusters"
    return f"{group} of {edition}" if edition else group


def _window(profile: Profile, layer: str) -> str:
    """ " in 2019–2023" for a layer's time window, or "" when the profile does not give it."""
    span = (profile.get("windows") or {}).get(layer)
    if not span:
        return ""
    first, last = int(span[0]), int(span[1])
    return f" in {first}" if first == last else f" in {first}–{last}"


def _has(profile: Profile, key: str) -> bool:
    value = profile.get(key)
    return value is not None and format_count(value) != "0"


def headline(profile: Profile, *, top_n: int | None = None) -> list[Sentence]:
    """The opening sentences: rank within the economy, output per million, totals.

    Parameters
    ----------
    profile
        One profile of ``profiles.json``.
    top_n
        The number of published clusters (the "top 100"); defaults to ``profile["top_n"]``.
        When the profile's ``published`` is smaller, the sentences name the clusters found.

    Returns
    -------
    list of Sentence
        Three sentences, in the order of the published profiles, after the note on synthetic
        data when the profile's records are synthetic (:func:`data_note`). The time windows are
        named by their years when the profile gives them (``windows``); a layer without output
        is said to have none rather than given as 0.
    """
    name = str(profile["name"])
    group_of = _group(profile, top_n)
    economy = economy_in_sentence(_primary_name(profile))
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
    patents = _b(counted(profile.get("patents_per_million"), *_NOUNS["patent"]))
    articles = _b(counted(profile.get("articles_per_million"), *_NOUNS["article"]))
    when = ("" if profile.get("windows") else " over the ranking's time windows", ".")
    pw, aw = _window(profile, "patent"), _window(profile, "article")
    flag = profile.get("population_flag")
    if flag:
        second = _s(
            "Population ", _b(population_words(profile.get("population"), flag)), " by intensity."
        )
    elif _has(profile, "patents") and _has(profile, "articles"):
        second = _s(
            "Per million inhabitants, it filed ",
            patents,
            pw,
            " and published ",
            articles,
            aw,
            *when,
        )
    elif _has(profile, "articles"):
        second = _s(
            "Per million inhabitants, it published ",
            articles,
            aw,
            when[0],
            "; no patent applications are credited to it.",
        )
    elif _has(profile, "patents"):
        second = _s(
            "Per million inhabitants, it filed ",
            patents,
            pw,
            when[0],
            "; no scientific articles are credited to it.",
        )
    else:
        second = _s("No patent applications or scientific articles are credited to it.")
    totals: list[str | tuple[str, bool]] = []
    for key, layer in (("patents", "patent"), ("articles", "article")):
        if _has(profile, key):
            noun = _NOUNS[layer] if layer == "patent" else ("article", "articles")
            totals += [" and " if totals else "", _b(counted(profile.get(key), *noun))]
    population = (
        () if flag else (", for a population of ", _b(format_population(profile.get("population"))))
    )
    if totals:
        third = _s(
            "In all, ",
            *totals,
            " are credited to the cluster (fractional counts)",
            *population,
            ".",
        )
    elif flag:
        third = _s("No population is known for its footprint.")
    else:
        third = _s(
            "The cluster has a population of ",
            _b(format_population(profile.get("population"))),
            ".",
        )
    note = data_note(profile)
    return [*([note] if note else []), first, second, third]


#: The nouns of each layer's documents (singular, plural).
_NOUNS = {
    "patent": ("patent application", "patent applications"),
    "article": ("scientific article", "scientific articles"),
}


def data_note(profile: Profile) -> Sentence | None:
    """The note that the figures come from a synthetic world, when they do (``synthetic``)."""
    if not profile.get("synthetic"):
        return None
    return _s(
        _b("Synthetic data."),
        " These figures come from a synthetic world made by stclusters for demonstration and "
        "testing; they describe no real place.",
    )


def format_rank_change(row: Mapping[str, Any]) -> str:
    """The rank change of a ranking row as the site's table shows it: "▲ 3" (up 3 places),
    "▼ 2" (down 2), "=" (same rank), "new" (not in the previous ranking), "" (no previous
    ranking given).

    >>> format_rank_change({"new": False, "rank_change": 3}), format_rank_change({"new": True})
    ('▲ 3', 'new')
    """
    if row.get("new"):
        return "new"
    change = row.get("rank_change")
    if change is None:
        return ""
    change = int(change)
    if change == 0:
        return "="
    return f"{'▲' if change > 0 else '▼'} {abs(change)}"


def rank_change_sentence(profile: Mapping[str, Any]) -> Sentence | None:
    """The rank change against the previous ranking ("up 3 places from 2023", "new in the
    ranking"), or None when no previous ranking was given (``new`` is None)."""
    if profile.get("new") is None:
        return None
    if profile["new"]:
        return _s(_b("New"), " in the ranking")
    edition = profile.get("previous_edition")
    since = str(edition) if edition else "the previous ranking"
    change = int(profile.get("rank_change") or 0)
    if change == 0:
        return _s(_b("Same rank"), f" as in {since}")
    places = "place" if abs(change) == 1 else "places"
    words = f"{'Up' if change > 0 else 'Down'} {abs(change)} {places}"
    return _s(_b(words), f" from {since}")


def rank_lines(profile: Profile) -> list[Sentence]:
    """The rank lines: size rank and intensity rank in the edition, then the rank change
    against the previous ranking when one was given (:func:`rank_change_sentence`)."""
    edition = profile.get("edition")
    tail = f" in {edition}" if edition else ""
    rank = int(profile["rank"])
    size = "largest" if rank == 1 else f"{ordinal(rank)} largest"  # never "first largest"
    lines = [_s(_b(size), f" science and technology cluster{tail}")]
    if profile.get("intensity_rank"):
        lines.append(
            _s(
                _b(ordinal(int(profile["intensity_rank"]))),
                f" S&T cluster by intensity (output relative to population){tail}",
            )
        )
    change = rank_change_sentence(profile)
    if change is not None:
        lines.append(change)
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
    the cluster, the top three collaborating locations and the share with one outside every
    economy of the cluster; for articles first the GII's figure, the share "published in
    collaboration with other organisations" (two or more organisations in the addresses). A
    cluster without documents in the layer is said to have none.
    """
    if layer not in ("patents", "articles"):
        raise ValueError(f"layer must be 'patents' or 'articles'; got {layer!r}")
    key = "patent_collaboration" if layer == "patents" else "article_collaboration"
    collab: Mapping[str, Any] = profile.get(key) or {}
    name = str(profile["name"])
    if layer == "patents":
        what, verb, who = "patent applications", "are filed with", "inventors"
    else:
        what, verb, who = "scientific articles", "have", "co-authors"
    if not collab:
        return _s(f"No collaboration figures were computed for {name}'s {what}.")
    if not collab.get("documents"):
        return _s(f"No {what} are credited to {name}.")
    share = format_share(collab.get("share"))
    names = [str(loc["name"]) for loc in (collab.get("top_locations") or [])[:3]]
    parts: list[str | tuple[str, bool]] = []
    org_share = collab.get("organisations_share")
    if layer == "articles" and org_share is not None:
        parts += [
            _b(format_share(org_share)),
            f" of {name}'s {what} are published in collaboration with other organisations; ",
            _b(share),
            f" {verb} {who} outside the cluster",
        ]
    else:
        parts += [_b(share), f" of {name}'s {what} {verb} {who} outside the cluster"]
    if names:
        label = "the top collaborating location" if len(names) == 1 else "the top locations"
        parts += [", ", label, " being ", *_name_list(names)]
    parts.append("; ")
    econ = economy_phrase(_economy_names(profile), in_sentence=True) or "the cluster's economies"
    intl_verb = " involve " if layer == "patents" else " have "
    parts += [_b(format_share(collab.get("international_share"))), f"{intl_verb}{who} outside "]
    parts += [econ, "."]
    return _s(*parts)


#: The heading of a profile's strongest partner clusters, in every output of a profile.
PARTNERS_HEADING = "Strongest partner clusters"
#: What the list of partner clusters counts, said under it.
PARTNERS_NOTE = (
    "Published clusters sharing the most documents with this one (fractional counts, whole "
    "counts in brackets; all links are in links.csv)."
)


def partner_sentences(partners: Sequence[Mapping[str, Any]]) -> list[Sentence]:
    """One sentence per partner cluster, in the order given (strongest first): its name and
    the documents the two clusters share ("Osaka–Kyoto: 40.5 patents (60 whole), 30.2
    articles (41 whole) shared", :func:`stclusters.report.network.link_figures`).

    Parameters
    ----------
    partners
        The partners of one cluster, :func:`stclusters.report.network.partners_of` of the
        run's links (``name`` and the link's counts), the one list that the HTML page, the
        Markdown and PDF profiles and the workbook's "Profiles" sheet show.

    Returns
    -------
    list of Sentence
        Numbered by the outputs themselves (an ordered list, "1.", "2.", ...).
    """
    return [_s(str(p["name"]), ": ", link_figures(p)) for p in partners]


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


def rank_interval_phrase(profile: Profile) -> str | None:
    """The rank interval of the sensitivity analysis in a few words ("rank 68, between 61 and
    74 in 90% of the runs"), for the map's hover and the site's chart; None when not computed."""
    sens = profile.get("sensitivity")
    if not sens or "interval_low" not in sens:
        return None
    from stclusters.measure.sensitivity import INTERVAL

    low, high = int(sens["interval_low"]), int(sens["interval_high"])
    share = f"{_round(100 * INTERVAL)}%"
    if low == high:
        return f"rank {low} in {share} of the runs"
    return f"rank {int(sens['size_rank'])}, between {low} and {high} in {share} of the runs"


def sensitivity_sentence(profile: Profile) -> Sentence | None:
    """The sensitivity sentence (the rank interval over the grid of settings and the bootstrap
    resamples, and how often the cluster is found, merged and split; or, for the profiles of
    older runs, the range of ranks), or None when not computed. One source for the HTML,
    Markdown and PDF profiles."""
    sens = profile.get("sensitivity")
    if not sens:
        return None
    if "interval_low" in sens:
        return _interval_sentence(sens)
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


def _interval_sentence(sens: Mapping[str, Any]) -> Sentence:
    """The sentence of :func:`sensitivity_sentence` for the full analysis."""
    from stclusters.measure.sensitivity import INTERVAL

    low, high = int(sens["interval_low"]), int(sens["interval_high"])
    runs, found = int(sens["runs"]), int(sens["found_in"])
    share = f"{_round(100 * INTERVAL)}%"
    in_runs = "the run" if found == 1 else f"the {found:,} runs"
    if found < runs:
        in_runs += f" (of {runs:,}) in which it is found"
    note = str(sens.get("note") or "").strip().rstrip(".")
    span = f"{low}" if low == high else f"{low} and {high}"
    verb = "is " if low == high else "is between "
    rest = []
    for key, what in (("merged_in", "merged with a neighbour"), ("split_in", "split")):
        n = int(sens.get(key) or 0)
        if n:
            rest.append(f"{what} in {n:,} of {runs:,} runs")
    tail = ("; it is " + " and ".join(rest)) if rest else ""
    return _s(
        f"Across {runs:,} runs ({note}), the cluster's size rank ",
        f"({int(sens['size_rank'])} in this run) " if low != high else "",
        verb,
        _b(span),
        f" in {share} of {in_runs}",
        f" (from {int(sens['rank_min'])} to {int(sens['rank_max'])} in all){tail}."
        if int(sens["rank_min"]) != low or int(sens["rank_max"]) != high
        else f"{tail}.",
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
    profile: Profile,
    *,
    top_n: int | None = None,
    edition: int | None = None,
    topic: str | None = None,
    partners: Sequence[Mapping[str, Any]] = (),
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
    topic
        The line naming the run's topic (:func:`topic_line`), shown under the edition.
    partners
        The cluster's strongest partner clusters (:func:`stclusters.report.network.partners_of`
        of the run's links), listed under "Collaboration" (:func:`partner_sentences`); none
        listed when empty.

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
    if topic:
        lines += [md_escape(topic), ""]
    for sentence in headline(profile, top_n=top_n):
        lines += [sentence.markdown(), ""]
    lines += [f"- {s.markdown()}" for s in rank_lines(profile)]
    lines.append("")
    for table in profile_tables(profile):
        lines += _markdown_table(table)
    lines += ["## Collaboration", ""]
    for layer in ("patents", "articles"):
        lines += [collaboration_sentence(profile, layer).markdown(), ""]
    if partners:
        lines += [f"### {PARTNERS_HEADING}", ""]
        lines += [f"{i}. {s.markdown()}" for i, s in enumerate(partner_sentences(partners), 1)]
        lines += ["", md_escape(PARTNERS_NOTE), ""]
    extra = [s for s in (growth_sentence(profile), sensitivity_sentence(profile)) if s]
    if extra:
        lines += ["## Growth and sensitivity", ""]
        for sentence in extra:
            lines += [sentence.markdown(), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


# ------------------------------------------------------------------ where the records went

#: The layer of every document of a reader format that reads one layer only.
_FORMAT_LAYER = {
    "wos": "article",
    "scopus": "article",
    "openalex": "article",
    "uspto": "patent",
    "epo": "patent",
    "pct": "patent",
    "patentsview": "patent",
}

#: The rows of :func:`records_table`, in order: (layer key, label).
_LAYER_LABELS = (
    ("patent", "Patent applications"),
    ("article", "Scientific articles"),
    ("", "Layer not known"),
)

#: The columns of :func:`records_table` after the layer: (label, key in the table's sums).
_FLOW = (
    ("Read", "read"),
    ("Rejected", "rejected"),
    ("Duplicates", "duplicates"),
    ("Outside the window", "outside_window"),
    ("No year", "no_year"),
    ("Filtered by type", "filtered_type"),
    ("Filtered by field", "filtered_field"),
    ("Kept", "kept"),
)


def _read_files(accounts: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The reader accounts of every input file: those read by the run and those of the reads
    that wrote its records folders."""
    inputs = accounts.get("inputs") or {}
    files = [f for f in inputs.get("files") or [] if isinstance(f, Mapping)]
    for folder in inputs.get("records_folders") or []:
        read = folder.get("read") if isinstance(folder, Mapping) else None
        if isinstance(read, Mapping):
            files += [f for f in read.get("files") or [] if isinstance(f, Mapping)]
    return [f for f in files if f.get("role", "records") == "records"]


def _file_layer(item: Mapping[str, Any]) -> str:
    layers = list(item.get("layers") or [])
    if len(layers) == 1:
        return str(layers[0])
    return _FORMAT_LAYER.get(str(item.get("format")), "")


def record_flow(accounts: Mapping[str, Any]) -> dict[str, dict[str, int]]:
    """Where the documents of a run went, per layer (``accounts.json`` of the run).

    ``read = rejected + duplicates + outside_window + no_year + filtered_type +
    filtered_field (+ outside_topic in a topic run) + kept``: rejected and duplicate
    documents are those of the reads (of this run, and of the reads that wrote its records
    folders, from their accounts), plus the duplicates across inputs; the rest is the
    filters' outcome of method.md section 1. A rejected document of a file that mixes
    layers has no layer known (key ``""``).

    Examples
    --------
    >>> flow = record_flow({"documents": {"layers": {"article": {"read": 9, "kept": 9}}}})
    >>> flow["article"]["read"], flow["article"]["kept"]
    (9, 9)
    """
    out: dict[str, dict[str, int]] = {}

    def add(layer: str, key: str, n: int) -> None:
        if n:
            row = out.setdefault(layer, dict.fromkeys((k for _, k in _FLOW), 0))
            row[key] = row.get(key, 0) + n
            row["read"] += n

    for item in _read_files(accounts):
        layer = _file_layer(item)
        add(layer, "rejected", int(item.get("records_rejected") or 0))
        add(layer, "duplicates", int(item.get("duplicates_dropped") or 0))
    across = (accounts.get("inputs") or {}).get("duplicates_across_inputs") or {}
    for item in across.get("per_input") or []:
        for layer, n in (item.get("duplicates_dropped") or {}).items():
            add(str(layer), "duplicates", int(n))
    layers = (accounts.get("documents") or {}).get("layers") or {}
    for layer, acc in layers.items():
        for _, key in _FLOW[3:]:
            add(str(layer), key, int(acc.get(key) or 0))
        if acc.get("outside_topic"):
            add(str(layer), "outside_topic", int(acc["outside_topic"]))
    return out


def records_table(accounts: Mapping[str, Any]) -> TableText:
    """ "Where the records went": :func:`record_flow` as a table, one row per layer (with a
    column "Outside the topic" before "Kept" in a topic run)."""
    flow = record_flow(accounts)
    columns: tuple[tuple[str, str], ...] = _FLOW
    if accounts.get("topic"):
        columns = (*_FLOW[:-1], ("Outside the topic", "outside_topic"), _FLOW[-1])
    rows = tuple(
        (label, *(f"{flow[layer].get(key, 0):,}" for _, key in columns))
        for layer, label in _LAYER_LABELS
        if layer in flow
    )
    return TableText(
        "records",
        "Where the records went",
        ("Layer", *(label for label, _ in columns)),
        rows,
        (False, *(True for _ in columns)),
    )


def topic_line(accounts: Mapping[str, Any]) -> str | None:
    """The line saying which topic a run is restricted to (``accounts.json``'s ``topic``),
    with the note on a layer left empty; None for a run without topic.

    Examples
    --------
    >>> topic_line({"topic": {"line": "Topic: H04L, whole counting", "note": "no articles"}})
    'Topic: H04L, whole counting (no articles)'
    """
    topic = accounts.get("topic")
    if not isinstance(topic, Mapping) or not topic.get("line"):
        return None
    note = str(topic.get("note") or "")
    return str(topic["line"]) + (f" ({note})" if note else "")


def input_files_table(accounts: Mapping[str, Any]) -> TableText:
    """The inputs of a run: records folders (with the files their read took them from) and
    input files, with the documents read, kept, rejected and dropped as duplicates."""
    inputs = accounts.get("inputs") or {}
    across = {
        str(item.get("input")): sum((item.get("duplicates_dropped") or {}).values())
        for item in (inputs.get("duplicates_across_inputs") or {}).get("per_input") or []
    }
    rows: list[tuple[str, ...]] = []

    def file_row(item: Mapping[str, Any], indent: str = "") -> tuple[str, ...]:
        role = str(item.get("role", "records"))
        kind = str(item.get("format", "")) + ("" if role == "records" else f" ({role})")
        return (
            indent + str(item.get("path", "")),
            kind,
            *(
                f"{int(item.get(k) or 0):,}"
                for k in ("records_read", "records_kept", "records_rejected", "duplicates_dropped")
            ),
            f"{int(item.get('problems_total') or 0):,}",
        )

    for folder in inputs.get("records_folders") or []:
        path = str(folder.get("name", folder.get("path", "")))
        docs = int((folder.get("rows") or {}).get("documents") or 0)
        kind = "synthetic world" if folder.get("synthetic") else "records folder"
        dup = across.get(path, 0)
        rows.append((path, kind, f"{docs:,}", f"{docs - dup:,}", "0", f"{dup:,}", "–"))
        read = folder.get("read") or {}
        rows += [file_row(f, "  ") for f in read.get("files") or []]
    files = [f for f in inputs.get("files") or [] if isinstance(f, Mapping)]
    if files:
        label = "records read from files"
        dup = across.get(label, 0)
        if dup:
            rows.append((label, "files", "", "", "", f"{dup:,}", ""))
        rows += [file_row(f) for f in files]
    if "in_memory" in inputs:
        docs = int((inputs["in_memory"].get("rows") or {}).get("documents") or 0)
        rows.append(("records in memory", "records", f"{docs:,}", f"{docs:,}", "0", "0", "–"))
    return TableText(
        "inputs",
        "Inputs",
        ("Input", "Format", "Read", "Kept", "Rejected", "Duplicates", "Problems"),
        tuple(rows),
        (False, False, True, True, True, True, True),
    )


def problem_lines(accounts: Mapping[str, Any], *, limit: int = 10) -> tuple[list[str], int]:
    """The first ``limit`` problems found (the readers' per-record problems, then the run's
    warnings) as lines a person reads, and how many problems there are in all."""
    from stclusters.readers._common import RecordProblem

    lines: list[str] = []
    total = 0
    for item in _read_files(accounts):
        total += int(item.get("problems_total") or 0)
        for problem in item.get("problems") or []:
            if len(lines) < limit and isinstance(problem, Mapping):
                found = RecordProblem(
                    str(problem.get("file") or ""),
                    str(problem.get("message") or ""),
                    problem.get("line"),
                    problem.get("record"),
                    problem.get("record_id"),
                    bool(problem.get("skipped")),
                )
                lines.append(str(found))
    inputs = accounts.get("inputs") or {}
    for folder in inputs.get("records_folders") or []:
        if folder.get("read_note"):
            total += 1
            if len(lines) < limit:
                lines.append(str(folder["read_note"]))
    for warning in accounts.get("warnings") or []:
        total += 1
        if len(lines) < limit:
            lines.append(str(warning))
    return lines, total
