"""Stage 4b: estimators trained with explanation penalties.

:class:`RRRClassifier` is a multi-layer perceptron trained to be right for
the right reasons (Ross et al., 2017): besides the cross-entropy it penalises
the input gradients on the features a person marked, with ``ignore`` (do not
rely on these) or ``focus`` (rely on these only).
"""

from ._rrr import RRRClassifier

__all__ = ["RRRClassifier"]
