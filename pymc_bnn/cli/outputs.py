"""Output folders and files: created when missing, never overwritten without ``--force``."""

from __future__ import annotations

from pathlib import Path

from pymc_bnn.cli.errors import CLIError

__all__ = ["DEMO_MARKER", "check_new_file", "prepare_dir"]

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
    if path.exists() and not path.is_dir():
        raise CLIError(f"{path} exists and is not a folder")
    if path.is_dir() and any(path.iterdir()) and not force:
        if own is None or not (path / own).is_file():
            raise CLIError(f"{path} exists and is not empty; pass --force to overwrite it")
    path.mkdir(parents=True, exist_ok=True)
    return path


def check_new_file(path: Path, force: bool) -> Path:
    """Refuse to overwrite an existing file without ``force``, or to write into no folder.

    Examples
    --------
    >>> check_new_file(Path("no-such-folder/out.csv"), force=True)
    Traceback (most recent call last):
    ...
    pymc_bnn.cli.errors.CLIError: no-such-folder: no such folder
    """
    if path.exists() and not force:
        raise CLIError(f"{path} exists; pass --force to overwrite it")
    if not path.parent.is_dir():
        raise CLIError(f"{path.parent}: no such folder")
    return path
