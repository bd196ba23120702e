"""Decoy images: a corner patch whose shade leaks the label (Ross et al., 2017)."""

# Authors: The skxil developers
# License: BSD 3 clause

from __future__ import annotations

import math
from numbers import Integral, Real
from typing import TYPE_CHECKING

import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, validate_params

if TYPE_CHECKING:
    from ..utils._typing import ArrayLike, NDArray, RandomStateLike

__all__ = ["add_decoy", "load_decoy_digits"]


def _image_shape(images, shape):
    """The (height, width) of the images and whether they are flat."""
    if images.ndim == 3:
        if shape is not None and tuple(shape) != images.shape[1:]:
            raise ValueError(
                f"shape={tuple(shape)} does not match the images' shape "
                f"{images.shape[1:]}."
            )
        return images.shape[1:], False
    if images.ndim != 2:
        raise ValueError(
            "images must have shape (n_images, height, width) or "
            f"(n_images, height * width); got an array with shape {images.shape}."
        )
    n_pixels = images.shape[1]
    if shape is None:
        side = math.isqrt(n_pixels)
        if side * side != n_pixels:
            raise ValueError(
                f"Flat images with {n_pixels} pixels are not square; pass "
                "shape=(height, width)."
            )
        return (side, side), True
    shape = tuple(int(s) for s in shape)
    if len(shape) != 2 or shape[0] * shape[1] != n_pixels:
        raise ValueError(
            f"shape={shape} does not match flat images with {n_pixels} pixels; "
            "it must be (height, width) with height * width == n_pixels."
        )
    return shape, True


def _check_labels(labels, n_images):
    """Labels as class indices, one per image."""
    labels = np.asarray(labels)
    if labels.shape != (n_images,):
        raise ValueError(
            f"labels must have shape ({n_images},), one per image; got "
            f"{labels.shape}."
        )
    if n_images and not np.all(np.equal(np.mod(labels, 1), 0)):
        raise ValueError("labels must be integer class indices 0, ..., n_classes - 1.")
    return labels.astype(np.intp)


def _class_shades(labels, shades, n_classes):
    """The shade of each class, and the number of classes."""
    if shades is None:
        if n_classes is None:
            # At least one class, so that negative labels are reported as out
            # of range below rather than as a bad n_classes.
            n_classes = max(int(labels.max()) + 1, 1) if labels.size else 1
        if n_classes > 11:
            raise ValueError(
                f"The default shades 255 - 25 * k cover at most 11 classes, got "
                f"n_classes={n_classes}; pass shades."
            )
        shades = 255 - 25 * np.arange(n_classes)
    else:
        shades = np.asarray(shades).reshape(-1)
        if shades.size == 0:
            raise ValueError("shades must give the shade of at least one class.")
        if n_classes is None:
            n_classes = shades.shape[0]
        if shades.shape[0] != n_classes:
            raise ValueError(
                f"shades has {shades.shape[0]} entries but n_classes={n_classes}."
            )
    if labels.size and (labels.min() < 0 or labels.max() >= n_classes):
        raise ValueError(
            f"labels must lie in 0, ..., {n_classes - 1}; got values from "
            f"{labels.min()} to {labels.max()}."
        )
    return shades, n_classes


def _paint(images, corners, shades, patch):
    """Copies of the (n, height, width) images with a patch in the given corners."""
    n_images, height, width = images.shape
    decoyed = images.copy()
    masks = np.zeros(images.shape, dtype=bool)
    top = np.where(corners // 2 == 0, 0, height - patch)
    left = np.where(corners % 2 == 0, 0, width - patch)
    offsets = np.arange(patch)
    rows = (top[:, None] + offsets)[:, :, None]  # (n, patch, 1)
    cols = (left[:, None] + offsets)[:, None, :]  # (n, 1, patch)
    index = np.arange(n_images)[:, None, None]
    masks[index, rows, cols] = True
    decoyed[index, rows, cols] = shades.astype(images.dtype)[:, None, None]
    return decoyed, masks


@validate_params(
    {
        "images": ["array-like"],
        "labels": ["array-like"],
        "patch": [Interval(Integral, 1, None, closed="left")],
        "train": ["boolean"],
        "shape": ["array-like", None],
        "shades": ["array-like", None],
        "n_classes": [Interval(Integral, 1, None, closed="left"), None],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def add_decoy(
    images: ArrayLike,
    labels: ArrayLike,
    *,
    patch: int = 4,
    train: bool = True,
    shape: tuple[int, int] | None = None,
    shades: ArrayLike | None = None,
    n_classes: int | None = None,
    random_state: RandomStateLike = None,
) -> tuple[NDArray, NDArray[np.bool_]]:
    """Paint a decoy patch, whose shade reveals the label, into a corner of each image.

    The decoy of Ross et al.'s *decoy MNIST* (2017), which CAIPI (Teso and
    Kersting, 2019) reuses on Fashion-MNIST: a ``patch x patch`` square in one
    of the four corners, chosen uniformly at random for every image, is
    overwritten with a flat shade. In training (``train=True``) the shade is
    ``shades[label]``, so it leaks the label and a model can be right for the
    wrong reason; in test (``train=False``) it is the shade of a class drawn
    uniformly at random, independently of the label, so the decoy carries no
    information and a model that relies on it loses accuracy.

    Parameters
    ----------
    images : array-like of shape (n_images, height, width) or \
            (n_images, height * width)
        Grey-scale images, for instance ``uint8`` in ``0, ..., 255``. Flat
        images are rows of pixels in row-major order; give ``shape`` unless
        they are square. Not modified.

    labels : array-like of int of shape (n_images,)
        Class of each image, in ``0, ..., n_classes - 1``.

    patch : int, default=4
        Side of the square decoy patch, in pixels (Ross et al. use 4 on
        28 x 28 images).

    train : bool, default=True
        If True the shade depends on the label (the training split); if False
        it is the shade of a random class (the test split).

    shape : tuple of (int, int), default=None
        ``(height, width)`` of flat images. ``None`` means square images.
        Ignored (but checked) for images given as 3-D arrays.

    shades : array-like of shape (n_classes,), default=None
        Shade of the patch for each class, in the images' value range.
        ``None`` means Ross et al.'s ``255 - 25 * k`` for class ``k`` (255 for
        class 0 down to 30 for class 9), which suits ``uint8`` images and up
        to 11 classes.

    n_classes : int, default=None
        Number of classes, from which a random class is drawn when
        ``train=False``. ``None`` means ``len(shades)`` when ``shades`` is
        given and ``max(labels) + 1`` otherwise; pass it when a test split
        may miss the last class.

    random_state : int, RandomState instance or None, default=None
        Determines the corners and, when ``train=False``, the shades. Pass an
        int for reproducible output.

    Returns
    -------
    decoyed : ndarray of the same shape and dtype as ``images``
        A copy of the images with the decoy patch painted in.

    masks : ndarray of bool of the same shape as ``images``
        True on the decoy pixels of each image: the features a user would
        mark as irrelevant (the correction set for
        :meth:`skxil.CaipiClassifier.fit`, once flattened).

    See Also
    --------
    load_decoy_digits : Decoy images from scikit-learn's bundled digits.

    Examples
    --------
    >>> import numpy as np
    >>> from skxil.datasets import add_decoy
    >>> images = np.zeros((2, 6, 6), dtype=np.uint8)
    >>> decoyed, masks = add_decoy(images, [0, 3], patch=2, random_state=0)
    >>> masks.sum(axis=(1, 2))
    array([4, 4])
    >>> decoyed[masks].reshape(2, 4)
    array([[255, 255, 255, 255],
           [180, 180, 180, 180]], dtype=uint8)
    >>> int(images.sum())  # the input is untouched
    0
    """
    images = np.asarray(images)
    (height, width), flat = _image_shape(images, shape)
    n_images = images.shape[0]
    labels = _check_labels(labels, n_images)
    if patch > min(height, width):
        raise ValueError(
            f"patch={patch} does not fit into {height} x {width} images."
        )
    shades, n_classes = _class_shades(labels, shades, n_classes)
    rng = check_random_state(random_state)
    corners = rng.randint(4, size=n_images)
    classes = labels if train else rng.randint(n_classes, size=n_images)
    decoyed, masks = _paint(
        images.reshape(n_images, height, width), corners, shades[classes], patch
    )
    if flat:
        return decoyed.reshape(images.shape), masks.reshape(images.shape)
    return decoyed, masks


@validate_params(
    {
        "patch": [Interval(Integral, 1, None, closed="left")],
        "test_size": [Interval(Real, 0, 1, closed="neither")],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def load_decoy_digits(
    *, patch: int = 2, test_size: float = 0.5, random_state: RandomStateLike = None
) -> tuple[NDArray, NDArray, NDArray, NDArray, NDArray[np.bool_], NDArray[np.bool_]]:
    """Decoy digits: scikit-learn's bundled 8 x 8 digits with a decoy patch.

    A small, offline stand-in for decoy MNIST. The 1797 digits of
    :func:`sklearn.datasets.load_digits` (values 0 to 16) are rescaled to
    ``uint8`` in ``0, ..., 255`` (``round(x * 255 / 16)``), split into a
    stratified training and test split, and given a decoy with
    :func:`add_decoy`: in training the shade of a ``patch x patch`` corner
    square is ``255 - 25 * digit``, in test it is the shade of a random digit.

    Parameters
    ----------
    patch : int, default=2
        Side of the square decoy patch, in pixels.

    test_size : float, default=0.5
        Fraction of the digits in the test split, strictly between 0 and 1.

    random_state : int, RandomState instance or None, default=None
        Determines the split, the corners and the test shades. Pass an int
        for reproducible output.

    Returns
    -------
    X_train : ndarray of shape (n_train, 64), dtype=uint8
        Training images, flat in row-major order, with a decoy that leaks the
        label.

    X_test : ndarray of shape (n_test, 64), dtype=uint8
        Test images with an uninformative decoy.

    y_train : ndarray of shape (n_train,), dtype=int64
        Training digits.

    y_test : ndarray of shape (n_test,), dtype=int64
        Test digits.

    mask_train : ndarray of shape (n_train, 64), dtype=bool
        Decoy pixels of each training image: the corrections to pass to
        :meth:`skxil.CaipiClassifier.fit`.

    mask_test : ndarray of shape (n_test, 64), dtype=bool
        Decoy pixels of each test image.

    See Also
    --------
    add_decoy : Add a decoy to any images.
    load_fashion_mnist : Fashion-MNIST, for the full-size experiment.

    Examples
    --------
    >>> from sklearn.linear_model import LogisticRegression
    >>> from skxil.datasets import load_decoy_digits
    >>> X_train, X_test, y_train, y_test, mask_train, mask_test = (
    ...     load_decoy_digits(random_state=0))
    >>> X_train.shape, X_test.shape, mask_train.shape
    ((898, 64), (899, 64), (898, 64))
    >>> int(mask_train.sum(axis=1).max())
    4
    """
    rng = check_random_state(random_state)
    seeds = rng.randint(np.iinfo(np.int32).max, size=3)
    digits = load_digits()
    images = np.round(digits.data * (255.0 / 16.0)).astype(np.uint8)
    y = digits.target.astype(np.int64)
    X_train, X_test, y_train, y_test = train_test_split(
        images, y, test_size=test_size, stratify=y, random_state=seeds[0]
    )
    X_train, mask_train = add_decoy(
        X_train, y_train, patch=patch, train=True, n_classes=10,
        random_state=seeds[1],
    )
    X_test, mask_test = add_decoy(
        X_test, y_test, patch=patch, train=False, n_classes=10,
        random_state=seeds[2],
    )
    return X_train, X_test, y_train, y_test, mask_train, mask_test
