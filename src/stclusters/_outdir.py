"""Where stclusters may write: never destroy what the user did not ask to replace.

Every command that writes (``run``, ``demo``, ``read``, ``synth``, ``geocode``, ``report``) and
their Python functions check the target before any work:

- a target that does not exist, or an empty folder, is written;
- a folder holding the marker file :data:`MARKER`, written by stclusters into every folder it
  creates, is replaced when the marker names a kind the command may replace (:data:`REPLACES`);
- anything else (an existing file, a non-empty folder of anything else, a folder written by a
  version of stclusters older than the marker) is refused unless the user passes ``--force``
  (``force=True`` in Python);
- a target that is, contains or lies inside an input (records folders, input files, the folder
  a glob pattern searches), or that is or holds the current folder, the home folder or the root,
  is refused even with ``--force``.

A file output (``stclusters geocode --out located.csv``) cannot hold a marker: an existing file
is replaced only when its header row ends with the columns the command appends (a previous
output of the same command) or with ``--force``, and never when it is the input file.

Paths are compared resolved (symlinks followed) and, when both exist, by identity
(:meth:`pathlib.Path.samefile`, which also catches hard links). The source of the rules is issue 11,
item 1.
"""

from __future__ import annotations

import csv
import ctypes
import errno
import glob
import io
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, Literal

from stclusters.errors import OutputError, WriteError

__all__ = [
    "MARKER",
    "REPLACES",
    "OutputKind",
    "check_file",
    "check_folder",
    "check_run_folder",
    "check_writable",
    "claim_folder",
    "completed",
    "exchange",
    "input_paths",
    "prepare_folder",
    "read_marker",
    "staged_folder",
    "sweep_stale",
    "write_marker",
]

#: The marker file stclusters writes into every folder it creates.
MARKER = ".stclusters-output"

#: The kinds of output folder: a run's output, a records folder, a synthetic world.
OutputKind = Literal["run", "records", "world"]

#: What each kind of output may replace without ``--force`` (a records folder and a synthetic
#: world are both records folders; a run's output only replaces a run's output).
REPLACES: dict[str, frozenset[str]] = {
    "run": frozenset({"run"}),
    "records": frozenset({"records", "world"}),
    "world": frozenset({"world", "records"}),
}

_WHAT = {
    "run": "the output of a run",
    "records": "a records folder",
    "world": "a synthetic world",
}

#: Files whose presence in a folder without a marker suggests an older stclusters wrote it.
_OLD_OUTPUT_FILES = ("manifest.json", "ranking.json", "accounts.json")

_FORCE = "pass --force (force=True in Python) to replace it"
_GLOB_CHARS = frozenset("*?[")


# --------------------------------------------------------------------------------------------
# the marker


def write_marker(folder: str | Path, kind: OutputKind) -> Path:
    """Write the marker file into ``folder`` (which must exist).

    Parameters
    ----------
    folder
        A folder stclusters has just created.
    kind
        The kind of output the folder holds (a key of :data:`REPLACES`).

    Returns
    -------
    Path
        The marker file. Its content is fixed for a kind (outputs stay deterministic).
    """
    path = Path(folder) / MARKER
    path.write_text(json.dumps({"kind": kind, "written_by": "stclusters"}) + "\n")
    return path


def read_marker(folder: str | Path) -> str | None:
    """The kind named by the marker in ``folder``; None when there is none or it is unreadable."""
    path = Path(folder) / MARKER
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    kind = data.get("kind") if isinstance(data, dict) else None
    return kind if isinstance(kind, str) and kind in REPLACES else None


# --------------------------------------------------------------------------------------------
# paths


def input_paths(inputs: Iterable[str | Path]) -> list[Path]:
    """The paths that inputs name: each path itself, or for a glob pattern the folder it searches.

    Parameters
    ----------
    inputs
        Records folders, input files, folders and glob patterns, as given to a command.

    Returns
    -------
    list of Path
        One path per input, not resolved: ``exports/*.txt`` gives ``exports``, ``**/*.csv``
        gives ``.``.
    """
    out = []
    for item in inputs:
        path = Path(item)
        parts = path.parts
        magic = next((i for i, p in enumerate(parts) if _GLOB_CHARS & set(p)), None)
        if magic is not None:
            path = Path(*parts[:magic]) if magic else Path()
        out.append(path)
    return out


def _resolve(path: Path) -> Path:
    return path.expanduser().resolve()


def _same(a: Path, b: Path) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


def _relation(out: Path, other: Path) -> str | None:
    """How the resolved ``out`` relates to the resolved ``other``: is, contains, lies inside."""
    if out == other or _same(out, other):
        return "is"
    if other.is_relative_to(out) or any(_same(out, p) for p in other.parents if p.exists()):
        return "contains"
    if out.is_relative_to(other) or any(_same(p, other) for p in out.parents if p.exists()):
        return "lies inside"
    return None


def _protected() -> list[tuple[Path, str]]:
    """Folders no output may be or contain: the current folder, the home folder, the root."""
    places = [(_resolve(Path.cwd()), "the current folder")]
    with suppress(RuntimeError, KeyError):  # no home folder known
        places.append((_resolve(Path.home()), "your home folder"))
    places.append((Path(_resolve(Path.cwd()).anchor), "the root folder"))
    return places


def _refuse(target: Path, what: str, why: str, fix: str) -> OutputError:
    return OutputError(f"refusing to write {what} to {target}: {why}; {fix}")


def _check_common(target: Path, resolved: Path, what: str, inputs: Sequence[str | Path]) -> None:
    """The refusals that --force does not lift: inputs, protected folders, a file as parent."""
    for given, path in zip(inputs, input_paths(inputs), strict=True):
        relation = _relation(resolved, _resolve(path))
        if relation is not None:
            named = f"{given}" if Path(given) == path else f"{given} (the folder {path})"
            raise _refuse(
                target,
                what,
                f"it {relation} the input {named}, and an output must never be, contain or lie "
                "inside an input (not even with --force)",
                "choose an output path outside the inputs",
            )
    for place, name in _protected():
        relation = _relation(resolved, place)
        if relation in ("is", "contains"):
            raise _refuse(
                target,
                what,
                f"it {relation} {name} ({place}), which is never replaced (not even with --force)",
                "give a new folder, such as out/mine",
            )
    if not os.path.lexists(resolved):
        parent = next((p for p in resolved.parents if p.exists()), None)
        if parent is not None and not parent.is_dir():
            raise _refuse(
                target,
                what,
                f"{parent} is a file, so no folder can be made inside it",
                "choose another path",
            )


# --------------------------------------------------------------------------------------------
# the checks


def check_folder(
    out: str | Path,
    *,
    kind: OutputKind,
    inputs: Sequence[str | Path] = (),
    force: bool = False,
) -> Path:
    """Check, before any work, that the output folder ``out`` may be written or replaced.

    Parameters
    ----------
    out
        The output folder a command is about to write (created or replaced whole).
    kind
        The kind of output the command writes (a key of :data:`REPLACES`).
    inputs
        Every input of the command (records folders, files, folders, glob patterns).
    force
        Replace an existing file or folder that stclusters did not write (``--force``).

    Returns
    -------
    Path
        ``out`` resolved (symlinks followed).

    Raises
    ------
    OutputError
        When ``out`` is, contains or lies inside an input, or is or holds the current folder,
        the home folder or the root (even with ``force``); when it is an existing file, or a
        non-empty folder without a marker of a kind in ``REPLACES[kind]`` (unless ``force``).
        The message names the path, why it is refused and the fix.
    """
    target = Path(out)
    resolved = _resolve(target)
    what = _WHAT[kind]
    _check_common(target, resolved, what, inputs)
    _check_rules(target, resolved, what, kind=kind, force=force)
    check_writable(resolved, what=what)
    return resolved


def _check_rules(target: Path, resolved: Path, what: str, *, kind: OutputKind, force: bool) -> None:
    """The refusals that --force lifts: a file, a folder of something else."""
    if not resolved.exists() or force:
        return
    if not resolved.is_dir():
        raise _refuse(
            target,
            what,
            "it is an existing file, and an output folder replaces whatever is at its path",
            f"give a new folder name, or {_FORCE}",
        )
    if next(resolved.iterdir(), None) is None:
        return
    marker = read_marker(resolved)
    if marker in REPLACES[kind]:
        return
    if marker is not None:
        why = f"it holds {_WHAT[marker]} written by stclusters, not {what}"
    elif any((resolved / name).exists() for name in _OLD_OUTPUT_FILES):
        why = (
            f"it is not empty and has no {MARKER} marker file (folders written by stclusters "
            "before the marker existed have none, nor has anything else)"
        )
    else:
        why = (
            f"it is a folder that is not empty and was not written by stclusters (no {MARKER} "
            "marker file in it), and the output would replace everything in it"
        )
    raise _refuse(target, what, why, f"choose a new or empty folder, or {_FORCE}")


def check_writable(resolved: Path, *, what: str) -> None:
    """Check, before any work, that a folder can be made beside ``resolved`` (where the new
    output is built) by making one and removing it: permissions, read-only file systems,
    immutable folders and full disks all show here rather than after the work.

    Raises
    ------
    WriteError
        Naming the folder that cannot be written, the system's reason and the fix.
    """
    place = next((p for p in (resolved.parent, *resolved.parent.parents) if p.exists()), None)
    if place is None:  # pragma: no cover - the root always exists
        return
    try:
        probe = tempfile.mkdtemp(prefix=".stclusters-probe-", dir=place)
        Path(probe).rmdir()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        fix = (
            "free some space on that disk or choose an output folder on another one"
            if exc.errno in (errno.ENOSPC, errno.EDQUOT)
            else f"choose an output folder you can write to, or make {place} writable "
            f"(chmod u+w {place})"
        )
        raise WriteError(
            f"cannot write {what} to {resolved}: the folder {place} cannot be written "
            f"({reason}); {fix}. Nothing was done"
        ) from None


def check_file(
    out: str | Path,
    *,
    inputs: Sequence[str | Path] = (),
    force: bool = False,
    own_columns: Sequence[str] = (),
    what: str = "the output file",
) -> Path:
    """Check, before any work, that the output file ``out`` may be written or replaced.

    A CSV file cannot hold a marker: an existing file counts as a previous output of the same
    command when its header row ends with ``own_columns`` (the columns the command appends).

    Parameters
    ----------
    out
        The file a command is about to write.
    inputs
        Every input of the command; ``out`` may never be one of them, even with ``force``.
    force
        Replace an existing file that is not a previous output (``--force``).
    own_columns
        The columns the command appends to its output, in order.
    what
        How messages name the output.

    Returns
    -------
    Path
        ``out`` resolved (symlinks followed).

    Raises
    ------
    OutputError
        When ``out`` is, contains or lies inside an input, or is a folder (even with ``force``);
        when it is an existing file that is not a previous output (unless ``force``).
    """
    target = Path(out)
    resolved = _resolve(target)
    _check_common(target, resolved, what, inputs)
    if resolved.is_dir():
        raise _refuse(target, what, "it is a folder", "give the path of a file, such as out.csv")
    check_writable(resolved, what=what)
    if not resolved.exists() or force:
        return resolved
    if own_columns and _header_ends_with(resolved, own_columns):
        return resolved
    own = f" (its header does not end with {','.join(own_columns)})" if own_columns else ""
    raise _refuse(
        target,
        what,
        f"the file exists and is not a previous output of this command{own}",
        f"give a new file name, or {_FORCE}",
    )


def _header_ends_with(path: Path, columns: Sequence[str]) -> bool:
    try:
        with path.open("rb") as fh:
            head = fh.read(1 << 20).decode("utf-8-sig", errors="replace")
        header = next(csv.reader(io.StringIO(head)), [])
    except (OSError, csv.Error):
        return False
    return len(header) >= len(columns) and header[-len(columns) :] == list(columns)


def check_run_folder(folder: str | Path, *, force: bool = False) -> Path:
    """Check that ``folder`` is a run's output folder, whose site may be rewritten in place.

    Parameters
    ----------
    folder
        The folder ``stclusters report`` is asked to rewrite the site of.
    force
        Accept a folder without the run marker (one written by an older stclusters).

    Returns
    -------
    Path
        ``folder`` resolved.

    Raises
    ------
    OutputError
        When ``folder`` is not a folder, or (unless ``force``) has no run marker.
    """
    target = Path(folder)
    resolved = _resolve(target)
    what = "the site"
    if not resolved.is_dir():
        raise _refuse(
            target, what, "it is not a folder", "give the output folder of 'stclusters run'"
        )
    marker = read_marker(resolved)
    if marker == "run" or force:
        return resolved
    why = (
        f"it holds {_WHAT[marker]}, not the output of a run"
        if marker is not None
        else f"it has no {MARKER} marker of a run's output (folders written by stclusters "
        "before the marker existed have none)"
    )
    raise _refuse(
        target,
        what,
        why,
        "give the output folder of 'stclusters run', or pass --force if this is one",
    )


# --------------------------------------------------------------------------------------------
# making folders


def prepare_folder(
    out: str | Path,
    *,
    kind: OutputKind,
    inputs: Sequence[str | Path] = (),
    force: bool = False,
) -> Path:
    """Check ``out`` (:func:`check_folder`), then make it a new folder holding only the marker.

    The folder is emptied in place: for an atomic replacement use :func:`staged_folder`.

    Returns
    -------
    Path
        The folder, resolved.

    Raises
    ------
    OutputError
        As :func:`check_folder`.
    """
    resolved = check_folder(out, kind=kind, inputs=inputs, force=force)
    _remove(resolved)
    resolved.mkdir(parents=True)
    write_marker(resolved, kind)
    return resolved


def claim_folder(folder: str | Path, *, kind: OutputKind, force: bool = False) -> Path:
    """Make ``folder`` a folder of ``kind``: keep it when its marker names ``kind`` (a writer
    adding its files to a folder prepared for it), else :func:`prepare_folder` it.

    Raises
    ------
    OutputError
        As :func:`check_folder`.
    """
    path = Path(folder)
    if path.is_dir() and read_marker(path) == kind:
        return _resolve(path)
    return prepare_folder(path, kind=kind, force=force)


@contextmanager
def staged_folder(
    out: str | Path,
    *,
    kind: OutputKind,
    inputs: Sequence[str | Path] = (),
    force: bool = False,
) -> Iterator[Path]:
    """Check ``out``, yield a new marked folder beside it, and let it replace ``out`` on success.

    The check (:func:`check_folder`) runs on entering, before any work. The new folder is
    built beside ``out`` as ``.<name>.<random>``, next to a lock file ``.<name>.<random>.lock``
    held (``flock``) while the process lives. On success the two folders are swapped in one
    step (:func:`exchange`): ``out`` is at every moment either the whole previous output or
    the whole new one. When the block raises (Ctrl-C included) the new folder is removed and
    ``out`` is left as it was; when the process is killed (SIGKILL, a power cut) its folder is
    left behind with a lock nobody holds, and the next command writing beside it removes it
    (:func:`sweep_stale`).

    Where the system cannot swap two folders in one step (not Linux, an old kernel, a file
    system without ``RENAME_EXCHANGE``), the previous output is moved aside and the new one
    moved in: between the two renames ``out`` does not exist, and if the process dies there
    the next command puts the previous output back before anything else.

    Yields
    ------
    Path
        The folder to write into.

    Raises
    ------
    OutputError
        As :func:`check_folder`.
    """
    resolved = check_folder(out, kind=kind, inputs=inputs, force=force)
    resolved.parent.mkdir(parents=True, exist_ok=True)
    sweep_stale(resolved)
    with _staging(resolved) as tmp:
        write_marker(tmp, kind)
        yield tmp
        tmp.chmod(0o755)
        with _signals_held():  # a signal now is acted on once the swap is on record
            _swap_in(tmp, resolved)
            _COMPLETED.add(resolved)


#: Output folders this process has replaced with a complete new output (:func:`completed`).
_COMPLETED: set[Path] = set()


def completed(out: str | Path) -> bool:
    """Whether this process has already put its complete new output at ``out``.

    A signal or a failure that comes after the swap of :func:`staged_folder` (while the
    previous output is being removed) must not be reported as "nothing was written".
    """
    return Path(out).expanduser().resolve() in _COMPLETED


#: The suffix of the lock file held beside a folder being built.
_LOCK = ".lock"
#: The suffix of the previous output moved aside by the fallback of :func:`staged_folder`.
_ASIDE = ".old"


@contextmanager
def _signals_held() -> Iterator[None]:
    """Hold SIGINT and SIGTERM within the block; one that arrives is acted on at its end.

    Making and removing the staged folder and its lock are thus never cut in half by Ctrl-C
    (a run interrupted while it removes the previous output it has just swapped out would
    otherwise leave the lock file behind). The Python handlers are swapped for one that only
    notes the signal, then restored, and the first signal noted is handed to the handler it was
    meant for. (Blocking with ``pthread_sigmask`` is not enough: it holds a signal only for the
    calling thread, and the kernel hands a signal sent to the process to any other thread,
    DuckDB's or Arrow's, that does not block it.) Outside the main thread, where Python
    cannot set handlers, the block runs as it is.
    """
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return
    noted: list[int] = []

    def note(signum: int, _frame: Any) -> None:
        noted.append(signum)

    held = (signal.SIGINT, signal.SIGTERM)
    old = {int(s): signal.signal(s, note) for s in held}
    try:
        yield
    finally:
        for s, handler in old.items():
            signal.signal(s, handler)
        if noted:
            handler = old[noted[0]]
            if callable(handler):
                handler(noted[0], None)
            elif handler == signal.SIG_DFL:
                os.kill(os.getpid(), noted[0])


@contextmanager
def _staging(resolved: Path) -> Iterator[Path]:
    """A new folder beside ``resolved`` with its lock held; both removed on the way out, with
    Ctrl-C held while they are made and removed (:func:`_signals_held`)."""
    fd, lock, tmp = -1, None, None
    try:
        with _signals_held():
            fd, lock_name = tempfile.mkstemp(
                prefix=f".{resolved.name}.", suffix=_LOCK, dir=resolved.parent
            )
            lock = Path(lock_name)
            tmp = lock.with_name(lock.name[: -len(_LOCK)])
            _lock(fd)
            tmp.mkdir(mode=0o700)
        yield tmp
    finally:
        with _signals_held():
            if tmp is not None:
                _remove_tree(tmp)
                _remove_tree(tmp.with_name(tmp.name + _ASIDE))
            if lock is not None:
                with suppress(OSError):
                    lock.unlink()
            if fd >= 0:
                os.close(fd)


def _lock(fd: int) -> None:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX: no sweep of stale folders
        return
    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)


def _is_stale(lock: Path) -> bool:
    """Whether nobody holds ``lock`` (the process that made it has ended)."""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        return False
    try:
        fd = os.open(lock, os.O_RDWR)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False
    finally:
        os.close(fd)
    return True


def sweep_stale(out: str | Path) -> list[Path]:
    """Remove what killed commands left beside ``out``; put back a previous output moved aside.

    Only folders paired with a lock file nobody holds are touched (a command still running
    holds its lock), so a folder of anything else is never removed.

    Returns
    -------
    list of Path
        The folders removed (or put back at ``out``).
    """
    resolved = Path(out)
    done: list[Path] = []
    if not resolved.parent.is_dir():
        return done
    for lock in sorted(resolved.parent.glob(f".{glob.escape(resolved.name)}.*{_LOCK}")):
        if not _is_stale(lock):
            continue
        tmp = lock.with_name(lock.name[: -len(_LOCK)])
        aside = tmp.with_name(tmp.name + _ASIDE)
        if aside.is_dir() and not os.path.lexists(resolved):
            aside.replace(resolved)  # the fallback died between its two renames
            done.append(resolved)
        for path in (tmp, aside):
            if os.path.lexists(path):
                _remove_tree(path)
                done.append(path)
        with suppress(OSError):
            lock.unlink()
    return done


def _swap_in(new: Path, target: Path) -> None:
    """Make ``new`` the folder at ``target``; what was at ``target`` ends at ``new``'s path."""
    if not os.path.lexists(target):
        new.replace(target)
        new.mkdir(mode=0o700)  # an empty folder at new's path, removed with the staging
        return
    if exchange(new, target):
        return
    aside = new.with_name(new.name + _ASIDE)
    target.replace(aside)
    new.replace(target)
    aside.replace(new)


#: renameat2's flag that swaps two paths in one step (linux/fs.h).
_RENAME_EXCHANGE = 2
#: The "current folder" file descriptor of the *at() system calls (linux/fcntl.h).
_AT_FDCWD = -100


def exchange(a: str | Path, b: str | Path) -> bool:
    """Swap the paths ``a`` and ``b`` in one atomic step (Linux ``renameat2`` with
    ``RENAME_EXCHANGE``, through ctypes).

    Returns
    -------
    bool
        True when swapped; False when this system cannot (not Linux, a C library or kernel
        without renameat2, a file system without the flag): nothing was changed.

    Raises
    ------
    OSError
        When the system refused for another reason (permission denied, for example).
    """
    func = _renameat2()
    if func is None:
        return False
    rc = func(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if rc == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _renameat2() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        func = libc.renameat2
    except (OSError, AttributeError):
        return None
    func.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    func.restype = ctypes.c_int
    return func


def _remove_tree(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    elif os.path.lexists(path):
        with suppress(OSError):
            path.unlink()


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path)
    elif os.path.lexists(path):
        path.unlink()
