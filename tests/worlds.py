"""Worlds shared by the tests: a small hand-built one, and the demo world's scale and seed.

Blobs of inventors and authors around Munich, Lyon and Basel, a far co-inventor in Lisbon,
co-authors in Paris, some coarse and unlocated rows, an article without people and an unlinked
one. With ``min_points=40`` it gives five clusters whose order a person can check by hand:
Munich (300 patents, 500 articles planted) > Lyon (120, 400) > Basel (150, 100) > Paris (a
co-author on a quarter of the articles of the three cities) > Lisbon (a co-inventor on a tenth
of the patents).
"""

from __future__ import annotations

import numpy as np

from stclusters.config import Config
from stclusters.records import Records

# (city, country, lat, lon, patents, articles)
BLOBS = [
    ("Munich", "DE", 48.137, 11.575, 300, 500),
    ("Lyon", "FR", 45.764, 4.836, 120, 400),
    ("Basel", "CH", 47.558, 7.573, 150, 100),
]


def small_world(seed: int = 0) -> Records:
    """Blobs of inventors and authors around three cities, some noise, coarse and unlocated rows."""
    rng = np.random.default_rng(seed)
    docs, people, classes, applicants = [], [], [], []
    n = 0

    def person(
        doc: str,
        p: int | None,
        a: int | None,
        role: str,
        lat: float,
        lon: float,
        country: str,
        precision: str | None = "city",
        org: str | None = None,
    ) -> None:
        people.append(
            {
                "doc_id": doc,
                "person_seq": p,
                "address_seq": a,
                "role": role,
                "country": country,
                "lat": None if precision is None else lat,
                "lon": None if precision is None else lon,
                "precision": precision,
                "organisation": org,
            }
        )

    for city, country, lat, lon, n_pat, n_art in BLOBS:
        for i in range(n_pat):
            n += 1
            doc = f"P{n:05d}"
            docs.append({"doc_id": doc, "layer": "patent", "year": 2019 + i % 6})
            for p in range(1 + i % 3):
                jlat, jlon = rng.normal(lat, 0.03), rng.normal(lon, 0.04)
                person(doc, p, p, "inventor", round(jlat, 3), round(jlon, 3), country)
            if i % 10 == 0:  # a co-inventor far away (Lisbon)
                person(doc, 3, 3, "inventor", 38.72, -9.14, "PT")
            if i % 17 == 0:  # a coarsely located co-inventor
                person(doc, 4, 4, "inventor", 40.0, -4.0, "ES", precision="country")
            classes.append(
                {"doc_id": doc, "scheme": "ipc", "code": ["H04L 29/06", "A61K 31/00"][i % 2]}
            )
            applicants.append(
                {"doc_id": doc, "name": f"{city.upper()} TECH CO., LTD", "country": country}
            )
            if i % 3 == 0:
                applicants.append(
                    {"doc_id": doc, "name": f"{city} Tech Co Ltd", "country": country}
                )
        for i in range(n_art):
            n += 1
            doc = f"A{n:05d}"
            docs.append(
                {
                    "doc_id": doc,
                    "layer": "article",
                    "year": 2017 + i % 7,
                    "doc_type": "Article" if i % 25 else "Review",
                }
            )
            org = [f"Univ {city}", f"{city} University", f"Tech Univ {city}"][i % 3]
            site = (round(lat + 0.01 * (i % 5), 3), round(lon - 0.01 * (i % 4), 3))
            for p in range(2):
                person(doc, p, 0, "author", *site, country, org=org)
            if i % 4 == 0:
                person(doc, 1, 1, "author", 48.857, 2.352, "FR", org="Univ Paris")
            if i % 9 == 0:
                person(doc, 2, 0, "author", 0, 0, country, precision=None, org=org)
            classes.append({"doc_id": doc, "scheme": "wos", "code": "Physics, Applied"})
    # an article without people and an unlinked one
    docs.append({"doc_id": "A_empty", "layer": "article", "year": 2020, "doc_type": "Article"})
    docs.append({"doc_id": "A_unlinked", "layer": "article", "year": 2020, "doc_type": "Article"})
    for a in range(3):
        person("A_unlinked", None, a, "author", 48.14, 11.58, "DE")
    return Records.from_tables(
        documents=docs, people=people, classes=classes, applicants=applicants
    )


#: Settings for the small world: five clusters, all published.
SMALL_CONFIG = Config(min_points=40, top_n=10)

#: The clusters of the small world in size order (see the module docstring).
SMALL_RANKING = ["Munich", "Lyon", "Basel", "Paris", "Lisbon"]

#: Scale and seed of the demo world (`stclusters demo` builds the same; see the ``demo_world``
#: fixture of tests/conftest.py).
DEMO_SCALE = 0.05
DEMO_SEED = 0
