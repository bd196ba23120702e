"""RRRClassifier: an MLP that is right for the right reasons (Ross et al., 2017)."""

# Authors: The skxil developers
# License: BSD 3 clause

from __future__ import annotations

import copy
import warnings
from itertools import pairwise
from numbers import Integral, Real
from typing import TYPE_CHECKING, ClassVar

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.multiclass import check_classification_targets, unique_labels
from sklearn.utils.validation import (
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from ._backprop import ACTIVATIONS, forward, loss_and_gradients
from ._backprop import input_gradients as _input_gradients
from ._masks import PenaltyMask, check_mask
from ._optimizers import AdamOptimizer, SGDOptimizer

if TYPE_CHECKING:
    from ..utils._typing import ArrayLike, MatrixLike, NDArray, RandomStateLike

__all__ = ["RRRClassifier"]

# Rows x classes x widest layer of one block of input_gradients (64 MB in float64).
_BLOCK_ELEMENTS = 2**23


class RRRClassifier(ClassifierMixin, BaseEstimator):
    """Multi-layer perceptron trained to be right for the right reasons (RRR).

    Ross, Hughes and Doshi-Velez (2017) train a network with cross-entropy
    plus a penalty on its *input gradients*: for every row, the gradient of
    the summed log-probabilities ``Σ_k log p_k(x)`` with respect to the
    features a person marked should be near zero. With ``ignore`` the
    marked features are those the model must not rely on (a decoy, a
    watermark); with ``focus`` the marked features are those it should rely
    on, and every other feature is penalised. Without masks the estimator is
    an ordinary MLP, trained like
    :class:`~sklearn.neural_network.MLPClassifier`.

    For a batch ``B`` with sample weights ``w`` the minimised loss is

    .. math::

        \\frac{1}{\\sum_{i \\in B} w_i} \\sum_{i \\in B} w_i \\Big(
        -\\log p_{y_i}(x_i) + \\lambda \\big\\| M_i \\odot
        \\nabla_x \\textstyle\\sum_k \\log p_k(x_i) \\big\\|^2 \\Big)
        + \\frac{\\alpha}{2 \\sum_{i \\in B} w_i} \\sum_l \\|W_l\\|_F^2

    with ``λ = penalty`` and ``M_i`` the penalised features of row ``i``.
    Both terms are averages over the rows of the batch, so ``penalty`` means
    the same for every ``batch_size`` and its ratio to the cross-entropy is
    that of Ross et al., who sum both over the batch (their ``l2_grads=1000``
    is ``penalty=1000`` here). The gradients are computed with hand-written
    backprop and double backprop in NumPy, in the dtype of ``X`` (float32
    stays float32).

    The output layer is a softmax for every number of classes, binary
    problems included (two output units; ``MLPClassifier`` uses one
    logistic unit there), so that ``Σ_k log p_k`` is the same quantity for
    every problem.

    Parameters
    ----------
    hidden_layer_sizes : array-like of shape (n_layers - 2,), default=(50, 30)
        Number of units of each hidden layer; Ross et al.'s network has two
        with 50 and 30 units. ``()`` gives multinomial logistic regression.

    activation : {"relu", "tanh", "logistic", "identity"}, default="relu"
        Activation of the hidden layers.

    solver : {"adam", "sgd"}, default="adam"
        Optimiser of the weights: Adam, or SGD with momentum and a constant
        learning rate.

    penalty : float, default=1000.0
        Weight ``λ`` of the input-gradient penalty. 0 trains an ordinary MLP
        and skips double backprop altogether.

    alpha : float, default=0.0001
        Strength of the L2 penalty on the weights (not on the intercepts).

    batch_size : int, default=256
        Rows per minibatch; clipped to the number of training rows.

    learning_rate_init : float, default=0.001
        Step size of the optimiser.

    max_iter : int, default=64
        Number of epochs (passes over the data) of :meth:`fit`, unless the
        loss stops improving first (see ``tol``).

    shuffle : bool, default=True
        Whether to shuffle the rows before each epoch.

    random_state : int, RandomState instance or None, default=None
        Determines the initial weights and the shuffling. Pass an int for
        reproducible results: the same seed gives identical weights.

    tol : float, default=1e-4
        Training stops when the training loss has not decreased by at least
        ``tol`` for ``n_iter_no_change`` consecutive epochs.

    verbose : bool, default=False
        Whether to print the loss after each epoch.

    warm_start : bool, default=False
        If True, :meth:`fit` continues from the current weights (when the
        classes and features agree) instead of initialising new ones.

    momentum : float, default=0.9
        Momentum of ``solver="sgd"``, in [0, 1].

    nesterovs_momentum : bool, default=True
        Whether ``solver="sgd"`` uses Nesterov's momentum.

    beta_1 : float, default=0.9
        Decay of Adam's first-moment estimate, in [0, 1).

    beta_2 : float, default=0.999
        Decay of Adam's second-moment estimate, in [0, 1).

    epsilon : float, default=1e-8
        Adam's numerical-stability constant.

    early_stopping : bool, default=False
        Whether :meth:`fit` sets ``validation_fraction`` of the rows aside
        (stratified, with their masks and weights) and stops when their
        accuracy has not improved by ``tol`` for ``n_iter_no_change`` epochs,
        keeping the weights of the best epoch. Without it, the training loss
        decides. :meth:`partial_fit` ignores it.

    validation_fraction : float, default=0.1
        Fraction of the rows set aside for early stopping, in (0, 1).

    n_iter_no_change : int, default=10
        Number of epochs without an improvement of ``tol`` before training
        stops.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.

    coefs_ : list of ndarray
        ``coefs_[l]`` is the weight matrix from layer ``l`` to ``l + 1``, of
        shape ``(units[l], units[l + 1])``, as in ``MLPClassifier``.

    intercepts_ : list of ndarray
        ``intercepts_[l]`` is the bias vector of layer ``l + 1``.

    loss_ : float
        Mean loss (cross-entropy, input-gradient penalty and L2) of the last
        epoch.

    loss_curve_ : list of float
        Mean loss of every epoch.

    best_loss_ : float or None
        Lowest mean epoch loss, for the stopping rule; None with
        ``early_stopping=True``.

    validation_scores_ : list of float or None
        Accuracy on the validation rows after every epoch, with
        ``early_stopping=True``; None otherwise.

    best_validation_score_ : float or None
        Best of ``validation_scores_``, with ``early_stopping=True``; None
        otherwise.

    n_iter_ : int
        Number of epochs run, summed over calls that continue training.

    t_ : int
        Number of training rows seen by the optimiser.

    n_layers_ : int
        Number of layers, input and output included.

    n_outputs_ : int
        Number of output units (``n_classes``, also for two classes).

    out_activation_ : str
        ``"softmax"``.

    n_features_in_ : int
        Number of features seen during ``fit``.

    feature_names_in_ : ndarray of shape (`n_features_in_`,)
        Names of features seen during ``fit``. Defined only when ``X``
        has feature names that are all strings.

    See Also
    --------
    sklearn.neural_network.MLPClassifier : The same network without the
        input-gradient penalty.
    skxil.CaipiClassifier : Explanatory interactive learning around any
        classifier.

    Notes
    -----
    Cost: an epoch without masks does the forward and backward pass of an
    MLP. On a batch where some rows have a mask, those rows also go through
    the input-gradient pass and its reverse, about three more products of
    the size of the first layer. Batches without a masked row pay nothing
    extra.

    References
    ----------
    .. [1] A. S. Ross, M. C. Hughes and F. Doshi-Velez, "Right for the Right
       Reasons: Training Differentiable Models by Constraining their
       Explanations", IJCAI 2017.
    .. [2] H. Drucker and Y. LeCun, "Improving generalization performance
       using double backpropagation", IEEE Transactions on Neural Networks,
       1992.

    Examples
    --------
    >>> import warnings
    >>> import numpy as np
    >>> from sklearn.exceptions import ConvergenceWarning
    >>> from skxil.datasets import make_confounded_classification
    >>> from skxil.neural import RRRClassifier
    >>> X_train, X_test, y_train, y_test, relevant = (
    ...     make_confounded_classification(n_samples=600, random_state=0))
    >>> ignore = np.zeros(X_train.shape, dtype=bool)
    >>> ignore[:, -1] = True  # the last feature is a decoy
    >>> warnings.simplefilter("ignore", ConvergenceWarning)
    >>> rrr = RRRClassifier(hidden_layer_sizes=(20,), penalty=10.0,
    ...                     learning_rate_init=0.01, random_state=0)
    >>> rrr = rrr.fit(X_train, y_train, ignore=ignore)
    >>> gradients = rrr.input_gradients(X_test)
    >>> gradients.shape
    (300, 2, 6)
    >>> decoy = np.abs(gradients[:, :, -1]).mean()
    >>> informative = np.abs(gradients[:, :, :3]).mean()
    >>> bool(decoy < 0.1 * informative)
    True
    """

    _parameter_constraints: ClassVar[dict] = {
        "hidden_layer_sizes": ["array-like", Interval(Integral, 1, None, closed="left")],
        "activation": [StrOptions(set(ACTIVATIONS))],
        "solver": [StrOptions({"adam", "sgd"})],
        "penalty": [Interval(Real, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "learning_rate_init": [Interval(Real, 0, None, closed="neither")],
        "max_iter": [Interval(Integral, 1, None, closed="left")],
        "shuffle": ["boolean"],
        "random_state": ["random_state"],
        "tol": [Interval(Real, 0, None, closed="left")],
        "verbose": ["verbose"],
        "warm_start": ["boolean"],
        "momentum": [Interval(Real, 0, 1, closed="both")],
        "nesterovs_momentum": ["boolean"],
        "beta_1": [Interval(Real, 0, 1, closed="left")],
        "beta_2": [Interval(Real, 0, 1, closed="left")],
        "epsilon": [Interval(Real, 0, None, closed="neither")],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(
        self,
        hidden_layer_sizes: ArrayLike = (50, 30),
        activation: str = "relu",
        *,
        solver: str = "adam",
        penalty: float = 1000.0,
        alpha: float = 0.0001,
        batch_size: int = 256,
        learning_rate_init: float = 0.001,
        max_iter: int = 64,
        shuffle: bool = True,
        random_state: RandomStateLike = None,
        tol: float = 1e-4,
        verbose: bool = False,
        warm_start: bool = False,
        momentum: float = 0.9,
        nesterovs_momentum: bool = True,
        beta_1: float = 0.9,
        beta_2: float = 0.999,
        epsilon: float = 1e-8,
        early_stopping: bool = False,
        validation_fraction: float = 0.1,
        n_iter_no_change: int = 10,
    ) -> None:
        self.hidden_layer_sizes = hidden_layer_sizes
        self.activation = activation
        self.solver = solver
        self.penalty = penalty
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.shuffle = shuffle
        self.random_state = random_state
        self.tol = tol
        self.verbose = verbose
        self.warm_start = warm_start
        self.momentum = momentum
        self.nesterovs_momentum = nesterovs_momentum
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(
        self,
        X: MatrixLike,
        y: ArrayLike,
        *,
        ignore: MatrixLike | None = None,
        focus: MatrixLike | None = None,
        sample_weight: ArrayLike | None = None,
    ) -> RRRClassifier:
        """Train the network, penalising the input gradients the masks mark.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training rows. float32 data is trained in float32, anything else
            in float64. Not modified.

        y : array-like of shape (n_samples,)
            Class labels.

        ignore : {array-like, sparse matrix} of shape (n_samples, n_features), \
                default=None
            Boolean (or 0/1) mask: ``ignore[i, j]`` is True when the model
            must not rely on feature ``j`` for row ``i``, i.e. the input
            gradient there is penalised. A sequence with one collection of
            feature indices (or names) per row is accepted too. Not modified.

        focus : {array-like, sparse matrix} of shape (n_samples, n_features), \
                default=None
            Boolean (or 0/1) mask of the features row ``i`` should be
            explained by: the input gradient on every *other* feature is
            penalised. Rows whose mask is all False get no focus penalty.
            With both masks the penalised features of a row are the union.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights, for the cross-entropy and the penalty
            alike. Rows of weight 0 are dropped before training, so they have
            no effect at all.

        Returns
        -------
        self : object
            The fitted classifier.
        """
        return self._fit_or_restore(
            X, y, ignore=ignore, focus=focus, sample_weight=sample_weight,
            incremental=False, classes=None,
        )

    @_fit_context(prefer_skip_nested_validation=True)
    def partial_fit(
        self,
        X: MatrixLike,
        y: ArrayLike,
        classes: ArrayLike | None = None,
        *,
        ignore: MatrixLike | None = None,
        focus: MatrixLike | None = None,
        sample_weight: ArrayLike | None = None,
    ) -> RRRClassifier:
        """Train one epoch on the given rows, continuing from the current weights.

        For fine-tuning a fitted network with feedback on a few rows, or for
        training on data that arrive in chunks. The optimiser's state is
        kept from call to call.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Training rows. Not modified.

        y : array-like of shape (n_samples,)
            Class labels, among ``classes``.

        classes : array-like of shape (n_classes,), default=None
            All classes, required on the first call (when the network is not
            fitted yet) and checked against ``classes_`` afterwards.

        ignore : {array-like, sparse matrix} of shape (n_samples, n_features), \
                default=None
            Features whose input gradient is penalised, as in :meth:`fit`.

        focus : {array-like, sparse matrix} of shape (n_samples, n_features), \
                default=None
            Features the explanation should rely on, as in :meth:`fit`.

        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative row weights, as in :meth:`fit`.

        Returns
        -------
        self : object
            The updated classifier.
        """
        return self._fit_or_restore(
            X, y, ignore=ignore, focus=focus, sample_weight=sample_weight,
            incremental=True, classes=classes,
        )

    def _fit_or_restore(self, X, y, **kwargs):
        """Fit, leaving the estimator as it was if anything fails."""
        state = self.__dict__.copy()
        try:
            return self._fit(X, y, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(state)
            raise

    def _fit(self, X, y, *, ignore, focus, sample_weight, incremental, classes):
        fitted = hasattr(self, "coefs_")
        resume = fitted and (incremental or self.warm_start)
        dtype = self.coefs_[0].dtype if resume else (np.float64, np.float32)
        X, y = validate_data(
            self, X, y, accept_sparse="csr", dtype=dtype, reset=not resume
        )
        check_classification_targets(y)
        classes_ = self._check_classes(y, classes, incremental, resume)
        y_index = np.searchsorted(classes_, y)
        n_samples, n_features = X.shape
        names = getattr(self, "feature_names_in_", None)
        ignore = check_mask(ignore, "ignore", n_samples, n_features, names)
        focus = check_mask(focus, "focus", n_samples, n_features, names)
        X, y_index, sample_weight, ignore, focus = _drop_zero_weight(
            X, y_index, sample_weight, ignore, focus
        )

        self._start(resume, incremental, classes_, n_features, X.dtype)
        validation = None
        if self.early_stopping and not incremental:
            (X, y_index, sample_weight, ignore, focus), validation = (
                self._split_validation(X, y_index, sample_weight, ignore, focus)
            )
        n_epochs = 1 if incremental else self.max_iter
        self._train(X, y_index, sample_weight, PenaltyMask(ignore, focus), n_epochs,
                    validation)
        return self

    def _start(self, resume, incremental, classes, n_features, dtype):
        """New weights, or copies of the current ones; the optimiser."""
        if resume:
            # Training updates arrays in place: work on copies, so that an
            # interrupted call leaves the previous model intact.
            self.coefs_ = [W.copy() for W in self.coefs_]
            self.intercepts_ = [b.copy() for b in self.intercepts_]
            self.loss_curve_ = list(self.loss_curve_)
            self._random_state = copy.deepcopy(self._random_state)
        else:
            self._random_state = check_random_state(self.random_state)
            self.classes_ = classes
            self._initialize(n_features, len(classes), dtype)
        if incremental and hasattr(self, "_optimizer"):
            self._optimizer = copy.deepcopy(self._optimizer)
        else:
            self._optimizer = self._make_optimizer()

    def _split_validation(self, X, y, sample_weight, ignore, focus):
        """Training arrays, and the validation rows ``(X, y, weight)``."""
        train, held_out = train_test_split(
            np.arange(X.shape[0]), test_size=self.validation_fraction, stratify=y,
            random_state=self._random_state,
        )
        train.sort()  # keep the rows' order, for shuffle=False

        def take(array, rows):
            return None if array is None else array[rows]

        self.validation_scores_ = list(getattr(self, "validation_scores_", None) or [])
        self.best_validation_score_ = -np.inf
        self.best_loss_ = None
        arrays = [take(a, train) for a in (X, y, sample_weight, ignore, focus)]
        return arrays, (X[held_out], y[held_out], take(sample_weight, held_out))

    def _check_classes(self, y, classes, incremental, resume):
        if incremental and not resume:
            if classes is None:
                raise ValueError(
                    "classes must be passed on the first call to partial_fit."
                )
            classes_ = unique_labels(classes)
        elif incremental:
            classes_ = self.classes_
            if classes is not None and not np.array_equal(
                classes_, unique_labels(classes)
            ):
                raise ValueError(
                    f"classes={classes!r} is not the same as on the first call to "
                    f"partial_fit, {self.classes_!r}."
                )
        else:
            classes_ = unique_labels(y)
            if resume and not np.array_equal(classes_, self.classes_):
                raise ValueError(
                    "warm_start can only be used where y has the same classes as "
                    f"in the previous call to fit: previously {self.classes_!r}, "
                    f"now {classes_!r}."
                )
        unknown = np.setdiff1d(np.unique(y), classes_)
        if unknown.size:
            raise ValueError(
                f"y contains labels {unknown.tolist()!r} that are not in classes "
                f"{classes_.tolist()!r}."
            )
        if classes_.size < 2:
            raise ValueError(
                "RRRClassifier needs samples of at least 2 classes in the data; "
                f"got only one class, {classes_.tolist()[0]!r}."
            )
        return classes_

    def _initialize(self, n_features, n_classes, dtype):
        """Glorot-uniform weights, as MLPClassifier draws them."""
        units = [n_features, *_hidden_sizes(self.hidden_layer_sizes), n_classes]
        factor = 2.0 if self.activation == "logistic" else 6.0
        rng = self._random_state
        self.coefs_, self.intercepts_ = [], []
        for fan_in, fan_out in pairwise(units):
            bound = np.sqrt(factor / (fan_in + fan_out))
            self.coefs_.append(
                rng.uniform(-bound, bound, (fan_in, fan_out)).astype(dtype)
            )
            self.intercepts_.append(rng.uniform(-bound, bound, fan_out).astype(dtype))
        self.n_layers_ = len(units)
        self.n_outputs_ = n_classes
        self.out_activation_ = "softmax"
        self.n_iter_, self.t_ = 0, 0
        self.loss_curve_ = []
        self.best_loss_ = np.inf
        self.validation_scores_ = self.best_validation_score_ = None
        self._no_improvement_count = 0

    def _make_optimizer(self):
        params = self.coefs_ + self.intercepts_
        if self.solver == "sgd":
            return SGDOptimizer(
                params, self.learning_rate_init, momentum=self.momentum,
                nesterov=self.nesterovs_momentum,
            )
        return AdamOptimizer(
            params, self.learning_rate_init, beta_1=self.beta_1,
            beta_2=self.beta_2, epsilon=self.epsilon,
        )

    def _train(self, X, y, sample_weight, masks, n_epochs, validation=None):
        """Minibatch epochs; the weights are updated in place."""
        n_samples = X.shape[0]
        batch_size = min(self.batch_size, n_samples)
        config = {
            "activation": self.activation,
            "penalty": float(self.penalty) if not masks.empty else 0.0,
            "alpha": float(self.alpha),
        }
        params = self.coefs_ + self.intercepts_
        order = np.arange(n_samples)
        for _ in range(n_epochs):
            if self.shuffle:
                # Each epoch permutes the previous order, as MLPClassifier does,
                # so that both draw the same batches from the same seed.
                order = order[self._random_state.permutation(n_samples)]
            total = 0.0
            for start in range(0, n_samples, batch_size):
                index = order[start : start + batch_size]
                loss, coef_grads, intercept_grads = loss_and_gradients(
                    self.coefs_, self.intercepts_, X[index], y[index],
                    sample_weight=None if sample_weight is None else sample_weight[index],
                    mask=masks.batch(index) if config["penalty"] else None,
                    config=config,
                )
                self._optimizer.update(params, coef_grads + intercept_grads)
                total += loss * index.size
            self.t_ += n_samples
            score = None if validation is None else self._validation_score(validation)
            if self._end_epoch(total / n_samples, score, stop_allowed=n_epochs > 1):
                break
        else:
            if n_epochs > 1:
                self._warn_max_iter()
        if validation is not None:
            self.coefs_, self.intercepts_ = self._best_weights

    def _validation_score(self, validation):
        X, y, weight = validation
        log_proba = forward(self.coefs_, self.intercepts_, X, self.activation)[1]
        return float(np.average(np.argmax(log_proba, axis=1) == y, weights=weight))

    def _warn_max_iter(self):
        warnings.warn(
            f"Stochastic Optimizer: Maximum iterations ({self.max_iter}) "
            "reached and the optimization hasn't converged yet.",
            ConvergenceWarning,
        )

    def _end_epoch(self, loss, score, stop_allowed):
        """Record the epoch's loss (and validation score); True to stop."""
        self.n_iter_ += 1
        self.loss_ = loss
        self.loss_curve_.append(loss)
        if self.verbose:
            print(f"Iteration {self.n_iter_}, loss = {loss:.8f}")
        if score is None:
            best = np.inf if self.best_loss_ is None else self.best_loss_
            improved = loss <= best - self.tol
            self.best_loss_ = min(best, loss)
        else:
            self.validation_scores_.append(score)
            improved = score >= self.best_validation_score_ + self.tol
            if score > self.best_validation_score_:
                self.best_validation_score_ = score
                self._best_weights = (
                    [W.copy() for W in self.coefs_],
                    [b.copy() for b in self.intercepts_],
                )
        self._no_improvement_count = 0 if improved else self._no_improvement_count + 1
        if stop_allowed and self._no_improvement_count > self.n_iter_no_change:
            if self.verbose:
                what = "Training loss" if score is None else "Validation score"
                print(
                    f"{what} did not improve more than tol={self.tol} for "
                    f"{self.n_iter_no_change} consecutive epochs. Stopping."
                )
            self._no_improvement_count = 0
            return True
        return False

    def _check_X(self, X):
        """Rows to predict or explain, in the weights' dtype."""
        check_is_fitted(self)
        X = validate_data(
            self, X, accept_sparse="csr", dtype=(np.float64, np.float32), reset=False
        )
        return X.astype(self.coefs_[0].dtype, copy=False)

    def _log_proba(self, X):
        X = self._check_X(X)
        return forward(self.coefs_, self.intercepts_, X, self.activation)[1]

    def score(
        self, X: MatrixLike, y: ArrayLike, sample_weight: ArrayLike | None = None
    ) -> float:
        """Mean accuracy on the rows ``X`` with labels ``y``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Test rows.

        y : array-like of shape (n_samples,)
            Their true labels.

        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows.

        Returns
        -------
        score : float
            The share of rows whose predicted label is ``y`` (weighted).
        """
        return super().score(X, y, sample_weight=sample_weight)

    def predict_log_proba(self, X: MatrixLike) -> NDArray[np.float64]:
        """Log-probability of each class.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to classify.

        Returns
        -------
        log_proba : ndarray of shape (n_samples, n_classes)
            ``log p_k(x)``, in the order of :attr:`classes_`.
        """
        return self._log_proba(X)

    def predict_proba(self, X: MatrixLike) -> NDArray[np.float64]:
        """Probability of each class.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to classify.

        Returns
        -------
        proba : ndarray of shape (n_samples, n_classes)
            Softmax probabilities, in the order of :attr:`classes_`.
        """
        return np.exp(self._log_proba(X))

    def predict(self, X: MatrixLike) -> NDArray:
        """Most probable class of each row.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to classify.

        Returns
        -------
        y_pred : ndarray of shape (n_samples,)
            Predicted labels.
        """
        log_proba = self._log_proba(X)  # checks that the model is fitted
        return self.classes_[np.argmax(log_proba, axis=1)]

    def input_gradients(self, X: MatrixLike) -> NDArray[np.float64]:
        """Input gradients ``∂ log p_k(x) / ∂x`` of every class.

        The explanation RRR constrains. The penalty of :meth:`fit` is on
        their sum over classes, ``input_gradients(X).sum(axis=1)``.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_samples, n_features)
            Rows to explain.

        Returns
        -------
        gradients : ndarray of shape (n_samples, n_classes, n_features)
            ``gradients[i, k, j]`` is the derivative of the log-probability
            of class ``classes_[k]`` at row ``i`` with respect to feature
            ``j``, in the dtype of the weights.
        """
        X = self._check_X(X)
        widest = max(W.shape[1] for W in self.coefs_[:-1]) if len(self.coefs_) > 1 else 1
        widest = max(widest, X.shape[1])
        block = max(1, _BLOCK_ELEMENTS // (len(self.classes_) * widest))
        n_samples = X.shape[0]
        out = np.empty(
            (n_samples, len(self.classes_), X.shape[1]), dtype=self.coefs_[0].dtype
        )
        for start in range(0, n_samples, block):
            stop = min(start + block, n_samples)
            out[start:stop] = _input_gradients(
                self.coefs_, self.intercepts_, X[start:stop], self.activation
            )
        return out

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.sparse = True
        return tags


def _hidden_sizes(hidden_layer_sizes):
    sizes = np.atleast_1d(np.asarray(hidden_layer_sizes, dtype=object)).tolist()
    for size in sizes:
        if not isinstance(size, Integral) or isinstance(size, bool) or size < 1:
            raise ValueError(
                "hidden_layer_sizes must hold positive integers; got "
                f"{hidden_layer_sizes!r}."
            )
    return [int(s) for s in sizes]


def _drop_zero_weight(X, y, sample_weight, ignore, focus):
    """Checked weights, and the rows of weight 0 removed (they cannot matter)."""
    if sample_weight is None:
        return X, y, None, ignore, focus
    sample_weight = _check_sample_weight(
        sample_weight, X, dtype=X.dtype, ensure_non_negative=True
    )
    keep = sample_weight > 0  # not all zero: _check_sample_weight says so
    if keep.all():
        return X, y, sample_weight, ignore, focus
    return (
        X[keep], y[keep], sample_weight[keep],
        None if ignore is None else ignore[keep],
        None if focus is None else focus[keep],
    )
