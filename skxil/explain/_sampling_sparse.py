"""Sampler of the fast LIME explainer for sparse rows (e.g. vectorised text).

A sparse row is explained over its non-zero features only: a perturbed
sample switches a uniform number of them off (sets them to 0), exactly as
``LimeTextExplainer`` switches off words, so that a bag-of-words row is
explained by its words. Nothing is densified: the samples of a chunk are one
CSR matrix.
"""

import numpy as np
from scipy import sparse

from . import _kernels
from ._sampling import PackedDesign, random_bits


class SparseSampler:
    """Switches off the non-zero features of sparse rows, as lime does with words."""

    metric = _kernels.METRIC_COSINE
    distance_scale = 100.0
    draw_dtype = np.uint32

    def __init__(self, n_features_in):
        self.n_features_in = int(n_features_in)

    def default_kernel_width(self):
        return 25.0

    @staticmethod
    def prepare(X, i):
        """Row ``i`` of a canonical CSR matrix as (columns, values) of its non-zeros."""
        a, b = X.indptr[i], X.indptr[i + 1]
        vals = X.data[a:b].astype(np.float64)
        keep = vals != 0
        return X.indices[a:b][keep].astype(np.int64), vals[keep]

    def row_bytes(self, instance):
        return 64 + 13 * len(instance[0])

    def n_draws(self, instance, n_samples):
        return (n_samples - 1) * len(instance[0])

    def width(self, instance):
        return len(instance[0])

    def perturb(self, instances, seeds, n_samples):
        widths = [self.n_draws(inst, n_samples) for inst in instances]
        bits = random_bits(seeds, widths, self.draw_dtype)
        blocks, groups = [], []
        start = 0
        while start < len(instances):
            stop = start
            while stop < len(instances) and instances[stop] is instances[start]:
                stop += 1
            cols, vals = instances[start]
            d = len(cols)
            n_rows = (stop - start) * n_samples
            des = np.empty((n_rows, d), dtype=np.uint8)
            if d:
                block = np.ascontiguousarray(np.stack(list(bits[start:stop])))
                _kernels.text_mask_kernel(block, d, n_samples, des)
            kept = des.view(bool)
            indptr = np.zeros(n_rows + 1, dtype=np.int64)
            np.cumsum(kept.sum(axis=1), out=indptr[1:])
            indices = np.broadcast_to(cols, kept.shape)[kept]
            data = np.broadcast_to(vals, kept.shape)[kept]
            blocks.append(
                sparse.csr_matrix(
                    (data, indices, indptr), shape=(n_rows, self.n_features_in)
                )
            )
            groups.append((start, stop, PackedDesign.pack(des)))
            start = stop
        return sparse.vstack(blocks, format="csr"), groups
