"""Data sets for explanatory interactive learning."""

from ._confounded import make_confounded_classification

__all__ = ["make_confounded_classification"]
