"""Type aliases for the annotations of the public API.

Annotations only: the modules that use these import them under ``TYPE_CHECKING``
with postponed evaluation, so nothing here runs when skxil is imported, and the
parameters are still validated at run time by ``validate_params`` and
``_parameter_constraints``.
"""

# Authors: The skxil developers
# License: BSD 3 clause

from os import PathLike
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["ArrayLike", "MatrixLike", "NDArray", "PathLike", "RandomStateLike"]

#: What ``check_random_state`` accepts.
RandomStateLike = int | np.random.RandomState | None

#: Rows for a model: an array-like, a scipy sparse matrix or a pandas DataFrame.
MatrixLike = Any
