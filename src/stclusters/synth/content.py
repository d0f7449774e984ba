"""What the synthetic documents are about: years, document types, titles, IPC codes, WoS categories.

Each unit (city group or hub) has its own specialisation: three technology fields and three
subject categories drawn once per world; a document's first class comes from its home unit's
specialisation with probability :data:`SPECIALISATION`, otherwise from the world-wide mix.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from numpy.typing import NDArray

from stclusters.synth.sampling import GroupSampler
from stclusters.synth.vocab import ARTICLE_EXTRA_TYPES, IPC_FIELDS, SSH_CATEGORIES, STM_CATEGORIES

__all__ = [
    "KIND_KEPT",
    "KIND_OTHER_TYPE",
    "KIND_PREVIOUS",
    "KIND_SSH",
    "Content",
    "build_content",
]

KIND_KEPT, KIND_PREVIOUS, KIND_OTHER_TYPE, KIND_SSH = 0, 1, 2, 3
#: Share of a document's first class drawn from its home unit's specialisation.
SPECIALISATION = 0.55
TOP_WEIGHTS = np.array([0.5, 0.3, 0.2])
#: Number of IPC codes per application (1..4) and WoS categories per article (1..3).
IPC_COUNT_P = (0.35, 0.30, 0.20, 0.15)
WOS_COUNT_P = (0.35, 0.40, 0.25)
#: Share of further classes drawn from the first class's field (IPC) or area (WoS).
RELATED = {"patent": 0.6, "article": 0.7}
#: Yearly growth of output (patents, articles) across the window.
GROWTH = {"patent": 1.02, "article": 1.04}
#: Share of PCT publications of kind A2 (published without search report).
WO_A2 = 0.1

_PATENT_TITLES = (
    "Method and system relating to {}",
    "Apparatus and method in {}",
    "Device for use in {}",
)
_ARTICLE_TITLES = (
    "New results in {}",
    "A study in {}",
    "Methods and evidence: {}",
    "Advances in {}",
)

IntArray = NDArray[np.int64]


@dataclass
class Content:
    """Class vocabularies, samplers and per-unit specialisation of one world."""

    ipc_codes: pa.Array
    ipc_field: IntArray  # field of each code
    ipc_by_field: GroupSampler  # codes of a field
    field_sampler: GroupSampler  # group 0: every field by share
    wos_names: pa.Array  # STM categories, then SSH categories
    wos_area: IntArray
    wos_by_area: GroupSampler
    wos_sampler: GroupSampler  # group 0: every STM category by weight
    n_stm: int
    n_ssh: int
    unit_top: dict[str, NDArray[np.int64]]  # (n_units, 3) fields / categories
    titles: dict[str, pa.Array]
    n_title_variants: dict[str, int]
    article_types: pa.Array
    article_type_p: NDArray[np.float64]


def build_content(n_units: int, rng: np.random.Generator) -> Content:
    """Vocabularies and the specialisation of ``n_units`` units."""
    codes: list[str] = []
    code_field: list[int] = []
    for f, (_name, _share, field_codes) in enumerate(IPC_FIELDS):
        codes.extend(field_codes)
        code_field.extend([f] * len(field_codes))
    ipc_field = np.array(code_field, dtype=np.int64)
    shares = np.array([s for _, s, _ in IPC_FIELDS])
    n_fields = len(IPC_FIELDS)
    field_sampler = GroupSampler(np.zeros(n_fields, np.int64), shares, 1)
    areas = sorted({a for _, a, _ in STM_CATEGORIES})
    wos_area = np.array([areas.index(a) for _, a, _ in STM_CATEGORIES], dtype=np.int64)
    wos_w = np.array([w for _, _, w in STM_CATEGORIES])
    wos_sampler = GroupSampler(np.zeros(len(wos_w), np.int64), wos_w, 1)
    top_pat = field_sampler.draw(np.zeros(n_units * 3, np.int64), rng.random(n_units * 3))
    top_art = wos_sampler.draw(np.zeros(n_units * 3, np.int64), rng.random(n_units * 3))
    field_names = [name for name, _, _ in IPC_FIELDS]
    pat_titles = [t.format(name.lower()) for name in field_names for t in _PATENT_TITLES]
    cat_names = [c for c, _, _ in STM_CATEGORIES] + list(SSH_CATEGORIES)
    art_titles = [t.format(c.lower()) for c in cat_names for t in _ARTICLE_TITLES]
    return Content(
        ipc_codes=pa.array(codes, pa.string()),
        ipc_field=ipc_field,
        ipc_by_field=GroupSampler(ipc_field, np.ones(len(codes)), n_fields),
        field_sampler=field_sampler,
        wos_names=pa.array(cat_names, pa.string()),
        wos_area=wos_area,
        wos_by_area=GroupSampler(wos_area, wos_w, len(areas)),
        wos_sampler=wos_sampler,
        n_stm=len(STM_CATEGORIES),
        n_ssh=len(SSH_CATEGORIES),
        unit_top={"patent": top_pat.reshape(n_units, 3), "article": top_art.reshape(n_units, 3)},
        titles={
            "patent": pa.array(pat_titles, pa.string()),
            "article": pa.array(art_titles, pa.string()),
        },
        n_title_variants={"patent": len(_PATENT_TITLES), "article": len(_ARTICLE_TITLES)},
        article_types=pa.array([t for t, _ in ARTICLE_EXTRA_TYPES], pa.string()),
        article_type_p=np.array([p for _, p in ARTICLE_EXTRA_TYPES]),
    )


def years(
    layer: str,
    kind: NDArray[np.int8],
    window: tuple[int, int],
    rng: np.random.Generator,
    *,
    home: NDArray[np.int64] | None = None,
) -> NDArray[np.int16]:
    """Publication year of each document: in the window, the year before it, or either.

    Years follow the yearly growth :data:`GROWTH`. With ``home`` (each document's home unit),
    the draws are stratified within each home unit and kind (:func:`stratified`): each unit
    gets every year's quota of its documents to within one, so that every place grows as
    planted instead of by the luck of independent draws. The same random numbers are used
    either way (the draws after this one do not change).
    """
    first, last = window
    n_years = last - first + 1
    w = GROWTH[layer] ** np.arange(-1, n_years)  # the year before, then the window
    u = rng.random(len(kind))
    if home is not None:
        u = stratified(u, np.asarray(home, dtype=np.int64) * 4 + kind)
    cdf_window = np.cumsum(w[1:]) / w[1:].sum()
    cdf_all = np.cumsum(w) / w.sum()
    in_window = first + np.searchsorted(cdf_window, u, side="right")
    anywhere = first - 1 + np.searchsorted(cdf_all, u, side="right")
    out = np.where(kind == KIND_KEPT, in_window, anywhere)
    out = np.where(kind == KIND_PREVIOUS, first - 1, out)
    return np.asarray(np.minimum(out, last), dtype=np.int16)


def stratified(u: NDArray[np.float64], group: NDArray[np.int64]) -> NDArray[np.float64]:
    """Uniform numbers ``u`` spread evenly within each group: still uniform one by one.

    Within a group of n, the k-th smallest u (k = 1..n) becomes (k - 1 + v) / n, where
    v = I_u(k, n - k + 1) is the k-th order statistic's own distribution function (the
    regularised incomplete beta function) at u, uniform on [0, 1). Each stratum [(k-1)/n, k/n)
    thus holds exactly one number of the group, and each number is uniform on [0, 1) (its rank
    is uniform and v is uniform given the rank): stratified sampling without new draws.
    """
    from scipy.special import betainc

    n_items = len(u)
    if n_items == 0:
        return np.asarray(u, dtype=np.float64)
    order = np.lexsort((u, group))
    g = group[order]
    new = np.ones(n_items, dtype=bool)
    new[1:] = g[1:] != g[:-1]
    starts = np.flatnonzero(new)
    sizes = np.diff(np.append(starts, n_items))
    size = np.repeat(sizes, sizes).astype(np.float64)
    k = (np.arange(n_items) - np.repeat(starts, sizes) + 1).astype(np.float64)
    v = betainc(k, size - k + 1.0, u[order])
    out = np.empty(n_items, dtype=np.float64)
    out[order] = np.minimum((k - 1.0 + v) / size, np.nextafter(1.0, 0.0))
    return out


def previous_year_ratio(layer: str, window: tuple[int, int]) -> float:
    """Documents of the year before the window per document of the window."""
    n_years = window[1] - window[0] + 1
    w = GROWTH[layer] ** np.arange(-1, n_years)
    return float(w[0] / w[1:].sum())


def first_classes(
    content: Content, layer: str, home_unit: IntArray, rng: np.random.Generator
) -> IntArray:
    """The first field (patents) or STM category (articles) of each document."""
    n = len(home_unit)
    special = rng.random(n) < SPECIALISATION
    pick = np.searchsorted(np.cumsum(TOP_WEIGHTS), rng.random(n) * TOP_WEIGHTS.sum(), "right")
    pick = np.minimum(pick, 2)
    top = content.unit_top[layer][home_unit, pick]
    sampler = content.field_sampler if layer == "patent" else content.wos_sampler
    world = sampler.draw(np.zeros(n, np.int64), rng.random(n))
    return np.asarray(np.where(special, top, world))


def patent_classes(
    content: Content, home_unit: IntArray, rng: np.random.Generator
) -> tuple[IntArray, IntArray, IntArray]:
    """IPC codes of each application: (document index, code index) rows, and the first field."""
    n = len(home_unit)
    field = first_classes(content, "patent", home_unit, rng)
    count = rng.choice(len(IPC_COUNT_P), size=n, p=IPC_COUNT_P) + 1
    doc = np.repeat(np.arange(n, dtype=np.int64), count)
    first = np.cumsum(count) - count
    row_field = field[doc]
    other = rng.random(len(doc)) >= RELATED["patent"]
    other[first] = False
    world = content.field_sampler.draw(
        np.zeros(int(other.sum()), np.int64), rng.random(int(other.sum()))
    )
    row_field[other] = world
    code = content.ipc_by_field.draw(row_field, rng.random(len(doc)))
    key = np.unique(doc * 1_000 + code, return_index=True)[1]
    keep = np.sort(key)
    return doc[keep], code[keep], field


def article_classes(
    content: Content, home_unit: IntArray, kind: NDArray[np.int8], rng: np.random.Generator
) -> tuple[IntArray, IntArray, IntArray]:
    """WoS categories of each article (SSH-only ones for ``KIND_SSH``): rows and first category."""
    n = len(home_unit)
    cat = first_classes(content, "article", home_unit, rng)
    ssh = kind == KIND_SSH
    cat[ssh] = content.n_stm + rng.integers(0, content.n_ssh, int(ssh.sum()))
    count = rng.choice(len(WOS_COUNT_P), size=n, p=WOS_COUNT_P) + 1
    count[ssh] = np.minimum(count[ssh], 2)
    doc = np.repeat(np.arange(n, dtype=np.int64), count)
    first = np.cumsum(count) - count
    row = cat[doc].copy()
    later = np.ones(len(doc), dtype=bool)
    later[first] = False
    row_ssh = ssh[doc]
    stm_later = later & ~row_ssh
    related = stm_later & (rng.random(len(doc)) < RELATED["article"])
    area = content.wos_area[np.minimum(row[related], content.n_stm - 1)]
    row[related] = content.wos_by_area.draw(area, rng.random(int(related.sum())))
    world = stm_later & ~related
    row[world] = content.wos_sampler.draw(
        np.zeros(int(world.sum()), np.int64), rng.random(int(world.sum()))
    )
    ssh_later = later & row_ssh
    row[ssh_later] = content.n_stm + rng.integers(0, content.n_ssh, int(ssh_later.sum()))
    key = np.unique(doc * 1_000 + row, return_index=True)[1]
    keep = np.sort(key)
    return doc[keep], row[keep], cat


def doc_types(
    content: Content, layer: str, kind: NDArray[np.int8], rng: np.random.Generator
) -> pa.Array:
    """Document type of each document."""
    n = len(kind)
    if layer == "patent":
        a2 = rng.random(n) < WO_A2
        return pc.take(pa.array(["WO-A1", "WO-A2"], pa.string()), pa.array(a2.astype(np.int64)))
    extra = rng.choice(len(content.article_type_p), size=n, p=content.article_type_p)
    idx = np.where(kind == KIND_OTHER_TYPE, extra + 1, 0)
    types = pa.concat_arrays([pa.array(["Article"], pa.string()), content.article_types])
    return pc.take(types, pa.array(idx.astype(np.int64)))


def titles(
    content: Content, layer: str, first_class: IntArray, rng: np.random.Generator
) -> pa.Array:
    """A title for each document from its first class."""
    k = content.n_title_variants[layer]
    idx = first_class * k + rng.integers(0, k, len(first_class))
    return pc.take(content.titles[layer], pa.array(idx.astype(np.int64)))
