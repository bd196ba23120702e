"""Fast LIME: lime's procedure with numba kernels and one batched model call."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from contextlib import nullcontext
from numbers import Integral, Real
from typing import TYPE_CHECKING, Any, NamedTuple, Optional

import numpy as np
from joblib import Parallel, cpu_count, delayed, effective_n_jobs
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _num_samples, check_is_fitted
from threadpoolctl import ThreadpoolController

from .._warm_up import warm_up_memory
from . import _kernels
from ._base import BaseExplainer
from ._kinds import check_fitted_mode, fit_kind
from ._lime_params import LIME_CONSTRAINTS, share_docstring
from ._sampling import PackedDesign, unpack_design
from ._stability import Stability
from ._utils import _vote, check_predict_proba, predict_proba

if TYPE_CHECKING:
    from ..utils._typing import ArrayLike, MatrixLike, RandomStateLike
    from ._explanation import Explanation

_SELECTION = {
    "highest_weights": _kernels.SELECT_HIGHEST_WEIGHTS,
    "none": _kernels.SELECT_NONE,
    "forward_selection": _kernels.SELECT_FORWARD,
}


@share_docstring
class FastLimeExplainer(BaseExplainer):
    """LIME explanations computed in batches with numba kernels.

    Runs lime's procedure (see :class:`~skxil.explain.LimeExplainer`) without
    lime: perturb each instance over interpretable components, weight the
    samples with lime's exponential kernel, fit a weighted ridge surrogate
    on the components and keep its top-k features, ``n_repeats`` times with
    different seeds, combined by vote. Sampling and surrogate fitting run in
    numba kernels and the model is called **once per chunk** of perturbed
    samples covering all rows and repeats, so the cost of an explanation is
    close to the cost of ``predict_proba`` on its ``n_samples`` rows.

    The interpretable components, their sampling and kernel are lime's:

    - ``mode="tabular"`` (``LimeTabularExplainer``): with
      ``discretize_continuous=True``, each feature is cut into lime's quartile
      bins of the background data; a sample draws every feature's bin from
      the bins' frequencies and its value from lime's truncated normal of the
      bin; the surrogate sees 1 where the sample's bin is the instance's;
      distances are Euclidean on that design and the kernel width defaults to
      ``0.75 * sqrt(n_features_in_)``. ``categorical_features`` are drawn from
      their observed values. With ``discretize_continuous=False`` continuous
      features are drawn from a normal with the background mean and standard
      deviation and enter the surrogate standardised.
      Sparse background data (e.g. vectorised text, a CSR matrix) is not
      densified: the components of a row are its non-zero features, and a
      sample switches a uniform number (1 to all) of them off (to 0), as
      lime's text explainer removes words; the model gets the samples as a
      CSR matrix; cosine distance times 100, kernel width 25, as for text.
      ``discretize_continuous`` and ``categorical_*`` do not apply.
    - ``mode="text"`` (``LimeTextExplainer``, bag of words): ``X`` is a 1-D
      sequence of documents, the components are the distinct words of each
      document (split on ``\\W+`` as lime does); a sample removes a uniform
      number (1 to all) of distinct words with all their occurrences;
      cosine distance times 100, kernel width 25.
    - ``mode="image"`` (``LimeImageExplainer``): rows are flattened images
      of ``shape``; the components are ``segments`` or a grid of
      ``patch_size`` patches; a sample keeps each component with probability
      1/2 and shows ``hide_color`` (or the component's mean colour) elsewhere;
      cosine distance, kernel width 0.25.

    Tabular values are drawn by inverting lime's distribution with one random
    16-bit draw per value: its leading bits pick one of up to 1024 equal
    cells of the feature's probability range, the others the position in the
    cell; cells inside one bin use a quadratic through three exact points of
    the truncated normal's inverse CDF (checked to 1e-4 bin standard
    deviations), the others (bin boundaries, steep tails) the exact inverse
    (tabulated at ``fit`` for their few draws). Bin frequencies and the value
    distribution are thus lime's to within 2**-16. Every unit (row x repeat)
    has its own seeded bit generator, so results do not depend on ``n_jobs``,
    ``max_batch_rows`` or ``prefetch``.

    Parameters
    ----------
    %(n_features)s

    mode : {"tabular", "text", "image"}, default="tabular"
        Kind of input, see above.

    %(sampling)s

    feature_selection : {"highest_weights", "forward_selection", "none", \
            "auto"}, default="highest_weights"
        lime's feature selection: the k features with the largest
        ``|coef * x|`` in a ridge on all features (alpha 0.01); greedy forward
        selection by weighted R^2; all features (the k largest weights are
        kept); or forward selection when k <= 6, highest weights otherwise.

    n_bootstrap : int, default=0
        Number of bootstrap resamples of each surrogate that measure the
        explanation's stability without more model calls: the perturbed
        samples of a run (the instance kept first) are drawn again with
        replacement and the surrogate is fitted again, with the same
        feature selection, on each resample. The explanation's
        ``stability`` is then measured over these ``n_repeats *
        n_bootstrap`` fits; with ``n_bootstrap=0`` it is measured over the
        ``n_repeats`` runs when there are several, and is ``None`` for a
        single run. The features and weights do not depend on it.

    %(tabular)s

    shape : tuple of int, default=None
        Image mode: ``(height, width)`` or ``(height, width, channels)`` of
        the images, flattened in C order in the rows of ``X``.

    segments : array-like of int of shape (height, width), default=None
        Image mode: a segmentation (label per pixel) whose segments are the
        components. ``None`` means a grid of patches.

    patch_size : int or tuple of int, default=None
        Image mode without ``segments``: size of the grid's patches; ``None``
        means an 8 x 8 grid.

    hide_color : float, default=None
        Image mode: value of switched-off pixels; ``None`` means the mean of
        each channel over the component (lime's default).

    max_batch_rows : int, default=None
        Largest number of perturbed samples passed to ``predict_proba`` at a
        time (at least one explanation's ``n_samples``), which bounds memory.
        ``None`` means 65536, or fewer so that a chunk of model input takes
        about 64 MB at most (e.g. 10700 rows of 784 pixels).

    prefetch : bool, default=True
        Draw and perturb the next chunk in a helper thread while the model
        predicts the current one (at most two chunks of model input in
        memory). With several chunks, the first holds one unit (row x
        repeat) and the chunks double up to ``max_batch_rows``, so the model
        starts after one unit has been drawn; the surrogates of a chunk are
        fitted by the helper when it is idle, else by the calling thread.
        When everything fits in one chunk, there is one model call and no
        helper. The model is always called from the calling thread; results
        do not depend on it.
        With ``n_jobs=1`` and several chunks, the helper thread gets a core of
        its own for the duration of the call: the model's BLAS and OpenMP
        pools are limited to the other cores (with :mod:`threadpoolctl`, as
        scikit-learn does), instead of contending with the helper for the
        same cores.

    n_jobs : int, default=None
        Number of joblib jobs; rows are split into that many blocks, each
        processed in chunks. ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context. Results do not depend on it.

    random_state : int, RandomState instance or None, default=None
        Seeds every call to :meth:`explain`: the same value gives the same
        explanations.

    Attributes
    ----------
    n_features_in_ : int
        Number of features of the background data (tabular) or values per
        image (image mode).

    feature_names_ : list of str
        Tabular: the feature names; image: one name per component. Not set
        in text mode, where every document has its own words.

    sampler_ : object
        The fitted sampler of the mode.

    See Also
    --------
    LimeExplainer : The same explanations through the lime package.
    LinearExplainer : Exact explanations of linear models.

    Examples
    --------
    >>> from sklearn.datasets import load_iris
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from skxil.explain import FastLimeExplainer
    >>> X, y = load_iris(return_X_y=True)
    >>> model = RandomForestClassifier(n_estimators=10, random_state=0).fit(X, y)
    >>> explainer = FastLimeExplainer(n_features=2, n_samples=500, random_state=0)
    >>> explanation, = explainer.fit(X).explain(model, X[:1])
    >>> explanation.predicted_class, len(explanation.features)
    (np.int64(0), 2)
    """

    _parameter_constraints: dict = {
        **LIME_CONSTRAINTS,
        "mode": [StrOptions({"tabular", "text", "image"})],
        "feature_selection": [
            StrOptions({"highest_weights", "forward_selection", "none", "auto"})
        ],
        "shape": ["array-like", None],
        "segments": ["array-like", None],
        "patch_size": [Interval(Integral, 1, None, closed="left"), "array-like", None],
        "hide_color": [Real, None],
        "n_bootstrap": [Interval(Integral, 0, None, closed="left")],
        "max_batch_rows": [Interval(Integral, 1, None, closed="left"), None],
        "prefetch": ["boolean"],
    }

    def __init__(
        self,
        n_features: int = 10,
        *,
        mode: str = "tabular",
        n_samples: int = 5000,
        n_repeats: int = 1,
        kernel_width: float | None = None,
        feature_selection: str = "highest_weights",
        n_bootstrap: int = 0,
        discretize_continuous: bool = True,
        categorical_features: ArrayLike | None = None,
        categorical_names: dict | None = None,
        shape: tuple[int, ...] | None = None,
        segments: ArrayLike | None = None,
        patch_size: int | tuple[int, int] | None = None,
        hide_color: float | None = None,
        max_batch_rows: int | None = None,
        prefetch: bool = True,
        n_jobs: int | None = None,
        random_state: RandomStateLike = None,
    ) -> None:
        self.n_features = n_features
        self.mode = mode
        self.n_samples = n_samples
        self.n_repeats = n_repeats
        self.kernel_width = kernel_width
        self.feature_selection = feature_selection
        self.n_bootstrap = n_bootstrap
        self.discretize_continuous = discretize_continuous
        self.categorical_features = categorical_features
        self.categorical_names = categorical_names
        self.shape = shape
        self.segments = segments
        self.patch_size = patch_size
        self.hide_color = hide_color
        self.max_batch_rows = max_batch_rows
        self.prefetch = prefetch
        self.n_jobs = n_jobs
        self.random_state = random_state

    def fit(
        self,
        X: MatrixLike | None = None,
        y: ArrayLike | None = None,
        *,
        feature_names: ArrayLike | None = None,
    ) -> FastLimeExplainer:
        """Learn lime's sampling distribution from background data.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_rows, \
                n_features_in), default=None
            Background data (the learner's real training rows); needed in
            tabular mode, checked against ``shape`` in image mode, ignored in
            text mode. Sparse data switches to sampling over each row's non-zero
            features (see above) and is never densified.

        y : None
            Ignored.

        feature_names : array-like of str, default=None
            Tabular mode: feature names; taken from the columns of a
            DataFrame ``X`` when not given.

        Returns
        -------
        self : FastLimeExplainer
            The fitted explainer.
        """
        self._validate_params()
        self._kind = fit_kind(self, X, feature_names)
        for name, value in self._kind.fitted_attributes().items():
            setattr(self, name, value)
        # built here, not in the first explain call that needs it (12-17 ms)
        _threadpool_controller()
        self._load_kernels(X)
        return self

    def _load_kernels(self, X):
        """Explain one background row of a stand-in model on a few samples.

        The first call of a numba kernel in a process loads it from numba's
        cache (or compiles it); done here, that cost lands on ``fit`` instead
        of on the first :meth:`explain`, which a person waits for. The call
        runs the kernels of this explainer's settings and kind of input, with
        fixed seeds: ``random_state`` is not drawn from. For array input, the
        memory allocator is then left as after a first explanation with
        chunks of the real size (:func:`~skxil._warm_up.warm_up_memory`), so
        that the first call does not pay for fresh pages either.
        """
        rows = self._kind.warm_up_rows(X)
        if rows is None:
            return
        instances, columns = self._kind.check_instances(rows)
        settings = self._block_settings(columns, 1)
        seeds = np.arange(self.n_repeats, dtype=np.int64).reshape(1, -1)
        stand_in = settings._replace(
            fit=settings.fit._replace(n_samples=_WARM_UP_SAMPLES), prefetch=False
        )
        _explain_rows(self.sampler_, _StandIn(), instances[:1], seeds, stand_in)
        if isinstance(instances[0], np.ndarray):  # tabular, image: float64 input
            block = _Block(self.sampler_, None, instances[:1], seeds, settings)
            n_rows = block.units_per_chunk() * self.n_samples
            warm_up_memory(8 * n_rows * instances[0].size, helper=settings.prefetch)

    def partial_fit(
        self, X: MatrixLike | None = None, y: ArrayLike | None = None
    ) -> FastLimeExplainer:
        """Add rows to the background data, as if ``fit`` had seen them too.

        The background statistics (tabular mode: each feature's sorted
        distinct values with their counts, from which lime's quartile bins
        and their moments are computed) are updated with the new rows
        instead of being computed again from all rows, and
        ``fit(X).partial_fit(X_new)`` gives the same explanations as
        ``fit(np.vstack([X, X_new]))``, bit for bit. The sampling tables are
        rebuilt from the updated statistics (a cost that depends on the
        number of features, not of rows). Sparse, text and image modes keep
        no statistics of the background data: the new rows are only checked.
        On an unfitted explainer, the same as :meth:`fit`.

        Parameters
        ----------
        X : {array-like, sparse matrix, DataFrame} of shape (n_new, \
                n_features_in), default=None
            The new background rows, of the kind given to :meth:`fit`.

        y : None
            Ignored.

        Returns
        -------
        self : FastLimeExplainer
            The updated explainer.

        Examples
        --------
        >>> import numpy as np
        >>> from sklearn.datasets import load_iris
        >>> from sklearn.linear_model import LogisticRegression
        >>> from skxil.explain import FastLimeExplainer
        >>> X, y = load_iris(return_X_y=True)
        >>> model = LogisticRegression(max_iter=500).fit(X, y)
        >>> once = FastLimeExplainer(n_samples=300, random_state=0).fit(X)
        >>> grown = FastLimeExplainer(n_samples=300, random_state=0).fit(X[:100])
        >>> grown = grown.partial_fit(X[100:])
        >>> a, = once.explain(model, X[:1])
        >>> b, = grown.explain(model, X[:1])
        >>> np.array_equal(a.features, b.features), np.array_equal(a.weights, b.weights)
        (True, True)
        """
        if not hasattr(self, "sampler_"):
            return self.fit(X, y)
        self._validate_params()
        check_fitted_mode(self)
        self._kind = self._kind.partial_fit(self, X)
        for name, value in self._kind.fitted_attributes().items():
            setattr(self, name, value)
        return self

    def explain(self, model: Any, X: MatrixLike) -> list[Explanation]:
        """Explain the model's prediction on each row of ``X``.

        Parameters
        ----------
        model : classifier
            Fitted model with ``predict_proba`` (and ``classes_``) taking the
            input space of ``X``. It receives the perturbed samples of a whole
            chunk at once: tabular rows as a Fortran-ordered float64 array (a
            DataFrame with ``X``'s columns when ``X`` is one), a list of
            documents, or flattened images as a float64 array.

        X : {array-like, sparse matrix, DataFrame} of shape (n_rows, \
                n_features_in) or sequence of str
            Rows to explain (text mode: documents).

        Returns
        -------
        explanations : list of Explanation
            One per row, explaining the predicted class. In text mode the
            features index the document's distinct words (``feature_names``)
            and ``tokens`` holds the document cut into words and separators.
        """
        check_is_fitted(self, "sampler_")
        self._validate_params()
        check_fitted_mode(self)
        check_predict_proba(model)
        instances, columns = self._kind.check_instances(X)
        n_rows = len(instances)
        if n_rows == 0:
            return []
        rng = check_random_state(self.random_state)
        seeds = rng.randint(np.iinfo(np.int32).max, size=(n_rows, self.n_repeats))
        sampler = self.sampler_
        n_blocks = min(effective_n_jobs(self.n_jobs), n_rows)
        settings = self._block_settings(columns, n_blocks)
        bounds = np.linspace(0, n_rows, n_blocks + 1).astype(int)
        if n_blocks == 1:
            blocks = [_explain_rows(sampler, model, instances, seeds, settings)]
        else:
            blocks = Parallel(n_jobs=self.n_jobs)(
                delayed(_explain_rows)(
                    sampler, model, instances[a:b], seeds[a:b], settings
                )
                for a, b in zip(bounds[:-1], bounds[1:])
            )
        results = [row for block in blocks for row in block]
        classes = getattr(model, "classes_", None)
        return [
            self._explanation(instances[i], classes, results[i]) for i in range(n_rows)
        ]

    def _block_settings(self, columns, n_blocks):
        """The :class:`_BlockSettings` of a call, from the parameters."""
        sampler = self.sampler_
        selection = self.feature_selection
        if selection == "auto":
            selection = (
                "forward_selection" if self.n_features <= 6 else "highest_weights"
            )
        fit = _kernels.fit_settings(
            n_samples=self.n_samples,
            metric=sampler.metric,
            distance_scale=sampler.distance_scale,
            kernel_width=(
                sampler.default_kernel_width()
                if self.kernel_width is None
                else self.kernel_width
            ),
            selection=_SELECTION[selection],
            n_keep=self.n_features,
        )
        return _BlockSettings(
            fit=fit,
            max_batch_rows=self.max_batch_rows,
            prefetch=bool(self.prefetch),
            columns=columns,
            n_bootstrap=int(self.n_bootstrap),
            # With one block, the prefetch thread takes a core of its own: the
            # model's thread pools (BLAS, OpenMP) get the others, instead of
            # contending with it (measured in benchmarks/bench_explainers.py).
            reserve_core=n_blocks == 1,
        )

    def _explanation(self, instance, classes, result):
        """The Explanation of one row from its ``_Block.rows()`` entry."""
        label, proba, features, weights, intercept, score, stability = result
        predicted = classes[label] if classes is not None else label
        return self._kind.explanation(
            instance,
            predicted,
            features,
            weights,
            class_index=label,
            proba=proba[label],
            intercept=intercept,
            score=score,
            stability=stability,
        )


#: Samples per unit of the call that loads the kernels at ``fit``: enough for
#: every surrogate kernel to run, few enough to cost little next to fit.
_WARM_UP_SAMPLES = 32


class _StandIn:
    """A binary model whose probabilities vary over the samples (so that the
    surrogates are fitted), whatever the kind of input."""

    classes_ = np.array([0, 1])

    def predict_proba(self, Z):
        p = np.linspace(0.2, 0.8, _num_samples(Z))
        return np.column_stack([p, 1.0 - p])


_THREADPOOL_CONTROLLER = None


def _threadpool_controller():
    """One ``ThreadpoolController`` per process, created on first use.

    Building a controller inspects every loaded shared library, on every
    call of ``threadpool_limits``; scikit-learn keeps a global controller
    for the same reason.
    """
    global _THREADPOOL_CONTROLLER
    if _THREADPOOL_CONTROLLER is None:
        _THREADPOOL_CONTROLLER = ThreadpoolController()
    return _THREADPOOL_CONTROLLER


def _chunk_bounds(n_units, per_chunk, ramp=False):
    """``(start, stop)`` of the chunks of ``n_units`` units, at most ``per_chunk`` each.

    When all units fit in one chunk there is one chunk (one model call).
    Otherwise, with ``ramp``, the chunks start at one unit and double up to
    ``per_chunk``: the model starts after one unit has been drawn instead of
    a whole chunk.

    >>> _chunk_bounds(5, 8)
    [(0, 5)]
    >>> _chunk_bounds(20, 8)
    [(0, 8), (8, 16), (16, 20)]
    >>> _chunk_bounds(20, 8, ramp=True)
    [(0, 1), (1, 3), (3, 7), (7, 15), (15, 20)]
    """
    if n_units <= per_chunk:
        return [(0, n_units)]
    size = 1 if ramp else per_chunk
    bounds, start = [], 0
    while start < n_units:
        stop = min(start + size, n_units)
        bounds.append((start, stop))
        start = stop
        size = min(2 * size, per_chunk)
    return bounds


class _BlockSettings(NamedTuple):
    """What :func:`_explain_rows` needs besides the rows: the surrogates'
    :class:`~._kernels.FitSettings` (``n_keep`` is the requested k), the
    chunking and prefetch options, the DataFrame ``columns`` of the model
    input (or None), the number of bootstrap resamples of every surrogate,
    and whether the prefetch thread reserves a core."""

    fit: _kernels.FitSettings
    max_batch_rows: Optional[int]
    prefetch: bool
    columns: Optional[list]
    n_bootstrap: int
    reserve_core: bool


def _explain_rows(sampler, model, instances, seeds, settings):
    """Explain a block of rows; every row is explained ``seeds.shape[1]`` times.

    The units (row, repeat) are processed in chunks of at most
    ``max_batch_rows // n_samples`` units (at least one), with one
    ``predict_proba`` call per chunk (see :func:`_chunk_bounds`). With
    ``prefetch``, a helper thread draws and perturbs the next chunk while the
    model predicts the current one (the kernels release the GIL; the model is
    only ever called from the calling thread). Returns one
    ``(label, proba, features, weights, intercept, score, stability)`` per
    row.
    """
    block = _Block(sampler, model, instances, seeds, settings)
    per_chunk = block.units_per_chunk()
    bounds = _chunk_bounds(block.n_units, per_chunk, ramp=settings.prefetch)
    if settings.prefetch and len(bounds) > 1:
        _run_prefetched(block, bounds, settings.reserve_core)
    else:
        for c0, c1 in bounds:
            Z, groups = block.prepare(c0, c1)
            block.fit(c0, groups, *block.predict(c0, c1, Z))
            del Z, groups
    return block.rows()


def _run_prefetched(block, bounds, reserve_core):
    """Run the chunks of ``block`` with a helper thread that draws ahead.

    The helper draws chunk n + 1 while the model predicts chunk n; the
    surrogates of chunk n are fitted by the helper when it has already
    finished chunk n + 1 (it would idle otherwise), else by the calling
    thread while it waits for chunk n + 1.
    """
    n_cpus = cpu_count()
    limits = (
        _threadpool_controller().limit(limits=n_cpus - 1)
        if reserve_core and n_cpus > 1
        else nullcontext()
    )
    with limits, ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(block.prepare, *bounds[1])
        ready = block.prepare(*bounds[0])
        handed = []
        for n, (c0, c1) in enumerate(bounds):
            if n > 0:
                ready = pending.result()
                pending = (
                    pool.submit(block.prepare, *bounds[n + 1])
                    if n + 1 < len(bounds)
                    else None
                )
            Z, groups = ready
            del ready
            proba, chunk_labels = block.predict(c0, c1, Z)
            del Z  # at most two chunks of model input alive
            if pending is not None and pending.done():
                handed.append(pool.submit(block.fit, c0, groups, proba, chunk_labels))
            else:
                block.fit(c0, groups, proba, chunk_labels)
            del groups, proba
        for job in handed:
            job.result()


class _Block:
    """The units (row x repeat) of a block of rows and their results so far.

    :meth:`prepare`, :meth:`predict` and :meth:`fit` handle one chunk of
    units ``c0:c1`` each and write disjoint entries of ``labels``,
    ``probas`` and ``fitted``, so that a helper thread may run
    :meth:`prepare` and :meth:`fit` while the calling thread predicts.
    """

    def __init__(self, sampler, model, instances, seeds, settings):
        self.sampler = sampler
        self.model = model
        self.instances = instances
        self.settings = settings
        self.n_samples = settings.fit.n_samples
        self.n_repeats = seeds.shape[1]
        self.units = [inst for inst in instances for _ in range(self.n_repeats)]
        self.unit_seeds = seeds.ravel()
        self.n_units = len(self.units)
        self.labels = np.empty(self.n_units, dtype=np.int64)
        self.probas = [None] * self.n_units
        self.fitted = [None] * self.n_units
        self.bootstrap = [None] * self.n_units

    def units_per_chunk(self):
        max_rows = self.settings.max_batch_rows
        if max_rows is None:
            row_bytes = max(self.sampler.row_bytes(inst) for inst in self.instances)
            max_rows = min(65536, 2**26 // row_bytes)
        return max(1, max_rows // self.n_samples)

    def prepare(self, c0, c1):
        """The model input and the designs of units ``c0:c1``."""
        Z, groups = self.sampler.perturb(
            self.units[c0:c1], self.unit_seeds[c0:c1], self.n_samples
        )
        for _, _, des in groups:
            # the target-free sums of the surrogates, while the model predicts
            if (
                isinstance(des, PackedDesign)
                and des.gram_bytes(self.n_samples) <= 2**25
            ):
                _precompute_gram(des, self.settings.fit)
        return Z, groups

    def predict(self, c0, c1, Z):
        """The model's probabilities on the samples of units ``c0:c1``."""
        n_samples = self.n_samples
        if self.settings.columns is not None:
            import pandas as pd

            Z = pd.DataFrame(Z, columns=self.settings.columns, copy=False)
        proba = predict_proba(self.model, Z, (c1 - c0) * n_samples)
        chunk_labels = np.argmax(proba[::n_samples], axis=1).astype(np.int64)
        self.labels[c0:c1] = chunk_labels
        for u in range(c1 - c0):
            self.probas[c0 + u] = proba[u * n_samples]
        return proba, chunk_labels

    def fit(self, c0, groups, proba, chunk_labels):
        """Fit the surrogates of the chunk starting at unit ``c0``."""
        n_samples = self.n_samples
        for g0, g1, des in groups:
            fit = self.settings.fit
            fit = fit._replace(n_keep=min(fit.n_keep, des.shape[1]))
            rows = slice(g0 * n_samples, g1 * n_samples)
            out = _fit_surrogates(des, proba[rows], chunk_labels[g0:g1], fit)
            for u in range(g1 - g0):
                self.fitted[c0 + g0 + u] = tuple(field[u] for field in out)
            if self.settings.n_bootstrap:
                for u in range(g1 - g0):
                    q = c0 + g0 + u
                    self.bootstrap[q] = _bootstrap_runs(
                        des,
                        u,
                        proba[rows],
                        int(chunk_labels[g0 + u]),
                        fit,
                        self.settings.n_bootstrap,
                        int(self.unit_seeds[q]),
                    )

    def rows(self):
        """One ``(label, proba, features, weights, intercept, score,
        stability)`` per row."""
        return [self._row(i) for i in range(len(self.instances))]

    def _row(self, i):
        n_repeats = self.n_repeats
        us = range(i * n_repeats, (i + 1) * n_repeats)
        fitted = self.fitted
        if n_repeats == 1:
            features, weights, intercept, score = fitted[us[0]]
        else:
            k = len(fitted[us[0]][0])
            features, weights = _vote(
                [list(zip(fitted[u][0], fitted[u][1])) for u in us], k
            )
            intercept = float(np.mean([fitted[u][2] for u in us]))
            score = float(np.mean([fitted[u][3] for u in us]))
        if self.settings.n_bootstrap:
            runs = [run for u in us for run in self.bootstrap[u]]
            stability = Stability.from_runs(features, runs, "bootstrap")
        elif n_repeats > 1:
            runs = [fitted[u][:2] for u in us]
            stability = Stability.from_runs(features, runs, "repeats")
        else:
            stability = None
        return (
            int(self.labels[us[0]]),
            self.probas[us[0]],
            features,
            weights,
            None if np.isnan(intercept) else float(intercept),
            None if np.isnan(score) else float(score),
            stability,
        )


def _bootstrap_runs(des, u, proba, label, fit, n_bootstrap, seed):
    """The top k of ``n_bootstrap`` surrogates of unit ``u`` of ``des``, each
    fitted on a resample of the unit's samples.

    The first sample (the instance, from which distances are measured) stays
    first; the other ``n_samples - 1`` are drawn with replacement from all
    ``n_samples``, by a generator seeded with the unit's seed (so results do
    not depend on chunking), outside the kernel. Returns a list of
    ``(features, weights)``.
    """
    n_samples = fit.n_samples
    if fit.n_keep == 0:
        return [(np.empty(0, dtype=np.int64), np.empty(0))] * n_bootstrap
    r0 = u * n_samples
    if isinstance(des, PackedDesign):
        design = unpack_design(des.masks[r0 : r0 + n_samples], des.n_columns)
        binary = True
    else:
        design = np.asarray(des[r0 : r0 + n_samples])
        binary = False
    rng = np.random.default_rng((seed, 1))
    draws = rng.integers(0, n_samples, size=(n_bootstrap, n_samples))
    draws[:, 0] = 0
    draws = draws.ravel()
    out = _kernels.empty_surrogates(n_bootstrap, fit.n_keep)
    _kernels.surrogate_kernel(
        np.ascontiguousarray(design[draws]),
        binary,
        np.ascontiguousarray(proba[r0 : r0 + n_samples][draws]),
        np.full(n_bootstrap, label, dtype=np.int64),
        fit,
        out,
    )
    return [(out.features[b], out.weights[b]) for b in range(n_bootstrap)]


def _precompute_gram(des, fit):
    """Fill ``des.weights`` and ``des.gram`` of a :class:`PackedDesign`."""
    d = des.n_columns
    n_samples = fit.n_samples
    wtab = _kernels.binary_weights(d, fit)
    des.weights = np.empty(des.shape[0])
    des.gram = np.empty((des.shape[0] // n_samples, d, d))
    _kernels.binary_gram_kernel(des.masks, d, n_samples, wtab, des.weights, des.gram)


def _fit_surrogates(des, proba, labels, fit):
    """The :class:`~._kernels.Surrogates` of the units of one design."""
    out = _kernels.empty_surrogates(len(labels), fit.n_keep)
    if fit.n_keep == 0:  # nothing to explain (e.g. a document without words)
        return out
    if isinstance(des, PackedDesign) and des.gram is not None:
        _kernels.binary_fit_kernel(
            des.masks, des.n_columns, des.weights, des.gram, proba, labels, fit, out
        )
    elif isinstance(des, PackedDesign):
        _kernels.binary_surrogate_kernel(
            des.masks, des.n_columns, proba, labels, fit, out
        )
    else:
        _kernels.surrogate_kernel(des, False, proba, labels, fit, out)
    return out
