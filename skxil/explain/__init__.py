"""Stage 2: explainers that return :class:`Explanation` objects."""

from ._base import BaseExplainer
from ._explanation import Explanation
from ._lime import LimeExplainer

__all__ = ["BaseExplainer", "Explanation", "LimeExplainer"]
