"""The calibration of the synthetic world: economy totals and planted hubs (data/world.toml)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from stclusters.errors import InputError

__all__ = ["Calibration", "Economy", "Hub", "load_calibration"]

LAYER_KEYS = {"patent": "patents", "article": "articles"}


@dataclass(frozen=True)
class Economy:
    """Five-year output of one economy (documents whose first-listed person is there)."""

    iso2: str
    name: str
    patents: int
    articles: int
    #: ``(layer, P(international | 2+ people), share of co-people abroad)`` for the layers where
    #: the economy's documents collaborate abroad more than the team model's default
    collaboration: tuple[tuple[str, float, float], ...] = ()

    def output(self, layer: str) -> int:
        """The total of ``layer`` ('patent' or 'article')."""
        return self.patents if layer == "patent" else self.articles

    def international(self, layer: str) -> tuple[float, float] | None:
        """The economy's own collaboration abroad in ``layer``, or None for the default."""
        for name, p_intl, q_abroad in self.collaboration:
            if name == layer:
                return (p_intl, q_abroad)
        return None


@dataclass(frozen=True)
class Hub:
    """A known S&T hub: its main places (largest first) and planted fractional output."""

    name: str
    economies: tuple[str, ...]
    places: tuple[tuple[str, str], ...]
    patents: int
    articles: int
    basis: str

    def output(self, layer: str) -> int:
        """The planted output of ``layer`` ('patent' or 'article')."""
        return self.patents if layer == "patent" else self.articles


@dataclass(frozen=True)
class Calibration:
    """Economies and hubs of the synthetic world."""

    economies: tuple[Economy, ...]
    hubs: tuple[Hub, ...]

    def economy(self, iso2: str) -> Economy:
        """The economy with code ``iso2``."""
        for eco in self.economies:
            if eco.iso2 == iso2:
                return eco
        raise KeyError(iso2)


def _collaboration(entry: dict[str, Any], where: str) -> tuple[tuple[str, float, float], ...]:
    """The optional ``collaboration = { article = [p, q] }`` of an economy, checked."""
    out = []
    for layer, pair in sorted(dict(entry.get("collaboration", {})).items()):
        values = [float(x) for x in pair]
        if layer not in LAYER_KEYS:
            raise InputError(
                f"{where}: economy {entry['iso2']!r}: collaboration layer {layer!r} is not "
                f"one of {sorted(LAYER_KEYS)}"
            )
        if len(values) != 2 or not all(0.0 <= v <= 1.0 for v in values):
            raise InputError(
                f"{where}: economy {entry['iso2']!r}: collaboration.{layer} must be two shares "
                f"between 0 and 1 ([P(international), share of co-people abroad]); got {pair!r}"
            )
        out.append((str(layer), values[0], values[1]))
    return tuple(out)


def _parse(data: dict[str, Any], where: str) -> Calibration:
    try:
        economies = tuple(
            Economy(
                iso2=str(e["iso2"]),
                name=str(e["name"]),
                patents=int(e["patents"]),
                articles=int(e["articles"]),
                collaboration=_collaboration(e, where),
            )
            for e in data["economies"]
        )
        hubs = []
        for h in data["hubs"]:
            places = []
            for item in h["places"]:
                name, _, country = str(item).rpartition("|")
                if not name or len(country) != 2:
                    raise InputError(
                        f"{where}: hub {h['name']!r}: place {item!r} is not 'Name|ISO2'"
                    )
                places.append((name, country))
            hubs.append(
                Hub(
                    name=str(h["name"]),
                    economies=tuple(str(x) for x in h["economies"]),
                    places=tuple(places),
                    patents=int(h["patents"]),
                    articles=int(h["articles"]),
                    basis=str(h.get("basis", "")),
                )
            )
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, InputError):
            raise
        raise InputError(f"{where}: malformed calibration table ({exc!r})") from exc
    codes = [e.iso2 for e in economies]
    if len(set(codes)) != len(codes):
        raise InputError(f"{where}: an economy is listed twice")
    return Calibration(economies=economies, hubs=tuple(hubs))


@lru_cache(maxsize=1)
def load_calibration() -> Calibration:
    """The calibration shipped with the package (``stclusters/data/world.toml``)."""
    path = resources.files("stclusters") / "data" / "world.toml"
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    return _parse(data, str(path))
