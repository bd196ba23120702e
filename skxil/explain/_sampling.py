"""Samplers of the fast LIME explainer: lime's perturbations, batched.

A sampler knows one kind of input (tabular rows, documents, images). It turns
the explained instances of a chunk of *units* (one unit = one row explained
once) and their random draws into the model input of all their perturbed
samples and the interpretable design the surrogates are fitted on, by calling
the kernels of :mod:`._kernels`.
"""

import math
from itertools import compress

import numpy as np
from scipy.special import ndtr

from ..utils._columns import ColumnValues
from . import _kernels
from ._kernels import BinParams, CellTables, ContinuousTables
from ._utils import dense_float, split_document


class PackedDesign:
    """A 0/1 interpretable design stored as bit masks (see ``pack_design``).

    ``masks[r, j // 64]`` holds bit ``j % 64`` of row ``r``;
    ``np.asarray`` gives the uint8 design.
    """

    def __init__(self, masks, n_columns):
        self.masks = masks
        self.n_columns = int(n_columns)
        self.shape = (masks.shape[0], self.n_columns)
        # filled by the explainer: sample weights and per-unit sum w z z^T
        self.weights = None
        self.gram = None

    def gram_bytes(self, n_samples):
        """Memory of ``gram``: ``8 d**2`` bytes per unit of ``n_samples`` rows."""
        return 8 * self.n_columns**2 * (self.shape[0] // n_samples)

    @classmethod
    def pack(cls, des):
        masks = np.empty((des.shape[0], (des.shape[1] + 63) // 64), dtype=np.uint64)
        _kernels.pack_design(des, masks)
        return cls(masks, des.shape[1])

    def __array__(self, dtype=None, copy=None):
        des = unpack_design(self.masks, self.n_columns)
        return des if dtype is None else des.astype(dtype)


def unpack_design(masks, n_columns):
    """The uint8 design of bit masks (inverse of ``pack_design``)."""
    as_bytes = masks.astype("<u8").view(np.uint8).reshape(len(masks), -1)
    bits = np.unpackbits(as_bytes, axis=1, bitorder="little")
    return np.ascontiguousarray(bits[:, :n_columns])


def random_bits(seeds, n_draws, dtype):
    """Random draws of a chunk (``dtype``: uint16 or uint32): row ``u`` from
    unit ``u``'s own seed.

    One generator per unit (SFC64 seeded by SplitMix64, see
    :func:`._kernels.random_uint64`) makes a unit's samples independent of
    how units are chunked or split between jobs. ``n_draws`` is a list (one
    count per unit); units of equal count are returned as one 2-D array.
    """
    seeds = np.asarray(seeds, dtype=np.int64)
    per_block = 8 // np.dtype(dtype).itemsize  # draws per uint64 block
    if len(set(n_draws)) == 1:
        n = n_draws[0]
        raw = np.empty((len(seeds), -(-n // per_block)), dtype=np.uint64)
        _kernels.random_uint64(seeds, raw)
        return np.ascontiguousarray(raw.view(dtype)[:, :n])
    rows = []
    for seed, n in zip(seeds, n_draws):
        raw = np.empty((1, -(-n // per_block)), dtype=np.uint64)
        _kernels.random_uint64(np.array([seed], dtype=np.int64), raw)
        rows.append(raw[0].view(dtype)[:n])
    return rows


# ------------------------------------------------------------------ tabular

#: Largest error of a fast cell's quadratic at its check points, in bin
#: standard deviations.
CELL_TOLERANCE = 1e-4


class TabularTables:
    """lime's tabular sampling distribution, as the kernels' arrays.

    Every feature is described by *bins*: for a continuous feature with
    ``discretize=True``, the quartile bins of ``LimeTabularExplainer``
    (thresholds ``np.unique(np.percentile(x, [25, 50, 75]))``, bin
    ``searchsorted(thresholds, x)``), each with lime's truncated normal
    (mean and standard deviation of the training values in the bin plus
    1e-11, truncated to the bin's range, from the column minimum to the
    first threshold and so on to the column maximum); for a categorical
    feature, its values, each a point mass. A bin's probability is its share
    of the training rows. A bin whose training values are all equal is a
    point mass at that value (lime draws within about 1e-11 of it, or
    returns 0 when the bin's range is a single value, a bug for non-zero
    values).
    Continuous features with ``discretize=False`` get lime's Gaussian
    ``center + scale * N(0, 1)`` with the column mean and standard deviation
    (1 when it is 0) and one dummy bin.
    """

    def __init__(self, X, categorical=(), discretize=True):
        self._build(ColumnValues.from_rows(X), categorical, discretize)

    @classmethod
    def from_columns(cls, columns, categorical=(), discretize=True):
        """The tables of the rows that :class:`~skxil.utils._columns.ColumnValues`
        ``columns`` (float64) describes; equal to ``TabularTables(X)``."""
        tables = cls.__new__(cls)
        tables._build(columns, categorical, discretize)
        return tables

    def _build(self, columns, categorical, discretize):
        # Every statistic is a function of each column's sorted values and
        # counts, so that tables built from the same rows added in any order
        # are identical (FastLimeExplainer.partial_fit).
        self.columns = columns
        n, d = columns.n_rows, columns.n_columns
        is_cat = np.zeros(d, dtype=bool)
        is_cat[np.asarray(list(categorical), dtype=np.intp)] = True
        self.is_cat = is_cat
        self.discretize = bool(discretize)
        feature = columns.entry_columns()
        v, c = columns.values, columns.counts.astype(np.float64)
        self.center = np.bincount(feature, c * v, minlength=d) / n
        scale = np.sqrt(
            np.bincount(feature, c * (v - self.center[feature]) ** 2, minlength=d) / n
        )
        scale[scale == 0] = 1.0
        self.scale = scale
        binned = ~is_cat & self.discretize
        self.thresholds = [None] * d
        self.values = [None] * d
        quartiles = columns.percentiles([25, 50, 75]).T
        n_thresholds = np.zeros(d, dtype=np.intp)
        for j in np.flatnonzero(binned):
            self.thresholds[j] = np.unique(quartiles[j])
            n_thresholds[j] = self.thresholds[j].size
        n_values = np.diff(columns.indptr)
        n_bins = np.where(is_cat, n_values, np.where(binned, n_thresholds + 1, 1))
        shape = (d, int(n_bins.max()))
        p = np.zeros(shape)
        mean, std, lo, hi = (np.zeros(shape) for _ in range(4))
        p[~binned & ~is_cat, 0] = 1.0
        self._quartile_bins(binned, n_thresholds, (p, mean, std, lo, hi))
        for j in np.flatnonzero(is_cat):
            vals, counts = columns.column(j)
            self.values[j] = vals
            m = vals.size
            p[j, :m], mean[j, :m], lo[j, :m], hi[j, :m] = counts / n, vals, vals, vals
        cum = np.cumsum(p, axis=1)
        last = shape[1] - 1 - np.argmax(p[:, ::-1] > 0, axis=1)  # last used bin
        cum[np.arange(shape[1]) >= last[:, None]] = 1.0
        cumlo = np.zeros(shape)
        cumlo[:, 1:] = cum[:, :-1]
        invp = np.divide(1.0, p, out=np.zeros(shape), where=p > 0)
        point = (lo == hi) | (std == 0)  # std is 0 only when all values are equal
        with np.errstate(divide="ignore", invalid="ignore"):
            a = np.where(point, 0.0, (lo - mean) / np.where(point, 1.0, std))
            b = np.where(point, 0.0, (hi - mean) / np.where(point, 1.0, std))
        flip = a > 0
        sgn = np.where(flip, -1.0, 1.0)
        plo = np.where(flip, ndtr(-b), ndtr(a))
        pspan = np.where(flip, ndtr(-a), ndtr(b)) - plo
        pspan[point] = 0.0
        mean = np.where(point & (lo == hi) & (p > 0), lo, mean)
        self.p = p
        self.bins = BinParams(cum, cumlo, invp, plo, pspan, sgn, mean, std, lo, hi)
        self.cells = self._cells(p, point, is_cat)
        self.tabulate()
        self.continuous_tables = ContinuousTables(
            is_cat, self.center, self.scale, self.cells
        )

    def _quartile_bins(self, binned, n_thresholds, out):
        """Fill ``out = (p, mean, std, lo, hi)`` for the quartile-binned features.

        A value's bin is the number of thresholds below it (lime's
        ``searchsorted``); the bins' moments are weighted by the counts.
        """
        p, mean, std, lo, hi = out
        columns, n, d = self.columns, self.columns.n_rows, self.columns.n_columns
        thresholds = np.full((d, 3), np.inf)
        for j in np.flatnonzero(binned):
            thresholds[j, : n_thresholds[j]] = self.thresholds[j]
        feature = columns.entry_columns()
        v, c = columns.values, columns.counts.astype(np.float64)
        bin_id = feature * 4 + (v[:, None] > thresholds[feature]).sum(axis=1)
        counts = np.bincount(bin_id, c, minlength=4 * d)
        means = np.divide(
            np.bincount(bin_id, c * v, minlength=4 * d),
            counts,
            out=np.zeros(4 * d),
            where=counts > 0,
        )
        dev = np.bincount(bin_id, c * (v - means[bin_id]) ** 2, minlength=4 * d)
        stds = np.sqrt(np.divide(dev, counts, out=np.zeros(4 * d), where=counts > 0))
        stds = np.where(stds > 0, stds + 1e-11, 0.0)
        low, high, _ = columns.extremes()
        k = n_thresholds + 1  # bins of each feature
        w = min(4, p.shape[1])  # no feature has more bins than p has columns
        valid = (np.arange(w) < k[:, None]) & binned[:, None]
        edges = np.concatenate([low[:, None], thresholds, np.full((d, 1), np.inf)], axis=1)
        upper = edges[:, 1 : w + 1].copy()
        last = k[:, None] - 1 == np.arange(w)
        upper[last] = np.broadcast_to(high[:, None], upper.shape)[last]
        for target, source in (
            (p, counts.reshape(d, 4)[:, :w] / n),
            (mean, means.reshape(d, 4)[:, :w]),
            (std, stds.reshape(d, 4)[:, :w]),
            (lo, edges[:, :w]),
            (hi, upper),
        ):
            target[:, :w][valid] = source[valid]

    def quantile(self, j, b, v):
        """Exact ``Q_b(v)`` of feature ``j``; ``j``, ``b`` and ``v`` broadcast
        together. Evaluated in a numba kernel (the cell tables need a few
        hundred thousand values at ``fit``)."""
        j, b, v = np.broadcast_arrays(
            np.asarray(j, dtype=np.int64), np.asarray(b, dtype=np.int64),
            np.asarray(v, dtype=np.float64),
        )
        out = np.empty(v.shape)
        _kernels.bin_quantiles(
            j.ravel(), b.ravel(), np.ascontiguousarray(v).ravel(), self.bins,
            out.reshape(-1),
        )
        return out

    def _cells(self, p, point, is_cat):
        """The cell table: quadratic coefficients and bin of the fast cells.

        Fast cells are those inside one bin where the quadratic is accurate.

        A cell of a point-mass bin is fast when it lies inside the bin. A
        cell of a truncated-normal bin is fast when it lies inside the bin
        and the quadratic through ``Q_b`` at its ends and middle is within
        ``CELL_TOLERANCE`` bin standard deviations of ``Q_b`` at eight
        interior points; the others (cells across bin boundaries, and the
        cells where a far truncation makes ``Q_b`` steep) are exact. Computed
        by :func:`._kernels.cell_table_kernel`.
        """
        d = p.shape[0]
        # 2**10 cells per feature while the table stays within about 1 MB
        cell_bits = int(np.clip(np.floor(np.log2(2**20 / (32 * d))), 7, 10))
        n_cells = 1 << cell_bits
        cells = np.empty((d, n_cells, 4))
        eligible = self.discretize | is_cat
        _kernels.cell_table_kernel(eligible, point, self.bins, CELL_TOLERANCE, cells)
        return cells

    def tabulate(self, max_bytes=2**23):
        """The binned kernel's ``cell_tables`` (:class:`._kernels.CellTables`).

        ``coef`` and ``cell_bins`` are ``cells`` in the kernel's layout: the
        quadratic in the draw's fraction bits and the bins as integers.
        ``exact`` tabulates the slow cells: a cell has ``2**(16 - c)`` draws
        (64 with 1024 cells), so the slow cells (bin boundaries, steep tails;
        about 1% of the draws) are looked up instead of evaluated, with the
        kernel's own exact path; the slot of a slow cell goes to
        ``cells[j, e, 0]`` and ``coef[j, e, 0]``. Slow cells are tabulated
        only with ``discretize=True`` and within ``max_bytes`` (the others
        are evaluated when drawn).
        """
        cells = self.cells
        d, n_cells, _ = cells.shape
        frac_bits, frac_mask, frac_scale = _kernels.cell_split(n_cells)
        width = frac_mask + 1
        slow = cells[:, :, 3] < 0
        cells[:, :, 0][slow] = -1.0
        n_slots = int(slow.sum(axis=1).max()) if self.discretize else 0
        if n_slots * width * d * 16 > max_bytes:
            n_slots = max_bytes // (width * d * 16)
        exact = np.zeros((d, max(n_slots, 1) * width, 2))
        rank = np.cumsum(slow, axis=1) - 1  # slot of each slow cell
        tabulated = slow & (rank < n_slots)
        cells[:, :, 0][tabulated] = rank[tabulated]
        slot_cell = np.full((d, max(n_slots, 1)), -1, dtype=np.int64)
        j, e = np.nonzero(tabulated)
        slot_cell[j, rank[j, e]] = e
        _kernels.exact_table_kernel(slot_cell, frac_bits, self.bins, exact)
        # q0 + f q1 + f**2 q2 with f = (k + 0.5) s, as a polynomial in k
        q0, q1, q2 = cells[:, :, 0], cells[:, :, 1], cells[:, :, 2]
        sc = frac_scale
        coef = np.empty((d, n_cells, 3))
        coef[:, :, 0] = q0 + 0.5 * sc * q1 + 0.25 * sc * sc * q2
        coef[:, :, 1] = sc * q1 + sc * sc * q2
        coef[:, :, 2] = sc * sc * q2
        coef[slow] = 0.0
        coef[:, :, 0][slow] = cells[:, :, 0][slow]
        small = cells[:, :, 3].max() < 127  # int8 bins keep the table compact
        cell_bins = cells[:, :, 3].astype(np.int8 if small else np.int32)
        self.cell_tables = CellTables(coef, cell_bins, exact)

    def bins_of(self, X):
        """The bin of every value of ``X`` (-1: none, or a continuous feature)."""
        out = np.full(X.shape, -1, dtype=np.int64)
        for j in range(X.shape[1]):
            if self.thresholds[j] is not None:
                out[:, j] = np.searchsorted(self.thresholds[j], X[:, j])
            elif self.values[j] is not None:
                vals = self.values[j]
                pos = np.clip(np.searchsorted(vals, X[:, j]), 0, len(vals) - 1)
                out[:, j] = np.where(vals[pos] == X[:, j], pos, -1)
        return out


class TabularSampler:
    """Perturbs tabular rows as ``LimeTabularExplainer`` does."""

    metric = _kernels.METRIC_EUCLIDEAN
    distance_scale = 1.0
    draw_dtype = np.uint16

    def __init__(self, X, categorical=(), discretize=True):
        self.tables = TabularTables(X, categorical, discretize)
        self.n_features_in = X.shape[1]

    def add_rows(self, X):
        """A new sampler whose background data also holds the rows ``X``
        (float64, checked): equal to a sampler built on all the rows."""
        tables = self.tables
        sampler = TabularSampler.__new__(TabularSampler)
        sampler.tables = TabularTables.from_columns(
            tables.columns.add(X), np.flatnonzero(tables.is_cat), tables.discretize
        )
        sampler.n_features_in = self.n_features_in
        return sampler

    def default_kernel_width(self):
        return 0.75 * math.sqrt(self.n_features_in)

    def row_bytes(self, instance):
        """Memory of one perturbed sample: model input, design and bits."""
        return 11 * self.n_features_in

    def n_draws(self, instance, n_samples):
        return (n_samples - 1) * self.n_features_in

    def width(self, instance):
        return self.n_features_in

    def perturb(self, instances, seeds, n_samples):
        X = np.ascontiguousarray(instances, dtype=np.float64)
        seeds = np.asarray(seeds, dtype=np.int64)
        t = self.tables
        m, d = X.shape
        inv = np.empty((m * n_samples, d), order="F")
        xbin = t.bins_of(X)
        if t.discretize:
            masks = np.empty((m * n_samples, (d + 63) // 64), dtype=np.uint64)
            _kernels.tabular_binned_sample(
                seeds, X, xbin, t.cell_tables, t.bins, n_samples, inv, masks
            )
            des = PackedDesign(masks, d)
        else:
            des = np.empty((m * n_samples, d))
            bits = random_bits(seeds, [(n_samples - 1) * d] * m, self.draw_dtype)
            _kernels.tabular_continuous_kernel(
                bits, X, xbin, t.continuous_tables, t.bins, n_samples, inv, des
            )
        return inv, [(0, m, des)]


# --------------------------------------------------------------------- text


class TextSampler:
    """Removes words from documents as ``LimeTextExplainer`` (bag of words) does."""

    metric = _kernels.METRIC_COSINE
    distance_scale = 100.0
    draw_dtype = np.uint32

    def default_kernel_width(self):
        return 25.0

    def row_bytes(self, instance):
        pieces, _, words = instance
        return 64 + sum(len(p) for p in pieces) + 5 * len(words)

    @staticmethod
    def prepare(doc):
        return split_document(doc)

    def n_draws(self, instance, n_samples):
        return (n_samples - 1) * len(instance[2])

    def width(self, instance):
        return len(instance[2])

    def perturb(self, instances, seeds, n_samples):
        widths = [self.n_draws(inst, n_samples) for inst in instances]
        bits = random_bits(seeds, widths, self.draw_dtype)
        texts, groups = [], []
        start = 0
        while start < len(instances):
            stop = start
            while stop < len(instances) and instances[stop] is instances[start]:
                stop += 1
            pieces, piece_word, words = instances[start]
            d = len(words)
            des = np.empty(((stop - start) * n_samples, d), dtype=np.uint8)
            block = np.ascontiguousarray(np.stack(list(bits[start:stop])))
            if d:
                _kernels.text_mask_kernel(block, d, n_samples, des)
            keep = np.concatenate([des, np.ones((len(des), 1), dtype=np.uint8)], axis=1)
            keep = keep[:, piece_word].astype(bool)
            text = "".join(pieces)
            for u in range(stop - start):
                texts.append(text)
                rows = keep[u * n_samples + 1 : (u + 1) * n_samples].tolist()
                texts.extend("".join(compress(pieces, row)) for row in rows)
            groups.append((start, stop, PackedDesign.pack(des)))
            start = stop
        return texts, groups


# -------------------------------------------------------------------- image


class ImageSampler:
    """Switches image components off as ``LimeImageExplainer`` does.

    Components are the given segments or a grid of patches; a switched-off
    component shows ``hide_color``, or (``None``, lime's default) the mean of
    each channel over the component in the explained image.
    """

    metric = _kernels.METRIC_COSINE
    distance_scale = 1.0
    draw_dtype = np.uint32

    def __init__(self, shape, segments=None, patch_size=None, hide_color=None):
        shape = tuple(int(s) for s in shape)
        h, w = shape[:2]
        channels = shape[2] if len(shape) == 3 else 1
        if segments is not None:
            labels, comp = np.unique(np.asarray(segments), return_inverse=True)
            comp = comp.reshape(h, w)
            names = [f"segment {label}" for label in labels]
        else:
            if patch_size is None:
                ph, pw = -(-h // 8), -(-w // 8)
            elif np.ndim(patch_size) == 0:
                ph = pw = int(patch_size)
            else:
                ph, pw = (int(s) for s in patch_size)
            n_cols = -(-w // pw)
            rows, cols = np.indices((h, w))
            comp = (rows // ph) * n_cols + cols // pw
            names = []
            for r0 in range(0, h, ph):
                for c0 in range(0, w, pw):
                    names.append(
                        f"rows {r0}:{min(r0 + ph, h)}, cols {c0}:{min(c0 + pw, w)}"
                    )
        self.shape = shape
        self.channels = channels
        self.segments = comp.astype(np.int64)
        self.n_components = int(comp.max()) + 1
        self.component = np.repeat(self.segments.ravel(), channels)
        self.feature_names = names
        self.hide_color = hide_color

    def default_kernel_width(self):
        return 0.25

    def row_bytes(self, instance):
        return 8 * self.component.size + 5 * self.n_components

    def n_draws(self, instance, n_samples):
        return (n_samples - 1) * self.n_components

    def width(self, instance):
        return self.n_components

    def hidden(self, x):
        if self.hide_color is not None:
            return np.full(x.shape, float(self.hide_color))
        seg = self.segments.ravel()
        pixels = x.reshape(-1, self.channels)
        counts = np.bincount(seg, minlength=self.n_components)
        means = (
            np.stack(
                [
                    np.bincount(seg, weights=pixels[:, c], minlength=self.n_components)
                    for c in range(self.channels)
                ],
                axis=1,
            )
            / np.maximum(counts, 1)[:, None]
        )
        return means[seg].ravel()

    def perturb(self, instances, seeds, n_samples):
        X = np.ascontiguousarray(instances, dtype=np.float64)
        m = X.shape[0]
        bits = random_bits(seeds, [self.n_draws(None, n_samples)] * m, self.draw_dtype)
        hidden = np.stack([self.hidden(x) for x in X])
        des = np.empty((m * n_samples, self.n_components), dtype=np.uint8)
        _kernels.bernoulli_mask_kernel(np.ascontiguousarray(bits), n_samples, des)
        out = np.empty((m * n_samples, X.shape[1]))
        _kernels.image_kernel(des, X, hidden, self.component, n_samples, out)
        return out, [(0, m, PackedDesign.pack(des))]


def check_image_rows(X, shape):
    X = dense_float(X, "The image explainer")
    size = int(np.prod(shape))
    if X.shape[1] != size:
        raise ValueError(
            f"X has {X.shape[1]} features, but images of shape {tuple(shape)} "
            f"have {size} values per row."
        )
    return X
