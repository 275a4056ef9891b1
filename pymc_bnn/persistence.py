"""A fitted model as one file: its posterior, and everything needed to use it again.

The file is netCDF-4 (HDF5 written through h5netcdf), the format ArviZ saves
to: ``xarray.open_datatree(path)`` and ``arviz.convert_to_datatree(path)`` open
it.  Its groups are those of the fit's ``DataTree`` (``posterior`` with its
coords, ``sample_stats``, ``loss_curve``, ``observed_data``, ...), stored
uncompressed.  Its root attributes hold, each as JSON text, the entries the
caller gives (the estimators: options, classes, features, what the fit derived
from the training rows, versions; see
:meth:`pymc_bnn.BayesianSoftmaxClassifier.save`) and ``format``
(:data:`FORMAT`).  After the HDF5 data comes one line, which HDF5 and netCDF
readers pass over: ``pymc-bnn model 3; sha256 of the bytes before this line:
<hex>``.

:func:`write_model` writes the file whole or not at all: to a temporary file
beside the destination, synced, then renamed over it (one ``os.replace``, so
the destination always holds the old model or the new one).
:func:`read_model` checks the file before HDF5 parses it: the last line's
format and the SHA-256 of every byte before it, so a damaged or edited file is
refused without being parsed.  Then, before any array is read, that the arrays
are numbers or strings stored uncompressed in the file itself, so they can
never take more memory than the file's size, however they are declared.
Nothing is pickled: the file holds numbers, strings and JSON text only.

Examples
--------
>>> import tempfile, numpy as np, xarray as xr
>>> tree = xr.DataTree.from_dict(
...     {"posterior": xr.Dataset({"mu": (("chain", "draw"), np.zeros((1, 5)))})}
... )
>>> path = write_model(tempfile.mkdtemp() + "/model.nc", tree, {"note": [1, 2]})
>>> saved = read_model(path)
>>> saved.attrs["note"], saved.tree["posterior"]["mu"].shape
([1, 2], (1, 5))
>>> xr.open_datatree(path).attrs["format"]
'"pymc-bnn model 3"'
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import xarray as xr

__all__ = ["FORMAT", "ModelFileError", "SavedModel", "read_attrs", "read_model", "write_model"]

FORMAT = "pymc-bnn model 3"
"""The format of a model file written by this version (its last line and ``format`` entry)."""

_FORMAT_KEY = "format"
_SEAL = re.compile(
    rb"\n(pymc-bnn model \S{1,20}); sha256 of the bytes before this line: ([0-9a-f]{64})\n\Z"
)
"""The file's last line; group 1 is the format, group 2 the SHA-256 of what comes before."""
_SEAL_TEXT = "\n{format}; sha256 of the bytes before this line: {sha256}\n"
_SEAL_MAX = 128
"""Bytes at the end of a file read for its last line (it has 106 for this format)."""
_HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
_MAX_OBJECTS = 10_000
"""Groups and arrays a model file may hold (a model has a few dozen)."""
_MAX_STRINGS = 1_000_000
"""Strings a model file's arrays may hold in all (class and feature names)."""
_DIMENSION_ONLY = b"This is a netCDF dimension but not a netCDF variable"
"""The ``NAME`` of netCDF-4's datasets that only declare a dimension (no data is read)."""
_OLD_FOLDER = "metadata.json"
"""The file of a model folder written by pymc_bnn before models were one file."""
_BLOCK = 1 << 20


class ModelFileError(ValueError):
    """A file that is not a model file this version reads; the message names the file."""


@dataclass(frozen=True)
class SavedModel:
    """A model file read back by :func:`read_model`: every check passed.

    Attributes
    ----------
    path : pathlib.Path
        The file.
    tree : xarray.DataTree
        Its groups, loaded in memory (the root without attributes).
    attrs : dict
        The attributes given to :func:`write_model`, decoded from JSON.
    """

    path: Path
    tree: xr.DataTree
    attrs: dict[str, Any]


def write_model(
    path: str | os.PathLike, tree: xr.DataTree, attrs: dict[str, Any], *, overwrite: bool = False
) -> Path:
    """Write ``tree`` with the attributes ``attrs`` to the model file ``path``, atomically.

    Parameters
    ----------
    path : str or path-like
        The file; missing parent folders are created.
    tree : xarray.DataTree
        The groups to store (numeric or string arrays).  Its root attributes
        are replaced by ``attrs``.
    attrs : dict
        Entries stored as JSON text, one root attribute each.  They must be
        strict JSON (no NaN or infinity); their names must not be ``format``
        or start with ``_`` (netCDF's own).
    overwrite : bool, default False
        Replace an existing file.

    Returns
    -------
    pathlib.Path
        ``path``.

    Raises
    ------
    FileExistsError
        If ``path`` exists and ``overwrite`` is false, or if it is a folder.
    ValueError
        If an entry of ``attrs`` cannot be written as strict JSON or has a
        reserved name.

    Examples
    --------
    >>> import tempfile, numpy as np, xarray as xr
    >>> tree = xr.DataTree.from_dict({"posterior": xr.Dataset({"mu": ("draw", np.zeros(3))})})
    >>> path = write_model(tempfile.mkdtemp() + "/m.nc", tree, {})
    >>> write_model(path, tree, {})
    Traceback (most recent call last):
    ...
    FileExistsError: .../m.nc exists; pass overwrite=True to replace it
    """
    path = Path(path)
    if path.is_dir():
        raise FileExistsError(f"{path} is a folder; a model is saved as one file")
    if path.exists() and not overwrite:
        raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
    reserved = [k for k in attrs if not isinstance(k, str) or k == _FORMAT_KEY or k[:1] == "_"]
    if reserved:
        raise ValueError(
            f"attrs names must be strings other than {_FORMAT_KEY!r}, not starting with '_' "
            f"(netCDF's own); got {reserved}."
        )
    encoded = {}
    for key, value in attrs.items():
        try:
            encoded[key] = _json(value)
        except (TypeError, ValueError) as err:
            raise ValueError(f"{key} cannot be saved as strict JSON: {_short(err)}.") from err
    out = tree.copy()
    out.attrs = {_FORMAT_KEY: _json(FORMAT), **encoded}
    encoding = {
        node.path: {name: {"_FillValue": None} for name in node.dataset.variables}
        for node in out.subtree
        if node.dataset.variables
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        os.chmod(tmp, 0o666 & ~_umask())  # as a file opened for writing would be
        out.to_netcdf(tmp, engine="h5netcdf", encoding=encoding)
        digest = _sha256(tmp, tmp.stat().st_size)
        with open(tmp, "ab") as f:
            f.write(_SEAL_TEXT.format(format=FORMAT, sha256=digest).encode())
            f.flush()
            os.fsync(f.fileno())
        if path.exists() and not overwrite:  # made while this one was written
            raise FileExistsError(f"{path} exists; pass overwrite=True to replace it")
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    _fsync(path.parent)
    return path


def read_model(path: str | os.PathLike) -> SavedModel:
    """The model file ``path``, checked and loaded in memory.

    Checked before HDF5 parses it: the format and the SHA-256 of its last line;
    then, before any array is read, the storage of every array (numbers or
    strings, uncompressed, in the file itself, in all no larger than the
    file), so a file can never make this allocate more than its own size.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`write_model`.

    Returns
    -------
    SavedModel

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ModelFileError
        If the file fails a check; one line naming the file and what is wrong
        (for a model folder of an earlier pymc_bnn, also what to do).

    Examples
    --------
    >>> read_model("no-such-model.nc")
    Traceback (most recent call last):
    ...
    FileNotFoundError: no-such-model.nc: no such model file
    """
    path = _sealed_file(path)
    with _refusing(path):
        import h5py

        with h5py.File(path, "r") as file:
            attrs = _attrs(file, path)
            _check_storage(file, path)
        tree = xr.load_datatree(
            path, engine="h5netcdf", decode_times=False, decode_timedelta=False
        )
    tree.attrs = {}
    return SavedModel(path, tree, attrs)


def read_attrs(path: str | os.PathLike) -> dict[str, Any]:
    """The attributes of the model file ``path`` (checked as by :func:`read_model`).

    Reads no array: a quick look at a model's entries.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ModelFileError
        If the file is not a model file of this format, or is damaged.

    Examples
    --------
    >>> import tempfile, numpy as np, xarray as xr
    >>> tree = xr.DataTree.from_dict({"posterior": xr.Dataset({"mu": ("draw", np.zeros(3))})})
    >>> read_attrs(write_model(tempfile.mkdtemp() + "/m.nc", tree, {"classes": ["a", "b"]}))
    {'classes': ['a', 'b']}
    """
    path = _sealed_file(path)
    with _refusing(path):
        import h5py

        with h5py.File(path, "r") as file:
            return _attrs(file, path)


def _sealed_file(path: str | os.PathLike) -> Path:
    """``path`` checked against its last line, before any parser reads it."""
    path = Path(path)
    if path.is_dir():
        old = path / _OLD_FOLDER
        if old.is_file():
            raise ModelFileError(
                f"{path}: a model folder of an earlier pymc_bnn ({_old_format(old)}); this "
                f"version keeps a model in one file ({FORMAT!r}): fit the model again"
            )
        raise ModelFileError(f"{path} is a folder, not a model file")
    if not path.exists():
        raise FileNotFoundError(f"{path}: no such model file")
    try:
        size = path.stat().st_size
        with open(path, "rb") as f:
            start = f.read(len(_HDF5_SIGNATURE))
            f.seek(max(0, size - _SEAL_MAX))
            seal = _SEAL.search(f.read(_SEAL_MAX))
        if start != _HDF5_SIGNATURE:
            raise ModelFileError(f"{path}: not a model file (not netCDF-4/HDF5)")
        if seal is None:
            raise ModelFileError(
                f"{path}: damaged, edited, or not a pymc-bnn model file (no {FORMAT!r} line "
                "at its end)"
            )
        fmt = seal.group(1).decode()
        if fmt != FORMAT:
            raise ModelFileError(
                f"{path}: a model file of format {fmt!r}; this pymc_bnn reads {FORMAT!r}: "
                "use the pymc_bnn that wrote it, or fit the model again"
            )
        if _sha256(path, size - len(seal.group(0))) != seal.group(2).decode():
            raise ModelFileError(f"{path}: does not match its checksum (damaged or edited)")
    except OSError as err:
        raise ModelFileError(f"{path}: cannot read it ({_short(err)})") from err
    return path


def _old_format(file: Path) -> str:
    """The ``format`` entry of an old model folder's metadata, as far as it can be read."""
    try:
        with open(file, "rb") as f:
            meta = json.loads(f.read(1 << 20))
        return f"format {_short(repr(meta['format']), 40)}"
    except (OSError, ValueError, KeyError, TypeError, RecursionError):
        return "metadata.json and posterior.npz"


@contextmanager
def _refusing(path: Path) -> Iterator[None]:
    """Report any failure to parse the file as one line naming it."""
    try:
        yield
    except ModelFileError:
        raise
    except Exception as err:  # whatever HDF5 or netCDF decoding makes of a forged file
        raise ModelFileError(
            f"{path}: cannot read it as a model file ({type(err).__name__}: {_short(err)})"
        ) from err


def _attrs(file: Any, path: Path) -> dict[str, Any]:
    """The caller's attributes, decoded from JSON."""
    raw = dict(file.attrs)
    if _decoded(raw.get(_FORMAT_KEY, "null"), _FORMAT_KEY, path) != FORMAT:
        raise ModelFileError(f"{path}: its format entry is not {FORMAT!r}")
    return {
        k: _decoded(v, k, path)
        for k, v in raw.items()
        if k != _FORMAT_KEY and not k.startswith("_")  # "_": netCDF's own (_NCProperties)
    }


def _decoded(value: Any, key: str, path: Path) -> Any:
    if isinstance(value, bytes):
        value = value.decode("utf-8", errors="strict")
    if not isinstance(value, str):
        raise ModelFileError(f"{path}: attribute {_short(repr(key), 40)} is not JSON text")
    try:
        return json.loads(value, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as err:
        raise ModelFileError(
            f"{path}: attribute {_short(repr(key), 40)} is not JSON ({_short(err, 80)})"
        ) from err


def _check_storage(file: Any, path: Path) -> None:
    """Refuse, before any array is read, storage that could hold more than the file does.

    Every array must be numbers or strings stored uncompressed in the file itself
    (no filter, no external or virtual data, no links), and their sizes together
    no larger than the file: a compressed or unallocated array declaring gigabytes
    (a "zip bomb") is refused without allocating them.
    """
    import h5py

    declared, strings, objects = 0, 0, 0
    refused: list[str] = []

    def visit(name: str, link: Any) -> None:
        nonlocal declared, strings, objects
        objects += 1
        if objects > _MAX_OBJECTS:
            refused.append(f"holds more than {_MAX_OBJECTS} groups and arrays")
            return
        if not isinstance(link, h5py.HardLink):
            refused.append(f"{name} is a link")
            return
        item = file[name]
        if not isinstance(item, h5py.Dataset) or _dimension_only(item):
            return
        if item.is_virtual or item.external or item.compression or item.shuffle:
            refused.append(f"{name} is stored compressed or outside the file")
        elif h5py.check_string_dtype(item.dtype) is not None:
            strings += int(item.size)
        elif item.dtype.kind in "fiub" and not item.dtype.subdtype:
            declared += int(item.size) * item.dtype.itemsize
        else:
            refused.append(f"{name} holds {item.dtype}, not numbers or strings")

    file.visititems_links(visit)
    if refused:
        raise ModelFileError(f"{path}: not a model file this version writes ({refused[0]})")
    size = path.stat().st_size
    if declared > size or strings > _MAX_STRINGS:
        raise ModelFileError(
            f"{path}: its arrays declare {declared:,} bytes and {strings:,} strings in a file "
            f"of {size:,} bytes; a model file stores its arrays uncompressed"
        )


def _dimension_only(item: Any) -> bool:
    """Whether an HDF5 dataset is a netCDF dimension without values (whose data is never read)."""
    name = item.attrs.get("NAME", b"")
    return _DIMENSION_ONLY in (name.encode() if isinstance(name, str) else bytes(name))


def _sha256(path: Path, size: int) -> str:
    """SHA-256 of the first ``size`` bytes of the file ``path``, read in blocks."""
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while size > 0:
            block = f.read(min(_BLOCK, size))
            if not block:
                break
            digest.update(block)
            size -= len(block)
    return digest.hexdigest()


def _json(value: Any) -> str:
    """``value`` as strict JSON in one canonical form."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), allow_nan=False)


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def _short(err: object, limit: int = 200) -> str:
    """``err`` as one line of at most ``limit`` characters."""
    text = " ".join(str(err).split())
    return text if len(text) <= limit else text[: limit - 4] + " ..."


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync(path: Path) -> None:
    """Flush a file or a folder (its entries) to disk; folders are skipped where unsupported."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
