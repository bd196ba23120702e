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
from scipy.special import ndtri as _ndtri_exact

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
        n, d = X.shape
        is_cat = np.zeros(d, dtype=bool)
        is_cat[np.asarray(list(categorical), dtype=np.intp)] = True
        self.is_cat = is_cat
        self.discretize = bool(discretize)
        self.thresholds = [None] * d
        self.values = [None] * d
        self.center = X.mean(axis=0)
        scale = X.std(axis=0)
        scale[scale == 0] = 1.0
        self.scale = scale
        bins = []
        for j in range(d):
            col = X[:, j]
            if is_cat[j]:
                vals, counts = np.unique(col, return_counts=True)
                self.values[j] = vals
                bins.append((counts / n, vals, np.zeros(len(vals)), vals, vals))
            elif discretize:
                qts = np.unique(np.percentile(col, [25, 50, 75]))
                self.thresholds[j] = qts
                idx = np.searchsorted(qts, col)
                counts = np.bincount(idx, minlength=len(qts) + 1)
                means = np.array(
                    [
                        col[idx == b].mean() if counts[b] else 0.0
                        for b in range(len(counts))
                    ]
                )
                stds = np.array(
                    [
                        col[idx == b].std() if counts[b] else 0.0
                        for b in range(len(counts))
                    ]
                )
                stds = np.where(stds > 0, stds + 1e-11, 0.0)
                lo = np.concatenate([[col.min()], qts])
                hi = np.concatenate([qts, [col.max()]])
                bins.append((counts / n, means, stds, lo, hi))
            else:
                bins.append(
                    (np.ones(1), np.zeros(1), np.zeros(1), np.zeros(1), np.zeros(1))
                )
        n_bins = max(len(b[0]) for b in bins)
        shape = (d, n_bins)
        p = np.zeros(shape)
        mean, std, lo, hi = (np.zeros(shape) for _ in range(4))
        for j, (pj, mj, sj, lj, hj) in enumerate(bins):
            m = len(pj)
            p[j, :m], mean[j, :m], std[j, :m], lo[j, :m], hi[j, :m] = pj, mj, sj, lj, hj
        cum = np.cumsum(p, axis=1)
        for j in range(d):
            last = np.flatnonzero(p[j])[-1]
            cum[j, last:] = 1.0
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

    def quantile(self, j, b, v):
        """Exact ``Q_b(v)`` of feature ``j`` (scipy's ``ndtri``)."""
        B = self.bins
        if B.pspan[j, b] == 0:
            return np.full(np.shape(v), B.mean[j, b])
        z = B.sgn[j, b] * _ndtri_exact(B.plo[j, b] + np.asarray(v) * B.pspan[j, b])
        return np.clip(B.mean[j, b] + B.std[j, b] * z, B.lo[j, b], B.hi[j, b])

    def _cells(self, p, point, is_cat):
        """The cell table: quadratic coefficients and bin of the fast cells.

        Fast cells are those inside one bin where the quadratic is accurate.

        A cell of a point-mass bin is fast when it lies inside the bin. A
        cell of a truncated-normal bin is fast when it lies inside the bin
        and the quadratic through ``Q_b`` at its ends and middle is within
        ``CELL_TOLERANCE`` bin standard deviations of ``Q_b`` at eight
        interior points; the others (cells across bin boundaries, and the
        cells where a far truncation makes ``Q_b`` steep) are exact.
        """
        d = p.shape[0]
        # 2**10 cells per feature while the table stays within about 1 MB
        cell_bits = int(np.clip(np.floor(np.log2(2**20 / (32 * d))), 7, 10))
        n_cells = 1 << cell_bits
        start = np.arange(n_cells) / n_cells
        stop = np.arange(1, n_cells + 1) / n_cells
        checks = (np.arange(8) + 0.5) / 8
        cells = np.zeros((d, n_cells, 4))
        cells[:, :, 3] = -1.0
        B = self.bins
        cum, cumlo, invp = B.cum, B.cumlo, B.invp
        for j in range(d):
            if not (self.discretize or is_cat[j]):
                continue
            b = (start[:, None] >= cum[j, None, :-1]).sum(axis=1)
            inside = (cumlo[j, b] <= start) & (stop <= cum[j, b]) & (p[j, b] > 0)
            for bb in np.unique(b[inside]):
                es = np.flatnonzero(inside & (b == bb))
                if point[j, bb]:
                    cells[j, es, 0] = B.mean[j, bb]
                    cells[j, es, 3] = bb
                    continue
                vs = (start[es] - cumlo[j, bb]) * invp[j, bb]
                ve = (stop[es] - cumlo[j, bb]) * invp[j, bb]
                span = (ve - vs)[:, None]
                qa, qm, qe = (
                    self.quantile(j, bb, vs + f * (ve - vs)) for f in (0.0, 0.5, 1.0)
                )
                c1 = -3 * qa + 4 * qm - qe
                c2 = 2 * qa - 4 * qm + 2 * qe
                exact = self.quantile(j, bb, vs[:, None] + checks * span)
                approx = qa[:, None] + checks * (c1[:, None] + checks * c2[:, None])
                error = np.abs(approx - exact).max(axis=1)
                good = error <= CELL_TOLERANCE * B.std[j, bb]
                cells[j, es[good], :3] = np.stack([qa, c1, c2], axis=1)[good]
                cells[j, es[good], 3] = bb
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
        for j in range(d):
            for slot, e in enumerate(np.flatnonzero(slow[j])[:n_slots]):
                draws = (e << frac_bits) + np.arange(width, dtype=np.int64)
                _kernels.exact_draws(
                    draws, j, self.bins, exact[j, slot * width : (slot + 1) * width]
                )
                cells[j, e, 0] = slot
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
