"""Model files: what an estimator saves, that it loads back predicting to the last bit, and
that a damaged, edited, forged or foreign file is refused with one line, never allocating
more than the file holds."""

import hashlib
import json
import pickle
import subprocess
import sys

import h5py
import numpy as np
import pytest
import xarray as xr
from sklearn.datasets import load_iris
from sklearn.exceptions import NotFittedError

from pymc_bnn.estimators import BayesianMLPClassifier, BayesianSoftmaxClassifier, load_estimator
from pymc_bnn.persistence import FORMAT, ModelFileError, read_attrs, read_model, write_model

QUICK = dict(
    iterations=100,
    learning_rate=0.1,
    draws=100,
    random_state=0,
    progressbar=False,
    compile_mode="FAST_COMPILE",
)


@pytest.fixture(scope="module")
def iris():
    X, y = load_iris(return_X_y=True, as_frame=True)
    X = (X - X.mean()) / X.std()
    return X, np.array(["setosa", "versicolor", "virginica"])[y]


@pytest.fixture(scope="module")
def softmax(iris):
    return BayesianSoftmaxClassifier(**QUICK).fit(*iris)


def _assert_identical_predictions(a, b, X):
    """To the last bit: the same draws through the same graph."""
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
    np.testing.assert_array_equal(a.predict(X), b.predict(X))


# What a model file holds ---------------------------------------------------------------


@pytest.mark.slow
def test_a_saved_softmax_loads_with_everything_it_had(softmax, iris, tmp_path):
    X, y = iris
    extra = {"note": "iris", "scores": [0.5, 0.25]}
    path = softmax.save(tmp_path / "new" / "model.nc", metadata=extra)
    assert path == tmp_path / "new" / "model.nc" and path.is_file()
    assert [p.name for p in path.parent.iterdir()] == ["model.nc"]  # nothing left beside

    loaded = load_estimator(path)  # whichever class saved it
    assert type(loaded) is BayesianSoftmaxClassifier
    _assert_identical_predictions(loaded, softmax, X)
    assert loaded.score(X, y) == softmax.score(X, y)
    assert loaded.classes_.tolist() == ["setosa", "versicolor", "virginica"]
    assert loaded.feature_names_in_.tolist() == list(X.columns) and loaded.n_features_in_ == 4
    assert loaded.get_params() == softmax.get_params()
    assert loaded.fixed_columns_ == softmax.fixed_columns_ == []
    assert loaded.sampler_ == "advi"
    xr.testing.assert_identical(loaded.posterior_, softmax.posterior_)  # coords, dims, attrs
    np.testing.assert_array_equal(loaded.loss_curve_, softmax.loss_curve_)
    assert loaded.loss_curve_.shape == (QUICK["iterations"],)
    xr.testing.assert_identical(
        loaded.idata_["observed_data"].to_dataset(), softmax.idata_["observed_data"].to_dataset()
    )
    assert "constant_data" in softmax.idata_.children  # the training features ...
    assert "constant_data" not in loaded.idata_.children  # ... are not saved

    meta = BayesianSoftmaxClassifier.read_metadata(path)
    assert meta["estimator"] == "BayesianSoftmaxClassifier"
    assert meta["features"] == list(X.columns) and meta["n_features"] == 4
    assert meta["classes"] == ["setosa", "versicolor", "virginica"]
    assert meta["options"]["random_state"] == QUICK["random_state"]
    assert meta["fitted"] == {"fixed_columns": []} and meta["sampler"] == "advi"
    assert meta["metadata"] == extra
    assert set(meta["versions"]) == {"pymc_bnn", "pymc", "pytensor"}

    copy = pickle.loads(pickle.dumps(loaded))  # a loaded estimator pickles like a fitted one
    np.testing.assert_array_equal(copy.predict_proba(X), loaded.predict_proba(X))


@pytest.mark.slow
def test_xarray_and_arviz_open_a_model_file_directly(softmax, tmp_path):
    import arviz_base

    path = softmax.save(tmp_path / "model.nc", metadata={"target": "species"})
    with xr.open_datatree(path) as tree:  # no engine named: netCDF-4 is recognised
        post = tree["posterior"]
        assert post["y_coef"].dims == ("chain", "draw", "features", "classes")
        assert post["classes"].values.tolist() == ["setosa", "versicolor", "virginica"]
        assert json.loads(tree.attrs["format"]) == FORMAT
        assert json.loads(tree.attrs["options"])["iterations"] == QUICK["iterations"]
        assert json.loads(tree.attrs["metadata"]) == {"target": "species"}
        assert tree["loss_curve"]["loss"].sizes == {"chain": 1, "step": QUICK["iterations"]}
    tree = arviz_base.convert_to_datatree(str(path))
    np.testing.assert_array_equal(tree["posterior"]["y_coef"], softmax.posterior_["y_coef"])


@pytest.mark.slow
def test_a_saved_mlp_keeps_its_fitted_prior_scales(iris, tmp_path):
    # prior_scale="auto" scales the first layer to the training rows, which a loaded
    # estimator lacks: the scales are saved, not read back from the draws (which guessed
    # them as the median ratio of weights to their unit-scale draws).
    X, y = iris
    X, codes = X.to_numpy(), np.unique(y, return_inverse=True)[1]  # no names, integer labels
    options = dict(
        QUICK, hidden=(6, 3), activation="relu", skip_scale=1.5, batch_size=50, draws=60
    )
    mlp = BayesianMLPClassifier(**options).fit(X, codes)
    path = mlp.save(tmp_path / "mlp.nc")

    loaded = BayesianMLPClassifier.load(path)
    assert type(loaded) is BayesianMLPClassifier and loaded.get_params() == mlp.get_params()
    assert loaded.hidden == (6, 3)  # a tuple again, as given
    assert loaded.classes_.tolist() == [0, 1, 2] and loaded.classes_.dtype.kind == "i"
    assert not hasattr(loaded, "feature_names_in_") and loaded.n_features_in_ == 4
    assert loaded.prior_scales_ == mlp.prior_scales_ == mlp._fitted_predictor().prior_scales
    assert loaded.model_ is not mlp.model_
    assert loaded._fitted_predictor().prior_scales == mlp.prior_scales_
    _assert_identical_predictions(loaded, mlp, X)
    with pytest.raises(ValueError, match="holds a BayesianMLPClassifier, not a BayesianSoftmax"):
        BayesianSoftmaxClassifier.load(path)

    # The saved scales are the ones used: forged ones (written whole, a valid checksum)
    # build the model with them.
    saved = read_model(path)
    forged = dict(saved.attrs, fitted={"prior_scales": [2.0, 1.0, 1.0]})
    other = write_model(tmp_path / "forged.nc", saved.tree, forged)
    assert load_estimator(other)._fitted_predictor().prior_scales == (2.0, 1.0, 1.0)


@pytest.mark.slow
def test_a_softmax_keeps_the_columns_its_fit_fixed_at_zero(tmp_path):
    # A copied column is collinear with its original: collinearity="drop" fixes one of the
    # two at zero; the loaded model must fix the same one, not guess it from zero draws.
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 2))
    X = np.column_stack([X, X[:, 0]])
    y = (X[:, 0] + X[:, 1] > 0).astype(int)
    with pytest.warns(UserWarning, match="collinear"):
        clf = BayesianSoftmaxClassifier(**QUICK).fit(X, y)
    assert clf.fixed_columns_ == [2]
    loaded = load_estimator(clf.save(tmp_path / "m.nc"))
    assert loaded.fixed_columns_ == [2]
    assert read_attrs(tmp_path / "m.nc")["fitted"] == {"fixed_columns": [2]}
    _assert_identical_predictions(loaded, clf, X)


@pytest.mark.slow
def test_nothing_assumes_one_chain(softmax, iris, tmp_path):
    # Fits of several independent members keep them as chains: two chains here, the second
    # a shifted copy of the first, and a loss per chain and step.
    X, _ = iris
    two = softmax.idata_.copy()
    post = softmax.posterior_
    two["posterior"] = xr.concat([post, post + 0.1], dim="chain").assign_coords(chain=[0, 1])
    loss = softmax.idata_["loss_curve"].to_dataset()
    two["loss_curve"] = xr.concat([loss, loss * 2], dim="chain").assign_coords(chain=[0, 1])
    members = pickle.loads(pickle.dumps(softmax))
    members.idata_ = two
    loaded = load_estimator(members.save(tmp_path / "m.nc"))
    assert loaded.posterior_.sizes["chain"] == 2
    assert loaded.loss_curve_.shape == (2, QUICK["iterations"])
    np.testing.assert_array_equal(loaded.loss_curve_[1], 2 * softmax.loss_curve_)
    _assert_identical_predictions(loaded, members, X)


@pytest.mark.slow
def test_save_refuses_what_it_cannot_write_and_writes_nothing(softmax, tmp_path):
    with pytest.raises(ValueError, match="metadata cannot be saved as strict JSON"):
        softmax.save(tmp_path / "m.nc", metadata={"scaler": object()})
    with pytest.raises(ValueError, match="metadata cannot be saved as strict JSON"):
        softmax.save(tmp_path / "m.nc", metadata={"scale": [float("inf")]})  # not JSON
    with pytest.raises(TypeError, match="metadata must be a dict"):
        softmax.save(tmp_path / "m.nc", metadata=[("a", 1)])
    callable_option = pickle.loads(pickle.dumps(softmax)).set_params(identification=len)
    with pytest.raises(ValueError, match=r"option identification=.* cannot be saved as JSON"):
        callable_option.save(tmp_path / "m.nc")
    (tmp_path / "folder").mkdir()
    with pytest.raises(FileExistsError, match="is a folder; a model is saved as one file"):
        softmax.save(tmp_path / "folder")
    (tmp_path / "data.csv").write_text("mine")
    with pytest.raises(FileExistsError, match="exists; pass overwrite=True"):
        softmax.save(tmp_path / "data.csv")
    assert (tmp_path / "data.csv").read_text() == "mine"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv", "folder"]


@pytest.mark.slow
def test_a_random_state_object_is_saved_as_none(softmax, iris, tmp_path):
    seeded = pickle.loads(pickle.dumps(softmax)).set_params(random_state=np.random.RandomState(0))
    loaded = BayesianSoftmaxClassifier.load(seeded.save(tmp_path / "m.nc"))
    assert loaded.random_state is None
    _assert_identical_predictions(loaded, softmax, iris[0])


def test_an_unfitted_estimator_cannot_be_saved(tmp_path):
    with pytest.raises(NotFittedError):
        BayesianSoftmaxClassifier().save(tmp_path / "model.nc")
    assert not (tmp_path / "model.nc").exists()


@pytest.mark.slow
def test_an_interrupted_save_leaves_the_old_model_whole(softmax, iris, tmp_path, monkeypatch):
    # The file is written beside the model and renamed over it in one step: interrupted
    # at that step, the old model is there, whole, and no partial file is left.
    X, y = iris
    path = softmax.save(tmp_path / "model.nc")
    before = path.read_bytes()
    other = BayesianSoftmaxClassifier(**dict(QUICK, random_state=5)).fit(X, y)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("pymc_bnn.persistence.os.replace", interrupted)
    with pytest.raises(KeyboardInterrupt):
        other.save(path, overwrite=True)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.nc"]
    monkeypatch.undo()
    other.save(path, overwrite=True)  # replaced whole once complete
    _assert_identical_predictions(load_estimator(path), other, X)
    assert [p.name for p in tmp_path.iterdir()] == ["model.nc"]


# Model files written by hand: every entry checked ------------------------------------


def _fake_attrs(**changes):
    attrs = {
        "estimator": "BayesianSoftmaxClassifier",
        "options": {"iterations": 10},
        "fitted": {"fixed_columns": []},
        "classes": [0, 1],
        "features": ["a", "b"],
        "n_features": 2,
        "sampler": "advi",
        "versions": {},
        "metadata": {},
    }
    attrs.update(changes)
    return {k: v for k, v in attrs.items() if v != "<deleted>"}


def _fake_posterior(**arrays):
    """A 2-feature, 2-class softmax regression's draws (3 draws; zero intercepts)."""
    coef = np.broadcast_to([1.0, -1.0], (1, 3, 2, 2)).copy()  # no column fixed at zero
    data = {
        "y_coef": (("chain", "draw", "features", "classes"), coef),
        "y_intercept": (("chain", "draw", "classes"), np.zeros((1, 3, 2))),
    }
    data.update(arrays)
    return xr.DataTree.from_dict({"posterior": xr.Dataset(data)})


def _fake_model(path, posterior=None, **changes):
    """A model file written by hand, whole and with a valid checksum (a careful forger)."""
    return write_model(path, posterior or _fake_posterior(), _fake_attrs(**changes))


def test_load_reads_a_model_file_written_by_hand(tmp_path):
    loaded = load_estimator(_fake_model(tmp_path / "m.nc"))
    assert isinstance(loaded, BayesianSoftmaxClassifier) and loaded.iterations == 10
    np.testing.assert_allclose(loaded.predict_proba(np.zeros((1, 2))), [[0.5, 0.5]])
    assert loaded.feature_names_in_.tolist() == ["a", "b"] and loaded.n_features_in_ == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"estimator": "SVC"}, r"unknown estimator SVC; expected one of \['BayesianMLP"),
        ({"estimator": 3}, "unknown estimator 3"),
        ({"options": {"depth": 3}}, r"options \['depth'\] are not options of"),
        ({"options": [1]}, "options must be a JSON object"),
        ({"options": {"iterations": -1}}, "bad options.*iterations"),
        ({"options": {"identification": "x"}}, "cannot rebuild the model"),
        ({"classes": [0, 1, 2]}, r"y_coef has shape \(2, 2\).*needs \(2, 3\)"),
        ({"classes": [0, 0]}, "classes must be distinct"),
        ({"classes": [0, "a"]}, "labels of one type"),
        ({"classes": [0]}, "at least two labels"),
        ({"features": ["a", "a"]}, "features must be distinct"),
        ({"features": ["a"], "n_features": 1}, r"y_coef has shape \(2, 2\).*needs \(1, 2\)"),
        ({"n_features": 3}, "n_features is 3 but 2 features"),
        ({"n_features": True}, "n_features must be a positive integer"),
        ({"fitted": {"fixed_columns": [5]}}, "fitted must be"),
        ({"fitted": {}}, "fitted must be"),
        ({"fitted": {"prior_scales": [1.0]}}, "fitted must be"),
        ({"sampler": None}, "sampler must be a name"),
        ({"classes": "<deleted>"}, r"lacks the entries \['classes'\]"),
    ],
)
def test_load_refuses_entries_that_do_not_fit(tmp_path, changes, message):
    with pytest.raises(ValueError, match=message):
        load_estimator(_fake_model(tmp_path / "m.nc", **changes))


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"y_intercept": ("draw", np.zeros(3))}, "dims.*expected chain, draw first"),
        ({"y_coef": (("chain", "draw", "f", "c"), np.full((1, 3, 2, 2), np.nan))}, "non-fin"),
        ({"y_coef": (("chain", "draw", "f", "c"), np.zeros((1, 3, 2, 2), int))}, "not floats"),
        (
            {
                "y_coef": (("chain", "draw", "f", "c"), np.zeros((1, 0, 2, 2))),
                "y_intercept": (("chain", "draw", "c"), np.zeros((1, 0, 2))),
            },
            "holds no draws",
        ),
    ],
)
def test_load_refuses_draws_that_do_not_fit(tmp_path, arrays, message):
    with pytest.raises(ValueError, match=message):
        load_estimator(_fake_model(tmp_path / "m.nc", _fake_posterior(**arrays)))


def test_load_refuses_a_file_without_a_parameter_of_the_model(tmp_path):
    posterior = xr.DataTree.from_dict(
        {"posterior": _fake_posterior()["posterior"].to_dataset().drop_vars("y_intercept")}
    )
    with pytest.raises(ValueError, match="lacks the posterior variable 'y_intercept'"):
        load_estimator(_fake_model(tmp_path / "m.nc", posterior))


# Damaged, edited and foreign files ------------------------------------------------------


def _refused(path, *fragments):
    with pytest.raises(ModelFileError) as info:
        read_model(path)
    message = str(info.value)
    assert "\n" not in message and len(message) < 400, message
    assert message.startswith(str(path)), message
    for fragment in fragments:
        assert fragment in message, message
    return message


def test_a_damaged_file_is_refused_before_it_is_parsed(tmp_path):
    # A run of 64 zero bytes inside an attribute's header once made HDF5 loop for ever:
    # the checksum of the whole file is checked before HDF5 reads any of it.
    good = _fake_model(tmp_path / "good.nc").read_bytes()
    path = tmp_path / "m.nc"
    cases = [good[:size] for size in (0, 1, 8, 100, len(good) // 2, len(good) - 1)]
    for offset in range(0, len(good), max(1, len(good) // 97)):
        for damage in (bytes([good[offset] ^ 0x5A]), bytes(64)):
            damaged = good[:offset] + damage + good[offset + len(damage) :]
            if damaged[: len(good)] != good:
                cases.append(damaged[: len(good)])
    assert len(cases) > 150
    for data in cases:
        path.write_bytes(data)
        _refused(path)


def test_a_file_edited_in_place_is_refused_by_its_checksum(tmp_path):
    path = _fake_model(tmp_path / "m.nc")
    with h5py.File(path, "r+") as f:  # a plausible edit: swapped labels
        f.attrs["classes"] = json.dumps([1, 0])
    _refused(path, "edited")
    path = _fake_model(tmp_path / "n.nc")
    with h5py.File(path, "r+") as f:  # the draws edited
        f["posterior/y_coef"][0, 0, 0, 0] = 5.0
    _refused(path)


def _sealed(path):
    """Append the last line a model file ends with, its checksum valid (a forger's file)."""
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    with open(path, "ab") as f:
        f.write(f"\n{FORMAT}; sha256 of the bytes before this line: {digest}\n".encode())
    return path


def test_foreign_files_and_other_formats_are_named(tmp_path):
    (tmp_path / "data.csv").write_text("a,b\n1,2\n")
    _refused(tmp_path / "data.csv", "not a model file (not netCDF-4/HDF5)")
    tree = _fake_posterior()
    tree.to_netcdf(tmp_path / "arviz.nc", engine="h5netcdf")  # an ArviZ-style netCDF file
    _refused(tmp_path / "arviz.nc", "not a pymc-bnn model file (no 'pymc-bnn model 3' line")
    newer = (
        _fake_model(tmp_path / "newer.nc")
        .read_bytes()
        .replace(FORMAT.encode(), b"pymc-bnn model 4")
    )
    (tmp_path / "newer.nc").write_bytes(newer)
    _refused(tmp_path / "newer.nc", "format 'pymc-bnn model 4'", "use the pymc_bnn that wrote")
    tree.to_netcdf(tmp_path / "sealed.nc", engine="h5netcdf")
    _refused(_sealed(tmp_path / "sealed.nc"), f"its format entry is not {FORMAT!r}")
    _refused(tmp_path, "is a folder, not a model file")
    with pytest.raises(FileNotFoundError, match=r"no-such\.nc: no such model file"):
        read_model(tmp_path / "no-such.nc")


def test_a_model_folder_of_an_earlier_version_says_what_to_do(tmp_path):
    folder = tmp_path / "model"
    folder.mkdir()
    (folder / "metadata.json").write_text(json.dumps({"format": "pymc-bnn model 2"}))
    (folder / "posterior.npz").write_bytes(b"PK")
    message = _refused(folder, "a model folder of an earlier pymc_bnn", "fit the model again")
    assert "'pymc-bnn model 2'" in message
    with pytest.raises(ModelFileError, match="model folder of an earlier pymc_bnn"):
        BayesianSoftmaxClassifier.load(folder)


def _hdf5_posterior(path, make):
    """A netCDF-like file whose posterior array ``make(group)`` creates, with model attrs."""
    with h5py.File(path, "w") as f:
        f.attrs["format"] = json.dumps(FORMAT)
        for key, value in _fake_attrs().items():
            f.attrs[key] = json.dumps(value)
        make(f.create_group("posterior"))
    return _sealed(path)


def _gzip_bomb(group, name="y_coef_raw", chains=1):
    """2.4 GB of zeros a chain, in about 2 MB: gzip at its best."""
    group.create_dataset(
        name,
        shape=(chains, 300_000, 1000),
        dtype="f8",
        compression="gzip",
        chunks=(1, 1000, 1000),
        fillvalue=0.0,
    )


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (_gzip_bomb, "stored compressed or outside the file"),
        (  # declared and never written: HDF5 would return its fill value
            lambda g: g.create_dataset("y_coef_raw", shape=(1, 300_000, 1000), dtype="f8"),
            "declare 2,400,000,000 bytes",
        ),
        (
            lambda g: g.create_dataset(
                "y_coef_raw", shape=(1, 10), dtype="f8", external=[("/dev/zero", 0, 80)]
            ),
            "stored compressed or outside the file",
        ),
        (
            lambda g: g.create_dataset("y_coef_raw", data=np.zeros(3, dtype=[("a", "f8")])),
            "not numbers or strings",
        ),
    ],
)
def test_a_forged_bomb_is_refused_before_it_allocates(tmp_path, make, message):
    # A 1.95 MB posterior.npz with a valid checksum once took 2.36 GB before it was
    # refused: every array must be stored uncompressed in the file, no larger than it.
    _refused(_hdf5_posterior(tmp_path / "bomb.nc", make), message)


_PEAK = """
import resource, sys
from pymc_bnn.persistence import read_model
read_model(sys.argv[1])  # imports, caches and a first small read
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
try:
    saved = read_model(sys.argv[2])
    declared = sum(
        v.nbytes for node in saved.tree.subtree for v in node.dataset.variables.values()
    )
except Exception as err:
    declared = 0
    print(type(err).__name__, file=sys.stderr)
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print((after - before) * 1024, declared)
"""


def _peak_of_reading(small, big):
    """Bytes the peak memory of a fresh process grew by reading ``big``, and its arrays' bytes."""
    out = subprocess.run(
        [sys.executable, "-c", _PEAK, str(small), str(big)],
        capture_output=True,
        text=True,
        check=True,
    )
    grown, declared = out.stdout.split()
    return int(grown), int(declared)


@pytest.mark.slow
def test_reading_a_model_file_takes_at_most_twice_its_arrays(tmp_path):
    rng = np.random.default_rng(0)
    post = xr.Dataset(
        {
            "w": (("chain", "draw", "k"), rng.normal(size=(2, 10_000, 1000))),  # 160 MB
            "b": (("chain", "draw"), rng.normal(size=(2, 10_000))),
        }
    )
    big = write_model(tmp_path / "big.nc", xr.DataTree.from_dict({"posterior": post}), {})
    small = _fake_model(tmp_path / "small.nc")
    grown, declared = _peak_of_reading(small, big)
    assert declared > 160e6
    assert grown <= 2 * declared, (grown, declared)

    bomb = _hdf5_posterior(tmp_path / "bomb.nc", lambda g: _gzip_bomb(g, "w", chains=2))
    grown, declared = _peak_of_reading(small, bomb)  # 4.8 GB declared, refused
    assert declared == 0 and grown < 50e6, grown
