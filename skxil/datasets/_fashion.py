"""Loader for Fashion-MNIST from local IDX files (nothing is downloaded)."""

# Authors: The skxil developers
# License: BSD 3 clause

from __future__ import annotations

import gzip
import os
from typing import TYPE_CHECKING

import numpy as np
from sklearn.utils._param_validation import validate_params

if TYPE_CHECKING:
    from ..utils._typing import NDArray, PathLike

__all__ = ["load_fashion_mnist"]

DEFAULT_FASHION_MNIST_PATH = "/usr/share/datasets/fashion-mnist"

_FILES = {
    "X_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "X_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}

# IDX magic numbers: two zero bytes, the type code 0x08 (unsigned byte) and the
# number of dimensions.
_IMAGES_MAGIC = 0x00000803
_LABELS_MAGIC = 0x00000801


def _read_idx(filename, magic):
    """Read one gzipped IDX file of unsigned bytes; check its magic and size."""
    with gzip.open(filename, "rb") as f:
        data = f.read()
    n_dims = magic & 0xFF
    header = 4 * (1 + n_dims)
    found = int.from_bytes(data[:4], "big") if len(data) >= 4 else None
    if found is None:
        raise ValueError(f"{filename} is too short to be an IDX file.")
    if found != magic:
        raise ValueError(
            f"{filename} has IDX magic number {found:#010x}, expected {magic:#010x} "
            f"(unsigned bytes, {n_dims} dimension{'s' if n_dims > 1 else ''})."
        )
    if len(data) < header:
        raise ValueError(f"{filename} is too short to be an IDX file.")
    dims = [int.from_bytes(data[4 * (i + 1) : 4 * (i + 2)], "big") for i in range(n_dims)]
    expected = int(np.prod(dims))
    if len(data) - header != expected:
        raise ValueError(
            f"{filename} declares shape {tuple(dims)} ({expected} bytes) but holds "
            f"{len(data) - header} bytes of data."
        )
    return np.frombuffer(data, dtype=np.uint8, offset=header).reshape(dims).copy()


@validate_params(
    {"path": [str, os.PathLike, None]}, prefer_skip_nested_validation=True
)
def load_fashion_mnist(
    path: str | PathLike | None = None,
) -> tuple[NDArray[np.uint8], NDArray[np.uint8], NDArray[np.uint8], NDArray[np.uint8]]:
    """Load Fashion-MNIST from its four gzipped IDX files.

    Nothing is downloaded: the files are read from ``path``. On Debian and
    Ubuntu, ``apt-get install dataset-fashion-mnist`` installs them into the
    default directory; otherwise download them from
    https://github.com/zalandoresearch/fashion-mnist and pass their directory.

    Parameters
    ----------
    path : str or path-like, default=None
        Directory holding ``train-images-idx3-ubyte.gz``,
        ``train-labels-idx1-ubyte.gz``, ``t10k-images-idx3-ubyte.gz`` and
        ``t10k-labels-idx1-ubyte.gz``. ``None`` means
        ``/usr/share/datasets/fashion-mnist``, where Debian's
        ``dataset-fashion-mnist`` package puts them.

    Returns
    -------
    X_train : ndarray of shape (60000, 784), dtype=uint8
        Training images, 28 x 28 pixels flattened in row-major order, values
        0 to 255.

    y_train : ndarray of shape (60000,), dtype=uint8
        Training labels 0 to 9 (T-shirt/top, trouser, pullover, dress, coat,
        sandal, shirt, sneaker, bag, ankle boot).

    X_test : ndarray of shape (10000, 784), dtype=uint8
        Test images.

    y_test : ndarray of shape (10000,), dtype=uint8
        Test labels.

    Raises
    ------
    FileNotFoundError
        If one of the four files is missing; the message names it and says how
        to install the data.

    ValueError
        If a file is not an IDX file of the expected kind (wrong magic number
        or size), or images and labels disagree in number.

    See Also
    --------
    add_decoy : Turn the images into decoy Fashion-MNIST.

    Examples
    --------
    >>> from skxil.datasets import load_fashion_mnist
    >>> X_train, y_train, X_test, y_test = load_fashion_mnist()  # doctest: +SKIP
    >>> X_train.shape, X_test.shape  # doctest: +SKIP
    ((60000, 784), (10000, 784))
    """
    directory = os.fspath(DEFAULT_FASHION_MNIST_PATH if path is None else path)
    for name in _FILES.values():
        filename = os.path.join(directory, name)
        if not os.path.isfile(filename):
            raise FileNotFoundError(
                f"Fashion-MNIST file {filename!r} not found. Install the data with "
                "'apt-get install dataset-fashion-mnist' (Debian/Ubuntu) or download "
                "the four IDX files from https://github.com/zalandoresearch/"
                "fashion-mnist and pass their directory as path=."
            )
    arrays = {}
    for key, name in _FILES.items():
        magic = _IMAGES_MAGIC if key.startswith("X") else _LABELS_MAGIC
        arrays[key] = _read_idx(os.path.join(directory, name), magic)
    for split in ("train", "test"):
        X, y = arrays[f"X_{split}"], arrays[f"y_{split}"]
        if X.shape[0] != y.shape[0]:
            raise ValueError(
                f"The {split} split has {X.shape[0]} images but {y.shape[0]} labels."
            )
        arrays[f"X_{split}"] = X.reshape(X.shape[0], -1)
    return arrays["X_train"], arrays["y_train"], arrays["X_test"], arrays["y_test"]
