"""Tests of pymc_bnn.models.glm.multinomial_glm, pymc_bnn.models.data and pymc_bnn.datasets."""

from __future__ import annotations

from dataclasses import dataclass

import arviz as az
import numpy as np
import pandas as pd
import pymc as pm
import pytensor
import pytensor.tensor as pt
import pytest
from pytensor.compile.mode import Mode
from scipy import stats
from scipy.linalg import helmert
from scipy.special import log_softmax

import pymc_bnn as pb
from pymc_bnn.datasets import covertype_split
from pymc_bnn.models.data import LabelEncoder, check_counts, check_features
from pymc_bnn.models.glm import multinomial_glm

SEED = 20240611


def simulate(n, f, k, *, intercept=None, seed=0, counts=None):
    """Data from a softmax regression with coefficients ~ N(0, 1) on standard-normal X."""
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, f))
    beta = rng.normal(size=(f, k))
    alpha = np.zeros(k) if intercept is None else np.asarray(intercept, float)
    p = np.exp(log_softmax(X @ beta + alpha, axis=-1))
    if counts is None:
        y = np.array([rng.choice(k, p=row) for row in p])
    else:
        y = np.array([rng.multinomial(t, row) for t, row in zip(counts, p, strict=True)])
    return X, y, beta, alpha


def centred(a):
    return a - a.mean(axis=-1, keepdims=True)


# --------------------------------------------------------------------------------------
# Input validation (fast)
# --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("X", "message"),
    [
        ([[0.0, np.nan], [1.0, 2.0]], "X must not contain NaN; found one at row 0, column 1"),
        ([[0.0, 1.0], [np.inf, 2.0]], "X must not contain inf; found one at row 1, column 0"),
        ([0.0, 1.0], "X must be 2-D"),
        ([["a", "b"], ["c", "d"]], "X must be numeric"),
    ],
)
def test_bad_X_is_named(X, message):
    with pm.Model(), pytest.raises((ValueError, TypeError), match=message):
        multinomial_glm("y", X, [0, 1])


def test_length_mismatch_is_named():
    with pm.Model(), pytest.raises(ValueError, match="X and y must have the same number of rows"):
        multinomial_glm("y", np.zeros((3, 2)), [0, 1])


def test_single_class_is_rejected():
    with pm.Model(), pytest.raises(ValueError, match="y must contain at least two classes"):
        multinomial_glm("y", np.zeros((3, 2)), ["a", "a", "a"])


@pytest.mark.parametrize(
    ("y", "message"),
    [
        ([[1, -1], [2, 0]], "y must hold nonnegative counts; found -1 at row 0, column 1"),
        ([[1, 0.5], [2, 0]], "y must hold whole-number counts; found 0.5 at row 0, column 1"),
        ([[1, np.nan], [2, 0]], "y must hold finite counts"),
    ],
)
def test_bad_count_matrix_is_named(y, message):
    with pm.Model(), pytest.raises(ValueError, match=message):
        multinomial_glm("y", np.zeros((2, 1)), np.array(y))


def test_non_integer_numeric_labels_are_rejected():
    with pm.Model(), pytest.raises(ValueError, match="y holds non-integer numbers"):
        multinomial_glm("y", np.zeros((2, 1)), np.array([0.5, 1.0]))


def test_unseen_labels_at_prediction_time():
    with pm.Model():
        glm = multinomial_glm("y", np.zeros((3, 1)), ["a", "b", "a"])
    with pytest.raises(ValueError, match=r"y holds labels the model never saw: \['z'\]"):
        glm.set_X(np.zeros((2, 1)), y=["a", "z"])


def test_new_X_must_match_features():
    X = pd.DataFrame({"u": [0.0, 1.0], "v": [1.0, 0.0]})
    with pm.Model():
        glm = multinomial_glm("y", X, [0, 1])
    with pytest.raises(ValueError, match=r"X lacks the model's features \['v'\]"):
        glm.set_X(pd.DataFrame({"u": [0.0]}))
    with pytest.raises(ValueError, match="X must have 2 columns"):
        glm.set_X(np.zeros((1, 3)))
    with pytest.raises(ValueError, match="X must not contain NaN"):
        glm.set_X(np.array([[np.nan, 0.0]]))
    # Columns are matched by name, whatever their order.
    glm.set_X(pd.DataFrame({"v": [5.0], "u": [7.0]}))
    np.testing.assert_array_equal(glm.X.get_value(), [[7.0, 5.0]])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"identification": "sum"}, "identification must be one of"),
        ({"prior_scale": -1.0}, "prior_scale must be positive"),
        ({"intercept_scale": 0.0}, "intercept_scale must be positive"),
        ({"batch_size": 0}, "batch_size must be a positive integer"),
    ],
)
def test_bad_options(kwargs, message):
    with pm.Model(), pytest.raises(ValueError, match=message):
        multinomial_glm("y", np.zeros((2, 1)), [0, 1], **kwargs)


def test_label_encoder_round_trips_ints_strings_and_categoricals():
    enc = LabelEncoder.fit([3, 1, 3, 7])
    assert enc.classes.tolist() == [1, 3, 7]
    np.testing.assert_array_equal(enc.transform([7, 1]), [2, 0])
    cat = pd.Categorical(["lo", "hi"], categories=["lo", "mid", "hi"])
    enc = LabelEncoder.fit(cat)
    assert enc.classes.tolist() == ["lo", "mid", "hi"]  # category order, unused kept
    np.testing.assert_array_equal(enc.transform(cat), [0, 2])
    assert enc.inverse_transform([1]).tolist() == ["mid"]
    with pytest.raises(ValueError, match=r"codes must lie in 0\.\.2"):
        enc.inverse_transform([3])


def test_check_helpers_return_clean_arrays():
    assert check_features(pd.DataFrame({"a": [1, 2]})).dtype == np.float64
    counts, totals = check_counts(np.array([[1.0, 2.0], [0.0, 0.0]]))
    assert counts.dtype == np.int64
    np.testing.assert_array_equal(totals, [3, 0])


# --------------------------------------------------------------------------------------
# Names, dims, coords and identification (fast)
# --------------------------------------------------------------------------------------


def test_names_dims_and_coords_from_pandas():
    X = pd.DataFrame({"u": [0.0, 1.0, 2.0], "v": [1.0, 0.0, 1.0]})
    y = pd.Categorical(["lo", "hi", "lo"], categories=["lo", "mid", "hi"])
    with pm.Model() as model:
        glm = multinomial_glm("y", X, y)
    assert set(model.named_vars) == {
        "y",
        "y_X",
        "y_y",
        "y_coef",
        "y_intercept",
        "y_coef_qr",  # the default parametrization="qr"
        "y_intercept_centered",
    }
    assert model.coords["features"] == ("u", "v")
    assert model.coords["classes"] == ("lo", "mid", "hi")
    assert model.named_vars_to_dims["y_coef"] == ("features", "classes")
    assert model.named_vars_to_dims["y_intercept"] == ("classes",)
    assert model.named_vars_to_dims["y"] == ("obs",)
    assert isinstance(glm.likelihood.owner.op, pb.distributions.categorical.CategoricalLogitsRV)
    np.testing.assert_array_equal(glm.y.get_value(), [0, 2, 0])
    assert glm.classes.tolist() == ["lo", "mid", "hi"]


def test_count_matrix_uses_multinomial_with_row_totals():
    y = pd.DataFrame({"a": [1, 0, 4], "b": [2, 5, 0]})
    with pm.Model() as model:
        glm = multinomial_glm("y", np.zeros((3, 1)), y)
    assert glm.counts
    assert model.coords["classes"] == ("a", "b")
    assert isinstance(glm.likelihood.owner.op, pb.distributions.multinomial.MultinomialLogitsRV)
    np.testing.assert_array_equal(glm.n.get_value(), [3, 5, 4])
    assert model.named_vars_to_dims["y"] == ("obs", "classes")


@pytest.mark.parametrize(
    ("identification", "parametrization", "free"),
    [
        ("zerosum", "plain", {"y_coef_raw", "y_intercept_raw"}),
        ("reference", "plain", {"y_coef_raw", "y_intercept_raw"}),
        ("none", "plain", {"y_coef", "y_intercept"}),
        ("zerosum", "centered", {"y_coef_raw", "y_intercept_centered"}),
        ("none", "centered", {"y_coef", "y_intercept_centered"}),
        ("zerosum", "qr", {"y_coef_qr", "y_intercept_centered"}),
        ("reference", "qr", {"y_coef_qr", "y_intercept_centered"}),
        ("none", "qr", {"y_coef_qr", "y_intercept_centered"}),
    ],
)
def test_identification_shapes(identification, parametrization, free):
    f, k = 3, 4
    with pm.Model() as model:
        glm = multinomial_glm(
            "y",
            np.zeros((5, f)),
            np.arange(5) % k,
            identification=identification,
            parametrization=parametrization,
            collinearity="ignore",  # placeholder X: keep every coefficient free
        )
    assert {v.name for v in model.free_RVs} == free
    coef, intercept = pm.draw([glm.coef, glm.intercept], draws=200, random_seed=SEED)
    assert coef.shape == (200, f, k) and intercept.shape == (200, k)
    # Free dimensions: (f + 1)(k - 1) when identified, (f + 1) k otherwise.
    n_free = sum(int(np.prod(model.initial_point()[v.name].shape)) for v in model.value_vars)
    assert n_free == (f + 1) * (k - 1 if identification != "none" else k)
    if identification == "zerosum":
        np.testing.assert_allclose(coef.sum(-1), 0, atol=1e-10)
        np.testing.assert_allclose(intercept.sum(-1), 0, atol=1e-10)
    elif identification == "reference":
        assert (coef[..., 0] == 0).all() and (intercept[..., 0] == 0).all()
    else:
        assert np.abs(coef.sum(-1)).min() > 0


def indicator_design(n=200, seed=SEED):
    """Two correlated Normal columns and a 3-level one-hot group (one level dropped): 0/1
    columns whose means are far from zero, the design where the intercept and the
    indicators' coefficients are correlated."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=(n, 2)) @ np.array([[1.0, 0.8], [0.0, 0.6]])
    onehot = np.eye(3)[rng.choice(3, n, p=[0.6, 0.3, 0.1])]
    return np.column_stack([z + 1.5, onehot[:, :2]])


def _plain_free(value: np.ndarray, identification: str) -> np.ndarray:
    """The plain parametrization's free block holding the identified ``value``."""
    if identification == "zerosum":
        return value @ helmert(value.shape[-1], full=False).T
    return value[..., 1:] if identification == "reference" else value


@pytest.mark.parametrize("identification", ["zerosum", "reference", "none"])
@pytest.mark.parametrize("parametrization", ["centered", "qr"])
def test_parametrizations_have_the_plain_posterior(identification, parametrization):
    """Oracle: the change of variables.  At any point of the reparametrized model, the
    plain model's log-density at the same coefficients and intercepts differs by the
    log-Jacobian alone: 0 for the centred intercept (a shear), ``-columns * log det R``
    for ``theta = R beta`` (``R`` from design_geometry), the same at every point."""
    X = indicator_design()
    y = np.random.default_rng(SEED).integers(0, 3, len(X))
    with pm.Model() as plain:
        multinomial_glm("y", X, y, identification=identification, parametrization="plain")
    with pm.Model() as model:
        glm = multinomial_glm(
            "y", X, y, identification=identification, parametrization=parametrization
        )
    values = pytensor.function(
        model.value_vars, model.replace_rvs_by_values([glm.coef, glm.intercept])
    )
    logp, logp_plain = model.compile_logp(), plain.compile_logp()
    columns = 3 if identification == "none" else 2
    _, factor = pb.models.geometry.design_geometry(X, 2.5)
    jacobian = -columns * np.log(np.diag(factor)).sum() if parametrization == "qr" else 0.0
    rng = np.random.default_rng(SEED + 1)
    start = model.initial_point()
    for _ in range(5):
        point = {name: rng.normal(0.0, 0.5, size=v.shape) for name, v in start.items()}
        coef, intercept = values(*(point[v.name] for v in model.value_vars))
        free = {}
        for v in plain.value_vars:
            value = coef if v.name.startswith("y_coef") else intercept
            free[v.name] = _plain_free(value, identification)
        np.testing.assert_allclose(logp(point) - logp_plain(free), jacobian, rtol=0, atol=1e-8)


@pytest.mark.parametrize("parametrization", ["centered", "qr"])
def test_reparametrized_prior_is_the_plain_prior(parametrization):
    """Oracle: the plain prior, zero-sum Normal coefficients (sd 2.5 sqrt(2/3)) and
    intercepts (sd 5 sqrt(2/3)), independent of each other; 4,000 prior draws give the
    standard deviations to about 1 % (tolerance 6 %) and correlations to about 0.016
    (tolerance 0.07)."""
    X = indicator_design()
    with pm.Model():
        glm = multinomial_glm("y", X, np.arange(len(X)) % 3, parametrization=parametrization)
    coef, intercept = pm.draw([glm.coef, glm.intercept], draws=4000, random_seed=SEED)
    np.testing.assert_allclose(coef.std(0), 2.5 * np.sqrt(2 / 3), rtol=0.06)
    np.testing.assert_allclose(intercept.std(0), 5.0 * np.sqrt(2 / 3), rtol=0.06)
    np.testing.assert_allclose(coef.mean(0), 0.0, atol=0.2)
    joint = np.column_stack([coef[..., 0], intercept[:, :1]])
    corr = np.corrcoef(joint.T) - np.eye(joint.shape[1])
    assert np.abs(corr).max() < 0.07, corr


def test_predictions_read_the_identified_parameters_not_the_free_ones():
    """Regression: the free variables of ``parametrization="qr"`` mean different things in
    a model built on other rows (the centre and ``R`` come from them), so predicting from
    them through a model rebuilt without the training rows would be wrong.  Oracle: the
    softmax of ``X @ coef + intercept`` of the stored draws, whatever rows the model was
    built on; a posterior without those variables is refused, naming them."""
    X = indicator_design()
    y = np.arange(len(X)) % 3
    with pm.Model():
        glm = multinomial_glm("y", X, y, parametrization="qr")
        prior = pm.sample_prior_predictive(20, random_seed=SEED)
    with pm.Model():
        rebuilt = multinomial_glm("y", X[:7] * 3.0 - 1.0, None, classes=[0, 1, 2])
    assert [v.name for v in glm.prediction_parameters] == ["y_coef", "y_intercept"]
    post = prior["prior"].to_dataset()
    rows = indicator_design(n=5, seed=SEED + 2)
    coef = post["y_coef"].values[0]
    intercept = post["y_intercept"].values[0]
    expected = np.exp(log_softmax(rows @ coef + intercept[:, None, :], axis=-1))
    for handle in (glm, rebuilt):
        probs = handle.predict_proba(post, rows).values[0]
        np.testing.assert_allclose(probs, expected, rtol=1e-12, atol=1e-14)
    with pytest.raises(ValueError, match=r"lacks \['y_coef', 'y_intercept'\]"):
        rebuilt.predict_proba(post[["y_coef_qr", "y_intercept_centered"]], rows)


def test_default_prior_scales():
    with pm.Model():
        glm = multinomial_glm("y", np.zeros((2, 1)), [0, 1], classes=3, collinearity="ignore")
    coef, intercept = pm.draw([glm.coef, glm.intercept], draws=4000, random_seed=SEED)
    # ZeroSumNormal(sigma): each entry has variance sigma^2 (k - 1) / k.
    np.testing.assert_allclose(coef.std(0), 2.5 * np.sqrt(2 / 3), rtol=0.06)
    np.testing.assert_allclose(intercept.std(0), 5.0 * np.sqrt(2 / 3), rtol=0.06)


def test_prior_factory_in_zerosum_basis_matches_zerosumnormal():
    def factory(name, shape):
        return pm.Normal(name, 0.0, 0.5, shape=shape)

    with pm.Model() as model:
        glm = multinomial_glm(
            "y", np.zeros((2, 2)), [0, 1], classes=3, coef_prior=factory, collinearity="ignore"
        )
    assert model["y_coef_raw"].type.shape == (2, 2)
    coef, intercept = pm.draw([glm.coef, glm.intercept], draws=4000, random_seed=SEED)
    np.testing.assert_allclose(coef.sum(-1), 0, atol=1e-10)
    np.testing.assert_allclose(np.cov(coef[:, 0].T), 0.25 * (np.eye(3) - 1 / 3), atol=0.02)
    # The intercepts keep their default prior: ZeroSumNormal(5) in distribution.
    assert intercept.std() == pytest.approx(5.0 * np.sqrt(2 / 3), rel=0.06)


def test_per_feature_prior_scale():
    with pm.Model():
        glm = multinomial_glm(
            "y", np.zeros((2, 2)), [0, 1], prior_scale=[1.0, 3.0], collinearity="ignore"
        )
    coef = pm.draw(glm.coef, draws=4000, random_seed=SEED)
    np.testing.assert_allclose(coef.std(0)[:, 0], np.array([1.0, 3.0]) * np.sqrt(0.5), rtol=0.06)


def test_without_y_needs_classes():
    with pm.Model(), pytest.raises(ValueError, match="Without y, pass classes"):
        multinomial_glm("y", np.zeros((2, 1)))
    with pm.Model() as model:
        multinomial_glm("y", np.zeros((4, 1)), classes=["a", "b"])
    assert pm.draw(model["y"], random_seed=SEED).shape == (4,)


# --------------------------------------------------------------------------------------
# Minibatch scaling (compiles two small models)
# --------------------------------------------------------------------------------------


def _likelihood_logps(X, y, point_seed, batch_size, n_batches):
    with pm.Model() as full:
        multinomial_glm("y", X, y)
    with pm.Model() as mini:
        multinomial_glm("y", X, y, batch_size=batch_size, random_seed=SEED)
    rng = np.random.default_rng(point_seed)
    point = {k: rng.normal(size=v.shape) for k, v in full.initial_point().items()}
    full_logp = float(full.compile_logp(vars=[full["y"]])(point))
    # A count minibatch carries its scaling in a potential (see add_likelihood).
    f_mini = mini.compile_logp(vars=[mini["y"], *mini.potentials])
    batches = np.array([float(f_mini(point)) for _ in range(n_batches)])
    return full_logp, batches


@pytest.mark.parametrize("kind", ["labels", "counts"])
def test_minibatch_likelihood_is_unbiased(kind):
    n, batch = 200, 20
    counts = np.random.default_rng(1).integers(0, 6, n) if kind == "counts" else None
    X, y, *_ = simulate(n, 2, 3, seed=2, counts=counts)
    full, batches = _likelihood_logps(X, y, point_seed=3, batch_size=batch, n_batches=2000)
    # Scaled by n / batch: E[batch logp] = full logp; the batches vary, so they are batches.
    assert batches.std() > 1.0
    se = batches.std(ddof=1) / np.sqrt(len(batches))
    assert abs(batches.mean() - full) < 4 * se, (batches.mean(), full, se)
    # A wrong scale (no total_size) would be off by a factor n / batch = 10.
    assert abs(batches.mean() - full) < 0.05 * abs(full)


def _pm_fit_coefficients(X, y):
    """Posterior mean and sd of the coefficients by plain ``pm.fit`` on minibatches of 100."""
    with pm.Model():
        multinomial_glm("y", X, y, batch_size=100, random_seed=SEED)
        approx = pm.fit(random_seed=SEED, progressbar=False)  # its defaults: ADVI, 10,000 steps
        constant = float(approx.symbolic_normalizing_constant.eval())
        coef = approx.sample(2000, random_seed=SEED).posterior["y_coef"]
    return coef.mean(("chain", "draw")).values, coef.std(("chain", "draw")).values, constant


@pytest.mark.slow
def test_pm_fit_of_a_count_minibatch_matches_the_label_fit():
    # pm.fit divided the loss of a minibatch of count rows by (N / B)(N / K) instead of
    # N / B (upstream/patches/12): its default optimizer then stopped far from the
    # posterior (coefficients 4 posterior sds off, sds 3 times too large). The same data as
    # one-hot counts and as labels have the same likelihood, so the fits must agree.
    X, labels, *_ = simulate(1000, 2, 3, seed=4)
    one_hot = np.eye(3, dtype=np.int64)[labels]
    mean, sd, constant = _pm_fit_coefficients(X, labels)
    mean_c, sd_c, constant_c = _pm_fit_coefficients(X, one_hot)
    assert constant == constant_c == 1000 / 100  # N / B, as PyMC means it
    # Tolerance: Monte Carlo error. Fits of these labels with three other seeds moved the
    # posterior means by up to 0.1 sd and the sds by up to 5%; with the same seeds the two
    # fits see the same minibatches and draws, and agreed to print precision.
    np.testing.assert_array_less(np.abs(mean_c - mean), 0.5 * sd)
    np.testing.assert_allclose(sd_c, sd, rtol=0.15)


# --------------------------------------------------------------------------------------
# Posterior calibration with NUTS (slow)
# --------------------------------------------------------------------------------------


@dataclass
class Case:
    name: str
    n: int
    f: int
    k: int
    intercept: tuple[float, ...] | None
    seed: int


CASES = [
    Case("3 classes, 2 features", 300, 2, 3, None, 11),
    Case("4 classes, 3 features", 400, 3, 4, (0.5, 0.0, -0.5, 0.2), 12),
    Case("imbalanced 3 classes", 400, 2, 3, (2.0, 0.0, -1.5), 13),
    Case("5 classes, 1 feature", 300, 1, 5, None, 14),
]


@dataclass
class Fit:
    case: Case
    X: np.ndarray
    y: np.ndarray
    beta: np.ndarray
    alpha: np.ndarray
    model: pm.Model
    glm: pb.MultinomialGLM
    idata: object


@pytest.fixture(scope="module")
def fits() -> list[Fit]:
    out = []
    for case in CASES:
        X, y, beta, alpha = simulate(
            case.n, case.f, case.k, intercept=case.intercept, seed=case.seed
        )
        labels = np.array(list("abcdefg"))[y]
        with pm.Model() as model:
            glm = multinomial_glm("y", X, labels)
            idata = pm.sample(
                1000, tune=700, chains=2, cores=1, random_seed=case.seed, progressbar=False
            )
        out.append(Fit(case, X, labels, beta, alpha, model, glm, idata))
    return out


def _interval_hits(fit: Fit, prob: float = 0.94) -> tuple[int, int]:
    """Covered / total identified contrasts against class 0 (the reference log-odds)."""
    post = fit.idata.posterior
    coef = post["y_coef"].values.reshape(-1, fit.case.f, fit.case.k)
    intercept = post["y_intercept"].values.reshape(-1, fit.case.k)
    draws = np.concatenate([coef, intercept[:, None, :]], axis=1)
    draws = (draws - draws[..., :1])[..., 1:].reshape(len(draws), -1)
    truth = np.vstack([fit.beta, fit.alpha[None]])
    truth = (truth - truth[:, :1])[:, 1:].ravel()
    lo, hi = np.quantile(draws, [(1 - prob) / 2, (1 + prob) / 2], axis=0)
    return int(((lo <= truth) & (truth <= hi)).sum()), truth.size


@pytest.mark.slow
def test_nuts_converges_without_divergences(fits):
    for fit in fits:
        assert int(fit.idata.sample_stats.diverging.sum()) == 0, fit.case.name
        rhat = az.rhat(fit.idata.posterior.to_dataset()[["y_coef", "y_intercept"]])
        assert max(float(rhat[v].max()) for v in rhat.data_vars) < 1.01, fit.case.name


@pytest.mark.slow
def test_intervals_cover_true_identified_parameters(fits):
    """94% central intervals of the log-odds against class 0 cover the truth at ~94%.

    Threshold: under nominal coverage the number covered is about Binomial(total, 0.94);
    we fail below its 0.1% quantile.  Contrasts within one fit are positively
    correlated, which widens the count's spread; the small alpha absorbs that while
    still catching gross miscalibration (a wrong sign, scale or identification gives
    coverage far below 94%).  The data are simulated with fixed seeds, so the test is
    deterministic.
    """
    hits = [_interval_hits(fit) for fit in fits]
    covered, total = (sum(h[i] for h in hits) for i in (0, 1))
    threshold = int(stats.binom.ppf(0.001, total, 0.94))
    assert covered >= threshold, (hits, threshold)


@pytest.mark.slow
def test_zerosum_coefficients_recover_centred_truth(fits):
    fit = fits[0]
    post = fit.idata.posterior
    mean = post["y_coef"].mean(("chain", "draw")).values
    sd = post["y_coef"].std(("chain", "draw")).values
    assert np.all(np.abs(mean - centred(fit.beta)) < 4 * sd)


@pytest.mark.slow
def test_posterior_predictive_on_new_rows_of_any_length(fits):
    fit = fits[2]
    X_new = np.random.default_rng(0).normal(size=(7, fit.case.f))
    fit.glm.set_X(X_new)
    pp = pm.sample_posterior_predictive(
        fit.idata, model=fit.model, random_seed=SEED, progressbar=False
    )
    assert pp.posterior_predictive["y"].sizes["obs"] == 7
    assert set(np.unique(pp.posterior_predictive["y"].values)) <= {0, 1, 2}
    # The helper maps the class codes back to the labels.
    draws = fit.glm.sample_posterior_predictive(fit.idata, X_new, random_seed=SEED)
    assert draws.dims == ("chain", "draw", "obs")
    assert set(np.unique(draws.values)) <= set(fit.glm.classes.tolist())
    # The predictive label frequencies agree with predict_proba.
    probs = fit.glm.predict_proba(fit.idata, X_new)
    freq = np.stack([(draws.values == c).mean(axis=(0, 1)) for c in fit.glm.classes], -1)
    np.testing.assert_allclose(freq, probs.mean(("chain", "draw")).values, atol=0.05)
    assert probs.dims == ("chain", "draw", "obs", "classes")
    assert fit.glm.predict(fit.idata, X_new).shape == (7,)
    fit.glm.set_X(fit.X, fit.y)  # restore


@pytest.mark.slow
def test_advi_with_minibatches_predicts_like_nuts(fits):
    fit = fits[0]
    with pm.Model():
        glm = multinomial_glm("y", fit.X, fit.y, batch_size=50, random_seed=SEED)
        approx = pm.fit(20_000, method="advi", random_seed=SEED, progressbar=False)
        idata = approx.sample(300, random_seed=SEED)
    advi = glm.predict_proba(idata, fit.X).mean(("chain", "draw")).values
    nuts = fit.glm.predict_proba(fit.idata, fit.X).mean(("chain", "draw")).values
    assert np.abs(advi - nuts).mean() < 0.03
    with pytest.raises(NotImplementedError, match="predict_proba"):
        glm.set_X(fit.X)


# --------------------------------------------------------------------------------------
# Cover-type split (fast, needs the CSV)
# --------------------------------------------------------------------------------------


def test_covertype_split_is_stratified_and_standardized(covtype_csv):
    split = covertype_split(covtype_csv, random_seed=0)
    n_train, n_test = len(split.X_train), len(split.X_test)
    assert n_test == pytest.approx(0.2 * (n_train + n_test), abs=1)
    assert split.X_train.shape[1] == 54
    train = split.y_train.value_counts(normalize=True).sort_index()
    test = split.y_test.value_counts(normalize=True).sort_index()
    assert train.index.tolist() == test.index.tolist() == list(range(1, 8))
    np.testing.assert_allclose(train, test, atol=1 / n_test)
    assert len(split.standardized) == 10
    np.testing.assert_allclose(split.X_train[split.standardized].mean(), 0, atol=1e-10)
    np.testing.assert_allclose(split.X_train[split.standardized].std(ddof=0), 1, atol=1e-10)
    indicators = split.X_train.drop(columns=split.standardized)
    assert indicators.isin([0, 1]).all().all()
    again = covertype_split(covtype_csv, random_seed=0)
    pd.testing.assert_frame_equal(split.X_test, again.X_test)


def test_zerosum_logits_are_one_product_of_x_with_the_coefficients():
    """Regression (2026-12-03): PyTensor's ``reassociate_matmul_chain`` rewrote
    ``X @ (free @ basis)`` into ``(X @ free) @ basis`` (fewer multiplications when there
    are more features than ``k (k - 1)``), one more pass over an ``(n, k - 1)`` array
    forward and backward: a full-batch ADVI step on cover type under the JAX backend took
    1.99 s per 1,000 steps against 1.28 without it.  Oracle: the rewritten graph of the
    log-probability and its gradient holds no matrix product with ``n`` rows and
    ``k - 1 = 3`` columns."""
    rng = np.random.default_rng(0)
    X, y = rng.normal(size=(50, 20)), rng.integers(0, 4, 50)  # 20 features > k (k - 1) = 12
    with pm.Model() as model:
        multinomial_glm("y", X, y, collinearity="ignore")
    logp = model.logp()
    outputs = [logp, *pt.grad(logp, model.value_vars)]
    rewritten = pytensor.function(  # FAST_RUN's rewrites, Python thunks: no compile
        model.value_vars, outputs, mode=Mode(linker="py", optimizer="fast_run")
    )
    products = [
        node.outputs[0].type.shape
        for node in rewritten.maker.fgraph.apply_nodes
        if type(node.op).__name__ in {"Dot", "Dot22", "Dot22Scalar", "Gemm", "Blockwise"}
    ]
    assert (None, 4) in products  # X @ coef
    assert (None, 3) not in products, products


@pytest.mark.slow
def test_qr_parametrization_recovers_known_parameters_on_indicator_columns():
    """Simulation with known parameters on uncentred 0/1 columns, sampled in the
    ``"qr"`` coordinates: no divergences, r-hat below 1.01, and the 94 % intervals of the
    10 identified log-odds against class 0 cover the truth at least as often as the 0.1 %
    quantile of Binomial(10, 0.94), 6."""
    X = indicator_design(n=600, seed=SEED + 3)
    rng = np.random.default_rng(SEED + 4)
    beta, alpha = rng.normal(size=(4, 3)), np.array([1.0, 0.0, -1.0])
    p = np.exp(log_softmax(X @ beta + alpha, axis=-1))
    y = (p.cumsum(1) > rng.uniform(size=(len(X), 1))).argmax(1)
    with pm.Model():
        glm = multinomial_glm("y", X, y, parametrization="qr")
        idata = pm.sample(1000, tune=700, chains=2, cores=1, random_seed=SEED, progressbar=False)
    assert {v.name for v in glm.parameters} == {"y_coef_qr", "y_intercept_centered"}
    assert int(idata.sample_stats.diverging.sum()) == 0
    post = idata.posterior.to_dataset()[["y_coef", "y_intercept"]]
    rhat = az.rhat(post)
    assert max(float(rhat[v].max()) for v in rhat.data_vars) < 1.01
    fit = Fit(
        Case("indicators", len(X), 4, 3, tuple(alpha), 0), X, y, beta, alpha, None, glm, idata
    )
    covered, total = _interval_hits(fit)
    assert total == 10 and covered >= int(stats.binom.ppf(0.001, total, 0.94)), covered
