"""Model files: size and load time of a saved 1,000-draw BNN, in the format chosen and others.

A (20, 20) tanh BNN is fitted on the cover-type split (ADVI, 1,000 draws; the
fit's quality does not matter here) and saved with ``save``: one netCDF-4 file
through h5netcdf, arrays uncompressed (:mod:`pymc_bnn.persistence`).  Its
groups are then written by the other candidates for the format, and each file
is read back whole, the candidates interleaved over ``--rounds`` rounds:

* netCDF-4 via h5netcdf, uncompressed: what ``save`` writes (read with
  ``read_model``: the checksum of the whole file, the storage checks, then
  ``xarray.load_datatree``);
* netCDF-4 via h5netcdf, gzip level 4 with shuffle;
* zarr in a zip store, uncompressed, and with zarr's default (zstd).

The table gives the file size, the median seconds to read it back, and whether
``xarray.open_datatree(path)`` opens the file as it is (no engine, no store
object), as ArviZ's ``convert_to_datatree(path)`` needs.  Then the estimator's
whole ``load`` (file checks, entries, the model rebuilt and its shapes checked),
in this process and in a fresh one (imports apart), and a check that the loaded
estimator's probabilities equal the fitted one's to the last bit.

Run: ``.venv/bin/python benchmarks/model_files.py [--rounds 7] [--csv PATH]``;
writes ``benchmarks/results/model_files.md``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import warnings
from pathlib import Path

import pandas as pd
import xarray as xr
from common import DEFAULT_CSV, RESULTS, Stopwatch, interleaved, load_note, machine, split, table

from pymc_bnn import BayesianMLPClassifier
from pymc_bnn.estimators import load_estimator
from pymc_bnn.persistence import read_model

DRAWS = 1000
OURS = "netCDF-4 (h5netcdf), uncompressed: save"
GZIP = "netCDF-4 (h5netcdf), gzip 4 + shuffle"

_FRESH = """
import sys, time
start = time.perf_counter()
from pymc_bnn.estimators import load_estimator
imported = time.perf_counter()
load_estimator(sys.argv[1])
print(imported - start, time.perf_counter() - imported)
"""


def _netcdf(tree: xr.DataTree, path: Path, compress: bool) -> None:
    options = {"compression": "gzip", "compression_opts": 4, "shuffle": True} if compress else {}
    encoding = {
        node.path: {name: dict(options) for name in node.dataset.data_vars}
        for node in tree.subtree
        if node.dataset.data_vars
    }
    tree.to_netcdf(path, engine="h5netcdf", encoding=encoding)


def _zarr_zip(tree: xr.DataTree, path: Path, compress: bool) -> None:
    import zarr

    encoding = {
        node.path: {name: ({} if compress else {"compressors": None}) for name in node.dataset}
        for node in tree.subtree
        if node.dataset.data_vars
    }
    store = zarr.storage.ZipStore(path, mode="w")
    try:
        with warnings.catch_warnings():  # zarr writes some metadata entries twice into a zip
            warnings.filterwarnings("ignore", "Duplicate name", UserWarning)
            tree.to_zarr(store, encoding=encoding, consolidated=False)
    finally:
        store.close()


def _read_zarr_zip(path: Path) -> xr.DataTree:
    import zarr

    store = zarr.storage.ZipStore(path, mode="r")
    try:
        return xr.open_datatree(store, engine="zarr", consolidated=False).load()
    finally:
        store.close()


def _opens_directly(path: Path) -> str:
    try:
        with xr.open_datatree(path) as tree:
            return "yes" if "posterior" in tree.children else "no"
    except Exception:
        return "no"


def _fresh_load(path: Path) -> tuple[float, float]:
    """Seconds of imports and of ``load_estimator`` in a fresh process."""
    out = subprocess.check_output([sys.executable, "-c", _FRESH, str(path)], text=True)
    imports, load = out.split()
    return float(imports), float(load)


def _fit(csv: str) -> tuple[BayesianMLPClassifier, pd.DataFrame]:
    data = split(csv)
    clf = BayesianMLPClassifier(
        hidden=(20, 20),
        iterations=2000,
        batch_size=256,
        draws=DRAWS,
        random_state=0,
        progressbar=False,
    ).fit(data.X_train, data.y_train)
    return clf, data.X_test


def main(argv=None) -> str:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--csv", default=str(DEFAULT_CSV))
    args = parser.parse_args(argv)
    clf, X_test = _fit(args.csv)
    folder = Path(tempfile.mkdtemp(prefix="pymc-bnn-model-files-"))
    saved = clf.save(folder / "bnn.nc")
    tree = read_model(saved).tree
    files = {OURS: saved}
    readers = {OURS: lambda: read_model(saved)}
    gzip = folder / "gzip.nc"
    _netcdf(tree, gzip, compress=True)
    files[GZIP] = gzip
    readers[GZIP] = lambda: xr.load_datatree(gzip)
    try:
        import zarr  # noqa: F401  (installed with nutpie, the test extra)

        for label, name, compress in [
            ("zarr zip store, uncompressed", "plain.zip", False),
            ("zarr zip store, zstd (zarr's default)", "zstd.zip", True),
        ]:
            _zarr_zip(tree, folder / name, compress)
            files[label] = folder / name
            readers[label] = lambda p=folder / name: _read_zarr_zip(p)
    except ImportError:
        pass
    seconds = interleaved(readers, args.rounds)
    rows = [
        [
            label,
            f"{os.path.getsize(path) / 1e6:.1f}",
            statistics.median(seconds[label]),
            _opens_directly(path),
        ]
        for label, path in files.items()
    ]

    loads = interleaved({"load": lambda: load_estimator(saved)}, args.rounds)["load"]
    fresh = [_fresh_load(saved) for _ in range(3)]
    with Stopwatch() as first:
        loaded = load_estimator(saved)
    identical = bool((loaded.predict_proba(X_test) == clf.predict_proba(X_test)).all())
    assert identical, "the loaded BNN's probabilities differ from the fitted one's"
    arrays = sum(v.nbytes for v in clf.posterior_.data_vars.values()) / 1e6
    size = {label: os.path.getsize(path) for label, path in files.items()}
    read = {label: statistics.median(seconds[label]) for label in files}
    why = (
        f"Why netCDF-4, uncompressed: xarray and ArviZ open it by its path alone, a zip "
        f"store of zarr they do not; gzip saves {1 - size[GZIP] / size[OURS]:.0%} of the "
        f"size of these draws (random mantissas compress little) for "
        f"{read[GZIP] / read[OURS]:.1f}x the read time, and a compressed array could "
        "declare far more than the file holds (read_model refuses any)."
    )
    text = "\n\n".join(
        [
            "## Model files",
            f"A (20, 20) tanh BNN on cover type (54 features, 7 classes), {DRAWS:,} ADVI draws: "
            f"{arrays:.1f} MB of posterior arrays.  Seconds to read a file back whole, median "
            f"of {args.rounds} interleaved rounds.  Machine: {machine()}; {load_note()}.",
            table(["format", "size (MB)", "read (s)", "xarray.open_datatree(path)"], rows),
            f"The estimator's whole `load` (file checks, entries, the model rebuilt and its "
            f"shapes checked): median {statistics.median(loads):.2f} s in this process "
            f"({first.seconds:.2f} s once more before predicting); in a fresh process "
            f"{statistics.median(f[1] for f in fresh):.2f} s after "
            f"{statistics.median(f[0] for f in fresh):.2f} s of imports (median of 3).  "
            f"Probabilities of {len(X_test):,} held-out rows after loading: identical to "
            f"the last bit: {identical}.",
            why,
        ]
    )
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "model_files.md").write_text(text + "\n")
    print(text)
    return text


if __name__ == "__main__":
    main()
