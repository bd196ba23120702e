"""skxil: explanatory interactive learning (CAIPI) for scikit-learn.

An explanatory interactive learner runs five stages per round:

1. **query** (:mod:`skxil.query`): a query strategy picks rows of the
   unlabelled pool;
2. **explain** (:mod:`skxil.explain`): an explainer shows the model's
   prediction on each queried row with its top-k features;
3. **answer** (the user, or :mod:`skxil.simulate` in experiments): the label
   and, when the model is right for the wrong reasons, a correction set of
   features it should not rely on;
4. **counterexamples** (:mod:`skxil.counterexamples`): copies of each
   corrected row with the corrected features re-drawn, label unchanged;
5. **refit** (:mod:`skxil._training_set`): real rows plus counterexamples,
   with provenance and weights, train the wrapped estimator again.

:class:`CaipiClassifier` orchestrates them as a scikit-learn meta-estimator.
"""

from importlib import metadata as _metadata

from ._caipi import CaipiClassifier
from ._training_set import TrainingSet

try:
    __version__ = _metadata.version("skxil")
except _metadata.PackageNotFoundError:  # a source tree on sys.path, not installed
    __version__ = "0.1.0.dev0"

__all__ = ["CaipiClassifier", "TrainingSet", "__version__"]
