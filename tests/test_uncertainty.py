"""Tests of pymc_bnn.uncertainty against hand-computed values and brute-force loops.

Tolerances: hand-computed values and the loop oracles are compared with
``rtol=1e-12, atol=1e-12`` (the same float64 arithmetic in another order); the only
exceptions are stated at the assertion.
"""

import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pymc_bnn.uncertainty import (
    MEASURES,
    accuracy_rejection_curve,
    brier_score,
    class_probabilities,
    correct_predictions,
    encode_labels,
    entropy_decomposition,
    expected_calibration_error,
    log_score,
    posterior_probabilities,
    predicted_class,
    reliability_table,
    uncertainty_scores,
)

TOL = dict(rtol=1e-12, atol=1e-12)


def random_probs(seed, draws=40, obs=25, classes=4, zeros=True):
    """Dirichlet draws with some entries set exactly to zero (then renormalized)."""
    rng = np.random.default_rng(seed)
    p = rng.dirichlet(np.full(classes, 0.7), size=(draws, obs))
    if zeros:
        p[rng.random(p.shape) < 0.15] = 0.0
        p[p.sum(-1) == 0, 0] = 1.0
        p /= p.sum(-1, keepdims=True)
    return p


def random_labels(seed, obs=25, classes=4):
    return np.random.default_rng(seed).integers(0, classes, size=obs)


# ------------------------------------------------------------------------------------
# Brute-force oracles: plain loops over draws, observations and classes.
# ------------------------------------------------------------------------------------


def loop_entropy(row):
    return -sum(q * math.log(q) for q in row if q > 0)


def loop_mean(probs, i):
    s, _, k = probs.shape
    return [sum(probs[d, i, c] for d in range(s)) / s for c in range(k)]


def loop_decomposition(probs):
    s, n, _ = probs.shape
    total, aleatoric = [], []
    for i in range(n):
        total.append(loop_entropy(loop_mean(probs, i)))
        aleatoric.append(sum(loop_entropy(probs[d, i]) for d in range(s)) / s)
    return np.array(total), np.array(aleatoric)


def loop_predictions(probs, y):
    conf, correct = [], []
    for i in range(probs.shape[1]):
        mean = loop_mean(probs, i)
        best = max(range(len(mean)), key=lambda c: (mean[c], -c))
        conf.append(mean[best])
        correct.append(best == y[i])
    return conf, correct


def loop_ece(probs, y, n_bins):
    conf, correct = loop_predictions(probs, y)
    total = 0.0
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        members = [i for i, c in enumerate(conf) if (lo < c <= hi) or (b == 0 and c == 0)]
        if members:
            acc = sum(correct[i] for i in members) / len(members)
            mc = sum(conf[i] for i in members) / len(members)
            total += len(members) / len(conf) * abs(acc - mc)
    return total


def loop_arc(probs, y, scores, rates):
    _, correct = loop_predictions(probs, y)
    n = len(correct)
    order = sorted(range(n), key=lambda i: (-scores[i], i))
    out = []
    for r in rates:
        kept = order[math.floor(r * n + 1e-9) :]
        out.append(sum(correct[i] for i in kept) / len(kept))
    return np.array(out)


# ------------------------------------------------------------------------------------
# Entropy decomposition
# ------------------------------------------------------------------------------------


def test_one_hot_draws_have_zero_entropy():
    draws = np.tile(np.eye(3)[[0, 2]], (5, 1, 1))  # 5 identical draws, 2 observations
    ed = entropy_decomposition(draws)
    np.testing.assert_array_equal(ed.total, [0.0, 0.0])
    np.testing.assert_array_equal(ed.aleatoric, [0.0, 0.0])
    np.testing.assert_array_equal(ed.epistemic, [0.0, 0.0])


def test_identical_draws_have_zero_mutual_information():
    row = np.array([0.2, 0.0, 0.5, 0.3])
    ed = entropy_decomposition(np.tile(row, (7, 3, 1)))
    np.testing.assert_allclose(ed.epistemic, 0.0, atol=1e-12)
    np.testing.assert_allclose(ed.total, loop_entropy(row), **TOL)


@pytest.mark.parametrize("k", [2, 3, 10])
def test_uniform_probabilities_have_entropy_log_k(k):
    ed = entropy_decomposition(np.full((4, 2, k), 1 / k))
    np.testing.assert_allclose(ed.total, math.log(k), **TOL)
    np.testing.assert_allclose(ed.aleatoric, math.log(k), **TOL)
    np.testing.assert_allclose(ed.epistemic, 0.0, atol=1e-12)


def test_disagreeing_one_hot_draws_are_purely_epistemic():
    draws = np.array([[[1.0, 0.0]], [[0.0, 1.0]]])
    ed = entropy_decomposition(draws)
    np.testing.assert_allclose(ed.epistemic, math.log(2), **TOL)
    np.testing.assert_array_equal(ed.aleatoric, [0.0])


def test_exact_zeros_give_no_nan():
    draws = np.array([[[1.0, 0.0, 0.0], [0.0, 0.5, 0.5]]] * 3)
    ed = entropy_decomposition(draws)
    for part in (ed.total, ed.aleatoric, ed.epistemic):
        assert np.isfinite(part).all()
    np.testing.assert_allclose(ed.total, [0.0, math.log(2)], **TOL)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_entropy_decomposition_matches_loops(seed):
    probs = random_probs(seed)
    ed = entropy_decomposition(probs)
    total, aleatoric = loop_decomposition(probs)
    np.testing.assert_allclose(ed.total, total, **TOL)
    np.testing.assert_allclose(ed.aleatoric, aleatoric, **TOL)
    np.testing.assert_allclose(ed.epistemic, np.maximum(total - aleatoric, 0), **TOL)


@st.composite
def prob_arrays(draw):
    shape = (draw(st.integers(1, 6)), draw(st.integers(1, 5)), draw(st.integers(1, 5)))
    raw = draw(arrays(np.float64, shape, elements=st.floats(0, 1)))
    raw[..., 0] += raw.sum(-1) == 0  # at least one positive entry per row
    return raw / raw.sum(-1, keepdims=True)


@given(prob_arrays())
def test_entropy_bounds(probs):
    # Tolerance 1e-12: the bounds hold exactly in real arithmetic.
    ed = entropy_decomposition(probs)
    log_k = math.log(probs.shape[-1])
    assert (ed.epistemic >= 0).all()
    assert (ed.aleatoric >= -1e-12).all()
    assert (ed.aleatoric <= ed.total + 1e-12).all()
    assert (ed.total <= log_k + 1e-12).all()
    np.testing.assert_allclose(ed.total - ed.aleatoric, ed.epistemic, atol=1e-12)


def test_uncertainty_scores_name_each_measure():
    probs = random_probs(3)
    ed = entropy_decomposition(probs)
    for name in ("total", "aleatoric", "epistemic"):
        np.testing.assert_array_equal(uncertainty_scores(probs, name), getattr(ed, name))
    conf, _ = loop_predictions(probs, np.zeros(probs.shape[1], int))
    np.testing.assert_allclose(
        uncertainty_scores(probs, "least_confidence"), 1 - np.array(conf), **TOL
    )
    assert set(MEASURES) == {"total", "aleatoric", "epistemic", "least_confidence"}


# ------------------------------------------------------------------------------------
# Class probabilities and credible intervals
# ------------------------------------------------------------------------------------


def two_class(p0):
    p0 = np.asarray(p0, dtype=float)
    return np.stack([p0, 1 - p0], axis=-1)[:, None, :]  # (draws, 1 obs, 2 classes)


def test_hdi_by_hand():
    # Class 0 draws 0.1, 0.2, 0.3, 0.4, 0.9: the narrowest window of floor(0.6 * 5) + 1 = 4
    # sorted draws is [0.1, 0.4] (width 0.3 against 0.7); for class 1 it is [0.6, 0.9].
    cp = class_probabilities(two_class([0.1, 0.2, 0.3, 0.4, 0.9]), prob=0.6)
    np.testing.assert_allclose(cp.mean, [[0.38, 0.62]], **TOL)
    np.testing.assert_allclose(cp.lower, [[0.1, 0.6]], **TOL)
    np.testing.assert_allclose(cp.upper, [[0.4, 0.9]], **TOL)
    assert (cp.prob, cp.method) == (0.6, "hdi")


def test_eti_by_hand():
    # Linear quantiles 0.25 and 0.75 of 0.1, 0.2, 0.3, 0.4, 0.9 are 0.2 and 0.4.
    cp = class_probabilities(two_class([0.1, 0.2, 0.3, 0.4, 0.9]), prob=0.5, method="eti")
    np.testing.assert_allclose(cp.lower, [[0.2, 0.6]], **TOL)
    np.testing.assert_allclose(cp.upper, [[0.4, 0.8]], **TOL)


def loop_hdi(sample, prob):
    sample = sorted(sample)
    n = len(sample)
    width = min(math.floor(prob * n), n - 1)
    best = min(range(n - width), key=lambda j: (sample[j + width] - sample[j], j))
    return sample[best], sample[best + width]


def test_intervals_match_loops():
    probs = random_probs(4, draws=60, obs=6, classes=3)
    hdi = class_probabilities(probs, prob=0.8)
    eti = class_probabilities(probs, prob=0.8, method="eti")
    for i in range(6):
        for c in range(3):
            sample = probs[:, i, c]
            assert (hdi.lower[i, c], hdi.upper[i, c]) == loop_hdi(sample, 0.8)
            np.testing.assert_allclose(
                [eti.lower[i, c], eti.upper[i, c]], np.quantile(sample, [0.1, 0.9]), **TOL
            )
            np.testing.assert_allclose(hdi.mean[i, c], sum(sample) / 60, **TOL)
            assert hdi.lower[i, c] <= hdi.upper[i, c]


def test_default_prob_is_arviz_default():
    assert class_probabilities(random_probs(5)).prob == 0.94


# ------------------------------------------------------------------------------------
# Scores against labels
# ------------------------------------------------------------------------------------


def test_brier_and_log_score_by_hand():
    one_hot = np.eye(3)[None, [0, 1, 2]]  # 1 draw, 3 observations
    assert brier_score(one_hot, [0, 1, 2]) == 0.0
    assert log_score(one_hot, [0, 1, 2]) == 0.0
    np.testing.assert_array_equal(brier_score(one_hot, [1, 1, 1], pointwise=True), [2, 0, 2])
    uniform = np.full((2, 4, 5), 0.2)
    np.testing.assert_allclose(brier_score(uniform, [0, 1, 2, 3]), 1 - 1 / 5, **TOL)
    np.testing.assert_allclose(log_score(uniform, [0, 1, 2, 3]), -math.log(5), **TOL)


@pytest.mark.parametrize("k", [2, 3, 7])
def test_brier_and_log_score_agree_with_scikit_learn(k):
    # Kept hand-written (scikit-learn gives only the mean, and log_loss clips a zero
    # probability): its metrics are the oracle of the means.
    from sklearn.metrics import brier_score_loss, log_loss

    rng = np.random.default_rng(k)
    probs = rng.dirichlet(np.ones(k), size=(40, 30))
    y = rng.integers(0, k, 30)
    mean = probs.mean(axis=0)
    labels = list(range(k))
    expected = brier_score_loss(y, mean, labels=labels, scale_by_half=False)
    np.testing.assert_allclose(brier_score(probs, y), expected, rtol=1e-12)
    np.testing.assert_allclose(log_score(probs, y), -log_loss(y, mean, labels=labels), rtol=1e-12)


def test_log_score_of_impossible_label_is_minus_inf_without_warning():
    with np.errstate(all="raise"):
        scores = log_score(np.eye(2)[None, [0]], [1], pointwise=True)
    assert scores.tolist() == [-math.inf]


@pytest.mark.parametrize("seed", [0, 1])
def test_scores_match_loops(seed):
    probs, y = random_probs(seed), random_labels(seed + 10)
    _s, n, k = probs.shape
    brier, logs = [], []
    for i in range(n):
        mean = loop_mean(probs, i)
        brier.append(sum((mean[c] - (c == y[i])) ** 2 for c in range(k)))
        logs.append(math.log(mean[y[i]]) if mean[y[i]] > 0 else -math.inf)
    np.testing.assert_allclose(brier_score(probs, y, pointwise=True), brier, **TOL)
    np.testing.assert_allclose(log_score(probs, y, pointwise=True), logs, **TOL)
    np.testing.assert_allclose(brier_score(probs, y), np.mean(brier), **TOL)
    _, correct = loop_predictions(probs, y)
    np.testing.assert_array_equal(correct_predictions(probs, y), correct)


# ------------------------------------------------------------------------------------
# Calibration
# ------------------------------------------------------------------------------------


def test_ece_zero_for_perfectly_calibrated_case():
    # Confidence 0.75 correct 3 times in 4; confidence 0.95 (two draws 0.9 and 1.0)
    # correct 19 times in 20.
    first = np.tile([0.75, 0.25], (2, 4, 1))
    second = np.stack([np.tile([0.9, 0.1], (20, 1)), np.tile([1.0, 0.0], (20, 1))])
    probs = np.concatenate([first, second], axis=1)
    y = [0, 0, 0, 1] + [0] * 19 + [1]
    assert expected_calibration_error(probs, y) == pytest.approx(0.0, abs=1e-12)
    table = reliability_table(probs, y)
    assert table["count"].tolist() == [0] * 7 + [4, 0, 20]
    np.testing.assert_allclose(table["confidence"].iloc[[7, 9]], [0.75, 0.95], **TOL)
    np.testing.assert_allclose(table["accuracy"].iloc[[7, 9]], [0.75, 0.95], **TOL)
    assert table["accuracy"].isna().sum() == 8


def test_ece_by_hand():
    # 4 observations at confidence 0.75, all correct: gap 0.25 in a bin holding all.
    probs = np.tile([0.25, 0.75], (1, 4, 1))
    assert expected_calibration_error(probs, [1, 1, 1, 1]) == pytest.approx(0.25, abs=1e-12)
    assert expected_calibration_error(probs, [0, 0, 0, 0]) == pytest.approx(0.75, abs=1e-12)


def test_reliability_table_columns_and_edges():
    table = reliability_table(random_probs(0), random_labels(0), n_bins=5)
    assert list(table.columns) == ["bin_lower", "bin_upper", "count", "confidence", "accuracy"]
    np.testing.assert_allclose(table["bin_lower"], [0, 0.2, 0.4, 0.6, 0.8], **TOL)
    assert table["count"].sum() == 25


@pytest.mark.parametrize(("seed", "n_bins"), [(0, 10), (1, 7), (2, 1)])
def test_ece_matches_loops(seed, n_bins):
    probs, y = random_probs(seed, obs=60), random_labels(seed, obs=60)
    got = expected_calibration_error(probs, y, n_bins=n_bins)
    np.testing.assert_allclose(got, loop_ece(probs, y, n_bins), **TOL)


# ------------------------------------------------------------------------------------
# Accuracy-rejection curve
# ------------------------------------------------------------------------------------


def test_accuracy_rejection_by_hand():
    probs = np.array([[[0.9, 0.1], [0.6, 0.4], [0.55, 0.45], [0.8, 0.2]]])
    curve = accuracy_rejection_curve(probs, [0, 1, 1, 0], measure="least_confidence")
    # Rejected in order of confidence: obs 2 (wrong), obs 1 (wrong), obs 3, obs 0.
    np.testing.assert_allclose(curve["accuracy"], [0.5, 2 / 3, 1.0, 1.0], **TOL)
    assert curve["n_retained"].tolist() == [4, 3, 2, 1]
    np.testing.assert_allclose(curve["rejection_rate"], [0, 0.25, 0.5, 0.75], **TOL)
    assert curve.attrs["measure"] == "least_confidence"


def test_accuracy_rejection_with_custom_scores_and_rates():
    probs = np.array([[[0.9, 0.1], [0.6, 0.4], [0.55, 0.45], [0.8, 0.2]]])
    curve = accuracy_rejection_curve(
        probs, [0, 1, 1, 0], measure=[0.0, 0.0, 1.0, 0.0], rejection_rates=[0, 0.3]
    )
    np.testing.assert_allclose(curve["accuracy"], [0.5, 2 / 3], **TOL)
    assert curve.attrs["measure"] == "custom"


@pytest.mark.parametrize("measure", list(MEASURES))
def test_accuracy_rejection_matches_loops(measure):
    probs, y = random_probs(7, obs=40), random_labels(7, obs=40)
    scores = np.asarray(uncertainty_scores(probs, measure))
    rates = [0, 0.1, 1 / 3, 0.5, 0.9, 39 / 40]
    curve = accuracy_rejection_curve(probs, y, measure=measure, rejection_rates=rates)
    np.testing.assert_allclose(curve["accuracy"], loop_arc(probs, y, scores, rates), **TOL)
    full = accuracy_rejection_curve(probs, y, measure=measure)
    assert len(full) == 40
    default_rates = np.arange(40) / 40
    expected = loop_arc(probs, y, scores, default_rates)
    np.testing.assert_allclose(full["accuracy"], expected, **TOL)


# ------------------------------------------------------------------------------------
# Labelled inputs keep their labels
# ------------------------------------------------------------------------------------

CLASSES = ["cat", "dog", "eel"]


@pytest.fixture
def labelled():
    values = random_probs(11, draws=12, obs=5, classes=3).reshape(2, 6, 5, 3)
    return xr.DataArray(
        values,
        dims=("chain", "draw", "item", "species"),
        coords={"item": list("abcde"), "species": CLASSES, "chain": [0, 1]},
        name="p",
    )


def test_dataarray_outputs_keep_coords(labelled):
    flat = labelled.values.reshape(12, 5, 3)
    cp = class_probabilities(labelled)
    assert isinstance(cp.mean, xr.DataArray)
    assert cp.mean.dims == ("item", "species")
    assert cp.upper["species"].values.tolist() == CLASSES
    np.testing.assert_allclose(cp.mean.values, flat.mean(0), **TOL)
    ed = entropy_decomposition(labelled)
    assert ed.epistemic.dims == ("item",)
    assert ed.epistemic["item"].values.tolist() == list("abcde")
    np.testing.assert_array_equal(ed.total.values, entropy_decomposition(flat).total)


def test_string_labels_map_to_classes(labelled):
    y = ["eel", "cat", "dog", "dog", "cat"]
    flat = labelled.values.reshape(12, 5, 3)
    y_idx = [2, 0, 1, 1, 0]
    assert brier_score(labelled, y) == brier_score(flat, y_idx)
    pointwise = log_score(labelled, y, pointwise=True)
    assert pointwise.dims == ("item",)
    np.testing.assert_array_equal(pointwise.values, log_score(flat, y_idx, pointwise=True))
    correct = correct_predictions(labelled, xr.DataArray(y, dims="item"))
    np.testing.assert_array_equal(correct.values, correct_predictions(flat, y_idx))
    assert expected_calibration_error(labelled, y) == expected_calibration_error(flat, y_idx)


def test_datatree_selection(labelled):
    other = xr.zeros_like(labelled.isel(item=0, species=0)).rename("w")
    tree = xr.DataTree.from_dict(
        {
            "posterior": xr.Dataset({"p": labelled, "w": other}),
            "posterior_predictive": xr.Dataset({"q": labelled}),
        }
    )
    reference = entropy_decomposition(labelled).total
    by_name = entropy_decomposition(tree, var_name="p", group="posterior").total
    xr.testing.assert_equal(by_name, reference)
    xr.testing.assert_equal(entropy_decomposition(tree).total, reference.rename("total"))
    xr.testing.assert_equal(entropy_decomposition(tree, var_name="p").total, reference)
    with pytest.raises(ValueError, match="Pass var_name="):
        entropy_decomposition(tree, group="posterior")
    with pytest.raises(ValueError, match=r"group='prior' is not in probs"):
        entropy_decomposition(tree, group="prior")
    with pytest.raises(ValueError, match=r"var_name='nope' not found"):
        entropy_decomposition(tree, var_name="nope")


def test_sample_dim_last_as_from_arviz_extract(labelled):
    stacked = labelled.stack(sample=("chain", "draw")).transpose("item", "species", "sample")
    pooled = posterior_probabilities(stacked)
    assert pooled.dims == ("sample", "item", "species")
    np.testing.assert_allclose(pooled.values, labelled.values.reshape(12, 5, 3), **TOL)


def test_numpy_in_numpy_out():
    probs, y = random_probs(1), random_labels(1)
    assert isinstance(class_probabilities(probs).lower, np.ndarray)
    assert isinstance(entropy_decomposition(probs).total, np.ndarray)
    assert isinstance(correct_predictions(probs, y), np.ndarray)
    assert isinstance(brier_score(probs, y), float)
    assert isinstance(reliability_table(probs, y), pd.DataFrame)


def test_float32_within_tolerance_is_accepted():
    probs = random_probs(2).astype(np.float32)
    probs[..., 0] += 1e-5  # off by 1e-5 < 3.5e-4, the float32 tolerance
    entropy_decomposition(probs)


def test_encode_labels():
    np.testing.assert_array_equal(encode_labels(["b", "c"], ["a", "b", "c"]), [1, 2])
    np.testing.assert_array_equal(encode_labels([1, 0], ["a", "b"]), [1, 0])
    np.testing.assert_array_equal(encode_labels([10, 30], [10, 20, 30]), [0, 2])


# ------------------------------------------------------------------------------------
# Bad input
# ------------------------------------------------------------------------------------

GOOD = np.full((2, 3, 2), 0.5)


def with_entry(value):
    probs = GOOD.copy()
    probs[1, 2] = value
    return probs


@pytest.mark.parametrize(
    ("probs", "message"),
    [
        (np.full((3, 2), 0.5), r"probs must have 3 dimensions \(draws, observations, classes\)"),
        (np.full((1, 1, 3, 2), 0.5), "probs must have 3 dimensions"),
        (with_entry([1.2, -0.2]), "probs must be finite and nonnegative"),
        (with_entry([0.5, 0.6]), r"probs must sum to 1 .* within 1\.5e-08"),
        (with_entry([np.nan, 1.0]), "probs must not contain NaN"),
        (with_entry([np.inf, 0.0]), "probs must be finite and nonnegative"),
        (np.zeros((0, 3, 2)), "at least one draw"),
        (GOOD.astype(bool), "probs must hold real numbers"),
        (xr.DataArray(GOOD[0], dims=("obs", "cls")), "probs must have draw dimensions"),
        (
            xr.DataArray(np.zeros((1, 2, 3)), dims=("chain", "draw", "obs")),
            "Draws of labels from a posterior predictive are not probabilities",
        ),
    ],
)
def test_bad_probs(probs, message):
    with pytest.raises((ValueError, TypeError), match=message):
        entropy_decomposition(probs)


def test_rows_off_by_more_than_tolerance_are_not_rescaled():
    probs = with_entry([0.5, 0.5 + 1e-6])
    with pytest.raises(ValueError, match="not rescaled"):
        brier_score(probs, [0, 1, 0])


@pytest.mark.parametrize(
    ("y", "message"),
    [
        ([0, 1], "y has 2 labels but probs has 3 observations"),
        ([0, 1, 2], r"y must hold class labels \[0, 1\] or class positions 0..1.*\[2\]"),
        ([0, -1, 1], "y must hold class labels"),
        ([0.0, 0.5, 1.0], "y must hold class labels"),
        ([[0, 1, 1]], "y must be 1-D"),
    ],
)
def test_bad_labels(y, message):
    with pytest.raises(ValueError, match=message):
        correct_predictions(GOOD, y)


def test_label_not_in_class_coords(labelled):
    with pytest.raises(ValueError, match=r"class labels \['cat', 'dog', 'eel'\].*'cow'"):
        brier_score(labelled, ["cat", "cow", "eel", "eel", "dog"])


@pytest.mark.parametrize("prob", [0, 1, 1.5, -0.1, "0.9", None])
def test_bad_prob(prob):
    with pytest.raises(ValueError, match=r"prob must be a number in the open interval \(0, 1\)"):
        class_probabilities(GOOD, prob=prob)


def test_other_bad_arguments():
    with pytest.raises(ValueError, match='method must be "hdi" or "eti"'):
        class_probabilities(GOOD, method="quantile")
    with pytest.raises(ValueError, match="n_bins must be a positive integer"):
        reliability_table(GOOD, [0, 1, 0], n_bins=0)
    with pytest.raises(ValueError, match="measure must be one of"):
        uncertainty_scores(GOOD, "variance")
    with pytest.raises(ValueError, match="3 uncertainty scores"):
        accuracy_rejection_curve(GOOD, [0, 1, 0], measure=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"rejection_rates must be .* in \[0, 1\)"):
        accuracy_rejection_curve(GOOD, [0, 1, 0], rejection_rates=[0, 1])


def test_predicted_class_positions_and_labels(labelled):
    probs = np.array([[[0.9, 0.1], [0.3, 0.7], [0.5, 0.5]], [[0.2, 0.8], [0.5, 0.5], [0.5, 0.5]]])
    np.testing.assert_array_equal(predicted_class(probs), [0, 1, 0])  # ties: first class
    flat = labelled.values.reshape(12, 5, 3)
    predicted = predicted_class(labelled)
    assert predicted.dims == ("item",)
    assert predicted.values.tolist() == [CLASSES[i] for i in flat.mean(0).argmax(-1)]


def test_labelled_y_is_aligned_by_observation_label(labelled):
    y = xr.DataArray(
        ["cat", "cat", "dog", "eel", "eel"], dims="item", coords={"item": list("edcba")}
    )
    expected = correct_predictions(labelled, ["eel", "eel", "dog", "cat", "cat"])
    xr.testing.assert_equal(correct_predictions(labelled, y), expected)
    with pytest.raises(ValueError, match="y's 'item' coordinate does not hold the same labels"):
        correct_predictions(labelled, y.assign_coords(item=list("vwxyz")))


def test_former_measure_name_confidence_warns_and_means_least_confidence():
    # Issue 15: "confidence" named 1 - max probability (larger when less sure).
    probs = np.array([[[0.9, 0.1], [0.5, 0.5]]])
    with pytest.warns(DeprecationWarning, match="least_confidence"):
        old = uncertainty_scores(probs, "confidence")
    np.testing.assert_array_equal(old, uncertainty_scores(probs, "least_confidence"))
    with pytest.warns(DeprecationWarning):
        curve = accuracy_rejection_curve(probs, [0, 1], measure="confidence")
    assert curve.attrs["measure"] == "least_confidence"
