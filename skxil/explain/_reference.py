"""NumPy twins of the fast LIME kernels in :mod:`._kernels`.

Each function takes the inputs of the kernel of the same name (without the
output arrays) and returns its outputs. They are written for clarity, not
speed: the tests check that the kernels agree with them (exactly for every
integer and 0/1 output, to rounding for floating-point sums), and the twin of
the surrogate is checked against lime and scikit-learn's ``Ridge``.
"""

import numpy as np

from ._kernels import _U16_SCALE, _U_SCALE, AS241, cell_split

__all__ = [
    "ndtri",
    "tabular_binned_kernel",
    "tabular_continuous_kernel",
    "text_mask_kernel",
    "bernoulli_mask_kernel",
    "image_kernel",
    "surrogate_kernel",
]

_A, _B, _C, _D, _E, _F = AS241


def _horner(coefs, r):
    out = np.full_like(r, coefs[-1])
    for c in coefs[-2::-1]:
        out = out * r + c
    return out


def ndtri(p):
    """Inverse standard normal CDF, AS 241, elementwise."""
    p = np.asarray(p, dtype=np.float64)
    q = p - 0.5
    central = np.abs(q) <= 0.425
    out = np.empty_like(p)
    r = 0.180625 - q[central] ** 2
    out[central] = q[central] * _horner(_A, r) / _horner(_B, r)
    tail = ~central & (p > 0) & (p < 1)
    r = np.where(q[tail] < 0, p[tail], 1.0 - p[tail])
    r = np.sqrt(-np.log(r))
    near = r <= 5.0
    value = np.where(
        near,
        _horner(_C, r - 1.6) / _horner(_D, r - 1.6),
        _horner(_E, r - 5.0) / _horner(_F, r - 5.0),
    )
    out[tail] = np.where(q[tail] < 0, -value, value)
    out[p <= 0] = -np.inf
    out[p >= 1] = np.inf
    return out


def _exact(draws, bins):
    """Bins and exact values of 16-bit draws of shape (n, d) (feature j in
    column j); ``bins`` is a :class:`._kernels.BinParams`."""
    u = (draws + 0.5) * _U16_SCALE
    cols = np.arange(draws.shape[1])
    b = (u[:, :, None] >= bins.cum[None, :, :-1]).sum(axis=2)
    v = np.clip((u - bins.cumlo[cols, b]) * bins.invp[cols, b], 0.0, 1.0)
    mean = bins.mean[cols, b]
    z = bins.sgn[cols, b] * ndtri(bins.plo[cols, b] + v * bins.pspan[cols, b])
    value = np.clip(mean + bins.std[cols, b] * z, bins.lo[cols, b], bins.hi[cols, b])
    value = np.where(bins.pspan[cols, b] == 0.0, mean, value)
    return b, value


def _sample_major(bits, d, n_samples):
    """Feature-major draws (n_units, d * (n_samples - 1)) as rows (., d)."""
    draws = bits.reshape(bits.shape[0], d, n_samples - 1).transpose(0, 2, 1)
    return draws.reshape(-1, d).astype(np.int64)


def tabular_binned_kernel(bits, X, xbin, cells, bins, n_samples):
    """Twin of :func:`._kernels.tabular_binned_kernel`; returns ``(inv, des)``.

    Takes the cells of :class:`._sampling.TabularTables` (quadratic in the
    position in the cell, bin in ``cells[..., 3]``) instead of the kernel's
    :class:`._kernels.CellTables`, and evaluates every slow cell exactly.
    """
    n_units, d = X.shape
    cols = np.arange(d)
    frac_bits, frac_mask, frac_scale = cell_split(cells.shape[1])
    draws = _sample_major(bits, d, n_samples)
    e = draws >> frac_bits
    b = cells[cols, e, 3].astype(np.int64)
    f = ((draws & frac_mask) + 0.5) * frac_scale
    value = cells[cols, e, 0] + f * (cells[cols, e, 1] + f * cells[cols, e, 2])
    slow_b, slow_value = _exact(draws, bins)
    slow = b < 0
    b = np.where(slow, slow_b, b)
    value = np.where(slow, slow_value, value)
    xb = np.repeat(xbin, n_samples - 1, axis=0)
    des = (b == xb).astype(np.uint8)
    inv = np.empty((n_units, n_samples, d))
    inv[:, 0] = X
    inv[:, 1:] = value.reshape(n_units, n_samples - 1, d)
    out_des = np.ones((n_units, n_samples, d), dtype=np.uint8)
    out_des[:, 1:] = des.reshape(n_units, n_samples - 1, d)
    return inv.reshape(-1, d), out_des.reshape(-1, d)


def tabular_continuous_kernel(bits, X, xbin, tables, bins, n_samples):
    """Twin of :func:`._kernels.tabular_continuous_kernel`; returns ``(inv, des)``."""
    n_units, d = X.shape
    is_cat, center, scale, cells = tables
    cols = np.arange(d)
    draws = _sample_major(bits, d, n_samples)
    e = draws >> cell_split(cells.shape[1])[0]
    b = cells[cols, e, 3].astype(np.int64)
    value = cells[cols, e, 0]
    slow_b, slow_value = _exact(draws, bins)
    slow = b < 0
    b = np.where(slow, slow_b, b)
    value = np.where(slow, slow_value, value)
    xb = np.repeat(xbin, n_samples - 1, axis=0)
    z = ndtri((draws + 0.5) * _U16_SCALE)
    inv_rest = np.where(is_cat, value, center + scale * z)
    des_rest = np.where(is_cat, (b == xb).astype(np.float64), z)
    inv = np.empty((n_units, n_samples, d))
    inv[:, 0] = X
    inv[:, 1:] = inv_rest.reshape(n_units, n_samples - 1, d)
    des = np.empty((n_units, n_samples, d))
    des[:, 0] = np.where(is_cat, 1.0, (X - center) / scale)
    des[:, 1:] = des_rest.reshape(n_units, n_samples - 1, d)
    return inv.reshape(-1, d), des.reshape(-1, d)


def text_mask_kernel(bits, n_words, n_samples):
    """Twin of :func:`._kernels.text_mask_kernel`; returns ``des``."""
    n_units = bits.shape[0]
    des = np.ones((n_units * n_samples, n_words), dtype=np.uint8)
    for q in range(n_units):
        for i in range(1, n_samples):
            block = (bits[q, (i - 1) * n_words : i * n_words] + 0.5) * _U_SCALE
            size = min(1 + int(block[0] * n_words), n_words)
            perm = list(range(n_words))
            for t in range(min(size, n_words - 1)):
                pick = min(t + int(block[1 + t] * (n_words - t)), n_words - 1)
                perm[t], perm[pick] = perm[pick], perm[t]
            des[q * n_samples + i, perm[:size]] = 0
    return des


def bernoulli_mask_kernel(bits, n_samples, n_components):
    """Twin of :func:`._kernels.bernoulli_mask_kernel`; returns ``des``."""
    n_units = bits.shape[0]
    des = np.ones((n_units, n_samples, n_components), dtype=np.uint8)
    des[:, 1:] = (bits >> 31).reshape(n_units, n_samples - 1, n_components)
    return des.reshape(-1, n_components)


def image_kernel(des, X, hidden, component, n_samples):
    """Twin of :func:`._kernels.image_kernel`; returns the images."""
    on = des[:, component].astype(bool)
    return np.where(
        on, np.repeat(X, n_samples, axis=0), np.repeat(hidden, n_samples, axis=0)
    )


def _ridge(Z, y, w, alpha):
    """Weighted ridge with intercept, as scikit-learn's Ridge computes it."""
    W = w.sum()
    zbar = w @ Z / W
    ybar = w @ y / W
    Zc = Z - zbar
    yc = y - ybar
    A = (Zc * w[:, None]).T @ Zc + alpha * np.eye(Z.shape[1])
    rhs = (Zc * w[:, None]).T @ yc
    if alpha > 0:
        coef = np.linalg.solve(A, rhs)
    else:
        coef = np.linalg.lstsq(A, rhs, rcond=None)[0]
    intercept = ybar - zbar @ coef
    resid = y - Z @ coef - intercept
    ss_res = w @ resid**2
    ss_tot = w @ yc**2
    if ss_tot > 0:
        r2 = 1.0 - ss_res / ss_tot
    else:
        r2 = 1.0 if ss_res <= 0 else 0.0
    return coef, intercept, r2


def surrogate_kernel(des, binary, proba, labels, fit):
    """Twin of :func:`._kernels.surrogate_kernel`.

    Computes every distance in full (``binary`` is ignored: it only lets the
    kernel tabulate them). Returns ``(features, weights, intercept, score)``.
    """
    n_samples, metric, distance_scale, kernel_width, selection, n_keep = fit
    n_units = labels.shape[0]
    d = des.shape[1]
    features = np.empty((n_units, n_keep), dtype=np.int64)
    weights = np.empty((n_units, n_keep))
    intercept = np.empty(n_units)
    score = np.empty(n_units)
    for q in range(n_units):
        Z = des[q * n_samples : (q + 1) * n_samples].astype(np.float64)
        y = proba[q * n_samples : (q + 1) * n_samples, labels[q]].astype(np.float64)
        y0 = y[0]  # as the kernel: targets relative to the instance's
        y = y - y0
        if metric == 0:
            dist = np.sqrt(((Z - Z[0]) ** 2).sum(axis=1))
        else:
            norms = np.linalg.norm(Z, axis=1)
            norms[norms == 0] = 1.0
            dist = 1.0 - (Z @ Z[0]) / (norms * norms[0])
        dist = dist * distance_scale
        w = np.sqrt(np.exp(-(dist**2) / kernel_width**2))
        if selection == 0:
            coef, _, _ = _ridge(Z, y, w, 0.01)
            used = np.argsort(-np.abs(coef * Z[0]), kind="stable")[:n_keep]
        elif selection == 1:
            used = np.arange(d)
        else:
            used = []
            for _ in range(n_keep):
                best, best_score = 0, -100000000.0
                for f in range(d):
                    if f in used:
                        continue
                    _, _, r2 = _ridge(Z[:, used + [f]], y, w, 0.0)
                    if r2 > best_score:
                        best, best_score = f, r2
                used.append(best)
            used = np.asarray(used, dtype=np.int64)
        coef, b0, r2 = _ridge(Z[:, used], y, w, 1.0)
        order = np.argsort(-np.abs(coef), kind="stable")[:n_keep]
        features[q] = used[order]
        weights[q] = coef[order]
        intercept[q] = b0 + y0
        score[q] = np.clip(r2, 0.0, 1.0)
    return features, weights, intercept, score
