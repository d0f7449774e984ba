"""Stage timing and the one summary line per stage (a quiet library, a talkative CLI)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

__all__ = ["Reporter", "StageClock"]

log = logging.getLogger("stclusters")

#: Receives one line of text (a stage summary, a warning).
Reporter = Callable[[str], None]


class StageClock:
    """Times the stages of a run and reports one summary line per stage.

    Parameters
    ----------
    say
        Receives "<stage>: <summary> (<seconds> s)" when a stage ends, and warnings.
    on_begin
        Called with the stage's name when it begins (for a progress display).
    """

    def __init__(self, say: Reporter | None = None, on_begin: Reporter | None = None) -> None:
        self.say: Reporter = say or (lambda _line: None)
        self.on_begin = on_begin
        self.times: dict[str, float] = {}
        self._name = ""
        self._start = 0.0

    def begin(self, name: str) -> None:
        """Start timing stage ``name``."""
        self._name, self._start = name, time.perf_counter()
        if self.on_begin is not None:
            self.on_begin(name)

    def end(self, summary: str) -> None:
        """End the current stage: record its seconds, log and report its summary."""
        seconds = time.perf_counter() - self._start
        self.times[self._name] = round(seconds, 3)
        line = f"{self._name}: {summary} ({seconds:.1f} s)"
        log.info(line)
        self.say(line)

    def warn(self, message: str) -> None:
        """Log and report a warning."""
        log.warning(message)
        self.say(f"warning: {message}")
