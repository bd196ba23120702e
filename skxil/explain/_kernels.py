"""Numba kernels of the fast LIME explainer.

The kernels do the per-sample work of LIME: turning random bits into perturbed
model inputs with their interpretable (design) rows, and fitting the weighted
ridge surrogates. They take and return plain contiguous arrays; their random
bits come from :func:`random_uint64` (one seeded SFC64 stream per explained
unit), drawn beforehand or inside the kernel. They have NumPy twins in
:mod:`._reference` that the tests check them against.

Layout shared by all kernels: a chunk holds ``n_units`` explained units (one
unit is one row explained once, so a row explained ``n_repeats`` times gives
``n_repeats`` units) of ``n_samples`` perturbed samples each; unit ``q`` owns
rows ``q * n_samples`` to ``(q + 1) * n_samples - 1`` of the model input and of
the design, and its first row is the explained instance itself (as in lime).
Random bits come as unsigned *draws*, ``bits[q]`` for unit ``q``: a ``b``-bit
draw ``w`` stands for the uniform number ``(w + 0.5) / 2**b``. Tabular
kernels take 16-bit draws (one per perturbed value, for its bin and its
position in the bin), the text and image kernels 32-bit draws. (A "word"
is always a document's word; packed bit masks are uint64 *lanes* or
*blocks*.)

Tabular sampling (lime's quartile discretisation) is described by per-feature
*bins* (quartile bins of a continuous feature, or the values of a categorical
one) with their probabilities, and inside a bin by the inverse CDF ``Q_b(v)``
of lime's truncated normal (``v`` uniform in ``[0, 1)``)::

    Q_b(v) = clip(mean_b + std_b * sign_b * ndtri(plo_b + v * pspan_b), lo_b, hi_b)

``sign_b = -1`` mirrors bins that lie above their mean so that the normal CDF
is evaluated in its accurate lower tail; ``pspan_b = 0`` marks a point mass at
``mean_b``. To keep the per-element cost near a memory copy, the uniform range
of each feature is cut into ``n_cells`` (a power of 2) equal *cells*, selected
by the leading bits of a 16-bit draw: a *fast* cell lies inside one bin and is
evaluated by the quadratic through ``Q_b`` at its two ends and its middle
(``cells[j, e, :3]``, its bin in ``cells[j, e, 3]``); the other, *slow*,
cells (across a bin boundary, or where a far truncation makes ``Q_b`` steep)
are exact: their few draws are tabulated with :func:`ndtri` beforehand, or
evaluated when drawn. Which cells are fast is decided when the tables are
built (:class:`skxil.explain._sampling.TabularTables`).
"""

import math
from typing import NamedTuple

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.extending import intrinsic

__all__ = [
    "BinParams",
    "CellTables",
    "ContinuousTables",
    "FitSettings",
    "Surrogates",
    "fit_settings",
    "empty_surrogates",
    "cell_split",
    "ndtri",
    "sfc64_next",
    "sfc64_seed",
    "random_uint64",
    "exact_draws",
    "exact_table_kernel",
    "tabular_binned_kernel",
    "tabular_binned_sample",
    "tabular_continuous_kernel",
    "text_mask_kernel",
    "bernoulli_mask_kernel",
    "image_kernel",
    "pack_design",
    "surrogate_kernel",
    "binary_surrogate_kernel",
    "binary_weights",
    "binary_gram_kernel",
    "binary_fit_kernel",
]

_U_SCALE = 1.0 / 4294967296.0
_U16_SCALE = 1.0 / 65536.0

# Selection methods understood by surrogate_kernel.
SELECT_HIGHEST_WEIGHTS = 0
SELECT_NONE = 1
SELECT_FORWARD = 2
# Distance metrics understood by surrogate_kernel.
METRIC_EUCLIDEAN = 0
METRIC_COSINE = 1


class BinParams(NamedTuple):
    """lime's per-bin distribution, each of shape (n_columns, n_bins), float64.

    ``cum``, ``cumlo`` and ``invp`` are the upper and lower cumulative
    probability of each bin and its inverse probability (0 for empty bins);
    ``plo``, ``pspan``, ``sgn``, ``mean``, ``std``, ``lo`` and ``hi`` the
    parameters of ``Q_b`` (see the module docstring).
    """

    cum: np.ndarray
    cumlo: np.ndarray
    invp: np.ndarray
    plo: np.ndarray
    pspan: np.ndarray
    sgn: np.ndarray
    mean: np.ndarray
    std: np.ndarray
    lo: np.ndarray
    hi: np.ndarray


class CellTables(NamedTuple):
    """The cell tables of :func:`tabular_binned_kernel` (``n_cells = 2**c``).

    ``coef`` (n_columns, n_cells, 3), float64: per fast cell the quadratic
    ``a + k (b + k c)`` in the draw's last ``16 - c`` bits ``k`` (the
    quadratic of the cells through ``Q_b``, in ``k`` instead of the
    position ``f = (k + 0.5) / 2**(16 - c)`` in the cell); for a slow cell,
    its slot in ``exact`` in ``coef[j, e, 0]`` (-1: evaluated with
    :func:`ndtri`). ``cell_bins`` (n_columns, n_cells), int8 or int32: the
    bin of every fast cell, -1 for the slow ones. ``exact`` (n_columns,
    n_slots * 2**(16 - c), 2), float64: the exact ``(value, bin)`` of each of
    the ``2**(16 - c)`` draws of the slow cell in slot ``k`` of feature ``j``
    at ``exact[j, k * 2**(16 - c) + (draw & mask)]`` (:func:`exact_draws`).
    """

    coef: np.ndarray
    cell_bins: np.ndarray
    exact: np.ndarray


class ContinuousTables(NamedTuple):
    """The tables of :func:`tabular_continuous_kernel`.

    ``is_cat`` (n_columns,), bool: the categorical features; ``center`` and
    ``scale`` (n_columns,), float64: the scaler of the continuous ones;
    ``cells`` (n_columns, n_cells, 4), float64: per cell ``(value, _, _,
    bin)`` of the categorical features (bin -1: a slow cell).
    """

    is_cat: np.ndarray
    center: np.ndarray
    scale: np.ndarray
    cells: np.ndarray


class FitSettings(NamedTuple):
    """How the surrogate kernels fit: ``n_samples`` per unit, the distance
    ``metric`` (``METRIC_*``) and ``distance_scale``, lime's
    ``kernel_width``, the feature ``selection`` (``SELECT_*``) and
    ``n_keep``, the number of features kept (k, at most the design's width).
    Build it with :func:`fit_settings`, which fixes the scalar types (one
    compiled kernel)."""

    n_samples: int
    metric: int
    distance_scale: float
    kernel_width: float
    selection: int
    n_keep: int


def fit_settings(*, n_samples, metric, distance_scale, kernel_width, selection, n_keep):
    """A :class:`FitSettings` with int and float fields."""
    return FitSettings(
        int(n_samples),
        int(metric),
        float(distance_scale),
        float(kernel_width),
        int(selection),
        int(n_keep),
    )


class Surrogates(NamedTuple):
    """The surrogate kernels' output, row ``q`` for unit ``q``: ``features``
    (n_units, n_keep) int64 and their ``weights`` (n_units, n_keep), the
    ``intercept`` and the ``score`` (R^2) (n_units,), float64."""

    features: np.ndarray
    weights: np.ndarray
    intercept: np.ndarray
    score: np.ndarray


def empty_surrogates(n_units, n_keep):
    """:class:`Surrogates` to be filled; intercept and score NaN until then."""
    return Surrogates(
        np.empty((n_units, n_keep), dtype=np.int64),
        np.empty((n_units, n_keep)),
        np.full(n_units, np.nan),
        np.full(n_units, np.nan),
    )


# Coefficients of Wichura's AS 241 (PPND16), lowest order first: numerators A,
# C, E and denominators B, D, F of the central region and the two tails.
AS241 = (
    (3.3871328727963666080e0, 1.3314166789178437745e2, 1.9715909503065514427e3,
     1.3731693765509461125e4, 4.5921953931549871457e4, 6.7265770927008700853e4,
     3.3430575583588128105e4, 2.5090809287301226727e3),
    (1.0, 4.2313330701600911252e1, 6.8718700749205790830e2,
     5.3941960214247511077e3, 2.1213794301586595867e4, 3.9307895800092710610e4,
     2.8729085735721942674e4, 5.2264952788528545610e3),
    (1.42343711074968357734e0, 4.63033784615654529590e0, 5.76949722146069140550e0,
     3.64784832476320460504e0, 1.27045825245236838258e0, 2.41780725177450611770e-1,
     2.27238449892691845833e-2, 7.74545014278341407640e-4),
    (1.0, 2.05319162663775882187e0, 1.67638483018380384940e0,
     6.89767334985100004550e-1, 1.48103976427480074590e-1, 1.51986665636164571966e-2,
     5.47593808499534494600e-4, 1.05075007164441684324e-9),
    (6.65790464350110377720e0, 5.46378491116411436990e0, 1.78482653991729133580e0,
     2.96560571828504891230e-1, 2.65321895265761230930e-2, 1.24266094738807843860e-3,
     2.71155556874348757815e-5, 2.01033439929228813265e-7),
    (1.0, 5.99832206555887937690e-1, 1.36929880922735805310e-1,
     1.48753612908506148525e-2, 7.86869131145613259100e-4, 1.84631831751005468180e-5,
     1.42151175831644588870e-7, 2.04426310338993978564e-15),
)  # fmt: skip
_A, _B, _C, _D, _E, _F = AS241


@njit(cache=True, nogil=True)
def _horner(c, r):
    """``c[0] + c[1] r + ... + c[7] r**7`` by Horner's rule."""
    out = c[7]
    for i in range(6, -1, -1):
        out = out * r + c[i]
    return out


@njit(cache=True, nogil=True)
def ndtri(p):
    """Inverse of the standard normal CDF (Wichura's algorithm AS 241).

    Relative error below 1e-15 on (0, 1); ``-inf`` for ``p <= 0`` and
    ``inf`` for ``p >= 1``.
    """
    if p <= 0.0:
        return -np.inf
    if p >= 1.0:
        return np.inf
    q = p - 0.5
    if abs(q) <= 0.425:
        r = 0.180625 - q * q
        return q * _horner(_A, r) / _horner(_B, r)
    r = math.sqrt(-math.log(p if q < 0.0 else 1.0 - p))
    if r <= 5.0:
        value = _horner(_C, r - 1.6) / _horner(_D, r - 1.6)
    else:
        value = _horner(_E, r - 5.0) / _horner(_F, r - 5.0)
    return -value if q < 0.0 else value


@njit(cache=True, nogil=True)
def cell_split(n_cells):
    """Shift, mask and scale that cut a 16-bit draw into a cell and a fraction.

    With ``n_cells = 2**c`` cells, the leading ``c`` bits of a draw select the
    cell and the other ``16 - c`` bits give the position in it.
    """
    cell_bits = 0
    while (1 << cell_bits) < n_cells:
        cell_bits += 1
    frac_bits = 16 - cell_bits
    return frac_bits, (1 << frac_bits) - 1, 1.0 / (1 << frac_bits)


@njit(cache=True, nogil=True)
def _bin_quantile(j, b, v, bins):
    """Exact ``Q_b(v)`` of bin ``b`` of feature ``j``: lime's truncated normal,
    a point mass when the bin's probability span is 0."""
    # scalars to the helper: a call that passes the BinParams tuple pays a
    # reference count update per array (measured: 10 times the quantile)
    return _truncated_quantile(
        v, bins.pspan[j, b], bins.plo[j, b], bins.sgn[j, b], bins.mean[j, b],
        bins.std[j, b], bins.lo[j, b], bins.hi[j, b],
    )


@njit(cache=True, nogil=True)
def _truncated_quantile(v, pspan, plo, sgn, mean, std, lo, hi):
    if pspan == 0.0:
        return mean
    value = mean + std * (sgn * ndtri(plo + v * pspan))
    if value < lo:
        return lo
    if value > hi:
        return hi
    return value


@njit(cache=True, nogil=True)
def _exact_value(draw, j, bins):
    """Bin and exact value of feature ``j`` for one 16-bit draw (slow path).

    ``bins`` is a :class:`BinParams`.
    """
    u = (draw + 0.5) * _U16_SCALE
    b = 0
    for t in range(bins.cum.shape[1] - 1):
        if u >= bins.cum[j, t]:
            b += 1
    v = (u - bins.cumlo[j, b]) * bins.invp[j, b]
    if v < 0.0:
        v = 0.0
    elif v > 1.0:
        v = 1.0
    return b, _bin_quantile(j, b, v, bins)


@njit(cache=True, nogil=True)
def exact_draws(draws, j, bins, out):
    """Bin and exact value of feature ``j`` for each draw: ``out[k] = (value, bin)``.

    Used to tabulate the slow cells (see :func:`tabular_binned_kernel`);
    ``bins`` is a :class:`BinParams`.
    """
    for k in range(draws.shape[0]):
        b, value = _exact_value(draws[k], j, bins)
        out[k, 0] = value
        out[k, 1] = b


@njit(cache=True, nogil=True)
def exact_table_kernel(slot_cell, frac_bits, bins, exact):
    """Tabulate the slow cells of every feature in one call.

    ``slot_cell[j, s]`` is the cell tabulated in slot ``s`` of feature ``j``
    (-1: none); its ``2**frac_bits`` draws go to
    ``exact[j, s * 2**frac_bits + k] = (value, bin)`` as :func:`exact_draws`
    computes them.
    """
    width = 1 << frac_bits
    for j in range(slot_cell.shape[0]):
        for slot in range(slot_cell.shape[1]):
            e = slot_cell[j, slot]
            if e < 0:
                continue
            for k in range(width):
                # _exact_value, written out: calls passing ``bins`` cost more
                # than the value itself
                u = ((e << frac_bits) + k + 0.5) * _U16_SCALE
                b = 0
                for t in range(bins.cum.shape[1] - 1):
                    if u >= bins.cum[j, t]:
                        b += 1
                v = min(max((u - bins.cumlo[j, b]) * bins.invp[j, b], 0.0), 1.0)
                exact[j, slot * width + k, 0] = _bin_quantile(j, b, v, bins)
                exact[j, slot * width + k, 1] = b


@njit(cache=True, nogil=True)
def bin_quantiles(j, b, v, bins, out):
    """``out[k] = Q_b(v)`` of bin ``b[k]`` of feature ``j[k]`` at ``v[k]``
    (1-D arrays of equal length); ``bins`` is a :class:`BinParams`."""
    for k in range(out.shape[0]):
        out[k] = _bin_quantile(j[k], b[k], v[k], bins)


@njit(cache=True, nogil=True)
def cell_table_kernel(eligible, point, bins, tolerance, cells):
    """Fill the cell table ``cells`` (n_features, n_cells, 4), as
    :meth:`skxil.explain._sampling.TabularTables._cells` describes.

    Cell ``e`` of feature ``j`` covers ``[e, e + 1) / n_cells`` of the
    probability range. It is fast when it lies inside one bin ``b`` of
    positive probability (of a feature ``eligible[j]``) and either the bin
    is a point mass (``point[j, b]``: ``cells[j, e] = (mean, 0, 0, b)``) or
    the quadratic through ``Q_b`` at the cell's ends and middle is within
    ``tolerance`` bin standard deviations of ``Q_b`` at eight interior
    points (``cells[j, e] = (q0, q1, q2, b)``, ``Q ~ q0 + f q1 + f**2 q2``
    for the fraction ``f`` of the cell). Other cells keep ``(0, 0, 0, -1)``.
    """
    n_features, n_cells, _ = cells.shape
    n_bins = bins.cum.shape[1]
    for j in range(n_features):
        for e in range(n_cells):
            cells[j, e, 0] = 0.0
            cells[j, e, 1] = 0.0
            cells[j, e, 2] = 0.0
            cells[j, e, 3] = -1.0
            if not eligible[j]:
                continue
            start = e / n_cells
            stop = (e + 1) / n_cells
            b = 0
            for t in range(n_bins - 1):
                if start >= bins.cum[j, t]:
                    b += 1
            if not (
                bins.cumlo[j, b] <= start
                and stop <= bins.cum[j, b]
                and bins.invp[j, b] > 0.0
            ):
                continue
            if point[j, b]:
                cells[j, e, 0] = bins.mean[j, b]
                cells[j, e, 3] = b
                continue
            vs = (start - bins.cumlo[j, b]) * bins.invp[j, b]
            ve = (stop - bins.cumlo[j, b]) * bins.invp[j, b]
            span = ve - vs
            qa = _bin_quantile(j, b, vs, bins)
            qm = _bin_quantile(j, b, vs + 0.5 * span, bins)
            qe = _bin_quantile(j, b, vs + span, bins)
            c1 = -3.0 * qa + 4.0 * qm - qe
            c2 = 2.0 * qa - 4.0 * qm + 2.0 * qe
            error = 0.0
            for k in range(8):
                f = (k + 0.5) / 8.0
                exact = _bin_quantile(j, b, vs + f * span, bins)
                error = max(error, abs(qa + f * (c1 + f * c2) - exact))
            if error <= tolerance * bins.std[j, b]:
                cells[j, e, 0] = qa
                cells[j, e, 1] = c1
                cells[j, e, 2] = c2
                cells[j, e, 3] = b


_SPLITMIX_GAMMA = np.uint64(0x9E3779B97F4A7C15)
_SPLITMIX_M1 = np.uint64(0xBF58476D1CE4E5B9)
_SPLITMIX_M2 = np.uint64(0x94D049BB133111EB)


@njit(cache=True, nogil=True)
def sfc64_next(state):
    """One 64-bit output of SFC64 (state ``[a, b, c, counter]``, updated).

    The same generator as NumPy's ``np.random.SFC64`` (Chris Doty-Humphrey's
    Small Fast Chaotic PRNG).
    """
    a = state[0]
    b = state[1]
    c = state[2]
    counter = state[3]
    out = a + b + counter
    state[3] = counter + np.uint64(1)
    state[0] = b ^ (b >> np.uint64(11))
    state[1] = c + (c << np.uint64(3))
    state[2] = ((c << np.uint64(24)) | (c >> np.uint64(40))) + out
    return out


@njit(cache=True, nogil=True)
def sfc64_seed(seed, state):
    """Seed SFC64 from an integer: ``a, b, c`` are three outputs of
    SplitMix64 started at ``seed``, the counter is 1, and the first 12
    outputs are discarded (as NumPy does after seeding)."""
    x = np.uint64(seed)
    for t in range(3):
        x += _SPLITMIX_GAMMA
        z = x
        z = (z ^ (z >> np.uint64(30))) * _SPLITMIX_M1
        z = (z ^ (z >> np.uint64(27))) * _SPLITMIX_M2
        state[t] = z ^ (z >> np.uint64(31))
    state[3] = np.uint64(1)
    for _ in range(12):
        sfc64_next(state)


@njit(cache=True, nogil=True)
def random_uint64(seeds, raw):
    """Fill ``raw[q]`` with random uint64 blocks from ``seeds[q]``.

    Two interleaved SFC64 streams per unit (``raw[q, t]`` from stream
    ``t % 2``: SFC64 is bound by its 3-cycle dependency chain, two
    streams run side by side), stream ``s`` seeded with
    ``sfc64_seed(seed + s * 2**32)``. Viewed as 16- or 32-bit draws (little
    endian), these are the random draws of unit ``q``. ``seeds`` are below
    2**31.
    """
    state = np.empty(4, dtype=np.uint64)
    one = np.uint64(1)
    s11 = np.uint64(11)
    s3 = np.uint64(3)
    s24 = np.uint64(24)
    s40 = np.uint64(40)
    n = raw.shape[1]
    for q in range(raw.shape[0]):
        sfc64_seed(seeds[q], state)
        a0, b0, c0, n0 = state[0], state[1], state[2], state[3]
        sfc64_seed(seeds[q] + 4294967296, state)
        a1, b1, c1, n1 = state[0], state[1], state[2], state[3]
        out = raw[q]
        for t in range(0, n - 1, 2):  # sfc64_next on two local states
            t0 = a0 + b0 + n0
            t1 = a1 + b1 + n1
            n0 += one
            n1 += one
            a0 = b0 ^ (b0 >> s11)
            a1 = b1 ^ (b1 >> s11)
            b0 = c0 + (c0 << s3)
            b1 = c1 + (c1 << s3)
            c0 = ((c0 << s24) | (c0 >> s40)) + t0
            c1 = ((c1 << s24) | (c1 >> s40)) + t1
            out[t] = t0
            out[t + 1] = t1
        if n % 2:
            out[n - 1] = a0 + b0 + n0


@njit(cache=True, nogil=True)
def tabular_binned_kernel(bits, X, xbin, cells, bins, n_samples, inv, masks):
    """Perturb tabular rows over lime's bins (``discretize_continuous=True``).

    The loops run feature by feature so that a feature's cell table stays in
    the L1 cache; ``inv`` is best Fortran-ordered (its columns are then
    written sequentially).

    Parameters
    ----------
    bits : ndarray of shape (n_units, n_columns * (n_samples - 1)), uint16
        One random 16-bit draw per perturbed value, feature-major: the draw
        of feature ``j`` in sample ``i >= 1`` of unit ``q`` is
        ``bits[q, j * (n_samples - 1) + i - 1]``.
    X : ndarray of shape (n_units, n_columns), float64
        The instance of each unit.
    xbin : ndarray of shape (n_units, n_columns), int64
        The bin of each instance value (-1 if it falls in none, e.g. an
        unseen category).
    cells : CellTables
        The fast cells' quadratics and bins and the tabulated slow cells.
    bins : BinParams
        lime's distribution of every bin.
    n_samples : int
        Samples per unit, the instance included.
    inv : ndarray of shape (n_units * n_samples, n_columns), float64
        Output: the perturbed rows, in the input space of the model.
    masks : ndarray of shape (n_units * n_samples, ceil(n_columns / 64)), uint64
        Output: the design, 1 where the sample's bin is the instance's, as
        bit masks (see :func:`pack_design`).
    """
    for q in range(X.shape[0]):
        _binned_unit(bits[q], q, X, xbin, cells, bins, n_samples, inv, masks)


@njit(cache=True, nogil=True)
def tabular_binned_sample(seeds, X, xbin, cells, bins, n_samples, inv, masks):
    """:func:`tabular_binned_kernel` drawing its own bits.

    Unit ``q`` uses the bits of :func:`random_uint64` for ``seeds[q]``
    (16-bit draws, little endian), drawn into a scratch buffer reused from
    unit to unit, so the result equals ``tabular_binned_kernel`` on
    ``random_uint64(seeds, ...).view(np.uint16)``.
    """
    d = X.shape[1]
    n_draws = d * (n_samples - 1)
    raw = np.empty((1, (n_draws + 3) // 4), dtype=np.uint64)
    for q in range(X.shape[0]):
        random_uint64(seeds[q : q + 1], raw)
        draws = raw[0].view(np.uint16)
        _binned_unit(draws, q, X, xbin, cells, bins, n_samples, inv, masks)


@njit(cache=True, nogil=True)
def _first_draw(c):
    """The smallest 16-bit draw ``w`` with ``(w + 0.5) / 2**16 >= c``, exactly:
    for ``2**-17 <= c <= 1``, ``c * 2**16 - 0.5`` has no rounding error, and
    below that the ceiling is 0 either way."""
    return np.int64(math.ceil(c * 65536.0 - 0.5))


@njit(cache=True, nogil=True)
def _binned_unit(draws, q, X, xbin, cells, bins, n_samples, inv, masks):
    """Unit ``q`` of :func:`tabular_binned_kernel` from its draws.

    Per feature, one loop draws the values and a second, branch-free (and
    vectorised) one sets the design bits: a draw's bin is the instance's
    bin ``b`` exactly when ``w_lo <= draw < w_hi`` with ``w_lo`` the
    smallest draw whose uniform ``(draw + 0.5) / 2**16`` reaches
    ``cum[j, b - 1]`` (0 for the first bin) and ``w_hi`` the one reaching
    ``cum[j, b]`` (``2**16`` for the last), which is how every path assigns
    bins (:func:`_exact_value`; the fast cells lie inside one bin).
    """
    d = X.shape[1]
    cum = bins.cum
    frac_bits, frac_mask, frac_scale = cell_split(cells.coef.shape[1])
    m1 = n_samples - 1
    r0 = q * n_samples
    n_lanes = masks.shape[1]
    flat = masks.reshape(masks.shape[0] * n_lanes)
    for i in range(r0 * n_lanes, (r0 + n_samples) * n_lanes):
        flat[i] = 0
    last = cum.shape[1] - 1
    for j in range(d):
        inv[r0, j] = X[q, j]
        xb = xbin[q, j]
        table = cells.coef[j]
        table_bins = cells.cell_bins[j]
        slow = cells.exact[j]
        unit_draws = draws[j * m1 : (j + 1) * m1]
        values = inv[r0 + 1 : r0 + n_samples, j]
        for i in range(m1):
            draw = unit_draws[i]
            e = draw >> frac_bits
            if table_bins[e] >= 0:
                k = np.float64(draw & frac_mask)
                value = table[e, 0] + k * (table[e, 1] + k * table[e, 2])
            elif table[e, 0] >= 0.0:  # tabulated slow cell
                k = np.int64(table[e, 0]) * (frac_mask + 1) + (draw & frac_mask)
                value = slow[k, 0]
            else:
                _, value = _exact_value(draw, j, bins)
            values[i] = value
        if xb < 0:  # the instance's value is in no bin: no sample shares it
            w_lo = 0
            w_hi = 0
        else:
            w_lo = 0 if xb == 0 else _first_draw(cum[j, xb - 1])
            w_hi = 65536 if xb >= last else _first_draw(cum[j, xb])
        g = j >> 6
        shift = np.uint64(j & 63)
        flat[r0 * n_lanes + g] |= np.uint64(1) << shift
        if n_lanes == 1:  # unit stride: the loop vectorises
            design = flat[r0 + 1 : r0 + n_samples]
            for i in range(m1):
                w = np.int64(unit_draws[i])
                design[i] |= np.uint64((w >= w_lo) & (w < w_hi)) << shift
        else:
            for i in range(m1):
                w = np.int64(unit_draws[i])
                flat[(r0 + 1 + i) * n_lanes + g] |= (
                    np.uint64((w >= w_lo) & (w < w_hi)) << shift
                )


@njit(cache=True, nogil=True)
def tabular_continuous_kernel(bits, X, xbin, tables, bins, n_samples, inv, des):
    """Perturb tabular rows with lime's ``discretize_continuous=False``.

    A continuous feature ``j`` is drawn as ``center[j] + scale[j] * z`` with
    ``z`` standard normal (the inverse CDF of the draw) and enters the design
    as ``z``; the instance's design value is ``(x - center) / scale``. A
    categorical feature is drawn over its values exactly as in
    :func:`tabular_binned_kernel` and enters the design as 0/1. Parameters
    are those of :func:`tabular_binned_kernel` with ``tables`` a
    :class:`ContinuousTables` instead of the cell tables; ``des`` is float64.
    """
    n_units, d = X.shape
    is_cat, center, scale = tables.is_cat, tables.center, tables.scale
    frac_bits = cell_split(tables.cells.shape[1])[0]
    m1 = n_samples - 1
    for q in range(n_units):
        r0 = q * n_samples
        for j in range(d):
            inv[r0, j] = X[q, j]
            des[r0, j] = 1.0 if is_cat[j] else (X[q, j] - center[j]) / scale[j]
            xb = xbin[q, j]
            table = tables.cells[j]
            draws = bits[q, j * m1 : (j + 1) * m1]
            values = inv[r0 + 1 : r0 + n_samples, j]
            design = des[r0 + 1 : r0 + n_samples, j]
            for i in range(m1):
                draw = draws[i]
                if is_cat[j]:
                    e = draw >> frac_bits
                    b = np.int64(table[e, 3])
                    if b >= 0:
                        value = table[e, 0]
                    else:
                        b, value = _exact_value(draw, j, bins)
                    values[i] = value
                    design[i] = 1.0 if b == xb else 0.0
                else:
                    z = ndtri((draw + 0.5) * _U16_SCALE)
                    values[i] = center[j] + scale[j] * z
                    design[i] = z


@njit(cache=True, nogil=True)
def text_mask_kernel(bits, n_words, n_samples, des):
    """lime's text perturbation: drop a uniform number of distinct words.

    Sample ``i >= 1`` of unit ``q`` reads ``n_words`` draws from
    ``bits[q, (i - 1) * n_words:]``: the first gives the number of words to
    remove, ``s`` uniform in ``1..n_words``; the next ``s - 1`` drive a
    partial Fisher-Yates shuffle whose first ``s`` entries are removed.

    Parameters
    ----------
    bits : ndarray of shape (n_units, (n_samples - 1) * n_words), uint32
    n_words : int
        Number of distinct words of the document (the design width).
    n_samples : int
    des : ndarray of shape (n_units * n_samples, n_words), uint8
        Output: 1 where the word is kept.
    """
    n_units = bits.shape[0]
    perm = np.empty(n_words, dtype=np.int64)
    for q in range(n_units):
        r0 = q * n_samples
        for j in range(n_words):
            des[r0, j] = 1
        for i in range(1, n_samples):
            r = r0 + i
            k = (i - 1) * n_words
            for j in range(n_words):
                des[r, j] = 1
                perm[j] = j
            size = 1 + int(((bits[q, k] + 0.5) * _U_SCALE) * n_words)
            size = min(size, n_words)
            for t in range(size):
                if t < n_words - 1:
                    pick = t + int(
                        ((bits[q, k + 1 + t] + 0.5) * _U_SCALE) * (n_words - t)
                    )
                    pick = min(pick, n_words - 1)
                    tmp = perm[t]
                    perm[t] = perm[pick]
                    perm[pick] = tmp
                des[r, perm[t]] = 0


@njit(cache=True, nogil=True)
def bernoulli_mask_kernel(bits, n_samples, des):
    """lime's image perturbation: keep each component with probability 1/2.

    ``des[q * n_samples + i, j]`` is the top bit of
    ``bits[q, (i - 1) * n_components + j]``; the first row of each unit is
    all ones.
    """
    n_units = bits.shape[0]
    d = des.shape[1]
    for q in range(n_units):
        r0 = q * n_samples
        for j in range(d):
            des[r0, j] = 1
        k = 0
        for i in range(1, n_samples):
            for j in range(d):
                des[r0 + i, j] = bits[q, k] >> 31
                k += 1


@njit(cache=True, nogil=True)
def image_kernel(des, X, hidden, component, n_samples, out):
    """Compose perturbed images: pixel ``p`` shows ``X`` where its component is on.

    Parameters
    ----------
    des : ndarray of shape (n_units * n_samples, n_components), uint8
    X, hidden : ndarray of shape (n_units, n_pixels), float64
        The instance and its replacement values (lime's "fudged" image).
    component : ndarray of shape (n_pixels,), int64
        Component (segment or patch) of each flattened pixel value.
    n_samples : int
    out : ndarray of shape (n_units * n_samples, n_pixels), float64
    """
    n_units, n_pixels = X.shape
    for q in range(n_units):
        for i in range(n_samples):
            r = q * n_samples + i
            for p in range(n_pixels):
                out[r, p] = X[q, p] if des[r, component[p]] else hidden[q, p]


@intrinsic
def _popcount(typingctx, x):
    """Number of set bits of a uint64 (LLVM's ``ctpop``)."""
    if x != types.uint64:
        return None

    def codegen(context, builder, signature, args):
        return builder.ctpop(args[0])

    return types.uint64(types.uint64), codegen


@intrinsic
def _count_trailing_zeros(typingctx, x):
    """Number of trailing zero bits of a non-zero uint64 (LLVM's ``cttz``)."""
    if x != types.uint64:
        return None

    def codegen(context, builder, signature, args):
        return builder.cttz(args[0], ir.Constant(ir.IntType(1), 1))

    return types.uint64(types.uint64), codegen


@njit(cache=True, nogil=True)
def _cttz(x):
    """Index of the lowest set bit of a non-zero uint64."""
    return _count_trailing_zeros(x)


@njit(cache=True, nogil=True)
def pack_design(des, masks):
    """Pack a 0/1 design into bit masks.

    Bit ``j % 64`` of ``masks[r, j // 64]`` is set where ``des[r, j]`` is
    non-zero.
    """
    d = des.shape[1]
    for r in range(des.shape[0]):
        row = des[r]
        for g in range(masks.shape[1]):
            acc = np.uint64(0)
            for j in range(g * 64, min(d, g * 64 + 64)):
                acc |= np.uint64(row[j] != 0) << np.uint64(j - g * 64)
            masks[r, g] = acc


@njit(cache=True, nogil=True)
def _binary_gram_sparse(rows, w, G, idx):
    """``G += sum_i w[i] z_i z_i^T`` (upper triangle) over packed 0/1 rows.

    Visits the pairs of ones of every row: about ``sum_i m_i**2 / 2``
    updates for rows with ``m_i`` ones.
    """
    for i in range(rows.shape[0]):
        m = 0
        for g in range(rows.shape[1]):
            x = rows[i, g]
            while x:
                idx[m] = 64 * g + np.int64(_cttz(x))
                m += 1
                x &= x - np.uint64(1)
        wi = w[i]
        for a in range(m):
            ja = idx[a]
            for c in range(a, m):
                G[ja, idx[c]] += wi


@njit(cache=True, nogil=True)
def _transpose64(a):
    """Transpose the 64 x 64 bit matrix ``a`` in place (bit c of ``a[r]`` is
    entry (r, c)), by swapping ever smaller blocks (Hacker's Delight 7-3,
    least significant bit first)."""
    j = 32
    mask = np.uint64(0x00000000FFFFFFFF)
    while j != 0:
        sj = np.uint64(j)
        k = 0
        while k < 64:
            t = ((a[k] >> sj) ^ a[k + j]) & mask
            a[k] ^= t << sj
            a[k + j] ^= t
            k = (k + j + 1) & ~j
        j >>= 1
        mask ^= mask << np.uint64(j)


@njit(cache=True, nogil=True)
def _binary_gram_bitset(masks, ones, n_columns, level_w, G):
    """``G += sum_i w_i z_i z_i^T`` (upper triangle) when ``w_i = level_w[ones[i]]``.

    The weight of a 0/1 row depends only on its number of ones (``ones``),
    so the rows (as bit masks, see :func:`pack_design`) are counting-sorted
    by it and every column becomes a bitset over the sorted rows (64 x 64
    bit transposes); ``G[j, c]`` is then the sum over levels of
    ``level_w`` times the number of common bits of columns ``j`` and ``c``
    within the level's rows (exact integer counts). About
    ``n_columns**2 / 2 * (n_rows / 64 + levels)`` uint64 operations.
    """
    n_rows, n_groups = masks.shape
    d = n_columns
    n_levels = level_w.shape[0]
    start = np.zeros(n_levels + 1, dtype=np.int64)
    for i in range(n_rows):
        start[ones[i] + 1] += 1
    for m in range(n_levels):
        start[m + 1] += start[m]
    n_blocks = (n_rows + 63) // 64  # uint64 blocks of a column bitset
    ordered = np.zeros((n_blocks * 64, n_groups), dtype=np.uint64)
    pos = start[:n_levels].copy()
    for i in range(n_rows):
        p = pos[ones[i]]
        pos[ones[i]] += 1
        for g in range(n_groups):
            ordered[p, g] = masks[i, g]
    bits = np.empty((d, n_blocks), dtype=np.uint64)
    tile = np.empty(64, dtype=np.uint64)
    for g in range(n_groups):
        width = min(64, d - 64 * g)
        for t in range(n_blocks):
            for r in range(64):
                tile[r] = ordered[t * 64 + r, g]
            _transpose64(tile)
            for c in range(width):
                bits[64 * g + c, t] = tile[c]
    # pieces (block, mask): the blocks cut at the level boundaries; the pieces
    # of level m are level_start[m] to level_start[m + 1] - 1
    n_pieces = 0
    piece_block = np.empty(n_blocks + n_levels, dtype=np.int64)
    piece_mask = np.empty(n_blocks + n_levels, dtype=np.uint64)
    level_start = np.zeros(n_levels + 1, dtype=np.int64)
    full = np.uint64(0xFFFFFFFFFFFFFFFF)
    one = np.uint64(1)
    for m in range(1, n_levels):  # rows without ones add nothing to G
        level_start[m] = n_pieces
        a = start[m]
        b = start[m + 1]
        while a < b:
            blk = a >> 6
            hi = min(b, (blk + 1) << 6)
            span = hi - a
            mask = full if span == 64 else (one << np.uint64(span)) - one
            piece_block[n_pieces] = blk
            piece_mask[n_pieces] = mask << np.uint64(a & 63)
            n_pieces += 1
            a = hi
    level_start[n_levels] = n_pieces
    piece_w = np.zeros(n_pieces + 3)
    for m in range(1, n_levels):
        piece_w[level_start[m] : level_start[m + 1]] = level_w[m]
    # the columns cut into pieces (padded to a multiple of 4 with zeros), so
    # that the pair loop reads contiguously
    n_padded = (n_pieces + 3) // 4 * 4
    cut = np.zeros((d, n_padded), dtype=np.uint64)
    for j in range(d):
        for t in range(n_pieces):
            cut[j, t] = bits[j, piece_block[t]] & piece_mask[t]
    for j in range(d):
        bj = cut[j]
        for c in range(j, d):
            bc = cut[c]
            acc0 = 0.0  # four sums: no wait on one chain of additions
            acc1 = 0.0
            acc2 = 0.0
            acc3 = 0.0
            for t in range(0, n_padded, 4):
                acc0 += piece_w[t] * np.int64(_popcount(bj[t] & bc[t]))
                acc1 += piece_w[t + 1] * np.int64(_popcount(bj[t + 1] & bc[t + 1]))
                acc2 += piece_w[t + 2] * np.int64(_popcount(bj[t + 2] & bc[t + 2]))
                acc3 += piece_w[t + 3] * np.int64(_popcount(bj[t + 3] & bc[t + 3]))
            G[j, c] += (acc0 + acc1) + (acc2 + acc3)


@njit(cache=True, nogil=True)
def _solve(A, b):
    """Solve ``A x = b`` for symmetric positive semi-definite ``A`` (Cholesky).

    Pivots below ``1e-12`` times the largest diagonal entry drop their
    variable (coefficient 0), which gives the least-squares fit for
    collinear or constant columns.
    """
    n = A.shape[0]
    L = np.zeros((n, n))
    keep = np.ones(n, dtype=np.bool_)
    tol = 0.0
    for i in range(n):
        tol = max(tol, A[i, i])
    tol *= 1e-12
    for j in range(n):
        s = A[j, j]
        for t in range(j):
            s -= L[j, t] * L[j, t]
        if s <= tol:
            keep[j] = False
            continue
        L[j, j] = math.sqrt(s)
        for i in range(j + 1, n):
            s2 = A[i, j]
            for t in range(j):
                s2 -= L[i, t] * L[j, t]
            L[i, j] = s2 / L[j, j]
    z = np.zeros(n)
    for i in range(n):
        if keep[i]:
            s = b[i]
            for t in range(i):
                s -= L[i, t] * z[t]
            z[i] = s / L[i, i]
    x = np.zeros(n)
    for i in range(n - 1, -1, -1):
        if keep[i]:
            s = z[i]
            for t in range(i + 1, n):
                s -= L[t, i] * x[t]
            x[i] = s / L[i, i]
    return x


@njit(cache=True, nogil=True)
def _fit(G, bvec, yy, used, m, alpha):
    """Weighted ridge on the features ``used[:m]`` from centred statistics.

    Returns the coefficients and the weighted residual sum of squares.
    """
    A = np.empty((m, m))
    rhs = np.empty(m)
    for a in range(m):
        rhs[a] = bvec[used[a]]
        for c in range(m):
            A[a, c] = G[used[a], used[c]]
    for a in range(m):
        A[a, a] += alpha
    coef = _solve(A, rhs)
    ss_res = yy
    for a in range(m):
        ss_res -= 2.0 * coef[a] * rhs[a]
        for c in range(m):
            ss_res += coef[a] * G[used[a], used[c]] * coef[c]
    return coef, ss_res


@njit(cache=True, nogil=True)
def _top(score, k):
    """Indices of the ``k`` largest scores, largest first; ties by lower index."""
    n = score.shape[0]
    taken = np.zeros(n, dtype=np.bool_)
    out = np.empty(k, dtype=np.int64)
    for a in range(k):
        best = -1
        for j in range(n):
            if not taken[j] and (best < 0 or score[j] > score[best]):
                best = j
        out[a] = best
        taken[best] = True
    return out


@njit(cache=True, nogil=True)
def _r2(ss_res, yy):
    if yy > 0.0:
        return 1.0 - ss_res / yy
    return 1.0 if ss_res <= 0.0 else 0.0


@njit(cache=True, nogil=True)
def _fit_unit(q, G, sz, bz, moments, z0, fit, out):
    """Centre the weighted sums of unit ``q``, select features, fit, write out.

    ``G`` holds ``sum w z z^T`` in its upper triangle, ``sz`` ``sum w z``,
    ``bz`` ``sum w z y``; ``moments`` is ``(sum w, sum w y, sum w (y -
    ybar)**2)``; ``fit`` a :class:`FitSettings`, ``out`` the
    :class:`Surrogates` that row ``q`` is written to.
    """
    sw, swy, yy = moments
    n_keep = fit.n_keep
    d = G.shape[0]
    ybar = swy / sw
    # centre: bz <- sum w z (y - ybar), G <- sum w (z - zbar)(z - zbar)^T
    for j in range(d):
        bz[j] -= ybar * sz[j]
        for c in range(j, d):
            g = G[j, c] - sz[j] * sz[c] / sw
            G[j, c] = g
            G[c, j] = g
    used = _select(G, bz, yy, z0, fit.selection, n_keep)
    coef, ss_res = _fit(G, bz, yy, used, used.shape[0], 1.0)
    b0 = ybar
    for a in range(used.shape[0]):
        b0 -= coef[a] * sz[used[a]] / sw
    out.intercept[q] = b0
    # ss_res comes from the normal equations, so a near-exact fit can round
    # below 0; a ridge with intercept never fits worse than its mean
    out.score[q] = min(1.0, max(0.0, _r2(ss_res, yy)))
    order = _top(np.abs(coef), n_keep)
    for a in range(n_keep):
        out.features[q, a] = used[order[a]]
        out.weights[q, a] = coef[order[a]]


@njit(cache=True, nogil=True)
def _select(G, bz, yy, z0, selection, n_keep):
    """lime's feature selection on centred sums: the indices of the used features."""
    d = G.shape[0]
    if selection == SELECT_HIGHEST_WEIGHTS:
        every = np.arange(d)
        coef_all, _ = _fit(G, bz, yy, every, d, 0.01)
        rank = np.empty(d)
        for j in range(d):
            rank[j] = abs(coef_all[j] * z0[j])
        return _top(rank, n_keep)
    if selection == SELECT_NONE:
        return np.arange(d)
    used = np.empty(n_keep, dtype=np.int64)
    taken = np.zeros(d, dtype=np.bool_)
    for step in range(n_keep):
        best = 0
        best_score = -100000000.0
        for f in range(d):
            if taken[f]:
                continue
            used[step] = f
            _, ss = _fit(G, bz, yy, used, step + 1, 0.0)
            s = _r2(ss, yy)
            if s > best_score:
                best = f
                best_score = s
        used[step] = best
        taken[best] = True
    return used


@njit(cache=True, nogil=True)
def surrogate_kernel(des, binary, proba, labels, fit, out):
    """Fit lime's weighted ridge surrogate of every unit.

    For unit ``q`` with design rows ``Z`` (first row: the instance) and
    targets ``y = proba[rows, labels[q]]``: distances to the first row
    (Euclidean, or cosine distance with zero norms counted as 1, as
    scikit-learn does) times ``distance_scale``; kernel weights
    ``sqrt(exp(-d**2 / kernel_width**2))``; then lime's feature selection
    (``selection``: 0 highest weights, a ridge with alpha 0.01 on all
    features ranked by ``|coef * Z[0]|``; 1 none, all features; 2 forward
    selection with unregularised least squares and weighted R^2) and the
    final ridge with alpha 1 on the selected features. The fit only needs
    the weighted sums ``sum w``, ``sum w y``, ``sum w z``, ``sum w z y`` and
    ``sum w z z^T``. A binary design is packed into bit masks and handed to
    :func:`binary_surrogate_kernel`.

    Parameters
    ----------
    des : ndarray of shape (n_units * n_samples, n_columns), uint8 or float64
    binary : bool
        The design is 0/1 with an all-ones first row, so that a sample's
        distance depends only on its number of ones (weights are tabulated).
    proba : ndarray of shape (n_units * n_samples, n_classes), float64
    labels : ndarray of shape (n_units,), int64
        Explained class index of each unit.
    fit : FitSettings
        Samples per unit, metric, distance scale, kernel width, selection
        and the number of features kept (k, at most ``n_columns``).
    out : Surrogates
        Output (see :func:`empty_surrogates`): per unit, the kept features
        by decreasing absolute weight (ties keep the selection order), their
        surrogate coefficients, the intercept and the weighted R^2, in
        [0, 1] (1 for a constant target, which the surrogate fits exactly).
    """
    d = des.shape[1]
    if binary:
        masks = np.empty((des.shape[0], (d + 63) // 64), dtype=np.uint64)
        pack_design(des, masks)
        binary_surrogate_kernel(masks, d, proba, labels, fit, out)
        return
    n_samples = fit.n_samples
    G = np.empty((d, d))
    sz = np.empty(d)
    bz = np.empty(d)
    z0 = np.empty(d)
    w = np.empty(n_samples)
    for q in range(labels.shape[0]):
        r0 = q * n_samples
        label = labels[q]
        for j in range(d):
            z0[j] = des[r0, j]
        _sample_weights(des[r0 : r0 + n_samples], z0, fit, w)
        # the targets relative to the instance's: a locally constant model
        # gives exact zeros, so no rounding of the sums is mistaken for signal
        y = proba[r0 : r0 + n_samples, label] - proba[r0, label]
        moments = _dense_sums(des[r0 : r0 + n_samples], w, y, G, sz, bz)
        _fit_unit(q, G, sz, bz, moments, z0, fit, out)
        out.intercept[q] += proba[r0, label]


@njit(cache=True, nogil=True)
def _sample_weights(rows, z0, fit, w):
    """lime's kernel weight of every row by its distance to ``z0``."""
    d = rows.shape[1]
    norm0 = 0.0
    for j in range(d):
        norm0 += z0[j] * z0[j]
    norm0 = math.sqrt(norm0) if norm0 > 0.0 else 1.0
    inv_kw2 = 1.0 / (fit.kernel_width * fit.kernel_width)
    for i in range(rows.shape[0]):
        row = rows[i]
        acc = 0.0
        norm = 0.0
        for j in range(d):
            zj = row[j]
            if fit.metric == METRIC_EUCLIDEAN:
                diff = zj - z0[j]
                acc += diff * diff
            else:
                acc += zj * z0[j]
                norm += zj * zj
        if fit.metric == METRIC_EUCLIDEAN:
            dist = math.sqrt(acc) * fit.distance_scale
        else:
            norm = math.sqrt(norm) if norm > 0.0 else 1.0
            dist = (1.0 - acc / (norm * norm0)) * fit.distance_scale
        w[i] = math.sqrt(math.exp(-(dist * dist) * inv_kw2))


@njit(cache=True, nogil=True)
def _dense_sums(rows, w, y, G, sz, bz):
    """The weighted sums of a dense design: ``G``, ``sz``, ``bz`` (overwritten,
    over the non-zeros of each row) and the moments ``(sw, swy, yy)``."""
    d = rows.shape[1]
    idx = np.empty(d, dtype=np.int64)
    val = np.empty(d)
    for j in range(d):
        sz[j] = 0.0
        bz[j] = 0.0
        for c in range(d):
            G[j, c] = 0.0
    sw = 0.0
    swy = 0.0
    for i in range(rows.shape[0]):
        row = rows[i]
        m = 0
        for j in range(d):
            zj = row[j]
            idx[m] = j
            val[m] = zj
            m += zj != 0
        wi = w[i]
        sw += wi
        swy += wi * y[i]
        for a in range(m):
            ja = idx[a]
            wa = wi * val[a]
            sz[ja] += wa
            bz[ja] += wa * y[i]
            for c in range(a, m):
                G[ja, idx[c]] += wa * val[c]
    return sw, swy, _centred_square_sum(w, y, swy / sw)


@njit(cache=True, nogil=True)
def _centred_square_sum(w, y, ybar):
    """``sum w (y - ybar)**2``."""
    yy = 0.0
    for i in range(y.shape[0]):
        yc = y[i] - ybar
        yy += w[i] * yc * yc
    return yy


@njit(cache=True, nogil=True)
def binary_surrogate_kernel(masks, n_columns, proba, labels, fit, out):
    """:func:`surrogate_kernel` for a 0/1 design packed into bit masks.

    The first row of every unit is all ones (the instance), so a sample's
    distance, hence its weight, depends only on its number of ones ``m``
    (tabulated: Euclidean ``sqrt(d - m)``, cosine ``1 - sqrt(m / d)``).
    ``sum w z z^T`` is summed over the pairs of ones of every row
    (:func:`_binary_gram_sparse`) or over bitsets of the columns
    (:func:`_binary_gram_bitset`), whichever takes fewer operations.

    Parameters
    ----------
    masks : ndarray of shape (n_units * n_samples, ceil(n_columns / 64)), uint64
        The design rows as bit masks (see :func:`pack_design`).
    n_columns : int
        Width of the design (``d``).

    The other parameters are those of :func:`surrogate_kernel`.
    """
    n_units = labels.shape[0]
    wtab = binary_weights(n_columns, fit)
    w = np.empty(n_units * fit.n_samples)
    gram = np.empty((n_units, n_columns, n_columns))
    binary_gram_kernel(masks, n_columns, fit.n_samples, wtab, w, gram)
    binary_fit_kernel(masks, n_columns, w, gram, proba, labels, fit, out)


@njit(cache=True, nogil=True)
def binary_weights(n_columns, fit):
    """Kernel weight of a 0/1 sample by its number of ones ``m`` (0 to d).

    The instance's row is all ones: Euclidean distance ``sqrt(d - m)``,
    cosine distance ``1 - sqrt(m / d)`` (1 for ``m = 0``), times
    ``fit.distance_scale``; weight ``sqrt(exp(-dist**2 / kernel_width**2))``.
    """
    d = n_columns
    wtab = np.empty(d + 1)
    inv_kw2 = 1.0 / (fit.kernel_width * fit.kernel_width)
    for m in range(d + 1):
        if fit.metric == METRIC_EUCLIDEAN:
            dist = math.sqrt(d - m) * fit.distance_scale
        elif m == 0:
            dist = fit.distance_scale
        else:
            dist = (1.0 - math.sqrt(m / d)) * fit.distance_scale
        wtab[m] = math.sqrt(math.exp(-(dist * dist) * inv_kw2))
    return wtab

@njit(cache=True, nogil=True)
def binary_gram_kernel(masks, n_columns, n_samples, wtab, w, gram):
    """The target-free part of :func:`binary_surrogate_kernel`.

    Writes every sample's weight ``w[r] = wtab[ones of row r]`` and every
    unit's ``gram[q] = sum w z z^T`` (upper triangle; the lower one is
    left as is), by pairs of ones or column bitsets, whichever is cheaper.
    It does not need the model's output, so it can run while the model
    predicts another chunk.
    """
    d = n_columns
    n_lanes = masks.shape[1]
    n_units = masks.shape[0] // n_samples
    ones = np.empty(n_samples, dtype=np.int64)
    idx = np.empty(d, dtype=np.int64)
    n_blocks = (n_samples + 63) // 64  # uint64 blocks of a column bitset
    for q in range(n_units):
        r0 = q * n_samples
        G = gram[q]
        for j in range(d):
            for c in range(j, d):
                G[j, c] = 0.0
        cost_sparse = 0
        n_levels = 0
        for i in range(n_samples):
            m = 0
            for g in range(n_lanes):
                m += np.int64(_popcount(masks[r0 + i, g]))
            ones[i] = m
            n_levels = max(n_levels, m + 1)
            cost_sparse += m * (m + 1)
            w[r0 + i] = wtab[m]
        cost_bitset = d * (d + 1) * (n_blocks + n_levels) + 64 * n_blocks * n_lanes
        rows = masks[r0 : r0 + n_samples]
        if cost_bitset < cost_sparse:
            _binary_gram_bitset(rows, ones, d, wtab[:n_levels], G)
        else:
            _binary_gram_sparse(rows, w[r0 : r0 + n_samples], G, idx)


@njit(cache=True, nogil=True)
def binary_fit_kernel(masks, n_columns, w, gram, proba, labels, fit, out):
    """The rest of :func:`binary_surrogate_kernel` after
    :func:`binary_gram_kernel`: the sums with the target, selection and fit.
    ``gram`` is overwritten (centred)."""
    n_samples = fit.n_samples
    d = n_columns
    sz = np.empty(d)
    bz = np.empty(d)
    z0 = np.ones(d)
    for q in range(labels.shape[0]):
        r0 = q * n_samples
        label = labels[q]
        G = gram[q]
        for j in range(d):
            sz[j] = G[j, j]  # sum w z = sum w z**2 for a 0/1 z
        # targets relative to the instance's, as in surrogate_kernel
        y = proba[r0 : r0 + n_samples, label] - proba[r0, label]
        rows = masks[r0 : r0 + n_samples]
        moments = _binary_target_sums(rows, d, w[r0 : r0 + n_samples], y, bz)
        _fit_unit(q, G, sz, bz, moments, z0, fit, out)
        out.intercept[q] += proba[r0, label]


@njit(cache=True, nogil=True)
def _binary_target_sums(rows, d, w, y, bz):
    """``bz = sum w z y`` (overwritten) over packed 0/1 rows and the moments
    ``(sw, swy, yy)``."""
    for j in range(d):
        bz[j] = 0.0
    sw = 0.0
    swy = 0.0
    for i in range(rows.shape[0]):
        wi = w[i]
        wy = wi * y[i]
        sw += wi
        swy += wy
        for g in range(rows.shape[1]):
            x = np.int64(rows[i, g])  # branch-free, vectorised over the bits
            base = 64 * g
            for t in range(min(64, d - base)):
                bz[base + t] += wy * np.float64((x >> t) & 1)
    return sw, swy, _centred_square_sum(w, y, swy / sw)
