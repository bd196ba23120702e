"""Stage 2: explainers that return :class:`Explanation` objects.

- :class:`LimeExplainer`: lime's tabular and text explainers, with
  repeat-and-vote;
- :class:`FastLimeExplainer`: the same procedure (tabular, text, image) in
  numba kernels with one batched model call;
- :class:`LinearExplainer`: exact contributions ``coef_ * x`` of linear models;
- :class:`GradientExplainer`: input gradients of differentiable models (MLPs,
  RRR networks, linear models);
- :class:`TreeExplainer`: exact TreeSHAP values of tree ensembles;
- :class:`Stability`: how stable an explanation's top k is over repeated fits.
"""

from ._base import BaseExplainer
from ._explanation import Explanation
from ._fast_lime import FastLimeExplainer
from ._gradient import GradientExplainer, is_differentiable_model
from ._lime import LimeExplainer
from ._linear import LinearExplainer, is_linear_model
from ._stability import Stability
from ._tree import TreeExplainer, is_tree_model

__all__ = [
    "BaseExplainer",
    "Explanation",
    "FastLimeExplainer",
    "GradientExplainer",
    "LimeExplainer",
    "LinearExplainer",
    "Stability",
    "TreeExplainer",
    "is_differentiable_model",
    "is_linear_model",
    "is_tree_model",
]
