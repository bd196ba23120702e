"""Stage 4b: feedback masks handed to the loss of an estimator that takes them.

An estimator whose ``fit`` has ``ignore`` or ``focus`` parameters (such as
:class:`~skxil.neural.RRRClassifier`) penalises, per row, its input gradient
on the features a person marked. Behind a Pipeline the masks must follow the
features through the earlier steps: feature-wise steps keep them (a one-hot
encoder spreads a column's mark over its indicator columns); a step that
mixes features (PCA, polynomial features, a vectorizer) leaves no input
feature to mark, which is refused.
"""

from sklearn.pipeline import Pipeline
from sklearn.utils.validation import has_fit_parameter

from .explain._linear import _owners

MASK_PARAMS = ("ignore", "focus")


def final_step(estimator):
    """The step that is fitted last (the estimator itself unless a Pipeline,
    the last step of the innermost one otherwise)."""
    if isinstance(estimator, Pipeline):
        return final_step(estimator.steps[-1][1])
    return estimator


def accepted_masks(estimator, masks):
    """The masks of ``masks`` whose name the final step's ``fit`` takes."""
    final = final_step(estimator)
    return {
        name: mask for name, mask in masks.items() if has_fit_parameter(final, name)
    }


def fit_with_masks(estimator, X, y, masks, params):
    """Fit ``estimator`` with feedback masks in its loss; return it.

    ``masks`` maps ``"ignore"`` / ``"focus"`` to masks over the columns of
    ``X``; ``params`` are the other fit parameters, in Pipeline form
    (``step__name``) for a Pipeline.
    """
    if not isinstance(estimator, Pipeline):
        return estimator.fit(X, y, **params, **masks)
    # The masks are over the raw columns: fit the featurizing steps first, so
    # that their fitted state says which raw column each output column reads.
    name, final = estimator.steps[-1]
    head = estimator[:-1]
    own = {k[len(name) + 2 :]: v for k, v in params.items() if k.startswith(name + "__")}
    rest = {k: v for k, v in params.items() if not k.startswith(name + "__")}
    Xt = X
    if len(head):
        Xt = head.fit_transform(X, y, **rest)
        masks = _masks_through(head, (X.shape[1], Xt.shape[1]), final, masks)
    if isinstance(final, Pipeline):
        fit_with_masks(final, Xt, y, masks, own)
    else:
        final.fit(Xt, y, **own, **masks)
    return estimator


def through_steps(estimator, X, masks):
    """``(final, Xt, masks)``: the fitted ``estimator``'s last step (inside
    nested Pipelines), the rows as it reads them and the masks following the
    raw columns to its columns (see :func:`fit_with_masks`)."""
    while isinstance(estimator, Pipeline):
        head, final = estimator[:-1], estimator.steps[-1][1]
        if len(head):
            Xt = head.transform(X)
            if masks:
                masks = _masks_through(head, (X.shape[1], Xt.shape[1]), final, masks)
            X = Xt
        estimator = final
    return estimator, X, masks


def _masks_through(head, widths, final, masks):
    """``masks`` over the output columns of the fitted steps ``head``, whose
    ``widths = (n_in, n_out)``: each output column gets the mark of the raw
    column it reads; an error if a column mixes raw columns."""
    n_in, n_out = widths
    owner = _owners(head, n_in)
    if owner is None or len(owner) != n_out:
        raise ValueError(_mixing_message(head, n_in, final, masks))
    return {k: m[:, owner] for k, m in masks.items()}


def _mixing_message(head, n_in, final, masks):
    culprit = next(
        (
            f"step {step_name!r} ({type(step).__name__})"
            for step_name, step in head.steps
            if _owners(step, getattr(step, "n_features_in_", n_in)) is None
        ),
        "an earlier step",
    )
    kinds = " and ".join(f"'{k}'" for k in masks)
    return (
        f"{type(final).__name__}.fit takes {kinds} masks, which mark input "
        f"features, but {culprit} mixes features: a column of its output has "
        "no single input feature, so the masks cannot follow it. Put only "
        "feature-wise steps (scalers, imputers, one-hot encoding, column "
        "selection) before the model, or use an estimator without masks to "
        "get the feedback as counterexamples."
    )
