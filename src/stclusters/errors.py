"""The few exception types of stclusters and the exit codes of the command line.

Each type subclasses a built-in so callers can catch either, and carries the exit code the
command line ends with when it is raised (:data:`EXIT_CODES`, documented in the README):

====  ==========================================================================================
code  meaning
====  ==========================================================================================
0     success
1     an unexpected error: a fault of stclusters (rerun with ``--debug`` and report the traceback)
2     bad usage, settings or input (an option, a setting, a file that cannot be read or used,
      an output path the safety rules refuse)
3     the run's accounts do not add up (a check at the end of every run)
4     the file system refuses the output (permission denied, read-only, disk full)
5     out of memory (raise ``--memory-limit-gb`` or free memory)
130   interrupted (Ctrl-C, SIGINT); 143 for SIGTERM: the previous output is left as it was
====  ==========================================================================================
"""

from __future__ import annotations

from typing import ClassVar

__all__ = [
    "EXIT_CODES",
    "AccountsError",
    "ConfigError",
    "InputError",
    "OutputError",
    "ResourceError",
    "StclustersError",
    "ValidationError",
    "WriteError",
]

#: The exit codes of the command line (the one place they are defined; see the module doc).
EXIT_CODES: dict[str, int] = {
    "ok": 0,
    "internal": 1,
    "usage": 2,
    "accounts": 3,
    "output": 4,
    "resources": 5,
    "interrupted": 130,
    "terminated": 143,
}


class StclustersError(Exception):
    """Base class of every stclusters error."""

    #: The command line's exit code for this error (:data:`EXIT_CODES`).
    exit_code: ClassVar[int] = EXIT_CODES["usage"]


class AccountsError(StclustersError, RuntimeError):
    """The run's accounts do not add up: a record, people row or share went unexplained (a
    fault of stclusters, never of the input; exit code 3). ``problems`` lists each identity
    that broke."""

    exit_code: ClassVar[int] = EXIT_CODES["accounts"]

    def __init__(self, problems: list[str]) -> None:
        self.problems = list(problems)
        super().__init__(
            "the run's accounts do not add up, so no output was written: "
            + "; ".join(self.problems)
            + ". This is a fault of stclusters: please report it (rerun with --debug)"
        )


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
    """An output path cannot be written: that would destroy what the user did not ask to
    replace (a usage error, exit code 2)."""


class WriteError(OutputError):
    """The file system refuses to write the output (permission denied, read-only, disk full)."""

    exit_code: ClassVar[int] = EXIT_CODES["output"]


class ResourceError(StclustersError, MemoryError):
    """The run ran out of memory; the message names the stage, the limit and the setting."""

    exit_code: ClassVar[int] = EXIT_CODES["resources"]
