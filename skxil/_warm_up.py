"""Load the numba kernels of a round before the person waits for one.

The first call of a numba kernel in a process initialises numba and loads
the kernel from its cache (or compiles it): a few hundred ms that would
otherwise land on the first ``teach`` or ``explain``. :func:`warm_up_kernels`
makes those first calls for the counterexamples on two rows of the
learner's own training data, so the kernels are loaded for the types the
round will use; :func:`warm_up_explainer` does it for the learner's
explainer, which :class:`~skxil.CaipiClassifier` fits only when it first
explains, and :func:`warm_up_scoring` for the kernel that scores a pool for
a tree or forest at the first query. :func:`warm_up_memory` leaves the
memory allocator as a first explanation would (the fast LIME explainer's
``fit`` calls it).
"""

import os
import threading

import joblib
import numpy as np
from scipy import sparse
from sklearn.base import clone

# Kernels are loaded once per process for each dtype they are compiled for;
# a later call for the same dtype would only repeat the work.
_LOADED = set()

# glibc's malloc maps a block above its threshold afresh and unmaps it on
# free; freeing one raises the threshold to its size, up to this (64-bit
# default), and later blocks up to that size reuse pages kept in the heap.
# Blocks above it are mapped on every call, first or not.
_MAX_HEAP_BLOCK = 32 * 2**20
_SLACK = 2**20  # room above a block, so that two fit below the trim threshold
_MEMORY = {"warmed": 0}  # the largest block warmed up in this process


def warm_up_kernels(X):
    """Call the counterexample kernels once on rows like ``X``.

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

    if sparse.issparse(X) or not _two_numeric_rows(X):
        return False
    if X.dtype.str in _LOADED:
        return True
    rows = np.array(X[:2])
    rows[1] = rows[1] + (rows[1] == rows[0])  # two values per feature to draw
    y = np.array([0, 0])
    corrections = np.ones(rows.shape, dtype=bool)
    # a few cells (the kernels of a round), and enough for the kernels that
    # draw their uniforms themselves (those of a large correction)
    large = -(-_Uniforms.min_kernel_draw // corrections.size)
    for n_counterexamples in (1, large):
        for strategy in ("randomize", "alternative", "substitute"):
            make_counterexamples(
                rows, y, corrections, X_train=rows, y_train=y,
                n_counterexamples=n_counterexamples, strategy=strategy,
                random_state=0,
            )
    # the draws of a large correction go through their own kernel
    uniforms = _Uniforms(np.random.RandomState(0), _kernels)
    uniforms.random_sample(uniforms.min_kernel_draw)
    _LOADED.add(X.dtype.str)
    return True


def _two_numeric_rows(X):
    """Whether ``X`` is a 2-D numeric ndarray whose first two rows are
    finite: the rows a warm-up runs on."""
    if not isinstance(X, np.ndarray) or X.ndim != 2 or X.shape[0] < 2:
        return False
    return X.dtype.kind in "biuf" and bool(np.isfinite(X[:2]).all())


def warm_up_explainer(explainer, X):
    """Load the numba kernels that ``explainer`` runs, on rows like ``X``.

    Once per process and explainer settings: a fast LIME explainer (tabular
    rows) is copied and fitted on two rows of ``X`` (its ``fit`` explains a
    stand-in model, see :meth:`FastLimeExplainer.fit
    <skxil.explain.FastLimeExplainer.fit>`); a tree explainer explains a
    one-split tree. Other explainers run no numba kernels.

    Parameters
    ----------
    explainer : explainer
        The unfitted explainer the learner will fit; it is not changed.

    X : ndarray of shape (n_rows, n_features)
        Training rows (two are used); other containers are left alone.

    Returns
    -------
    loaded : bool
        Whether the kernels were called (or had been, for these settings).

    Examples
    --------
    >>> import numpy as np
    >>> from skxil._warm_up import warm_up_explainer
    >>> from skxil.explain import FastLimeExplainer
    >>> warm_up_explainer(FastLimeExplainer(), np.array([[0.0, 1.0], [2.0, 3.0]]))
    True
    """
    from sklearn.tree import DecisionTreeClassifier

    from .explain import FastLimeExplainer, TreeExplainer

    if not _two_numeric_rows(X):
        return False
    rows = np.array(X[:2], dtype=np.float64)
    if isinstance(explainer, FastLimeExplainer) and explainer.mode == "tabular":
        params = explainer.get_params(deep=False)
        params.pop("random_state", None)
        params.pop("n_jobs", None)
        key = ("fast_lime", joblib.hash(params))
        if key not in _LOADED:
            # the two real rows keep their category codes valid
            clone(explainer).set_params(random_state=0, n_jobs=1).fit(rows)
    elif isinstance(explainer, TreeExplainer):
        key = ("tree",)
        if key not in _LOADED:
            tree = DecisionTreeClassifier(max_depth=1, random_state=0)
            tree.fit(rows, [0, 1])
            TreeExplainer().fit(rows).explain(tree, rows)
    else:
        return False
    _LOADED.add(key)
    return True


def warm_up_scoring(estimator):
    """Load the kernel that scores a pool for ``estimator``, if it has one.

    A random forest or extra trees (alone or at the end of a Pipeline) is
    scored by :mod:`skxil.query._trees`, with as many threads as its ``n_jobs``: the
    kernel for that case is run on a one-split stand-in tree, once per
    process. Other estimators have no such kernel.

    Parameters
    ----------
    estimator : estimator
        The fitted estimator the learner will query with; it is not used.

    Returns
    -------
    loaded : bool
        Whether the kernel was called (or had been).

    Examples
    --------
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skxil._warm_up import warm_up_scoring
    >>> warm_up_scoring(RandomForestClassifier(n_estimators=3).fit([[0], [1]], [0, 1]))
    True
    """
    from sklearn.tree import DecisionTreeClassifier

    from ._loss_feedback import final_step
    from .explain._tree_predict import _BLOCK, forest_routes, n_threads
    from .query._trees import scores_pools

    final = final_step(estimator)
    if not scores_pools(final):
        return False
    threads = n_threads(getattr(final, "n_jobs", None))
    key = ("routes", threads > 1)
    if key not in _LOADED:
        tree = DecisionTreeClassifier(max_depth=1).fit([[0.0], [1.0]], [0, 1])
        # more than one block of rows, or the threads are not used
        forest_routes(tree).proba(np.zeros((_BLOCK + 1, 1)), threads)
        _LOADED.add(key)
    return True


def warm_up_memory(block_bytes, helper=True):
    """Leave the memory allocator as a first call making ``block_bytes``
    blocks would.

    The first call of a process that allocates large blocks (the perturbed
    chunks of an explanation and the model's copies of them) gets fresh
    pages from the system, each of which the kernel must fault in and zero
    (slow on some virtual machines), and glibc's
    malloc unmaps such a block when it is freed until a free has raised its
    threshold; later calls reuse pages kept in the heap. This function does
    that once per process, with glibc only: it frees an untouched block of
    ``block_bytes`` (which raises the threshold), then writes and frees one
    block in the calling thread (where the model runs) and, with ``helper``,
    two in a short-lived thread (whose heap the next thread started reuses,
    as the explainer's prefetch thread does). Nothing is kept but the pages
    the heap keeps after ``free``: about three blocks, which the first call
    would keep as well.

    Nothing is done when the environment fixes glibc's thresholds
    (``MALLOC_TRIM_THRESHOLD_`` and the like, or ``GLIBC_TUNABLES``, as
    distributed sets for its workers): a free no longer raises them.

    Parameters
    ----------
    block_bytes : int
        Size of the largest block a call will allocate. Blocks above 31 MiB
        are left alone (glibc maps those afresh on every call).

    helper : bool, default=True
        Whether a helper thread allocates blocks too.

    Returns
    -------
    warmed : bool
        Whether blocks of this size are warmed up (now or before).

    Examples
    --------
    >>> from skxil._warm_up import warm_up_memory
    >>> warm_up_memory(2**20) in (True, False)  # False without glibc
    True
    """
    block_bytes = int(block_bytes)
    if block_bytes <= _MEMORY["warmed"]:
        return True
    if block_bytes + _SLACK > _MAX_HEAP_BLOCK or not _adaptive_glibc():
        return False
    size = block_bytes // 8
    np.empty(size + _SLACK // 8)  # freed at once, untouched: raises the threshold
    if helper:
        thread = threading.Thread(target=_write_blocks, args=(size, 2))
        thread.start()
        thread.join()
    _write_blocks(size, 1)
    _MEMORY["warmed"] = block_bytes
    return True


def _write_blocks(size, n_blocks):
    """Allocate ``n_blocks`` float64 blocks of ``size``, write and free them."""
    blocks = [np.empty(size) for _ in range(n_blocks)]
    for block in blocks:
        block.fill(0.0)  # np.zeros would not touch the fresh pages


# Setting any of these fixes glibc's thresholds: freeing a block no longer
# raises them, so there is nothing to warm up.
_FIXED_THRESHOLDS = ("MMAP_THRESHOLD_", "TRIM_THRESHOLD_", "TOP_PAD_", "MMAP_MAX_")


def _adaptive_glibc():
    """Whether malloc is glibc's with its adaptive mmap threshold (not fixed
    by ``MALLOC_*_`` variables or ``GLIBC_TUNABLES``, as distributed's
    workers have it, for instance)."""
    if not _glibc():
        return False
    if any("MALLOC_" + name in os.environ for name in _FIXED_THRESHOLDS):
        return False
    tunables = os.environ.get("GLIBC_TUNABLES", "")
    return not any(
        f"glibc.malloc.{name.rstrip('_').lower()}" in tunables
        for name in _FIXED_THRESHOLDS
    )


def _glibc():
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (ValueError, OSError, AttributeError):
        return False
