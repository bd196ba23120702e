"""Data sets for explanatory interactive learning.

Synthetic problems with a known ground truth (which features are relevant),
decoy images, and loaders that read local files (nothing is downloaded).
"""

from ._colors import SameColorFeatures, make_colors
from ._confounded import make_confounded_classification
from ._decoy import add_decoy, load_decoy_digits
from ._fashion import load_fashion_mnist
from ._table import make_confounded_table

__all__ = [
    "SameColorFeatures",
    "add_decoy",
    "load_decoy_digits",
    "load_fashion_mnist",
    "make_colors",
    "make_confounded_classification",
    "make_confounded_table",
]
