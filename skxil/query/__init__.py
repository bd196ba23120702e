"""Stage 1: query strategies.

modAL-compatible functions that choose which pool rows to ask the user about.
Each takes ``(classifier, X, n_instances=1, ...)`` and returns
``(query_idx, scores)``, most informative row first.
"""

from ._explanation_based import explanation_pair_sampling, wrong_reason_sampling
from ._strategies import (
    entropy_sampling,
    margin_sampling,
    random_sampling,
    uncertainty_sampling,
)

__all__ = [
    "entropy_sampling",
    "explanation_pair_sampling",
    "margin_sampling",
    "random_sampling",
    "uncertainty_sampling",
    "wrong_reason_sampling",
]
