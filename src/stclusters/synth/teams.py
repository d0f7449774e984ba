"""Teams of the synthetic world: how many inventors or authors a document has and where they are.

Proportions (documented defaults, roughly those of PCT applications and SCIE articles):

- inventors per application: 1 to 20, mean about 3.3 (:data:`PATENT_SIZES`);
- authors per article: 1 to 50, mean about 5.2, heavy tail (:data:`ARTICLE_SIZES`);
  15% of authors have a second affiliation (70% in the same city, 22% elsewhere in the economy,
  8% abroad); 2% of articles have addresses not linked to authors;
- the first-listed person is at the document's home unit; each other person is in the same city
  (the home unit's group, i.e. anywhere in a hub) unless the document is *domestic* (20% of
  applications with two or more inventors, 35% of such articles), then 30% (35%) of them are
  elsewhere in the economy, or *international* (13%, 19%), then 30% (35%) of them are abroad;
  an international (domestic) document has at least one person abroad (elsewhere). This gives
  about 10% of applications with a foreign co-inventor and about 23% of articles with an author
  address abroad. An economy may set its own P(international) and share abroad
  (``collaboration`` in ``data/world.toml``; the ``international`` option of :func:`compose`).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from numpy.typing import NDArray

__all__ = ["CAT_ABROAD", "CAT_ECON", "CAT_HOME", "CAT_SAME", "Team", "abroad_share", "compose"]

CAT_HOME, CAT_SAME, CAT_ECON, CAT_ABROAD = 0, 1, 2, 3

_PAT = [0.235, 0.225, 0.18, 0.125, 0.085, 0.055, 0.034, 0.021, 0.013, 0.008]
_PAT += [0.004, 0.003, 0.002, 0.002, 0.001, 0.001, 0.001, 0.001, 0.001, 0.001]
#: Probability of 1, 2, ... inventors per application.
PATENT_SIZES: NDArray[np.float64] = np.array(_PAT) / sum(_PAT)
_ART = [0.06, 0.14, 0.17, 0.16, 0.13, 0.10, 0.07, 0.05, 0.035, 0.025]
_ART += [0.008] * 5 + [0.001] * 15 + [0.00025] * 20
#: Probability of 1, 2, ... authors per article.
ARTICLE_SIZES: NDArray[np.float64] = np.array(_ART) / sum(_ART)

#: Per layer: P(international | 2+ people), P(domestic | 2+), share of co-people abroad in an
#: international document, share elsewhere in a domestic one.
COLLABORATION = {"patent": (0.13, 0.20, 0.30, 0.30), "article": (0.19, 0.35, 0.35, 0.35)}
#: Share of authors with a second affiliation, and where it is (same city, economy, abroad).
SECOND_AFFILIATION = 0.15
SECOND_WHERE = (0.70, 0.22, 0.08)
#: Share of articles whose addresses are not linked to authors.
UNLINKED = 0.02

IntArray = NDArray[np.int64]
FloatArray = NDArray[np.float64]


@dataclass
class Team:
    """People rows of a batch of documents, in document, person, affiliation order.

    ``cat`` says where a row is relative to its document's home (``CAT_*``); for a second
    affiliation, ``CAT_SAME`` means the same city as the author's first affiliation, and
    ``CAT_ECON`` / ``CAT_ABROAD`` are relative to that affiliation's economy.
    """

    doc: IntArray
    person: IntArray
    aff: IntArray
    cat: NDArray[np.int8]
    #: number of people per document
    size: IntArray
    #: number of affiliations of the row's person
    n_aff: IntArray
    #: documents whose addresses are not linked to authors
    unlinked: NDArray[np.bool_]

    @property
    def first(self) -> NDArray[np.bool_]:
        """The first-listed person's first address of each document."""
        return np.asarray((self.person == 0) & (self.aff == 0))

    def weight(self) -> NDArray[np.float64]:
        """Fractional share of each row (before duplicate addresses of unlinked articles go)."""
        w = 1.0 / (self.size[self.doc] * self.n_aff)
        if self.unlinked.any():
            rows = np.bincount(self.doc, minlength=len(self.size))
            w = np.where(self.unlinked[self.doc], 1.0 / rows[self.doc], w)
        return np.asarray(w)


def _within(counts: IntArray) -> IntArray:
    """0, 1, ... within consecutive runs of the given lengths."""
    starts = np.cumsum(counts) - counts
    return np.asarray(np.arange(int(counts.sum())) - np.repeat(starts, counts))


def compose(
    layer: str,
    n_docs: int,
    rng: np.random.Generator,
    *,
    international: tuple[FloatArray, FloatArray] | None = None,
) -> Team:
    """Draw team sizes, affiliations and where each person is for ``n_docs`` documents.

    Parameters
    ----------
    international
        Optional per-document ``(P(international | 2+ people), share of co-people abroad in an
        international document)``, two arrays of length ``n_docs``, for documents whose home
        economy collaborates abroad more than the default (:data:`COLLABORATION`; see
        ``collaboration`` in ``data/world.toml``). The random draws are the same either way.
    """
    sizes = PATENT_SIZES if layer == "patent" else ARTICLE_SIZES
    size = rng.choice(len(sizes), size=n_docs, p=sizes).astype(np.int64) + 1
    p_intl, p_dom, q_abroad, q_econ = COLLABORATION[layer]
    p_intl_doc: FloatArray | float = p_intl
    q_abroad_doc: FloatArray | float = q_abroad
    if international is not None:
        p_intl_doc, q_abroad_doc = international
    multi = size >= 2
    intl = multi & (rng.random(n_docs) < p_intl_doc)
    dom = multi & (rng.random(n_docs) < p_dom)
    doc = np.repeat(np.arange(n_docs, dtype=np.int64), size)
    person = _within(size)
    u = rng.random(len(doc))
    cat = np.full(len(doc), CAT_SAME, dtype=np.int8)
    q_a = q_abroad_doc[doc] if isinstance(q_abroad_doc, np.ndarray) else q_abroad_doc
    p_a = np.where(intl[doc], q_a, 0.0)
    p_e = np.where(dom[doc], q_econ, 0.0)
    cat[u < p_a + p_e] = CAT_ECON
    cat[u < p_a] = CAT_ABROAD
    cat[person == 0] = CAT_HOME
    last = np.cumsum(size) - 1
    has_abroad = np.bincount(doc, weights=cat == CAT_ABROAD, minlength=n_docs) > 0
    fix = intl & ~has_abroad
    cat[last[fix]] = CAT_ABROAD
    has_econ = np.bincount(doc, weights=cat == CAT_ECON, minlength=n_docs) > 0
    second = last - size + 1 + 1  # person 1
    fix = dom & ~has_econ & multi
    fix_rows = second[fix]
    cat[fix_rows[cat[fix_rows] != CAT_ABROAD]] = CAT_ECON
    unlinked = np.zeros(n_docs, dtype=bool)
    if layer == "patent":
        n_aff = np.ones(len(doc), dtype=np.int64)
        return Team(
            doc=doc,
            person=person,
            aff=np.zeros(len(doc), dtype=np.int64),
            cat=cat,
            size=size,
            n_aff=n_aff,
            unlinked=unlinked,
        )
    unlinked = rng.random(n_docs) < UNLINKED
    n_aff_person = 1 + (rng.random(len(doc)) < SECOND_AFFILIATION).astype(np.int64)
    rows = np.repeat(np.arange(len(doc)), n_aff_person)
    aff = _within(n_aff_person)
    cat2 = cat[rows].copy()
    is2 = aff == 1
    where = rng.choice(3, size=int(is2.sum()), p=SECOND_WHERE)
    cat2[is2] = np.array([CAT_SAME, CAT_ECON, CAT_ABROAD], dtype=np.int8)[where]
    return Team(
        doc=doc[rows],
        person=person[rows],
        aff=aff,
        cat=cat2,
        size=size,
        n_aff=n_aff_person[rows],
        unlinked=unlinked,
    )


@lru_cache(maxsize=16)
def abroad_share(layer: str, international: tuple[float, float] | None = None) -> float:
    """Expected share of a document's fractional weight that sits abroad (Monte Carlo, fixed).

    ``international`` overrides ``(P(international | 2+ people), share of co-people abroad)`` of
    :data:`COLLABORATION` for the documents of one economy.
    """
    n = 200_000
    rng = np.random.Generator(np.random.PCG64(20240601))
    if international is None:
        team = compose(layer, n, rng)
    else:
        p, q = international
        team = compose(layer, n, rng, international=(np.full(n, p), np.full(n, q)))
    w = team.weight()
    abroad = team.cat == CAT_ABROAD
    # a second affiliation "in the same city" as an author abroad is abroad too
    if layer == "article":
        first_cat = np.where(team.aff == 0, team.cat, 0)
        author_abroad = np.repeat(first_cat[team.aff == 0] == CAT_ABROAD, team.n_aff[team.aff == 0])
        abroad = abroad | (author_abroad & (team.cat == CAT_SAME))
    return float(w[abroad].sum() / len(team.size))
