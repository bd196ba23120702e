"""Stage 1: query strategies.

modAL-compatible functions that choose which pool rows to ask the user about.
Each takes ``(classifier, X, n_instances=1, ...)`` and returns
``(query_idx, scores)``, most informative row first.

- by class probabilities: uncertainty, margin and entropy sampling;
- baseline: random sampling;
- diverse batches: ranked batch-mode sampling (uncertainty and distance to the
  labelled and already picked rows);
- expected error reduction (Roy and McCallum), which refits per candidate;
- representativeness: information density and density-weighted sampling;
- query by committee: vote entropy, consensus entropy and maximum disagreement;
- by explanations: pairs of rows with different predictions and similar
  explanations (Nguyen & Ghose), and rows whose explanations rely on features
  the person corrected before.

Uncertainty, margin, entropy and random sampling also take a dask array or
dask DataFrame pool, scored block by block where its blocks are, and
:func:`score_pool` scores every row of one lazily.

Only ranked batch-mode sampling makes batches (``n_instances > 1``) diverse;
the others query the ``n_instances`` best-scored rows.
"""

from ._batch import ranked_batch_sampling
from ._committee import (
    consensus_entropy,
    consensus_entropy_sampling,
    max_disagreement,
    max_disagreement_sampling,
    vote_entropy,
    vote_entropy_sampling,
)
from ._density import density_weighted_sampling, information_density
from ._expected_error import expected_error_reduction
from ._explanation_based import explanation_pair_sampling, wrong_reason_sampling
from ._strategies import (
    entropy_sampling,
    margin_sampling,
    random_sampling,
    score_pool,
    uncertainty_sampling,
)

__all__ = [
    "consensus_entropy",
    "consensus_entropy_sampling",
    "density_weighted_sampling",
    "entropy_sampling",
    "expected_error_reduction",
    "explanation_pair_sampling",
    "information_density",
    "margin_sampling",
    "max_disagreement",
    "max_disagreement_sampling",
    "random_sampling",
    "ranked_batch_sampling",
    "score_pool",
    "uncertainty_sampling",
    "vote_entropy",
    "vote_entropy_sampling",
    "wrong_reason_sampling",
]
