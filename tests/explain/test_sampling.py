"""The fast samplers reproduce lime's perturbation distributions."""

import numpy as np
import pytest
from scipy.stats import ks_2samp
from sklearn.datasets import load_breast_cancer

from skxil.explain._sampling import ImageSampler, TabularSampler, TabularTables
from skxil.explain._utils import split_document

lime_tabular = pytest.importorskip("lime.lime_tabular")
lime_text = pytest.importorskip("lime.lime_text")


@pytest.fixture(scope="module")
def cancer():
    return load_breast_cancer(return_X_y=True)[0]


def test_bins_match_limes_quartile_discretizer(cancer):
    X = cancer[:300]
    lime = lime_tabular.LimeTabularExplainer(X, random_state=0)
    disc = lime.discretizer
    tables = TabularTables(X)
    B = tables.bins
    for j in range(X.shape[1]):
        n_bins = len(disc.means[j])
        np.testing.assert_array_equal(tables.thresholds[j], disc.mins[j][1:])
        np.testing.assert_allclose(B.lo[j, :n_bins], disc.mins[j])
        np.testing.assert_allclose(B.hi[j, :n_bins], disc.maxs[j])
        np.testing.assert_allclose(B.mean[j, :n_bins], disc.means[j])
        np.testing.assert_allclose(B.std[j, :n_bins], disc.stds[j])
        freq = np.zeros(n_bins)
        freq[np.asarray(lime.feature_values[j], dtype=int)] = lime.feature_frequencies[
            j
        ]
        np.testing.assert_allclose(tables.p[j, :n_bins], freq)
    rows = X[:5]
    np.testing.assert_array_equal(tables.bins_of(rows), disc.discretize(rows))


def test_samples_follow_limes_distribution(cancer):
    """Same bins with the same frequencies, and inside a bin the same
    truncated normal (two-sample Kolmogorov-Smirnov test against lime)."""
    X = cancer[:300]
    x = cancer[400]
    n = 4000
    lime = lime_tabular.LimeTabularExplainer(X, random_state=0)
    data, inverse = lime._LimeTabularExplainer__data_inverse(x, n)
    sampler = TabularSampler(X)
    Z, [(_, _, des)] = sampler.perturb([x], [1], n)
    des = np.asarray(des)  # packed bit masks
    assert Z.flags.f_contiguous and not np.shares_memory(Z, x)
    np.testing.assert_array_equal(Z[0], x)
    bins_ours = sampler.tables.bins_of(np.ascontiguousarray(Z[1:]))
    bins_lime = lime.discretizer.discretize(inverse[1:])
    for j in (0, 7, 13, 27):
        # design: 1 where the sample's bin is the instance's
        assert abs(des[1:, j].mean() - data[1:, j].mean()) < 0.05
        for b in np.unique(bins_lime[:, j]):
            ours = Z[1:, j][bins_ours[:, j] == b]
            theirs = inverse[1:, j][bins_lime[:, j] == b]
            assert abs(len(ours) - len(theirs)) < 0.15 * len(theirs) + 30
            assert ks_2samp(ours, theirs).pvalue > 1e-3


def test_continuous_mode_follows_lime(cancer):
    X = cancer[:300]
    x = cancer[400]
    n = 3000
    lime = lime_tabular.LimeTabularExplainer(
        X, discretize_continuous=False, random_state=0
    )
    _, inverse = lime._LimeTabularExplainer__data_inverse(x, n)
    sampler = TabularSampler(X, discretize=False)
    Z, [(_, _, des)] = sampler.perturb([x], [2], n)
    for j in (0, 5, 20):
        assert ks_2samp(Z[1:, j], inverse[1:, j]).pvalue > 1e-3
        np.testing.assert_allclose(
            des[1:, j], (Z[1:, j] - lime.scaler.mean_[j]) / lime.scaler.scale_[j]
        )


@pytest.mark.parametrize(
    "text",
    [
        "Free money, free money!! Call now.",
        "  leading spaces and trailing punctuation...",
        "no-separators",
        "",
        "¡Olé! ça va? naïve café",
        "one\ntwo\tthree two one",
    ],
)
def test_split_document_matches_limes_indexed_string(text):
    pieces, piece_word, words = split_document(text)
    indexed = lime_text.IndexedString(text, bow=True)
    assert pieces == list(indexed.as_list)
    assert words == list(indexed.inverse_vocab)
    assert "".join(pieces) == text
    for j, positions in enumerate(indexed.positions):
        np.testing.assert_array_equal(np.flatnonzero(piece_word == j), positions)
    # removing words reproduces lime's perturbed strings
    if words:
        drop = [0, len(words) - 1]
        keep = [pw < 0 or pw not in drop for pw in piece_word]
        kept = "".join(p for p, k in zip(pieces, keep) if k)
        assert kept == indexed.inverse_removing(drop)


def test_image_sampler_grid_and_hidden_values():
    sampler = ImageSampler((4, 6), patch_size=2)
    assert sampler.n_components == 6
    np.testing.assert_array_equal(sampler.segments[:2, :2], 0)
    np.testing.assert_array_equal(sampler.segments[2:, 4:], 5)
    x = np.arange(24, dtype=float)
    hidden = sampler.hidden(x).reshape(4, 6)
    np.testing.assert_allclose(hidden[:2, :2], x.reshape(4, 6)[:2, :2].mean())
    colour = ImageSampler((2, 2, 3), segments=[[5, 5], [9, 9]])
    assert colour.n_components == 2 and colour.feature_names == [
        "segment 5",
        "segment 9",
    ]
    x = np.arange(12, dtype=float)
    hidden = colour.hidden(x).reshape(2, 2, 3)
    np.testing.assert_allclose(hidden[0, 0], x.reshape(2, 2, 3)[0].mean(axis=0))
    fixed = ImageSampler((2, 2), hide_color=0.0)
    np.testing.assert_array_equal(fixed.hidden(np.ones(4)), 0.0)
