"""Tests for skxil.datasets._fashion."""

import gzip
import os

import numpy as np
import pytest
from numpy.testing import assert_array_equal

from skxil.datasets import load_fashion_mnist
from skxil.datasets._fashion import DEFAULT_FASHION_MNIST_PATH

NAMES = {
    "X_train": "train-images-idx3-ubyte.gz",
    "y_train": "train-labels-idx1-ubyte.gz",
    "X_test": "t10k-images-idx3-ubyte.gz",
    "y_test": "t10k-labels-idx1-ubyte.gz",
}


def _write_idx(path, array, magic=None):
    array = np.asarray(array, dtype=np.uint8)
    if magic is None:
        magic = 0x0800 + array.ndim
    header = magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.tobytes())


def _write_dataset(directory, rng, n_train=3, n_test=2, side=4):
    data = {
        "X_train": rng.randint(0, 256, size=(n_train, side, side)),
        "y_train": rng.randint(0, 10, size=n_train),
        "X_test": rng.randint(0, 256, size=(n_test, side, side)),
        "y_test": rng.randint(0, 10, size=n_test),
    }
    for key, array in data.items():
        _write_idx(directory / NAMES[key], array)
    return data


def test_round_trip_of_tiny_idx_files(tmp_path):
    data = _write_dataset(tmp_path, np.random.RandomState(0))
    X_train, y_train, X_test, y_test = load_fashion_mnist(tmp_path)
    assert X_train.dtype == y_train.dtype == np.uint8
    assert X_train.shape == (3, 16) and X_test.shape == (2, 16)
    assert_array_equal(X_train, data["X_train"].reshape(3, 16))
    assert_array_equal(y_train, data["y_train"])
    assert_array_equal(X_test, data["X_test"].reshape(2, 16))
    assert_array_equal(y_test, data["y_test"])
    # str paths work as well as Path objects.
    assert_array_equal(load_fashion_mnist(str(tmp_path))[1], data["y_train"])


def test_missing_file_message_names_file_and_remedy(tmp_path):
    _write_dataset(tmp_path, np.random.RandomState(0))
    os.remove(tmp_path / NAMES["y_test"])
    with pytest.raises(FileNotFoundError) as excinfo:
        load_fashion_mnist(tmp_path)
    message = str(excinfo.value)
    assert "t10k-labels-idx1-ubyte.gz" in message
    assert "apt-get install dataset-fashion-mnist" in message
    assert "path=" in message


def test_wrong_magic_number(tmp_path):
    _write_dataset(tmp_path, np.random.RandomState(0))
    # Labels written where images belong: magic 0x801 instead of 0x803.
    _write_idx(tmp_path / NAMES["X_train"], np.zeros(3))
    with pytest.raises(ValueError, match="has IDX magic number 0x00000801, expected 0x00000803"):
        load_fashion_mnist(tmp_path)


def test_truncated_file(tmp_path):
    _write_dataset(tmp_path, np.random.RandomState(0))
    with gzip.open(tmp_path / NAMES["y_train"], "wb") as f:
        f.write((0x801).to_bytes(4, "big") + (5).to_bytes(4, "big") + b"\x01\x02")
    with pytest.raises(ValueError, match=r"declares shape \(5,\) \(5 bytes\) but holds 2 bytes"):
        load_fashion_mnist(tmp_path)


def test_images_and_labels_must_agree(tmp_path):
    _write_dataset(tmp_path, np.random.RandomState(0))
    _write_idx(tmp_path / NAMES["y_test"], np.zeros(5))
    with pytest.raises(ValueError, match="The test split has 2 images but 5 labels"):
        load_fashion_mnist(tmp_path)


@pytest.mark.skipif(
    not os.path.isfile(os.path.join(DEFAULT_FASHION_MNIST_PATH, NAMES["y_test"])),
    reason="Fashion-MNIST not installed (apt-get install dataset-fashion-mnist)",
)
def test_real_files():
    X_train, y_train, X_test, y_test = load_fashion_mnist()
    assert X_train.shape == (60000, 784) and X_test.shape == (10000, 784)
    assert y_train.shape == (60000,) and y_test.shape == (10000,)
    assert_array_equal(np.bincount(y_train), np.full(10, 6000))
    assert_array_equal(np.bincount(y_test), np.full(10, 1000))
    assert X_train.max() == 255


def test_path_must_be_a_path():
    with pytest.raises(TypeError, match=r"'path' parameter of load_fashion_mnist must be an instance of 'str', an instance of 'os.PathLike' or None"):
        load_fashion_mnist(3)
