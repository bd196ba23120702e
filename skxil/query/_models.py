"""The fitted model behind a classifier, for the pool's fast scoring paths."""

# Authors: The skxil developers
# License: BSD 3 clause


def plain_model(classifier):
    """The model whose ``predict_proba`` a fast path may replay, or None.

    A :class:`~skxil.CaipiClassifier` fitted on arrays predicts with its
    ``estimator_`` after checking the rows' shape, which the fast paths do;
    one fitted on documents or DataFrames encodes its rows first (None).
    """
    from .._caipi import CaipiClassifier  # which imports this package
    from .._inputs import ArrayInput

    if not isinstance(classifier, CaipiClassifier):
        return classifier
    if not hasattr(classifier, "estimator_") or (
        type(getattr(classifier, "_input", None)) is not ArrayInput
    ):
        return None
    return classifier.estimator_
