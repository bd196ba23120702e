"""skxil: explanatory interactive learning (CAIPI) for scikit-learn.

An explanatory interactive learner runs five stages per round:

1. **query** (:mod:`skxil.query`): a query strategy picks rows of the
   unlabelled pool;
2. **explain** (:mod:`skxil.explain`): an explainer shows the model's
   prediction on each queried row with its top-k features;
3. **answer** (a person through :mod:`skxil.interactive`, or
   :mod:`skxil.simulate` in experiments): the label and, when the model is
   right for the wrong reasons, feedback on the reasons: the features it
   should ignore (a correction set) and/or those it should focus on;
4. **feedback into the model**, two ways: (a) **counterexamples**
   (:mod:`skxil.counterexamples`): copies of each corrected row with the
   wrong-reason features re-drawn, label unchanged; (b) **the loss**
   (:mod:`skxil.neural`): input-gradient penalties on the marked features
   for a differentiable model whose ``fit`` takes the masks;
5. **refit or update** (:mod:`skxil._training_set`): real rows plus
   counterexamples and masks, with provenance and weights, train (or, with
   ``incremental=True``, update) the wrapped estimator.

After training, :mod:`skxil.review` and :mod:`skxil.model_selection` review a
model's explanations and select models by the right reasons.

:class:`CaipiClassifier` orchestrates them as a scikit-learn meta-estimator.
"""

from importlib import metadata as _metadata

from ._caipi import CaipiClassifier
from ._training_set import TrainingSet
from .neural import RRRClassifier

try:
    __version__ = _metadata.version("skxil")
except _metadata.PackageNotFoundError:  # a source tree on sys.path, not installed
    __version__ = "0.1.0.dev0"

__all__ = ["CaipiClassifier", "RRRClassifier", "TrainingSet", "__version__"]
