"""Backprop and double backprop of the RRR loss against central differences."""

from itertools import pairwise

import numpy as np
import pytest
from scipy import sparse

from skxil.neural._backprop import (
    ACTIVATIONS,
    forward,
    input_gradients,
    loss_and_gradients,
)


def _network(sizes, rng, dtype=np.float64):
    coefs = [rng.normal(scale=0.7, size=(a, b)).astype(dtype)
             for a, b in pairwise(sizes)]
    intercepts = [rng.normal(scale=0.3, size=b).astype(dtype) for b in sizes[1:]]
    return coefs, intercepts


def _problem(n_features=5, n_classes=3, n_rows=7, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.normal(size=(n_rows, n_features))
    y = rng.randint(n_classes, size=n_rows)
    y[:n_classes] = np.arange(n_classes)
    return rng, X, y


def _numeric_gradients(coefs, intercepts, loss, eps=1e-6):
    """Central differences of ``loss()`` with respect to every weight."""
    grads = []
    for array in coefs + intercepts:
        grad = np.zeros_like(array)
        for index in np.ndindex(array.shape):
            old = array[index]
            array[index] = old + eps
            up = loss()
            array[index] = old - eps
            down = loss()
            array[index] = old
            grad[index] = (up - down) / (2 * eps)
        grads.append(grad)
    return grads


def _check(coefs, intercepts, X, y, *, mask, weight, activation, penalty, alpha=0.01):
    config = {"activation": activation, "penalty": penalty, "alpha": alpha}

    def loss():
        return loss_and_gradients(
            coefs, intercepts, X, y, sample_weight=weight, mask=mask, config=config
        )[0]

    _, coef_grads, intercept_grads = loss_and_gradients(
        coefs, intercepts, X, y, sample_weight=weight, mask=mask, config=config
    )
    numeric = _numeric_gradients(coefs, intercepts, loss)
    for analytic, approx in zip(coef_grads + intercept_grads, numeric):
        np.testing.assert_allclose(analytic, approx, rtol=1e-5, atol=1e-7)


@pytest.fixture(params=["all columns", "some columns"])
def mask_columns(request):
    """Masks that cover every column, or leave columns 1 and 3 unmasked.

    In the second case only the masked columns of the input gradient are
    computed.
    """
    def adjust(mask):
        mask = mask.copy()
        if request.param == "some columns":
            mask[:, [1, 3]] = False
        else:
            mask[0] = True
        return mask
    return adjust


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("hidden", [(), (4,), (4, 3)])
def test_gradients_with_penalty_match_finite_differences(activation, hidden, mask_columns):
    rng, X, y = _problem()
    coefs, intercepts = _network([5, *hidden, 3], rng)
    mask = mask_columns(rng.rand(*X.shape) < 0.4)
    mask[2] = False  # a row without a mask in the batch
    weight = rng.uniform(0.2, 2.0, size=X.shape[0])
    _check(coefs, intercepts, X, y, mask=mask, weight=weight,
           activation=activation, penalty=3.0)


@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_gradients_without_mask_or_weights(activation):
    rng, X, y = _problem(n_classes=2)
    coefs, intercepts = _network([5, 4, 2], rng)
    _check(coefs, intercepts, X, y, mask=None, weight=None,
           activation=activation, penalty=3.0)


def test_gradients_with_every_row_masked_and_sparse_input(mask_columns):
    rng, X, y = _problem()
    coefs, intercepts = _network([5, 4, 3, 3], rng)
    mask = mask_columns(np.ones(X.shape, dtype=bool))
    X[X < 0.3] = 0
    _check(coefs, intercepts, sparse.csr_matrix(X), y, mask=mask, weight=None,
           activation="logistic", penalty=0.5)


def test_penalty_term_is_the_masked_squared_score_gradient(mask_columns):
    rng, X, y = _problem()
    coefs, intercepts = _network([5, 4, 3], rng)
    mask = mask_columns(rng.rand(*X.shape) < 0.5)
    weight = rng.uniform(0.5, 1.5, size=X.shape[0])
    config = {"activation": "tanh", "penalty": 2.0, "alpha": 0.0}
    with_penalty = loss_and_gradients(
        coefs, intercepts, X, y, sample_weight=weight, mask=mask, config=config
    )[0]
    plain = loss_and_gradients(
        coefs, intercepts, X, y, sample_weight=weight, mask=None, config=config
    )[0]
    score_gradient = input_gradients(coefs, intercepts, X, "tanh").sum(axis=1)
    expected = 2.0 * weight @ ((mask * score_gradient) ** 2).sum(axis=1) / weight.sum()
    assert with_penalty - plain == pytest.approx(expected, rel=1e-10)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_input_gradients_match_finite_differences(activation):
    rng, X, _ = _problem()
    coefs, intercepts = _network([5, 4, 3, 3], rng)
    analytic = input_gradients(coefs, intercepts, X, activation)
    eps = 1e-6
    for j in range(X.shape[1]):
        up, down = X.copy(), X.copy()
        up[:, j] += eps
        down[:, j] -= eps
        numeric = (
            forward(coefs, intercepts, up, activation)[1]
            - forward(coefs, intercepts, down, activation)[1]
        ) / (2 * eps)
        np.testing.assert_allclose(analytic[:, :, j], numeric, rtol=1e-5, atol=1e-8)


def test_float32_stays_float32():
    rng, X, y = _problem()
    coefs, intercepts = _network([5, 4, 3], rng, dtype=np.float32)
    mask = np.ones(X.shape, dtype=bool)
    config = {"activation": "tanh", "penalty": 1.0, "alpha": 0.1}
    _, coef_grads, intercept_grads = loss_and_gradients(
        coefs, intercepts, X.astype(np.float32), y,
        sample_weight=np.ones(7, dtype=np.float32), mask=mask, config=config,
    )
    assert {g.dtype for g in coef_grads + intercept_grads} == {np.dtype(np.float32)}
    assert input_gradients(coefs, intercepts, X.astype(np.float32), "relu").dtype == (
        np.float32
    )
