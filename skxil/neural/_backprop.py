"""Forward pass, backprop and double backprop of the RRR loss for a softmax MLP.

Notation. Layer ``l = 1, ..., L`` computes ``z_l = a_{l-1} W_l + b_l`` from
``a_0 = x``; hidden layers output ``a_l = f(z_l)``, the last one the logits
``z_L`` of a softmax ``p``. For one row the loss is

    CE + penalty * ||M ⊙ g||²,   g = ∂(Σ_k log p_k) / ∂x,

with ``M`` the row's penalised features. ``g`` is itself a backward pass:
``δ_L = 1 - K p`` (the derivative of ``Σ_k log p_k = Σ_k z_k - K logsumexp z``),
``δ_l = (δ_{l+1} W_{l+1}ᵀ) ⊙ f'(z_l)`` and ``g = δ_1 W_1ᵀ``. The gradient of the
penalty with respect to the weights reverses that backward pass ("double
backprop", Drucker and LeCun, 1992): it yields weight gradients directly, an
extra ``z̄_l = δ̄_l ⊙ e_l ⊙ f''(z_l)`` on every hidden layer (zero for relu and
identity) and a ``z̄_L`` through the softmax, and these are then pushed back
through the forward pass together with the cross-entropy's ``p - y``.

Every function works on one batch, in the dtype of the weights, with matrix
products only (no loop over rows).
"""

# Authors: The skxil developers
# License: BSD 3 clause

import numpy as np
from scipy.special import expit
from sklearn.utils.extmath import safe_sparse_dot

ACTIVATIONS = ("identity", "logistic", "tanh", "relu")


def _activate(z, activation):
    """Apply the activation to ``z`` in place."""
    if activation == "relu":
        np.maximum(z, 0, out=z)
    elif activation == "tanh":
        np.tanh(z, out=z)
    elif activation == "logistic":
        expit(z, out=z)


def _times_derivative(x, a, activation):
    """``x * f'(z)`` in place, with ``f'`` read from the activations ``a = f(z)``."""
    if activation == "relu":
        np.multiply(x, a > 0, out=x)
    elif activation == "tanh":
        x *= 1 - a * a
    elif activation == "logistic":
        x *= a * (1 - a)
    return x


def _second_derivative_is_zero(activation):
    return activation in ("relu", "identity")


def _second_derivative(a, activation):
    """``f''(z)`` from ``a = f(z)``, or None where it is zero (relu, identity)."""
    if _second_derivative_is_zero(activation):
        return None
    if activation == "tanh":
        return -2 * a * (1 - a * a)
    return a * (1 - a) * (1 - 2 * a)  # logistic


def forward(coefs, intercepts, X, activation):
    """Activations ``[x, a_1, ..., a_{L-1}]`` and log-probabilities of one batch."""
    activations = [X]
    last = len(coefs) - 1
    for layer, (W, b) in enumerate(zip(coefs, intercepts)):
        z = safe_sparse_dot(activations[-1], W)
        z += b
        if layer == last:
            return activations, _log_softmax(z)
        _activate(z, activation)
        activations.append(z)


def _log_softmax(z):
    """``z - logsumexp(z)`` row by row, in place (scipy's has more overhead)."""
    z -= z.max(axis=1, keepdims=True)
    z -= np.log(np.exp(z).sum(axis=1, keepdims=True))
    return z


def _score_gradient_pass(coefs, activations, proba, activation):
    """The backward pass towards ``g = ∂(Σ_k log p_k)/∂x = δ_1 W_1ᵀ``.

    Returns ``deltas`` (``deltas[l]`` is ``δ_{l+1}`` of the module docstring,
    one per layer), ``pre`` (``pre[l]`` is ``e_l = δ_{l+1} W_{l+1}ᵀ`` before the
    activation derivative, for hidden layer ``l``, when ``f''`` is not zero).
    """
    n_layers = len(coefs)
    deltas = [None] * n_layers
    pre = [None] * n_layers
    delta = 1 - proba.shape[1] * proba
    deltas[-1] = delta
    for layer in range(n_layers - 1, 0, -1):
        e = delta @ coefs[layer].T
        if _second_derivative_is_zero(activation):
            delta = _times_derivative(e, activations[layer], activation)
        else:  # e is needed again for the f'' term of double backprop
            pre[layer] = e
            delta = _times_derivative(e.copy(), activations[layer], activation)
        deltas[layer - 1] = delta
    return deltas, pre


def _penalty_backward(coefs, first, activations, proba, g_bar, deltas, pre,
                      activation):
    """Reverse the score-gradient pass, seeded with ``ḡ``.

    ``first`` holds the rows of ``W_1`` of the columns that ``ḡ`` covers.
    Returns the direct weight gradients (the first one for those rows only)
    and the ``z̄`` each layer's pre-activation receives (None where there is
    none).
    """
    n_layers = len(coefs)
    coef_grads = [None] * n_layers
    z_bars = [None] * n_layers
    coef_grads[0] = g_bar.T @ deltas[0]
    delta_bar = g_bar @ first
    for layer in range(1, n_layers):
        a = activations[layer]
        second = _second_derivative(a, activation)
        if second is not None:
            z_bars[layer - 1] = delta_bar * pre[layer] * second
        e_bar = _times_derivative(delta_bar, a, activation)
        coef_grads[layer] = e_bar.T @ deltas[layer]
        delta_bar = e_bar @ coefs[layer]
    # δ_L = 1 - K softmax(z_L): back through the softmax's Jacobian.
    k = proba.shape[1]
    inner = np.einsum("ij,ij->i", delta_bar, proba)[:, None]
    z_bars[-1] = -k * proba * (delta_bar - inner)
    return coef_grads, z_bars


def _penalty_terms(coefs, activations, log_proba, mask, row_scale, activation):
    """The penalty ``Σ_i row_scale_i ||M_i ⊙ g_i||²`` and its gradients.

    ``mask`` and ``row_scale`` cover the rows of the batch that have a mask,
    whose activations are given; ``row_scale`` holds ``penalty * w_i / Σ w``.
    """
    proba = np.exp(log_proba)
    deltas, pre = _score_gradient_pass(coefs, activations, proba, activation)
    # Only the columns of g that some row masks are needed: with a decoy patch
    # (16 of 784 pixels, in one of four corners) the three products of the
    # input layer's size shrink to a tenth.
    columns = np.flatnonzero(mask.any(axis=0))
    subset = columns.size < mask.shape[1]
    W = coefs[0][columns] if subset else coefs[0]
    g = deltas[0] @ W.T
    np.multiply(g, mask[:, columns] if subset else mask, out=g)
    squared = np.einsum("ij,ij->i", g, g)
    g *= 2 * row_scale[:, None]  # now ḡ, the adjoint of g
    coef_grads, z_bars = _penalty_backward(
        coefs, W, activations, proba, g, deltas, pre, activation
    )
    if subset:
        first = np.zeros_like(coefs[0])
        first[columns] = coef_grads[0]
        coef_grads[0] = first
    return float(squared @ row_scale), coef_grads, z_bars


def loss_and_gradients(coefs, intercepts, X, y, *, sample_weight, mask, config):
    """The RRR loss of one batch and its gradients with respect to all weights.

    Parameters
    ----------
    coefs, intercepts : list of ndarray
        The network's weights, as ``RRRClassifier.coefs_`` and ``intercepts_``.
    X : {ndarray, sparse matrix} of shape (n_rows, n_features)
        The batch, in the weights' dtype.
    y : ndarray of int of shape (n_rows,)
        Class indices ``0, ..., n_classes - 1``.
    sample_weight : ndarray of shape (n_rows,) or None
        Row weights; their sum must be positive.
    mask : ndarray of bool of shape (n_rows, n_features) or None
        The penalised features of each row.
    config : dict
        ``activation``, ``penalty`` and ``alpha``.

    Returns
    -------
    loss : float
    coef_grads, intercept_grads : list of ndarray
    """
    activation, penalty = config["activation"], config["penalty"]
    n_rows = X.shape[0]
    activations, log_proba = forward(coefs, intercepts, X, activation)
    weight = np.ones(n_rows, dtype=log_proba.dtype) if sample_weight is None else (
        sample_weight.astype(log_proba.dtype, copy=False)
    )
    weight_sum = float(weight.sum())
    rows = np.arange(n_rows)
    loss = -float(weight @ log_proba[rows, y]) / weight_sum
    z_bar = np.exp(log_proba)
    z_bar[rows, y] -= 1
    z_bar *= (weight / weight_sum)[:, None]
    z_bars = [None] * len(coefs)
    coef_grads = [None] * len(coefs)
    if mask is not None and penalty != 0:
        penalty_loss, coef_grads, z_bars = _penalty_of_rows(
            coefs, activations, log_proba, mask,
            (penalty / weight_sum) * weight, activation,
        )
        loss += penalty_loss
    z_bar += z_bars[-1] if z_bars[-1] is not None else 0
    return _forward_backward(
        coefs, activations, z_bar, z_bars, coef_grads, loss,
        alpha=config["alpha"] / weight_sum, activation=activation,
    )


def _penalty_of_rows(coefs, activations, log_proba, mask, row_scale, activation):
    """The penalty of a batch; only rows with a mask go through double backprop.

    Returns the penalty, its direct weight gradients and the ``z̄`` of every
    layer for all rows of the batch (zero on unmasked rows).
    """
    n_layers, n_rows = len(coefs), mask.shape[0]
    penalised = np.flatnonzero(mask.any(axis=1))
    if penalised.size == 0:
        return 0.0, [None] * n_layers, [None] * n_layers
    if penalised.size == n_rows:
        return _penalty_terms(coefs, activations, log_proba, mask, row_scale,
                              activation)
    # The input itself is not needed, only the hidden activations.
    sub_acts = [None] + [a[penalised] for a in activations[1:]]
    penalty_loss, coef_grads, z_bars = _penalty_terms(
        coefs, sub_acts, log_proba[penalised], mask[penalised],
        row_scale[penalised], activation,
    )
    z_bars = [None if zb is None else _scatter(zb, penalised, n_rows) for zb in z_bars]
    return penalty_loss, coef_grads, z_bars


def _scatter(values, rows, n_rows):
    full = np.zeros((n_rows, values.shape[1]), dtype=values.dtype)
    full[rows] = values
    return full


def _forward_backward(coefs, activations, z_bar, z_bars, coef_grads, loss, *,
                      alpha, activation):
    """Ordinary backprop of ``z̄_L`` plus the penalty's ``z̄`` and weight gradients."""
    n_layers = len(coefs)
    intercept_grads = [None] * n_layers
    for layer in range(n_layers - 1, -1, -1):
        grad = safe_sparse_dot(activations[layer].T, z_bar)
        if coef_grads[layer] is not None:
            grad += coef_grads[layer]
        grad += alpha * coefs[layer]
        coef_grads[layer] = grad
        intercept_grads[layer] = z_bar.sum(axis=0)
        if layer:
            z_bar = _times_derivative(
                z_bar @ coefs[layer].T, activations[layer], activation
            )
            if z_bars[layer - 1] is not None:
                z_bar += z_bars[layer - 1]
    loss += 0.5 * alpha * sum(float(np.vdot(W, W)) for W in coefs)
    return loss, coef_grads, intercept_grads


def input_gradients(coefs, intercepts, X, activation):
    """``∂ log p_k / ∂x`` of every class, shape (n_rows, n_classes, n_features).

    One backward pass of all classes at once: the Jacobian of the logits is
    propagated from the identity, then ``∂ log p_k = ∂z_k - Σ_j p_j ∂z_j``.
    """
    activations, log_proba = forward(coefs, intercepts, X, activation)
    n_rows, n_classes = log_proba.shape
    jacobian = np.broadcast_to(
        np.eye(n_classes, dtype=log_proba.dtype), (n_rows, n_classes, n_classes)
    )
    for layer in range(len(coefs) - 1, 0, -1):
        jacobian = jacobian @ coefs[layer].T
        _times_derivative(jacobian, activations[layer][:, None, :], activation)
    jacobian = jacobian @ coefs[0].T
    mean = np.einsum("ik,ikd->id", np.exp(log_proba), jacobian)
    jacobian -= mean[:, None, :]
    return jacobian
