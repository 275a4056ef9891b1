"""A fitted model's files: written atomically and checksummed, read back with every check.

A saved model is a folder holding ``metadata.json`` (format version, options,
features, classes, the dims of each posterior variable and SHA-256 checksums)
and ``posterior.npz`` (the posterior draws, one array per variable).
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import xarray as xr

_MODEL_FORMAT = "pymc-bnn model 2"
"""The ``format`` entry of a saved model's ``metadata.json``."""
_OLD_FORMATS = ("pymc-bnn model 1",)
"""Formats still read: 1 is 2 without the checksums."""
_METADATA_FILE = "metadata.json"
_POSTERIOR_FILE = "posterior.npz"
_CHECKSUM_KEY = "sha256"
_MODEL_KEYS = ("model", "options", "features", "classes", "posterior_dims")
"""Entries every saved model's metadata has (besides ``format``)."""


def _short(err: object, limit: int = 200) -> str:
    """``err`` as one line of at most ``limit`` characters."""
    text = " ".join(str(err).split())
    return text if len(text) <= limit else text[: limit - 5] + " ..."


def _refuse_constant(name: str) -> float:
    raise ValueError(f"{name} is not valid JSON")


def _canonical(meta: dict[str, Any]) -> bytes:
    """The metadata as strict JSON in one canonical form: what its checksum is taken of."""
    return json.dumps(meta, sort_keys=True, separators=(",", ":"), allow_nan=False).encode()


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _checked_features(features: Any, file: Path) -> list[str] | None:
    if features is None:
        return None
    if not isinstance(features, list) or not features:
        raise ValueError(f"{file}: features must be a non-empty list of names or null")
    if not all(isinstance(f, str) for f in features) or len(set(features)) != len(features):
        raise ValueError(f"{file}: features must be distinct strings")
    return features


def _checked_classes(classes: Any, file: Path | str) -> np.ndarray:
    if not isinstance(classes, list) or len(classes) < 2:
        raise ValueError(f"{file}: classes must be a list of at least two labels")
    kinds = {type(c) for c in classes}
    if len(kinds) != 1 or kinds.pop() not in (str, int, float, bool):
        raise ValueError(
            f"{file}: classes must be labels of one type (strings, numbers or booleans)"
        )
    if len(set(classes)) != len(classes) or not all(
        isinstance(c, str) or np.isfinite(c) for c in classes
    ):
        raise ValueError(f"{file}: classes must be distinct and finite")
    return np.asarray(classes)


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


def _write_model(folder: Path, meta: dict[str, Any], arrays: dict[str, np.ndarray]) -> Path:
    """Write a model folder atomically: the posterior arrays, then the metadata.

    Both files are written, synced and checksummed in a new folder beside
    ``folder``, which then takes its place by renaming.  Every file of a saved
    model is written here.
    """
    folder.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".partial", dir=folder.parent))
    try:
        buffer = io.BytesIO()
        np.savez(buffer, **arrays)
        draws = buffer.getvalue()
        meta = dict(meta)
        meta[_CHECKSUM_KEY] = {_POSTERIOR_FILE: _sha256(draws), _METADATA_FILE: ""}
        meta[_CHECKSUM_KEY][_METADATA_FILE] = _sha256(
            _canonical({k: v for k, v in meta.items() if k != _CHECKSUM_KEY})
        )
        text = json.dumps(meta, indent=2, allow_nan=False) + "\n"
        for name, data in ((_POSTERIOR_FILE, draws), (_METADATA_FILE, text.encode())):
            with open(tmp / name, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
        _fsync(tmp)
        _replace(tmp, folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _fsync(folder.parent)
    return folder


def _replace(new: Path, folder: Path) -> None:
    """Put the complete model folder ``new`` in the place of ``folder`` by renaming."""
    if not folder.exists():
        os.rename(new, folder)
        return
    ours = {_METADATA_FILE, _POSTERIOR_FILE}
    if {p.name for p in folder.iterdir()} <= ours:
        # The old model (or an empty folder) stays whole until the new one takes its place.
        old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".old", dir=folder.parent))
        os.rename(folder, old / "model")
        try:
            os.rename(new, folder)
        except BaseException:
            os.rename(old / "model", folder)
            raise
        shutil.rmtree(old, ignore_errors=True)
        return
    # Other files in the folder are the user's: replace only the model's files.
    for name in (_POSTERIOR_FILE, _METADATA_FILE):
        os.replace(new / name, folder / name)
    new.rmdir()


def _read_posterior(file: Path, dims: Any, checksum: str | None) -> xr.Dataset:
    """The posterior draws of ``posterior.npz``, checked, with the dims of the metadata."""
    if not file.is_file():
        raise FileNotFoundError(f"{file.parent}: not a saved model (no {file.name})")
    meta_file = file.parent / _METADATA_FILE
    if not isinstance(dims, dict) or not dims:
        raise ValueError(f"{meta_file}: posterior_dims must map variable names to dims")
    for name, d in dims.items():
        if (
            not isinstance(d, list)
            or not all(isinstance(x, str) for x in d)
            or d[:2] != ["chain", "draw"]
            or len(set(d)) != len(d)
        ):
            raise ValueError(
                f"{meta_file}: posterior_dims of {_short(repr(name), 40)} must be distinct "
                "names starting with 'chain', 'draw'"
            )
    try:
        data = file.read_bytes()
    except OSError as err:
        raise ValueError(f"{file}: cannot read it ({_short(err)})") from err
    if checksum is not None and _sha256(data) != checksum:
        raise ValueError(f"{file}: does not match its checksum (damaged or replaced)")
    try:
        with np.load(io.BytesIO(data), allow_pickle=False) as arrays:
            missing = sorted(set(dims) - set(arrays.files))
            if missing:
                raise ValueError(f"lacks the posterior variables {_short(missing, 80)}")
            values = {name: arrays[name] for name in dims}
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, KeyError) as err:
        raise ValueError(f"{file}: cannot read the posterior draws ({_short(err)})") from err
    for name, array in values.items():
        if array.ndim != len(dims[name]) or array.dtype.kind != "f":
            raise ValueError(
                f"{file}: {name} is a {array.ndim}-d {array.dtype} array; the metadata "
                f"gives it {len(dims[name])} dims of floats"
            )
        if array.shape[0] < 1 or array.shape[1] < 1:
            raise ValueError(f"{file}: {name} holds no draws")
        if not np.isfinite(array).all():
            raise ValueError(f"{file}: {name} holds non-finite draws")
    try:
        return xr.Dataset({name: (tuple(dims[name]), v) for name, v in values.items()})
    except ValueError as err:
        raise ValueError(f"{file}: the draws' sizes disagree ({_short(err)})") from err
