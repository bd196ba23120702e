"""Rendering of explanations: HTML for notebooks and matplotlib plots.

The HTML needs nothing beyond the standard library (images are embedded as
PNG written here); matplotlib is imported only by :func:`plot_explanation`.
"""

import base64
import html
import struct
import zlib

import numpy as np

POSITIVE = (31, 119, 180)  # blue: evidence for the predicted class
NEGATIVE = (214, 39, 40)  # red: evidence against it


def _hex(rgb):
    return "#%02x%02x%02x" % rgb


def _title(e):
    title = f"Predicted: {e.predicted_class}"
    if e.proba is not None:
        title += f" (p = {e.proba:.3f})"
    if e.stability is not None:
        title += f", stability {e.stability.score:.2f}"
    return title


def _frequencies(e):
    """Each shown feature's selection frequency as text (``"80%"``), or None."""
    if e.stability is None:
        return None
    return [f"{100 * f:.0f}%" for f in e.stability.frequency]


def _labels(e):
    """Feature labels; tabular rows show their value when it is known."""
    labels = []
    for j in e.features:
        name = e._label(j)
        if e.instance is not None and e.shape is None and e.tokens is None:
            name = f"{name} = {e.instance[j]:.4g}"
        labels.append(name)
    return labels


# ----------------------------------------------------------------- images
def pixel_weights(e):
    """The explanation's weights as an array of shape (height, width)."""
    full = np.zeros(e.n_features_in)
    full[e.features] = e.weights
    h, w = e.shape[:2]
    if e.segments is not None:
        return full[e.segments]
    if e.n_features_in == h * w:
        return full.reshape(h, w)
    return full.reshape(h, w, -1).sum(axis=2)


def _background(e):
    """Gray image in [0, 1] of shape (height, width), or None."""
    if e.instance is None:
        return None
    image = e.instance.reshape(e.shape)
    if image.ndim == 3:
        image = image.mean(axis=2)
    lo, hi = image.min(), image.max()
    return (image - lo) / (hi - lo) if hi > lo else np.zeros_like(image)


def _heat_rgb(e):
    heat = pixel_weights(e)
    scale = np.abs(heat).max()
    alpha = np.abs(heat) / scale * 0.75 if scale > 0 else np.zeros_like(heat)
    gray = _background(e)
    base = (
        np.full(heat.shape + (3,), 255.0)
        if gray is None
        else (np.repeat(gray[..., None], 3, axis=2) * 255.0)
    )
    color = np.where(
        (heat >= 0)[..., None], np.array(POSITIVE, float), np.array(NEGATIVE, float)
    )
    rgb = base * (1 - alpha[..., None]) + color * alpha[..., None]
    return np.clip(np.rint(rgb), 0, 255).astype(np.uint8)


def png_bytes(rgb):
    """Encode an RGB uint8 array of shape (height, width, 3) as PNG."""
    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + np.ascontiguousarray(rgb[r]).tobytes() for r in range(h))

    def chunk(tag, data):
        return (
            struct.pack(">I", len(data))
            + tag
            + data
            + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
        )

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(raw, 9))
        + chunk(b"IEND", b"")
    )


# ------------------------------------------------------------------- HTML
def _bars_svg(e, width=520, row=22):
    labels = _labels(e)
    if not labels:
        return "<p><em>No features.</em></p>"
    scale = max(abs(w) for w in e.weights) or 1.0
    label_w, value_w = 220, 64
    frequencies = _frequencies(e)
    if frequencies is not None:
        value_w += 44
    half = (width - label_w - value_w) / 2
    center = label_w + half
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{row * len(labels) + 6}" style="font: 12px sans-serif">'
    ]
    for i, (label, w) in enumerate(zip(labels, e.weights)):
        y = 3 + i * row
        length = abs(w) / scale * (half - 4)
        x = center if w >= 0 else center - length
        color = _hex(POSITIVE if w >= 0 else NEGATIVE)
        text = html.escape(label if len(label) <= 34 else label[:33] + "\u2026")
        parts.append(
            f'<text x="{label_w - 6}" y="{y + row * 0.68:.1f}" '
            f'text-anchor="end">{text}<title>{html.escape(label)}</title></text>'
            f'<rect x="{x:.1f}" y="{y + 3}" width="{max(length, 0.5):.1f}" '
            f'height="{row - 6}" fill="{color}"/>'
            f'<text x="{width - 4}" y="{y + row * 0.68:.1f}" text-anchor="end">'
            f"{w:+.3g}</text>"
        )
        if frequencies is not None:
            parts.append(
                f'<text x="{width - 68}" y="{y + row * 0.68:.1f}" '
                f'text-anchor="end" fill="#777">{frequencies[i]}<title>'
                "selected in this share of the runs</title></text>"
            )
    parts.append(
        f'<line x1="{center}" x2="{center}" y1="0" y2="{row * len(labels) + 6}" '
        'stroke="#444" stroke-width="1"/></svg>'
    )
    return "".join(parts)


def _text_html(e):
    weight = dict(zip(e.feature_names, e.weights))
    scale = max((abs(w) for w in e.weights), default=0.0) or 1.0
    out = []
    for token in e.tokens:
        escaped = html.escape(token)
        if token in weight:
            w = weight[token]
            r, g, b = POSITIVE if w >= 0 else NEGATIVE
            alpha = 0.15 + 0.65 * abs(w) / scale
            out.append(
                f'<span style="background: rgba({r},{g},{b},{alpha:.2f}); '
                f'border-radius: 3px" title="{w:+.3g}">{escaped}</span>'
            )
        else:
            out.append(escaped)
    return '<p style="line-height: 1.6; white-space: pre-wrap">' + "".join(out) + "</p>"


def _image_html(e, size=224):
    rgb = _heat_rgb(e)
    h, w = rgb.shape[:2]
    zoom = max(1, size // max(h, w))
    rgb = np.repeat(np.repeat(rgb, zoom, axis=0), zoom, axis=1)
    data = base64.b64encode(png_bytes(rgb)).decode("ascii")
    return (
        f'<img src="data:image/png;base64,{data}" width="{rgb.shape[1]}" '
        f'height="{rgb.shape[0]}" style="image-rendering: pixelated" '
        'alt="explanation heat map"/>'
    )


def explanation_html(e):
    """HTML view of an explanation (``Explanation._repr_html_``)."""
    parts = [
        '<div class="skxil-explanation">',
        f"<p><strong>{html.escape(_title(e))}</strong></p>",
    ]
    if e.tokens is not None:
        parts.append(_text_html(e))
    if e.shape is not None:
        parts.append(_image_html(e))
    parts.append(_bars_svg(e))
    parts.append("</div>")
    return "".join(parts)


# ------------------------------------------------------------- matplotlib
def plot_explanation(e, ax=None):
    """Draw an explanation on matplotlib axes (``Explanation.plot``)."""
    import matplotlib.pyplot as plt

    if ax is None:
        ax = plt.gca()
    if e.shape is not None:
        gray = _background(e)
        if gray is not None:
            ax.imshow(gray, cmap="gray", interpolation="nearest")
        heat = pixel_weights(e)
        limit = np.abs(heat).max() or 1.0
        ax.imshow(
            np.ma.masked_equal(heat, 0.0),
            cmap="RdBu",
            vmin=-limit,
            vmax=limit,
            alpha=0.7,
            interpolation="nearest",
        )
        ax.set_xticks([])
        ax.set_yticks([])
    else:
        labels = _labels(e)
        frequencies = _frequencies(e)
        if frequencies is not None:
            # each feature's selection frequency over the runs
            labels = [f"{label} [{f}]" for label, f in zip(labels, frequencies)]
        positions = np.arange(len(labels))
        colors = [
            tuple(c / 255 for c in (POSITIVE if w >= 0 else NEGATIVE))
            for w in e.weights
        ]
        ax.barh(positions, e.weights, color=colors)
        ax.set_yticks(positions)
        ax.set_yticklabels(labels)
        ax.invert_yaxis()
        ax.axvline(0.0, color="#444", linewidth=0.8)
        ax.set_xlabel(f"weight towards {e.predicted_class}")
    ax.set_title(_title(e))
    return ax
