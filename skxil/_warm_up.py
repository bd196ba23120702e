"""Load the numba kernels of a round before the person waits for one.

The first call of a numba kernel in a process initialises numba and loads
the kernel from its cache (or compiles it): a few hundred ms that would
otherwise land on the first ``teach`` or ``explain``. :func:`warm_up_kernels`
makes those first calls on two rows of the learner's own training data, so
the kernels are loaded for the types the round will use.
"""

import numpy as np
from scipy import sparse


# Kernels are loaded once per process for each dtype they are compiled for;
# a later call for the same dtype would only repeat the work.
_LOADED = set()


class _Constant:
    """A model that predicts 1/2 for both classes."""

    classes_ = np.array([0, 1])

    def predict_proba(self, X):
        return np.full((X.shape[0], 2), 0.5)


def warm_up_kernels(X):
    """Call the counterexample and fast LIME kernels once on rows like ``X``.

    Parameters
    ----------
    X : {ndarray, sparse matrix} of shape (n_rows, n_features)
        Training rows (two are used); other containers (DataFrames,
        documents) are left alone and nothing is loaded.

    Returns
    -------
    loaded : bool
        Whether the kernels were called.

    Examples
    --------
    >>> import numpy as np
    >>> from skxil._warm_up import warm_up_kernels
    >>> warm_up_kernels(np.array([[0.0, 1.0], [2.0, 3.0]]))
    True
    """
    from .counterexamples import _kernels, make_counterexamples
    from .counterexamples._generator import _Uniforms
    from .explain import FastLimeExplainer

    if sparse.issparse(X) or not isinstance(X, np.ndarray) or X.ndim != 2:
        return False
    if X.dtype.kind not in "biuf" or X.shape[0] < 2 or not np.isfinite(X[:2]).all():
        return False
    if X.dtype.str in _LOADED:
        return True
    rows = np.array(X[:2])
    rows[1] = rows[1] + (rows[1] == rows[0])  # two values per feature to draw
    y = np.array([0, 0])
    corrections = np.ones(rows.shape, dtype=bool)
    for strategy in ("randomize", "alternative", "substitute"):
        make_counterexamples(
            rows, y, corrections, X_train=rows, y_train=y,
            n_counterexamples=1, strategy=strategy, random_state=0,
        )
    # the draws of a large correction go through their own kernel
    uniforms = _Uniforms(np.random.RandomState(0), _kernels)
    uniforms.random_sample(uniforms.min_kernel_draw)
    explainer = FastLimeExplainer(n_features=1, n_samples=16, random_state=0)
    explainer.fit(rows.astype(np.float64)).explain(_Constant(), rows[:1])
    _LOADED.add(X.dtype.str)
    return True
