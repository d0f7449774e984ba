"""GeoDBSCAN as a scikit-learn estimator: parameters, clone, pipelines and ``check_estimator``."""

from __future__ import annotations

import pickle
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils._param_validation import Interval, InvalidParameterError
from sklearn.utils.estimator_checks import check_param_validation, parametrize_with_checks
from sklearn.utils.validation import check_is_fitted

from stclusters._limits import EPS_KM, FOOTPRINT_KM, MERGE_KM, MIN_POINTS, Bound
from stclusters.cluster import GeoDBSCAN
from stclusters.cluster._sphere import interval
from stclusters.config import Config
from stclusters.errors import ConfigError, InputError

# The instance the checks run on: scikit-learn's test data are a few unit-variance blobs
# (degrees here), so the radius is some tens of km and a handful of points make a core point.
_CHECKED = GeoDBSCAN(eps_km=60.0, min_points=3)

# Checks that cannot pass, each with the reason (strict: a check that starts passing fails the
# test, so that it leaves this list). GeoDBSCAN takes exactly two columns, (latitude, longitude)
# in degrees, and refuses other shapes and out-of-range coordinates with an InputError (a
# ValueError) naming the expected form; these checks fit scikit-learn's generic data, of 1 to
# 30 columns or with values near 100. What they test is tested on (lat, lon) data below.
_WIDTH = "fits data of {} columns; X must be (n, 2) latitude/longitude"
_RANGE = "fits values near 100 in both columns; latitude must be within -90..90"
_EXPECTED_FAILURES = {
    "check_fit_score_takes_y": _WIDTH.format(3),
    "check_dont_overwrite_parameters": _WIDTH.format(3),
    "check_n_features_in_after_fitting": _WIDTH.format(4),
    "check_positive_only_tag_during_fit": _WIDTH.format(4),
    "check_estimators_dtypes": _WIDTH.format(5),
    "check_sample_weights_list": _WIDTH.format(3),
    "check_all_zero_sample_weights_error": _WIDTH.format(20)
    + " (and all-zero weights are valid here: every point is noise)",
    "check_sample_weight_equivalence_on_dense_data": _WIDTH.format(30),
    "check_dtype_object": _WIDTH.format(10),
    "check_pipeline_consistency": _WIDTH.format(3),
    "check_estimators_nan_inf": _WIDTH.format(3),
    "check_estimators_pickle": _WIDTH.format(3),
    "check_f_contiguous_array_estimator": _WIDTH.format(3),
    "check_methods_sample_order_invariance": _WIDTH.format(3),
    "check_methods_subset_invariance": _WIDTH.format(3),
    "check_fit2d_1sample": _WIDTH.format(10),
    "check_fit2d_1feature": _WIDTH.format(1),
    "check_dict_unchanged": _WIDTH.format(3),
    "check_fit2d_predict1d": _WIDTH.format(3),
    "check_fit_idempotent": _RANGE,
    "check_fit_check_is_fitted": _RANGE,
    "check_n_features_in": _RANGE,
}


@parametrize_with_checks(
    [_CHECKED], expected_failed_checks=lambda est: _EXPECTED_FAILURES, xfail_strict=True
)
def test_sklearn_check_estimator(estimator: GeoDBSCAN, check: Callable[[Any], None]) -> None:
    check(estimator)


def test_sklearn_param_validation() -> None:
    # Not part of check_estimator: scikit-learn's own test that every parameter has a
    # constraint and that bad types and values raise an informative InvalidParameterError.
    check_param_validation("GeoDBSCAN", GeoDBSCAN())


# ---------------------------------------------------------------- the excluded checks on (lat, lon)


def _blobs() -> tuple[np.ndarray, np.ndarray]:
    """Three tight groups of points near Paris, Lyon and Marseille, and one lone point."""
    rng = np.random.default_rng(3)
    centres = np.array([[48.85, 2.35], [45.76, 4.84], [43.30, 5.37]])
    X = np.vstack([c + rng.normal(0.0, 0.02, (10, 2)) for c in centres] + [[[47.0, -1.0]]])
    w = rng.integers(0, 3, X.shape[0]).astype(float)
    return X, w


def test_params_clone_and_pipeline() -> None:
    est = GeoDBSCAN(eps_km=10.0, min_points=3)
    assert est.get_params() == {"eps_km": 10.0, "min_points": 3}
    copy = clone(est.set_params(min_points=4))
    assert copy is not est and copy.get_params() == {"eps_km": 10.0, "min_points": 4}
    X, _ = _blobs()
    pipe = Pipeline([("nothing", FunctionTransformer()), ("dbscan", GeoDBSCAN(10.0, 3))])
    assert pipe.fit_predict(X).tolist() == GeoDBSCAN(10.0, 3).fit_predict(X).tolist()


def test_fitted_attributes_and_unfitted_error() -> None:
    X, w = _blobs()
    est = GeoDBSCAN(eps_km=10.0, min_points=3)
    with pytest.raises(NotFittedError):
        check_is_fitted(est)
    est.fit(X, sample_weight=w)
    check_is_fitted(est)
    assert est.n_features_in_ == 2
    assert est.labels_.tolist()[-1] == -1  # the lone point
    assert est.n_clusters_ == 3
    assert (est.components_ == X[est.core_sample_indices_]).all()
    assert est.core_mask_.sum() == est.core_sample_indices_.size


def test_input_forms_give_one_answer() -> None:
    # Lists, float32, Fortran order, read-only arrays and weights as lists: same labels.
    X, w = _blobs()
    ref = GeoDBSCAN(eps_km=10.0, min_points=3).fit(X, sample_weight=w)
    frozen = X.copy()
    frozen.flags.writeable = False
    for form in (X.tolist(), np.asfortranarray(X), frozen):
        got = GeoDBSCAN(eps_km=10.0, min_points=3).fit(form, sample_weight=w.tolist())
        assert got.labels_.tolist() == ref.labels_.tolist()
    small = X.astype(np.float32)
    got32 = GeoDBSCAN(eps_km=10.0, min_points=3).fit(small, sample_weight=w)
    ref32 = GeoDBSCAN(eps_km=10.0, min_points=3).fit(small.astype(np.float64), sample_weight=w)
    assert got32.labels_.tolist() == ref32.labels_.tolist()


def test_fit_is_idempotent_does_not_touch_inputs_and_pickles() -> None:
    X, w = _blobs()
    X0, w0 = X.copy(), w.copy()
    est = GeoDBSCAN(eps_km=10.0, min_points=3)
    first = est.fit(X, sample_weight=w).labels_.copy()
    assert est.fit(X, sample_weight=w).labels_.tolist() == first.tolist()
    assert (X == X0).all() and (w == w0).all()
    assert est.get_params() == {"eps_km": 10.0, "min_points": 3}
    again = pickle.loads(pickle.dumps(est))
    assert again.labels_.tolist() == first.tolist()
    assert again.fit_predict(X, sample_weight=w).tolist() == first.tolist()


@pytest.mark.parametrize(
    ("X", "message"),
    [
        (np.zeros((3, 3)), r"\(n, 2\) array"),
        (np.zeros((3, 1)), r"\(n, 2\) array"),
        (np.zeros(3), "Expected 2D array"),
        (np.zeros((3, 0)), "0 feature"),
        (np.array([[0.0, np.inf]]), "missing or infinite"),
        (np.array([["a", "b"]], dtype=object), "could not convert"),
    ],
)
def test_bad_shapes_and_values_raise_input_error(X: np.ndarray, message: str) -> None:  # noqa: N803
    with pytest.raises(InputError, match=message):
        GeoDBSCAN(eps_km=10.0, min_points=3).fit(X)


# ---------------------------------------------------------------- one source of bounds


@pytest.mark.parametrize("bound", [EPS_KM, MIN_POINTS, MERGE_KM, FOOTPRINT_KM])
def test_config_and_clusterer_share_the_bounds(bound: Bound) -> None:
    # Values on both sides of each end: Config and the scikit-learn constraint agree on each.
    constraint: Interval = interval(bound)
    hi = bound.maximum if bound.maximum is not None else 1e300
    for value in (bound.minimum, bound.minimum + 1e-9, bound.minimum - 1e-9, hi, hi * 1.001):
        allowed = bound.contains(value)
        assert constraint.is_satisfied_by(value) == allowed
        if allowed:
            assert getattr(Config(**{bound.name: value}), bound.name) == value
        else:
            with pytest.raises(ConfigError, match=f"'{bound.name}' setting"):
                Config(**{bound.name: value})


def test_estimator_constraints_are_the_bounds() -> None:
    c = GeoDBSCAN._parameter_constraints
    for name, bound in (("eps_km", EPS_KM), ("min_points", MIN_POINTS)):
        (got,) = c[name]
        assert (got.left, got.closed) == (bound.minimum, interval(bound).closed)
        assert got.right == (bound.maximum if bound.maximum is not None else np.inf)


def test_config_refuses_at_once_what_the_clusterer_would_refuse() -> None:
    # The reported fault: Config(eps_km=0.01) passed and the run failed after all the work.
    with pytest.raises(ConfigError, match=r"'eps_km' setting must be .* at least 0.05"):
        Config(eps_km=0.01)
    with pytest.raises(InvalidParameterError):
        GeoDBSCAN(eps_km=0.01).fit(np.zeros((1, 2)))
    # The sensitivity reruns scale eps_km and min_points: the scaled values are checked too.
    with pytest.raises(ConfigError, match=r"sensitivity runs would use eps_km = 0.04"):
        Config(eps_km=0.05, sensitivity=True, sensitivity_step=0.2)
    with pytest.raises(ConfigError, match=r"eps_km = 600"):
        Config(eps_km=500, sensitivity=True, sensitivity_step=0.2)
    assert Config(eps_km=0.05, sensitivity=False).eps_km == 0.05
    assert Config(eps_km=400, sensitivity=True, sensitivity_step=0.2).eps_km == 400
