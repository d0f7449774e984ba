"""One typed, validated configuration: method defaults, a TOML file, command-line overrides.

Precedence: explicit overrides (command line, keyword arguments) beat the configuration file, which
beats the defaults. Every value is checked before any work starts; a bad value raises
:class:`~stclusters.errors.ConfigError` naming the setting, the allowed values, what was given and
where it came from (file and line, or the command line).

The file may list settings at the top level or under their group's table::

    edition = 2024

    [clustering]
    eps_km = 15
    min_points = 4500
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from stclusters._limits import EPS_KM, FOOTPRINT_KM, MERGE_KM, MIN_POINTS, Bound
from stclusters.errors import ConfigError, InputError

__all__ = [
    "Config",
    "Setting",
    "SettingView",
    "check_setting_files",
    "load_config",
    "settings_table",
    "settings_view",
]


@dataclass(frozen=True)
class Setting:
    """How one setting is checked and documented."""

    group: str
    help: str
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    choices: tuple[str, ...] | None = None
    item_choices: tuple[str, ...] | None = None
    nullable: bool = False
    #: "file": the setting names a file whose content counts (the run's fingerprint and the
    #: accounts hold its SHA-256, never its path); "ranking": the same for an output folder's
    #: ranking.csv (or that file); "folder": it names where something is kept without changing
    #: the results (left out of both). See :meth:`Config.by_content`.
    path: str | None = None


def _s(default: Any, group: str, help: str, **kw: Any) -> Any:
    meta = Setting(group=group, help=help, **kw)
    if isinstance(default, list | tuple):
        value = tuple(default)
        return field(default=value, metadata={"setting": meta})  # type: ignore[arg-type]
    return field(default=default, metadata={"setting": meta})


def _bounds(bound: Bound) -> dict[str, Any]:
    """The range of a setting from its one source (:mod:`stclusters._limits`)."""
    return {
        "minimum": bound.minimum,
        "maximum": bound.maximum,
        "exclusive_minimum": bound.exclusive_minimum,
    }


PRECISION_CHOICES = ("street", "postcode", "city", "region", "country")


@dataclass(frozen=True)
class Config:
    """Every setting of a run, with the defaults of the method (docs/method.md)."""

    # --- edition and windows (method.md section 1)
    edition: int = _s(
        2024,
        "window",
        "Edition year E: patents of E-5..E-1 and articles of E-6..E-2 by default.",
        minimum=1990,
        maximum=2100,
    )
    window_years: int = _s(
        5, "window", "Length of each time window in years.", minimum=1, maximum=30
    )
    patent_lag: int = _s(
        1,
        "window",
        "Years between the edition and the last patent year.",
        minimum=0,
        maximum=10,
    )
    article_lag: int = _s(
        2,
        "window",
        "Years between the edition and the last article year.",
        minimum=0,
        maximum=10,
    )
    article_doc_types: tuple[str, ...] = _s(
        ["Article"],
        "filters",
        "Article document types kept (others are counted as filtered by type).",
    )
    exclude_ssh_only: bool = _s(
        True,
        "filters",
        "Leave out articles whose subject categories are all social sciences, arts or humanities.",
    )
    # --- geocoding (section 2)
    cluster_precisions: tuple[str, ...] = _s(
        ["street", "postcode", "city"],
        "geocoding",
        "Precision levels fine enough to take part in clustering.",
        item_choices=PRECISION_CHOICES,
    )
    cache_dir: str | None = _s(
        None,
        "geocoding",
        "Folder of the gazetteer and geocoding caches; empty means the user cache folder "
        "(~/.cache/stclusters).",
        nullable=True,
        path="folder",
    )
    fuzzy_threshold: float = _s(
        88.0,
        "geocoding",
        "Smallest similarity (0-100) of a tolerant match of a misspelt place name; "
        "100 allows exact matches only.",
        minimum=50,
        maximum=100,
    )
    geocode_overrides: str | None = _s(
        None,
        "geocoding",
        "CSV file with columns 'address', 'lat', 'lon' (optional 'city', 'region', 'country', "
        "'precision') moving addresses of addresses.csv, or 'ignore' in 'lat' taking them out.",
        nullable=True,
        path="file",
    )
    # --- clustering (section 3)
    eps_km: float = _s(
        15.0,
        "clustering",
        "DBSCAN radius in kilometres (great-circle distance).",
        **_bounds(EPS_KM),
    )
    min_points: float = _s(
        4500.0,
        "clustering",
        "Total weight within eps_km (the point included) that makes a core point.",
        **_bounds(MIN_POINTS),
    )
    merge_km: float = _s(
        5.0,
        "clustering",
        "Clusters with member points this close or closer are merged (transitively).",
        **_bounds(MERGE_KM),
    )
    footprint_km: float = _s(
        5.0,
        "clustering",
        "Radius of the discs around member points whose union is a cluster's footprint.",
        **_bounds(FOOTPRINT_KM),
    )
    economy_share: float = _s(
        0.10,
        "clustering",
        "Share of a cluster's output an economy needs to be listed among its economies.",
        minimum=0,
        maximum=1,
    )
    # --- ranking (section 5)
    top_n: int = _s(100, "ranking", "Number of clusters published.", minimum=1)
    population_source: str = _s(
        "geonames",
        "ranking",
        "Where cluster populations come from: GeoNames places or a population raster.",
        choices=("geonames", "raster"),
    )
    population_raster: str | None = _s(
        None,
        "ranking",
        "Path of a GeoTIFF population raster (population_source = 'raster').",
        nullable=True,
        path="file",
    )
    previous: str | None = _s(
        None,
        "ranking",
        "A previous output folder (or its ranking.csv): adds each published cluster's "
        "previous rank, rank change and 'new' to the ranking, profiles and site.",
        nullable=True,
        path="ranking",
    )
    sensitivity: bool = _s(
        False,
        "ranking",
        "Also rerun the clustering with eps_km and min_points each lowered and raised by "
        "sensitivity_step, and report each published cluster's range of size ranks.",
    )
    sensitivity_step: float = _s(
        0.2,
        "ranking",
        "Largest relative change of eps_km and min_points in the sensitivity runs.",
        minimum=0,
        exclusive_minimum=True,
        maximum=0.9,
    )
    sensitivity_analysis: bool = _s(
        False,
        "ranking",
        "The full rank-stability analysis (stclusters sensitivity): a grid of settings and "
        "bootstrap resamples; rank intervals and sensitivity.csv.",
    )
    sensitivity_grid: int = _s(
        5,
        "ranking",
        "Values of eps_km and of min_points in the sensitivity_analysis grid (from 1 - "
        "sensitivity_step to 1 + sensitivity_step times the setting).",
        minimum=1,
        maximum=11,
    )
    sensitivity_bootstraps: int = _s(
        50,
        "ranking",
        "Bootstrap resamples of the documents in the sensitivity_analysis (seeded by seed).",
        minimum=0,
        maximum=1000,
    )
    # --- naming (section 6)
    name_min_population: int = _s(
        100_000,
        "naming",
        "Smallest population of a place that can name a cluster.",
        minimum=0,
    )
    name_max_cities: int = _s(
        3, "naming", "Most cities in a cluster's name.", minimum=1, maximum=10
    )
    name_min_share: float = _s(
        0.15,
        "naming",
        "Share of a cluster's output a further city needs to join the name.",
        minimum=0,
        maximum=1,
    )
    name_overrides: str | None = _s(
        None,
        "naming",
        "CSV file with columns 'name' and 'override' replacing generated cluster names.",
        nullable=True,
        path="file",
    )
    # --- profiles (section 7)
    organisation_aliases: str | None = _s(
        None,
        "profiles",
        "CSV file with columns 'variant' and 'organisation' matching name variants to one "
        "organisation in the profiles.",
        nullable=True,
        path="file",
    )
    profile_top: int = _s(
        3,
        "profiles",
        "Number of top applicants, organisations and collaborating locations in a profile.",
        minimum=1,
        maximum=50,
    )
    profile_top_fields: int = _s(
        5,
        "profiles",
        "Number of top technology and science fields in a profile.",
        minimum=1,
        maximum=35,
    )
    # --- topic (method.md "Topic clusters")
    topic: str | None = _s(
        None,
        "topic",
        "Restrict the run to one topic: a WIPO technology field or sector ('Digital "
        "communication', '4'), IPC/CPC prefixes ('ipc:A01H;C12N15/82'), fields of science or "
        "categories ('science:1.2', 'wos:Physics, Applied', 'asjc:17'), title words "
        "('words:graphene'), parts joined by ' + '; empty means every document.",
        nullable=True,
    )
    topic_counting: str = _s(
        "fractional",
        "topic",
        "How a document belongs to the topic: with the share of its codes that match "
        "(fractional) or wholly when any code matches (whole).",
        choices=("fractional", "whole"),
    )
    topic_min_points: float | None = _s(
        None,
        "topic",
        "min_points of a topic run; empty means min_points times the topic's share of the "
        "world output of the layer it names.",
        minimum=0,
        exclusive_minimum=True,
        nullable=True,
    )
    # --- run
    memory_limit_gb: float | None = _s(
        None,
        "run",
        "Memory the table engine (DuckDB) may use before it spills to disk, in GB; "
        "empty means DuckDB's default (80% of the machine's memory).",
        minimum=0.1,
        nullable=True,
    )
    seed: int = _s(0, "run", "Seed for every random choice (the synthetic world).", minimum=0)

    # ----------------------------------------------------------------------------------------

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            _check(f, getattr(self, f.name), where="")
        if self.population_source == "raster" and not self.population_raster:
            raise ConfigError(
                "The 'population_raster' setting must name a GeoTIFF file when "
                "population_source = 'raster'; got none"
            )
        if self.sensitivity or self.sensitivity_analysis:
            self._check_sensitivity_runs()
        if self.topic is not None:
            from stclusters.measure.topic import parse_topic

            parse_topic(self.topic, counting=self.topic_counting)

    def _check_sensitivity_runs(self) -> None:
        """The sensitivity reruns scale eps_km and min_points by 1 -+ sensitivity_step: the
        scaled values must be allowed too, or the runs would fail after the main one."""
        for bound, value in ((EPS_KM, self.eps_km), (MIN_POINTS, self.min_points)):
            for factor in (1.0 - self.sensitivity_step, 1.0 + self.sensitivity_step):
                if not bound.contains(value * factor):
                    raise ConfigError(
                        f"The sensitivity runs would use {bound.name} = {value * factor:g}"
                        f" ({bound.name} {value:g} times {factor:g}), outside its allowed"
                        f" range: {_allowed(_fields()[bound.name])}; change {bound.name} or"
                        " sensitivity_step, or turn sensitivity off"
                    )

    @property
    def patent_years(self) -> tuple[int, int]:
        """First and last patent year of the window."""
        last = self.edition - self.patent_lag
        return (last - self.window_years + 1, last)

    @property
    def article_years(self) -> tuple[int, int]:
        """First and last article year of the window."""
        last = self.edition - self.article_lag
        return (last - self.window_years + 1, last)

    def years(self, layer: str) -> tuple[int, int]:
        """The window of ``layer`` ('patent' or 'article')."""
        return self.patent_years if layer == "patent" else self.article_years

    def replace(self, **changes: Any) -> Config:
        """A copy with some settings changed (checked like any other value)."""
        return merge_settings(self, changes, where="arguments")

    def to_dict(self) -> dict[str, Any]:
        """The settings as plain values (tuples become lists)."""
        out: dict[str, Any] = {}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            out[f.name] = list(value) if isinstance(value, tuple) else value
        return out

    def by_content(self) -> dict[str, Any]:
        """The settings as the results depend on them, the same wherever the files live.

        :meth:`to_dict` with every setting that names a folder (``path="folder"`` in its
        :class:`Setting`: the caches) left out and every setting that names a file
        (``path="file"``) replaced by ``"sha256:<hex>"`` of the file's bytes (``"missing:<name>"``
        when it cannot be read). The run's fingerprint and ``accounts.json`` use it, so that the
        same inputs and settings give the same bytes wherever they are (issue 13).
        """
        out = self.to_dict()
        for f in dataclasses.fields(self):
            meta: Setting = f.metadata["setting"]
            if meta.path == "folder":
                out.pop(f.name)
            elif meta.path == "file" and out[f.name]:
                out[f.name] = file_sha256(Path(out[f.name]))
            elif meta.path == "ranking" and out[f.name]:
                from stclusters.measure.previous import previous_file

                out[f.name] = file_sha256(previous_file(out[f.name]))
        return out

    def changed(self) -> dict[str, Any]:
        """The settings that differ from the defaults."""
        default = Config()
        return {k: v for k, v in self.to_dict().items() if default.to_dict()[k] != v}

    def __repr__(self) -> str:
        changed = self.changed()
        inner = ", ".join(f"{k}={v!r}" for k, v in changed.items())
        return f"Config({inner})" if inner else "Config(<defaults>)"


def _fields() -> dict[str, dataclasses.Field[Any]]:
    return {f.name: f for f in dataclasses.fields(Config)}


def settings_table() -> list[tuple[str, str, Any, str]]:
    """(group, name, default, help) of every setting, in declaration order."""
    default = Config()
    out = []
    for f in dataclasses.fields(Config):
        meta: Setting = f.metadata["setting"]
        out.append((meta.group, f.name, getattr(default, f.name), meta.help))
    return out


@dataclass(frozen=True)
class SettingView:
    """How a setting is shown to a person: on the command line (``--help``) and in docs.

    Derived from the :class:`Setting` metadata and the field's type and default, so that the
    command line never repeats a fact of the settings table.
    """

    name: str
    group: str
    help: str
    #: 'bool', 'int', 'float', 'text', 'choice' or 'list'
    kind: str
    #: the placeholder of the value in ``--help`` (INTEGER, NUMBER, TEXT, geonames|raster, LIST)
    metavar: str
    #: the default as it would be typed on the command line ('' for none)
    default: str
    #: what values are allowed, in words ("a number at least 0.1 (or empty)")
    allowed: str

    @property
    def option(self) -> str:
        """The command-line option: ``--eps-km``."""
        return "--" + self.name.replace("_", "-")

    @property
    def flag(self) -> bool:
        """Whether the setting is on/off (a ``--x`` / ``--no-x`` flag on the command line)."""
        return self.kind == "bool"


def _view_kind(f: dataclasses.Field[Any]) -> str:
    meta: Setting = f.metadata["setting"]
    kind = _kind(f)
    if meta.choices:
        return "choice"
    if kind.startswith("a list"):
        return "list"
    return kind


_METAVARS = {"int": "INTEGER", "float": "NUMBER", "text": "TEXT", "list": "LIST", "bool": ""}


def _shown(value: Any) -> str:
    """A value as it is typed on the command line (lists comma-separated, none as '')."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple | list):
        return ",".join(str(v) for v in value)
    if isinstance(value, float):
        return _num(value)
    return str(value)


def settings_view() -> list[SettingView]:
    """Every setting as a person sees it (command line, docs), in declaration order."""
    default = Config()
    out = []
    for f in dataclasses.fields(Config):
        meta: Setting = f.metadata["setting"]
        kind = _view_kind(f)
        metavar = "|".join(meta.choices) if meta.choices else _METAVARS[kind]
        out.append(
            SettingView(
                name=f.name,
                group=meta.group,
                help=meta.help,
                kind=kind,
                metavar=metavar,
                default=_shown(getattr(default, f.name)),
                allowed=_allowed(f),
            )
        )
    return out


def _allowed(f: dataclasses.Field[Any]) -> str:
    meta: Setting = f.metadata["setting"]
    kind = _kind(f)
    if meta.choices:
        return "one of " + ", ".join(repr(c) for c in meta.choices)
    if meta.item_choices:
        return "a list of " + ", ".join(repr(c) for c in meta.item_choices)
    parts = []
    noun = {"int": "a whole number", "float": "a number", "bool": "true or false"}.get(kind, kind)
    if meta.minimum is not None:
        parts.append(("above " if meta.exclusive_minimum else "at least ") + _num(meta.minimum))
    if meta.maximum is not None:
        parts.append("at most " + _num(meta.maximum))
    text = noun + (" " + " and ".join(parts) if parts else "")
    if meta.nullable:
        text += " (or empty)"
    return text


def _num(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def _kind(f: dataclasses.Field[Any]) -> str:
    t = str(f.type).replace(" | None", "")
    if t.startswith("tuple"):
        return "a list of text values"
    if t.startswith("str"):
        return "text"
    return t


def _fail(f: dataclasses.Field[Any], value: Any, where: str) -> ConfigError:
    loc = f" ({where})" if where else ""
    shown = value if isinstance(value, str) and value.strip() else repr(value)
    return ConfigError(f"The '{f.name}' setting must be {_allowed(f)}; got {shown}{loc}")


_TRUE, _FALSE = ("true", "yes", "1"), ("false", "no", "0")


def _to_bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in _TRUE + _FALSE:
        return value.lower() in _TRUE
    return None


def _to_number(value: Any, kind: type[int] | type[float]) -> int | float | None:
    """``value`` as an int or float (text with ``_`` separators accepted), None when it is
    not one; True and False are not numbers, and an int setting takes only whole floats."""
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        try:
            return kind(value.replace("_", ""))
        except ValueError:
            return None
    if kind is float and isinstance(value, int | float):
        return float(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _to_texts(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _coerce(f: dataclasses.Field[Any], value: Any, where: str) -> Any:
    """Convert ``value`` (possibly text from the command line) to the type of ``f``."""
    kind = _kind(f)
    meta: Setting = f.metadata["setting"]
    if value is None or (isinstance(value, str) and value == "" and meta.nullable):
        if meta.nullable:
            return None
        raise _fail(f, value, where)
    out: Any
    if kind == "bool":
        out = _to_bool(value)
    elif kind in ("int", "float"):
        out = _to_number(value, int if kind == "int" else float)
    elif kind == "text":
        out = value if isinstance(value, str) else None
    else:  # list of text
        out = _to_texts(value)
    if out is None:
        raise _fail(f, value, where)
    return out


def _check(f: dataclasses.Field[Any], value: Any, *, where: str) -> None:
    meta: Setting = f.metadata["setting"]
    kind = _kind(f)
    if value is None:
        if not meta.nullable:
            raise _fail(f, value, where)
        return
    expected: tuple[type, ...] = {
        "int": (int,),
        "float": (float, int),
        "bool": (bool,),
        "text": (str,),
    }.get(kind, (tuple,))
    if not isinstance(value, expected) or (kind in ("int", "float") and isinstance(value, bool)):
        raise _fail(f, value, where)
    value = cast(Any, value)
    if kind in ("int", "float"):
        if value != value or value in (float("inf"), float("-inf")):
            raise _fail(f, value, where)
        if meta.minimum is not None and (
            value < meta.minimum or (meta.exclusive_minimum and value == meta.minimum)
        ):
            raise _fail(f, value, where)
        if meta.maximum is not None and value > meta.maximum:
            raise _fail(f, value, where)
    if meta.choices and value not in meta.choices:
        raise _fail(f, value, where)
    if kind.startswith("a list"):
        if not value or not all(isinstance(v, str) and v for v in value):
            raise _fail(f, value, where)
        if meta.item_choices and any(v not in meta.item_choices for v in value):
            raise _fail(f, value, where)


def merge_settings(
    base: Config, changes: Mapping[str, Any], *, where: str | Mapping[str, str]
) -> Config:
    """``base`` with ``changes`` applied; ``where`` says where each value came from."""
    fields = _fields()
    values = {}
    for key, raw in changes.items():
        loc = where if isinstance(where, str) else where.get(key, "")
        if key not in fields:
            close = difflib.get_close_matches(key, list(fields), n=1)
            hint = f"; did you mean '{close[0]}'?" if close else ""
            suffix = f" ({loc})" if loc else ""
            raise ConfigError(f"Unknown setting '{key}'{suffix}{hint}")
        value = _coerce(fields[key], raw, loc)
        try:
            _check(fields[key], value, where=loc)
        except ConfigError:
            raise _fail(fields[key], raw, loc) from None
        values[key] = value
    try:
        return dataclasses.replace(base, **values)
    except ConfigError as exc:
        raise ConfigError(f"{exc} ({where if isinstance(where, str) else 'settings'})") from None


def _line_of(text: str, key: str, group: str | None) -> int | None:
    """Line number of ``key = ...`` in TOML ``text`` (inside ``[group]`` when given), or of the
    table ``[key]`` itself; dotted keys (``group.key = ...``), quoted keys and spaces inside
    the brackets are understood. None when the line cannot be found (messages then leave the
    line out rather than print "line None")."""
    section: str | None = None
    name = rf"(?:{re.escape(key)}|\"{re.escape(key)}\"|'{re.escape(key)}')"
    prefix = rf"(?:{re.escape(group)}\s*\.\s*)?" if group else ""
    pattern = re.compile(rf"^\s*{prefix}{name}\s*(?:=|\.)")
    table = re.compile(rf"^\s*\[\s*{name}\s*(?:\]|\.)")
    for number, line in enumerate(text.splitlines(), start=1):
        header = re.match(r"^\s*\[\[?\s*([^\]]+?)\s*\]", line)
        if group is None and table.match(line):
            return number
        if header:
            section = header.group(1).replace('"', "").replace("'", "").replace(" ", "")
            continue
        if (section == group or (group and section is None)) and pattern.match(line):
            return number
    return None


def _at(path: Path, line: int | None) -> str:
    """Where a value came from: the file, and its line when known."""
    return f"{path}, line {line}" if line is not None else str(path)


def load_config(
    path: str | Path | None = None,
    *,
    overrides: Mapping[str, Any] | None = None,
    override_source: str = "command line",
) -> Config:
    """Load settings from a TOML file (optional), then apply overrides.

    Parameters
    ----------
    path
        A TOML configuration file, or None for the defaults.
    overrides
        Settings that beat the file (for example command-line options); None values are ignored.
    override_source
        How error messages name where the overrides came from.

    Raises
    ------
    ConfigError
        For a file that cannot be read or parsed, an unknown setting or a bad value.
    """
    config = Config()
    if path is not None:
        path = Path(path)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(
                f"Cannot read the configuration file {path}: {exc.strerror}"
            ) from None
        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: not valid TOML ({exc})") from None
        groups = {meta.group for meta in (f.metadata["setting"] for f in _fields().values())}
        flat: dict[str, Any] = {}
        where: dict[str, str] = {}
        for key, value in data.items():
            if isinstance(value, dict):
                if key not in groups:
                    raise _unknown_group(key, groups, _at(path, _line_of(text, key, None)))
                for sub, subvalue in value.items():
                    flat[sub] = subvalue
                    where[sub] = _at(path, _line_of(text, sub, key))
            else:
                flat[key] = value
                where[key] = _at(path, _line_of(text, key, None))
        config = merge_settings(config, flat, where=where)
    if overrides:
        given = {k: v for k, v in overrides.items() if v is not None}
        config = merge_settings(config, given, where=override_source)
    return config


def _unknown_group(key: str, groups: set[str], where: str) -> ConfigError:
    """The error for a settings group that does not exist, with the closest group's name."""
    close = difflib.get_close_matches(key, sorted(groups), n=1)
    hint = f"did you mean [{close[0]}]? " if close else ""
    return ConfigError(
        f"Unknown settings group [{key}] ({where}); {hint}the groups are "
        f"{', '.join(sorted(groups))}"
    )


def to_toml(config: Config) -> str:
    """The settings as a TOML document grouped by table, with each setting's help as a comment."""
    groups: dict[str, list[str]] = {}
    values = config.to_dict()
    for group, name, _default, help_text in settings_table():
        value = values[name]
        if value is None:
            line = f"# {name} = "
        elif isinstance(value, bool):
            line = f"{name} = {'true' if value else 'false'}"
        elif isinstance(value, str):
            line = f'{name} = "{value}"'
        elif isinstance(value, list):
            line = f"{name} = [" + ", ".join(f'"{v}"' for v in value) + "]"
        else:
            line = f"{name} = {value}"
        groups.setdefault(group, []).append(f"# {help_text}\n{line}")
    return "\n\n".join(f"[{g}]\n" + "\n".join(lines) for g, lines in groups.items()) + "\n"


def file_sha256(path: Path) -> str:
    """``"sha256:<hex>"`` of a file's bytes (read in 1 MiB blocks); ``"missing:<name>"`` when it
    cannot be read."""
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return f"missing:{path.name}"
    return f"sha256:{digest.hexdigest()}"


def check_setting_files(config: Config) -> None:
    """Check the files that settings name (population raster, name overrides, previous ranking)
    before any work.

    Raises
    ------
    InputError
        When the population raster does not exist or the name override table or the previous
        ranking cannot be read.
    ConfigError
        When a population raster is to be read and rasterio (the ``raster`` extra) is missing.
    """
    from stclusters.measure.naming import read_name_overrides
    from stclusters.measure.population import require_rasterio

    if config.population_source == "raster":
        require_rasterio()
    raster = config.population_raster
    if config.population_source == "raster" and raster and not Path(raster).exists():
        raise InputError(
            f"The 'population_raster' setting names {raster}, which does not exist; "
            "give the path of a GeoTIFF population raster"
        )
    if config.name_overrides:
        read_name_overrides(config.name_overrides)
    if config.previous:
        from stclusters.measure.previous import read_previous

        read_previous(config.previous)
