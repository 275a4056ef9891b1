"""Tests of pymc_bnn.plots: what each figure contains, checked against pymc_bnn.uncertainty."""

import math

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import xarray as xr
from matplotlib.collections import LineCollection, PathCollection, QuadMesh
from matplotlib.patches import Rectangle

from pymc_bnn import plots
from pymc_bnn.uncertainty import (
    accuracy_rejection_curve,
    class_probabilities,
    correct_predictions,
    entropy_decomposition,
    expected_calibration_error,
    reliability_table,
)


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture
def ax():
    return plt.subplots()[1]


def random_probs(seed, draws=30, obs=40, classes=3):
    return np.random.default_rng(seed).dirichlet(np.full(classes, 0.8), size=(draws, obs))


def random_labels(seed, obs=40, classes=3):
    return np.random.default_rng(seed).integers(0, classes, size=obs)


def labelled(probs):
    k = probs.shape[-1]
    return xr.DataArray(
        probs[None],
        dims=("chain", "draw", "patient", "diagnosis"),
        coords={
            "patient": [f"p{i}" for i in range(probs.shape[1])],
            "diagnosis": ["flu", "cold", "covid", "other"][:k],
        },
    )


def lines_with_marker(ax, marker):
    return [line for line in ax.get_lines() if line.get_marker() == marker]


# ------------------------------------------------------------------------------------
# Class probabilities
# ------------------------------------------------------------------------------------


def test_class_probabilities_draws_mean_and_interval_per_class(ax):
    probs, shown = random_probs(0), [3, 0, 17]
    plots.plot_class_probabilities(probs, shown, prob=0.8, ax=ax)
    expected = class_probabilities(probs[:, shown], prob=0.8)
    intervals = [c for c in ax.collections if isinstance(c, LineCollection)]
    dots = lines_with_marker(ax, "o")
    assert len(intervals) == 3 and len(dots) == 3  # one per class
    for k in range(3):
        np.testing.assert_allclose(dots[k].get_ydata(), expected.mean[:, k])
        segments = intervals[k].get_segments()
        assert len(segments) == len(shown)
        np.testing.assert_allclose([s[0][1] for s in segments], expected.lower[:, k])
        np.testing.assert_allclose([s[1][1] for s in segments], expected.upper[:, k])
    assert [t.get_text() for t in ax.get_xticklabels()] == ["3", "0", "17"]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["0", "1", "2"]
    assert ax.get_title() == "Posterior class probabilities with 80% HDI"
    assert ax.get_ylabel() == "class probability"
    assert ax.get_ylim() == (-0.05, 1.05)


def test_class_probabilities_labelled_and_observed_class(ax):
    probs = random_probs(1, classes=4)
    y = np.array(["flu", "cold", "covid", "other"])[random_labels(1, classes=4)]
    plots.plot_class_probabilities(labelled(probs), [5, 6], y=y, method="eti", ax=ax)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["p5", "p6"]
    assert ax.get_xlabel() == "patient"
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "diagnosis"
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts == ["flu", "cold", "covid", "other", "observed class"]
    assert "ETI" in ax.get_title()
    circled = [line for line in ax.get_lines() if line.get_label() == "observed class"]
    mean = class_probabilities(probs[:, [5, 6]]).mean
    y_idx = [["flu", "cold", "covid", "other"].index(v) for v in y[[5, 6]]]
    np.testing.assert_allclose(circled[0].get_ydata(), mean[[0, 1], y_idx])


def test_class_probabilities_rejects_bad_observations(ax):
    with pytest.raises(ValueError, match=r"observations must be .* in \[0, 40\)"):
        plots.plot_class_probabilities(random_probs(0), [40], ax=ax)
    with pytest.raises(ValueError, match="observations must be"):
        plots.plot_class_probabilities(random_probs(0), [], ax=ax)
    with pytest.raises(ValueError, match="y must be 1-D with 40 labels"):
        plots.plot_class_probabilities(random_probs(0), [1], y=[0, 1], ax=ax)


def test_class_probabilities_leaves_out_unlikely_classes(ax):
    # Ten classes; rows 0 and 1 only give classes 2 and 5 a chance, row 1 is observed
    # as class 9 (which stays, circled), the other seven classes are left out.
    probs = np.full((50, 3, 10), 1e-4)
    probs[:, 0, 2], probs[:, 0, 5] = 0.6, 0.4 - 8e-4
    probs[:, 1, 5], probs[:, 1, 2] = 0.7, 0.3 - 8e-4
    probs[:, 2, 0] = 1.0 - 9e-4
    plots.plot_class_probabilities(probs, [0, 1], y=[2, 9, 0], min_probability=0.05, ax=ax)
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts == ["2", "5", "9", "7 more below 5%", "observed class"]
    summary = class_probabilities(probs[:, [0, 1]])
    dots = lines_with_marker(ax, "o")[:3]
    for line, k in zip(dots, [2, 5, 9], strict=True):
        np.testing.assert_allclose(line.get_ydata(), summary.mean[:, k])
    (circled,) = [line for line in ax.get_lines() if line.get_label() == "observed class"]
    np.testing.assert_allclose(circled.get_ydata(), [0.6, 1e-4], rtol=1e-9)
    with pytest.raises(ValueError, match=r"min_probability must be in \[0, 1\]; got 1.5"):
        plots.plot_class_probabilities(probs, [0], min_probability=1.5, ax=ax)


def test_default_axes_is_current_axes():
    _fig, ax = plt.subplots()
    assert plots.plot_entropy_decomposition(random_probs(0)) is ax


# ------------------------------------------------------------------------------------
# Entropy decomposition
# ------------------------------------------------------------------------------------


def test_entropy_decomposition_points_split_by_correctness(ax):
    probs, y = random_probs(2), random_labels(2)
    plots.plot_entropy_decomposition(probs, y, ax=ax)
    parts = entropy_decomposition(probs)
    correct = correct_predictions(probs, y)
    correct_pts, wrong_pts = [c for c in ax.collections if isinstance(c, PathCollection)]
    np.testing.assert_allclose(
        correct_pts.get_offsets(), np.column_stack([parts.aleatoric, parts.epistemic])[correct]
    )
    assert len(wrong_pts.get_offsets()) == (~correct).sum() > 0
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [
        f"correct ({correct.sum()})",
        f"incorrect ({(~correct).sum()})",
        "total = log 3 (maximum)",
    ]
    (bound,) = ax.get_lines()
    np.testing.assert_allclose(bound.get_xydata(), [[0, math.log(3)], [math.log(3), 0]])
    # Axes fitted to the points: 5% beyond the largest aleatoric, 10% beyond the largest
    # epistemic value, never beyond 1.05 log K.
    assert ax.get_xlim() == pytest.approx(
        (0, min(1.05 * parts.aleatoric.max(), 1.05 * math.log(3)))
    )
    assert ax.get_ylim() == pytest.approx((0, 1.1 * float(parts.epistemic.max())))
    assert "aleatoric" in ax.get_xlabel() and "epistemic" in ax.get_ylabel()
    assert_legend_outside(ax)


def assert_legend_outside(ax):
    """The legend's box does not overlap the axes' box (drawn figure, display units)."""
    fig = ax.figure
    fig.canvas.draw()
    legend = ax.get_legend().get_window_extent()
    inside = ax.get_window_extent()
    overlap_x = min(legend.x1, inside.x1) - max(legend.x0, inside.x0)
    overlap_y = min(legend.y1, inside.y1) - max(legend.y0, inside.y0)
    assert overlap_x <= 0 or overlap_y <= 0, (legend, inside)


def test_entropy_decomposition_fits_confident_points_and_drops_the_far_bound(ax):
    # Ten classes, every draw puts 0.97 on one class: small entropies, far below log 10.
    probs = np.full((20, 30, 10), 0.03 / 9)
    probs[:, np.arange(30), np.arange(30) % 10] = 0.97
    probs[:10, 0, :] = probs[:10, 0, ::-1]  # one row where the draws disagree
    plots.plot_entropy_decomposition(probs, np.arange(30) % 10, ax=ax)
    parts = entropy_decomposition(probs)
    assert ax.get_xlim()[1] == pytest.approx(1.05 * parts.aleatoric.max())
    assert ax.get_xlim()[1] < 0.2 * math.log(10)  # not squeezed into the left fifth
    assert ax.get_ylim()[1] == pytest.approx(1.1 * parts.epistemic.max())
    assert ax.get_lines() == []  # the log K bound lies outside the fitted axes


def test_entropy_decomposition_without_labels(ax):
    plots.plot_entropy_decomposition(random_probs(3), ax=ax)
    (points,) = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert len(points.get_offsets()) == 40


# ------------------------------------------------------------------------------------
# Reliability diagram
# ------------------------------------------------------------------------------------


def test_reliability_diagram_bars_and_title(ax):
    probs, y = random_probs(4, obs=80), random_labels(4, obs=80)
    plots.plot_reliability_diagram(probs, y, n_bins=8, ax=ax)
    table = reliability_table(probs, y, n_bins=8)
    filled = table[table["count"] > 0]
    bars = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(bars) == len(filled) < 8  # confidences below 1/3 are impossible
    np.testing.assert_allclose([b.get_height() for b in bars], filled["accuracy"])
    np.testing.assert_allclose(
        [b.get_x() + b.get_width() / 2 for b in bars],
        (filled["bin_lower"] + filled["bin_upper"]) / 2,
    )
    ece = expected_calibration_error(probs, y, n_bins=8)
    assert ax.get_title() == f"Reliability diagram (ECE = {ece:.3f})"
    counts = [t.get_text() for t in ax.texts]
    assert counts == [f"n={c}" for c in filled["count"]]
    assert ax.get_xlim() == (filled["bin_lower"].min(), 1) == (0.25, 1)  # 1/3 is in [0.25, 0.375)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert set(labels) == {"accuracy", "mean confidence", "perfect calibration"}
    assert_legend_outside(ax)


def test_reliability_diagram_perfect_case(ax):
    probs = np.array([[[0.75, 0.25]] * 4])
    plots.plot_reliability_diagram(probs, [0, 0, 0, 1], ax=ax)
    assert ax.get_title() == "Reliability diagram (ECE = 0.000)"
    (bar,) = ax.patches
    assert bar.get_height() == 0.75


# ------------------------------------------------------------------------------------
# Accuracy-rejection
# ------------------------------------------------------------------------------------


def test_accuracy_rejection_one_line_per_measure_and_baseline(ax):
    probs, y = random_probs(5), random_labels(5)
    measures = ("total", "epistemic", "least_confidence")
    plots.plot_accuracy_rejection(probs, y, measures=measures, ax=ax)
    lines = ax.get_lines()
    assert len(lines) == 4
    for line, measure in zip(lines[:3], measures, strict=True):
        curve = accuracy_rejection_curve(probs, y, measure=measure)
        np.testing.assert_allclose(line.get_xdata(), curve["rejection_rate"])
        np.testing.assert_allclose(line.get_ydata(), curve["accuracy"])
    baseline = lines[3]
    assert baseline.get_linestyle() == "--"
    np.testing.assert_allclose(baseline.get_ydata(), correct_predictions(probs, y).mean())
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert labels == [
        "total: predictive entropy",
        "epistemic: mutual information",
        "least confidence: 1 - max class probability",
        "random rejection",
    ]
    assert ax.get_xlim() == (0, 1)
    assert "rejected" in ax.get_xlabel() and "accuracy" in ax.get_ylabel()
    assert_legend_outside(ax)


def test_accuracy_rejection_x_axis_ends_soon_after_accuracy_one(ax):
    # 100 rows, the 20 wrong ones carry the highest scores: rejecting 20% leaves only
    # correct rows, the rest of the curve is flat at 1, so the axis ends at 1.15 * 0.2.
    probs = np.tile([0.9, 0.1], (5, 100, 1))
    y = np.zeros(100, dtype=int)
    y[:20] = 1
    scores = np.r_[np.linspace(2, 1.5, 20), np.linspace(1, 0, 80)]
    plots.plot_accuracy_rejection(probs, y, measures={"oracle": scores}, ax=ax)
    curve = accuracy_rejection_curve(probs, y, measure=scores)
    first_perfect = curve["rejection_rate"][curve["accuracy"] >= 1].min()
    assert first_perfect == pytest.approx(0.2, abs=0.01)
    assert ax.get_xlim() == pytest.approx((0, 1.15 * first_perfect))
    low, high = ax.get_ylim()
    assert low < 0.8 < 1.0 < high < 1.02  # baseline accuracy 0.8 and 1.0 both in view


def test_accuracy_rejection_custom_scores(ax):
    probs, y = random_probs(6), random_labels(6)
    scores = np.arange(40.0)
    plots.plot_accuracy_rejection(probs, y, measures={"by index": scores}, ax=ax)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["by index", "random rejection"]
    curve = accuracy_rejection_curve(probs, y, measure=scores)
    np.testing.assert_allclose(ax.get_lines()[0].get_ydata(), curve["accuracy"])
    with pytest.raises(ValueError, match="measures must name at least one"):
        plots.plot_accuracy_rejection(probs, y, measures=[], ax=ax)


# ------------------------------------------------------------------------------------
# Decision map
# ------------------------------------------------------------------------------------


def grid_case(seed=7):
    x1, x2 = np.linspace(-3, 3, 7), np.linspace(-1, 2, 4)
    grid = random_probs(seed, draws=20, obs=x1.size * x2.size)
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(12, 2)), np.repeat([0, 1, 2], 4)
    return x1, x2, grid, X, y


def test_decision_map_contents():
    fig, ax = plt.subplots()
    x1, x2, grid, X, y = grid_case()
    plots.plot_decision_map(x1, x2, grid, X, y, feature_names=("age", "dose"), ax=ax)
    (mesh,) = [c for c in ax.collections if isinstance(c, QuadMesh)]
    predicted = grid.mean(0).argmax(-1).reshape(4, 7)
    np.testing.assert_array_equal(np.asarray(mesh.get_array()).reshape(4, 7), predicted)
    points = [c for c in ax.collections if isinstance(c, PathCollection)]
    assert [len(p.get_offsets()) for p in points] == [4, 4, 4]
    np.testing.assert_allclose(np.concatenate([p.get_offsets() for p in points]), X)
    assert len(fig.axes) == 2  # the colour bar
    assert fig.axes[1].get_ylabel() == "epistemic uncertainty (nats)"
    epistemic = entropy_decomposition(grid).epistemic
    assert fig.axes[1].get_ylim()[1] == pytest.approx(epistemic.max())
    assert ax.get_xlim() == (-3, 3) and ax.get_ylim() == (-1, 2)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("age", "dose")
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["0", "1", "2"]


def test_decision_map_labelled_without_colorbar():
    fig, ax = plt.subplots()
    x1, x2, grid, X, y = grid_case(8)
    da = xr.DataArray(grid, dims=("sample", "point", "colour"), coords={"colour": list("rgb")})
    plots.plot_decision_map(x1, x2, da, X, np.array(list("rgb"))[y], colorbar=False, ax=ax)
    assert len(fig.axes) == 1
    legend = ax.get_legend()
    assert legend.get_title().get_text() == "training colour"
    assert [t.get_text() for t in legend.get_texts()] == ["r", "g", "b"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (dict(grid_x1=np.linspace(-3, 3, 6)), r"grid_probs has 28 points but the grid has .* 24"),
        (dict(grid_x2=np.array([[0.0, 1.0]])), "grid_x2 must be a 1-D increasing array"),
        (dict(grid_x1=np.linspace(3, -3, 7)), "grid_x1 must be a 1-D increasing array"),
        (dict(X=np.zeros((12, 3))), r"X must have shape \(n, 2\)"),
        (dict(y=[0, 1]), "y must be 1-D with 12 labels"),
        (dict(y=np.full(12, 5)), "y must hold class labels"),
    ],
)
def test_decision_map_bad_input(change, message, ax):
    x1, x2, grid, X, y = grid_case()
    kwargs = dict(grid_x1=x1, grid_x2=x2, grid_probs=grid, X=X, y=y) | change
    with pytest.raises(ValueError, match=message):
        plots.plot_decision_map(**kwargs, ax=ax)
