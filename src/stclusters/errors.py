"""The few exception types of stclusters; each subclasses a built-in so callers can catch either."""

from __future__ import annotations


class StclustersError(Exception):
    """Base class of every stclusters error."""


class ConfigError(StclustersError, ValueError):
    """A setting is missing, of the wrong type or out of range."""


class InputError(StclustersError, ValueError):
    """An input file or records folder cannot be used as given."""


class ValidationError(InputError):
    """Records break the record model; ``problems`` lists every problem found."""

    def __init__(self, problems: list[str], *, where: str = "records") -> None:
        self.problems = list(problems)
        self.where = where
        lines = "\n".join(f"  - {p}" for p in self.problems)
        super().__init__(f"{where}: {len(self.problems)} problem(s) found:\n{lines}")


class OutputError(StclustersError, ValueError):
    """An output path cannot be written: that would destroy what the user did not ask to replace."""
