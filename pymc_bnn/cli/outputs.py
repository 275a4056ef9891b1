"""Output folders and files: created when missing, never overwritten without ``--force``."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from pymc_bnn.cli.errors import CLIError, one_line

__all__ = [
    "DEMO_MARKER",
    "check_free_space",
    "check_model_file",
    "check_new_file",
    "check_not_input",
    "prepare_dir",
]

DEMO_MARKER = "summary.json"
"""The file by which ``pymc-bnn demo`` recognises a folder it wrote itself."""


def prepare_dir(path: Path, force: bool, own: str | None = None) -> Path:
    """Create the folder ``path``; an existing non-empty one needs ``force`` (or to hold ``own``).

    Parameters
    ----------
    path : pathlib.Path
        The output folder.
    force : bool
        Reuse a non-empty folder (``--force``).
    own : str, optional
        A file that marks the folder as written by this command, which may then
        be reused without ``force``.

    Returns
    -------
    pathlib.Path
        ``path``, now an existing folder.

    Raises
    ------
    CLIError
        If ``path`` is a file, or a non-empty folder that may not be reused.

    Examples
    --------
    >>> import tempfile
    >>> folder = Path(tempfile.mkdtemp())
    >>> _ = (folder / "notes.txt").write_text("mine")
    >>> prepare_dir(folder, force=False)
    Traceback (most recent call last):
    ...
    pymc_bnn.cli.errors.CLIError: ... exists and is not empty; pass --force to overwrite it
    """
    prepare_dir_check(path, force, own)
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise CLIError(f"{path}: cannot create it ({one_line(err)})") from err
    return path


def _check_writable(folder: Path, what: Path) -> None:
    """Refuse unless a file can be created in the existing ``folder`` (tried, then removed)."""
    try:
        probe = tempfile.mkdtemp(prefix=".pymc-bnn-probe-", dir=folder)
        os.rmdir(probe)
    except OSError as err:
        raise CLIError(f"{what}: cannot write in {folder} ({one_line(err)})") from err


def check_new_file(path: Path, force: bool, *, inputs: Sequence[Path] = ()) -> Path:
    """Refuse, before any work, an output file that cannot be written or would be overwritten.

    The file's folder must exist and be writable; an existing file needs
    ``force``; a folder is never replaced, nor one of the command's ``inputs``
    (:func:`check_not_input`).

    Examples
    --------
    >>> check_new_file(Path("no-such-folder/out.csv"), force=True)
    Traceback (most recent call last):
    ...
    pymc_bnn.cli.errors.CLIError: no-such-folder: no such folder
    """
    if path.is_dir():
        raise CLIError(f"{path} is a folder; give a file name for the output")
    folder = path.parent
    if not folder.is_dir():
        raise CLIError(f"{folder}: no such folder")
    check_not_input(path, inputs)
    if path.exists() and not force:
        raise CLIError(f"{path} exists; pass --force to overwrite it")
    _check_writable(folder, path)
    return path


def _same_file(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:  # one of them does not exist
        return False


def check_not_input(out: Path, files: Sequence[Path] = ()) -> None:
    """Refuse an output that is one of a command's input ``files`` (the data, the model).

    Paths are compared resolved (``..`` and symbolic links followed) and, for
    existing files, as files (a hard link is the same file), so no spelling of
    an input gets overwritten, with or without ``--force``.

    Examples
    --------
    >>> check_not_input(Path("data.csv"), files=[Path("./sub/../data.csv")])
    Traceback (most recent call last):
    ...
    pymc_bnn.cli.errors.CLIError: --out data.csv is the input file sub/../data.csv; give ...
    """
    target = out.resolve()
    for file in files:
        if target == file.resolve() or _same_file(out, file):
            raise CLIError(
                f"--out {out} is the input file {file}; give another output file (an input is "
                "never overwritten, even with --force)"
            )


def check_free_space(path: Path, needed: int) -> None:
    """Refuse, before any work, to write about ``needed`` bytes at ``path`` on a fuller disk.

    The free space is that of the nearest existing folder of ``path``.

    Examples
    --------
    >>> check_free_space(Path("model"), 10**30)
    Traceback (most recent call last):
    ...
    pymc_bnn.cli.errors.CLIError: model: not enough free space: writing it takes about ...
    """
    folder = path.absolute()
    while not folder.is_dir():
        folder = folder.parent
    free = shutil.disk_usage(folder).free
    if free < needed:
        raise CLIError(
            f"{path}: not enough free space: writing it takes about {_size(needed)}, and "
            f"{folder} has {_size(free)} free"
        )


def _size(n: int) -> str:
    for unit in ("bytes", "kB", "MB", "GB"):
        if n < 1000 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1000
    raise AssertionError  # unreachable


def check_model_file(path: Path, force: bool, *, inputs: Sequence[Path] = ()) -> Path:
    """Refuse, before any work, a model file that cannot be created or may not be replaced.

    ``path`` may be missing (its nearest existing parent must then be a
    writable folder, so that it can be created); an existing file needs
    ``force``; a folder is refused, and so is one of the command's ``inputs``
    (:func:`check_not_input`).  Nothing is created.

    Examples
    --------
    >>> import tempfile
    >>> notes = Path(tempfile.mkdtemp()) / "notes.txt"
    >>> _ = notes.write_text("mine")
    >>> check_model_file(notes / "model.nc", force=True)
    Traceback (most recent call last):
    ...
    pymc_bnn.cli.errors.CLIError: .../notes.txt/model.nc: cannot create it: .../notes.txt is a file
    """
    if path.is_dir():
        raise CLIError(f"{path} is a folder; give a file name for the model (e.g. model.nc)")
    check_not_input(path, inputs)
    if path.exists() and not force:
        raise CLIError(f"{path} exists; pass --force to overwrite it")
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise CLIError(f"{path}: cannot create it: {_shown(parent, path)} is a file")
    _check_writable(parent, path)
    return path


def _shown(parent: Path, path: Path) -> str:
    """``parent`` as the user wrote it when it is a prefix of ``path``."""
    for ancestor in path.parents:
        if ancestor.absolute() == parent:
            return str(ancestor)
    return str(parent)


def prepare_dir_check(path: Path, force: bool, own: str | None = None) -> None:
    """The refusals of :func:`prepare_dir`, without creating anything."""
    if path.exists() and not path.is_dir():
        raise CLIError(f"{path} exists and is not a folder")
    if path.is_dir() and any(path.iterdir()) and not force:
        if own is None or not (path / own).is_file():
            raise CLIError(f"{path} exists and is not empty; pass --force to overwrite it")
