"""Explanation: the object every explainer returns, and how it shows itself."""

import base64
import re
import struct
import zlib

import numpy as np
import pytest

from skxil.explain import Explanation
from skxil.explain._plot import pixel_weights, png_bytes


def _tabular():
    return Explanation(
        "malignant",
        [2, 0],
        [0.7, -0.2],
        n_features_in=3,
        class_index=1,
        all_feature_names=["free <b>", "hello", "win"],
        proba=0.9,
        intercept=0.1,
        score=0.5,
        instance=[1.0, 2.0, 3.0],
    )


def _text():
    tokens = ["free", " ", "money", ", ", "free", "!"]
    return Explanation(
        1,
        [0, 1],
        [0.5, -0.1],
        n_features_in=2,
        all_feature_names=["free", "money"],
        tokens=tokens,
    )


def _image():
    segments = np.repeat(np.arange(4), 4).reshape(4, 4)
    return Explanation(
        7,
        [3, 0],
        [0.4, -0.2],
        n_features_in=4,
        shape=(4, 4),
        segments=segments,
        instance=np.arange(16.0),
    )


def test_constructor_stays_compatible():
    e = Explanation("spam", [2, 0], [0.7, -0.2], 3)
    assert e.as_list() == [("x2", 0.7), ("x0", -0.2)]
    assert e.shape is e.segments is e.instance is e.tokens is e.text is None
    assert e == Explanation("spam", [2, 0], [0.7, -0.2], 3)


def test_text_and_image_fields():
    assert _text().text == "free money, free!"
    e = _image()
    heat = pixel_weights(e)
    np.testing.assert_array_equal(heat[3], 0.4)
    np.testing.assert_array_equal(heat[0], -0.2)
    pixels = Explanation(0, [5], [1.0], n_features_in=16, shape=(4, 4))
    assert pixel_weights(pixels)[1, 1] == 1.0
    channels = Explanation(0, [1, 0], [1.0, 2.0], n_features_in=12, shape=(2, 2, 3))
    assert pixel_weights(channels)[0, 0] == 3.0


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(shape=(2,)), "shape must be"),
        (dict(segments=np.zeros((2, 2))), "segments needs shape"),
        (
            dict(shape=(2, 2), segments=np.full((2, 2), 9)),
            r"feature indices in \[0, 4\)",
        ),
        (dict(shape=(3, 3)), "one feature per pixel"),
        (dict(instance=[1.0]), "instance has 1 values, expected 4"),
    ],
)
def test_invalid_fields(kwargs, message):
    with pytest.raises(ValueError, match=message):
        Explanation(0, [0], [1.0], 4, **kwargs)


def test_html_of_a_tabular_explanation_is_a_signed_bar_chart():
    html = _tabular()._repr_html_()
    assert "Predicted: malignant (p = 0.900)" in html
    assert html.count("<rect") == 2
    assert "free &lt;b&gt; = 1" in html and "<b>" not in html  # escaped names
    assert "#1f77b4" in html and "#d62728" in html  # blue for, red against


def test_html_of_a_text_explanation_highlights_words():
    html = _text()._repr_html_()
    spans = re.findall(r"<span[^>]*>([^<]*)</span>", html)
    assert spans == ["free", "money", "free"]
    assert "rgba(31,119,180" in html and "rgba(214,39,40" in html


def _decode_png(data):
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    idat = data[data.index(b"IDAT") + 4 : data.index(b"IEND") - 8]
    raw = zlib.decompress(idat)
    assert len(raw) == height * (1 + 3 * width)
    return width, height


def test_html_of_an_image_explanation_is_a_heat_map():
    html = _image()._repr_html_()
    data = base64.b64decode(re.search(r"base64,([^\"]+)", html).group(1))
    assert _decode_png(data) == (224, 224)
    rgb = np.zeros((3, 5, 3), dtype=np.uint8)
    assert _decode_png(png_bytes(rgb)) == (5, 3)


@pytest.mark.parametrize("make", [_tabular, _text, _image])
def test_plot_with_matplotlib(make):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots()
    try:
        assert make().plot(ax=ax) is ax
        assert ax.get_title().startswith("Predicted:")
        if make is _tabular:
            labels = [t.get_text() for t in ax.get_yticklabels()]
            assert labels == ["win = 3", "free <b> = 1"]
            assert len(ax.patches) == 2
        if make is _image:
            assert len(ax.images) == 2
        assert make().plot() is not None  # on the current axes
    finally:
        plt.close("all")
