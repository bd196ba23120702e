"""Tests for skxil.datasets._decoy."""

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skxil.datasets import add_decoy, load_decoy_digits


def _corner_of(mask, patch):
    """Which corner a (h, w) mask covers: 0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right."""
    rows, cols = np.nonzero(mask)
    h, w = mask.shape
    assert rows.max() - rows.min() == patch - 1 and cols.max() - cols.min() == patch - 1
    top = rows.min() == 0
    left = cols.min() == 0
    assert (top or rows.max() == h - 1) and (left or cols.max() == w - 1)
    return (0 if top else 2) + (0 if left else 1)


def test_train_decoy_shade_encodes_the_label():
    rng = np.random.RandomState(0)
    images = rng.randint(0, 200, size=(50, 28, 28)).astype(np.uint8)
    labels = np.arange(50) % 10
    decoyed, masks = add_decoy(images, labels, random_state=0)
    assert decoyed.shape == images.shape and decoyed.dtype == np.uint8
    assert masks.shape == images.shape and masks.dtype == bool
    for img, mask, label in zip(decoyed, masks, labels):
        assert mask.sum() == 16
        assert np.all(img[mask] == 255 - 25 * label)
        _corner_of(mask, 4)
    # Pixels outside the patch are untouched.
    assert_array_equal(decoyed[~masks], images[~masks])


def test_input_is_not_modified_and_copy_is_returned():
    images = np.full((3, 6, 6), 7, dtype=np.uint8)
    before = images.copy()
    decoyed, _ = add_decoy(images, [0, 1, 2], patch=2, random_state=0)
    assert_array_equal(images, before)
    assert not np.shares_memory(decoyed, images)


def test_all_four_corners_are_used():
    images = np.zeros((200, 8, 8))
    _, masks = add_decoy(images, np.zeros(200, dtype=int), patch=3, random_state=0)
    corners = {_corner_of(m, 3) for m in masks}
    assert corners == {0, 1, 2, 3}


def test_test_mode_shade_is_independent_of_label():
    images = np.zeros((2000, 8, 8), dtype=np.uint8)
    labels = np.zeros(2000, dtype=int)
    decoyed, masks = add_decoy(images, labels, patch=2, train=False,
                               n_classes=10, random_state=0)
    shades = decoyed[masks].reshape(2000, 4)
    assert np.all(shades == shades[:, :1])
    assert set(np.unique(shades)) == set(255 - 25 * np.arange(10))


def test_flat_images_keep_their_layout():
    rng = np.random.RandomState(0)
    flat = rng.randint(0, 100, size=(5, 12)).astype(np.uint8)
    decoyed, masks = add_decoy(flat, [1, 2, 3, 4, 5], patch=2, shape=(3, 4), random_state=0)
    assert decoyed.shape == (5, 12) and masks.shape == (5, 12)
    three_d, masks_3d = add_decoy(flat.reshape(5, 3, 4), [1, 2, 3, 4, 5], patch=2,
                                  random_state=0)
    assert_array_equal(decoyed, three_d.reshape(5, 12))
    assert_array_equal(masks, masks_3d.reshape(5, 12))
    # Square flat images need no shape.
    sq, sq_masks = add_decoy(np.zeros((2, 16)), [0, 1], patch=2, random_state=0)
    assert sq.shape == (2, 16) and sq_masks.sum() == 8


def test_custom_shades_and_float_images():
    images = np.zeros((4, 4, 4))
    decoyed, masks = add_decoy(images, [0, 1, 2, 1], patch=1, shades=[0.2, 0.5, 0.9],
                               random_state=0)
    assert decoyed.dtype == np.float64
    assert_array_equal(decoyed[masks], [0.2, 0.5, 0.9, 0.5])


def test_reproducible():
    images = np.zeros((10, 5, 5), dtype=np.uint8)
    a = add_decoy(images, np.arange(10), patch=2, train=False, random_state=42)
    b = add_decoy(images, np.arange(10), patch=2, train=False, random_state=42)
    assert_array_equal(a[0], b[0])
    assert_array_equal(a[1], b[1])


@pytest.mark.parametrize(
    "images, labels, kwargs, message",
    [
        (np.zeros((2, 12)), [0, 1], {}, "Flat images with 12 pixels are not square; pass shape"),
        (np.zeros((2, 12)), [0, 1], {"shape": (5, 5)}, r"shape=\(5, 5\) does not match flat images with 12 pixels"),
        (np.zeros((2, 4, 4)), [0, 1], {"shape": (2, 8)}, r"shape=\(2, 8\) does not match the images' shape \(4, 4\)"),
        (np.zeros(5), [0], {}, r"images must have shape .* got an array with shape \(5,\)"),
        (np.zeros((2, 4, 4)), [0], {}, r"labels must have shape \(2,\), one per image; got \(1,\)"),
        (np.zeros((2, 4, 4)), [0, 1], {"patch": 5}, "patch=5 does not fit into 4 x 4 images"),
        (np.zeros((2, 4, 4)), [0, 1.5], {}, "labels must be integer class indices"),
        (np.zeros((2, 4, 4)), [0, 3], {"shades": [1, 2]}, r"labels must lie in 0, ..., 1; got values from 0 to 3"),
        (np.zeros((2, 4, 4)), [0, 1], {"shades": [1, 2], "n_classes": 3}, "shades has 2 entries but n_classes=3"),
        (np.zeros((2, 4, 4)), [0, 12], {}, "default shades 255 - 25 \\* k cover at most 11 classes"),
    ],
)
def test_add_decoy_errors(images, labels, kwargs, message):
    with pytest.raises(ValueError, match=message):
        add_decoy(images, labels, **kwargs)


def test_add_decoy_rejects_empty_shades():
    with pytest.raises(ValueError, match="shades must give the shade of at least one class"):
        add_decoy(np.zeros((2, 4, 4)), [0, 0], shades=[])


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"patch": 0}, r"'patch' parameter of add_decoy must be an int in the range \[1, inf\)"),
        ({"train": "yes"}, r"'train' parameter of add_decoy must be an instance of 'bool'"),
        ({"n_classes": 0}, r"'n_classes' parameter of add_decoy must be an int in the range \[1, inf\) or None"),
        ({"random_state": "0"}, r"'random_state' parameter of add_decoy must be"),
    ],
)
def test_add_decoy_parameter_validation(kwargs, message):
    with pytest.raises(ValueError, match=message):
        add_decoy(np.zeros((2, 4, 4)), [0, 1], **kwargs)


@pytest.mark.parametrize("test_size", [0, 1.0, 1.5])
def test_load_decoy_digits_rejects_bad_test_size(test_size):
    with pytest.raises(ValueError, match=r"'test_size' parameter of load_decoy_digits must be a float in the range \(0.0, 1.0\)"):
        load_decoy_digits(test_size=test_size)


def test_load_decoy_digits():
    X_train, X_test, y_train, y_test, mask_train, mask_test = load_decoy_digits(random_state=0)
    assert X_train.shape == (898, 64) and X_test.shape == (899, 64)
    assert X_train.dtype == np.uint8 and mask_train.dtype == bool
    assert mask_train.shape == X_train.shape and mask_test.shape == X_test.shape
    assert np.all(mask_train.sum(axis=1) == 4) and np.all(mask_test.sum(axis=1) == 4)
    shades_train = X_train[mask_train].reshape(-1, 4)[:, 0]
    assert_array_equal(shades_train, 255 - 25 * y_train)
    shades_test = X_test[mask_test].reshape(-1, 4)[:, 0]
    assert np.mean(shades_test == 255 - 25 * y_test) < 0.3
    assert set(np.unique(y_train)) == set(range(10))
    again = load_decoy_digits(random_state=0)
    assert_array_equal(again[0], X_train)
    assert_array_equal(again[5], mask_test)


def test_decoy_digits_fool_a_model_and_counterexamples_help():
    from sklearn.linear_model import RidgeClassifier

    from skxil import CaipiClassifier

    X_train, X_test, y_train, y_test, mask_train, _ = load_decoy_digits(random_state=0)
    plain = RidgeClassifier().fit(X_train, y_train)
    fixed = CaipiClassifier(RidgeClassifier(), n_counterexamples=3, random_state=0).fit(
        X_train, y_train, corrections=mask_train
    )
    # 0.85 -> 0.92: randomising the decoy pixels removes the shortcut.
    assert fixed.score(X_test, y_test) > plain.score(X_test, y_test) + 0.04
