"""The optimisers follow scikit-learn's update rules, in place and in the weights' dtype."""

import numpy as np
import pytest
from sklearn.neural_network import _stochastic_optimizers as sk_optimizers

from skxil.neural._optimizers import AdamOptimizer, SGDOptimizer


def _params(dtype=np.float64):
    rng = np.random.RandomState(0)
    return [rng.normal(size=(4, 3)).astype(dtype), rng.normal(size=3).astype(dtype)]


@pytest.mark.parametrize(
    "make_ours, make_theirs",
    [
        (lambda p: AdamOptimizer(p, 0.01, beta_1=0.8, beta_2=0.99, epsilon=1e-6),
         lambda p: sk_optimizers.AdamOptimizer(p, 0.01, beta_1=0.8, beta_2=0.99,
                                               epsilon=1e-6)),
        (lambda p: SGDOptimizer(p, 0.05, momentum=0.7, nesterov=True),
         lambda p: sk_optimizers.SGDOptimizer(p, 0.05, momentum=0.7, nesterov=True)),
        (lambda p: SGDOptimizer(p, 0.05, momentum=0.7, nesterov=False),
         lambda p: sk_optimizers.SGDOptimizer(p, 0.05, momentum=0.7, nesterov=False)),
    ],
    ids=["adam", "nesterov", "momentum"],
)
def test_updates_match_scikit_learn(make_ours, make_theirs):
    mine, reference = _params(), _params()
    ours, theirs = make_ours(mine), make_theirs(reference)
    rng = np.random.RandomState(1)
    for _ in range(6):
        grads = [rng.normal(size=p.shape) for p in mine]
        ours.update(mine, grads)
        theirs.update_params(reference, grads)
    for a, b in zip(mine, reference):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    assert not np.allclose(mine[0], _params()[0])  # the weights did move


@pytest.mark.parametrize("optimizer", [AdamOptimizer, SGDOptimizer])
def test_float32_updates_stay_float32_and_in_place(optimizer):
    params = _params(np.float32)
    arrays = [id(p) for p in params]
    opt = optimizer(params, 0.01)
    grads = [np.ones_like(p) for p in params]
    opt.update(params, grads)
    assert [id(p) for p in params] == arrays
    assert {p.dtype for p in params} == {np.dtype(np.float32)}
    state = opt.ms if optimizer is AdamOptimizer else opt.velocities
    assert {s.dtype for s in state} == {np.dtype(np.float32)}
