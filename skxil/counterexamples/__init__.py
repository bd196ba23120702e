"""Stage 4: counterexample generation.

:func:`make_counterexamples` turns corrected rows (a label plus the features the
model wrongly relied on) into copies in which those features are re-drawn and
the label is kept. Validation and every random draw live in ``_generator.py``;
the per-row work is done by numba kernels (``_kernels.py``) that equal their
NumPy twins (``_reference.py``) exactly; sparse rows stay sparse.
:func:`make_text_counterexamples` does the same for raw documents, changing
the corrected words (``_text.py``).
"""

from ._generator import COUNTEREXAMPLE_STRATEGIES, make_counterexamples
from ._text import TEXT_COUNTEREXAMPLE_STRATEGIES, make_text_counterexamples

__all__ = [
    "make_counterexamples",
    "make_text_counterexamples",
    "COUNTEREXAMPLE_STRATEGIES",
    "TEXT_COUNTEREXAMPLE_STRATEGIES",
]
