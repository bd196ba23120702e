"""Stochastic optimisers updating a list of weight arrays in place.

The update rules are scikit-learn's (``sklearn.neural_network._stochastic_optimizers``),
so that an unpenalised :class:`~skxil.neural.RRRClassifier` trains like
:class:`~sklearn.neural_network.MLPClassifier`; the state is kept in the
weights' dtype and every update is done in place, without temporary lists.
"""

# Authors: The skxil developers
# License: BSD 3 clause

import numpy as np


class SGDOptimizer:
    """Stochastic gradient descent with (Nesterov) momentum and a constant step."""

    def __init__(self, params, learning_rate, *, momentum=0.9, nesterov=True):
        self.learning_rate = learning_rate
        self.momentum = momentum
        self.nesterov = nesterov
        self.velocities = [np.zeros_like(p) for p in params]

    def update(self, params, grads):
        lr, momentum = self.learning_rate, self.momentum
        for param, grad, velocity in zip(params, grads, self.velocities):
            velocity *= momentum
            velocity -= lr * grad
            if self.nesterov:
                param += momentum * velocity - lr * grad
            else:
                param += velocity


class AdamOptimizer:
    """Adam (Kingma and Ba, 2014) with bias-corrected step size."""

    def __init__(self, params, learning_rate, *, beta_1=0.9, beta_2=0.999, epsilon=1e-8):
        self.learning_rate_init = learning_rate
        self.beta_1, self.beta_2, self.epsilon = beta_1, beta_2, epsilon
        self.t = 0
        self.ms = [np.zeros_like(p) for p in params]
        self.vs = [np.zeros_like(p) for p in params]

    def update(self, params, grads):
        self.t += 1
        b1, b2 = self.beta_1, self.beta_2
        # A Python float, so that float32 weights are updated in float32.
        step = float(
            self.learning_rate_init * np.sqrt(1 - b2**self.t) / (1 - b1**self.t)
        )
        for param, grad, m, v in zip(params, grads, self.ms, self.vs):
            m *= b1
            m += (1 - b1) * grad
            v *= b2
            v += (1 - b2) * (grad * grad)
            denom = np.sqrt(v)
            denom += self.epsilon
            param -= step * (m / denom)
