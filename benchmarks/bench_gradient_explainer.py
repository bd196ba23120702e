"""Benchmark GradientExplainer beside FastLimeExplainer and lime on 784 pixels.

Data: decoy Fashion-MNIST (:func:`skxil.datasets.load_fashion_mnist` from
local IDX files and :func:`skxil.datasets.add_decoy`: a 4 x 4 corner patch
whose shade leaks the label), pixels scaled to [0, 1]; when the files are
missing, scikit-learn's digits upsampled to 28 x 28 with the same decoy. An
``MLPClassifier(hidden_layer_sizes=(50, 30))`` (relu, softmax output, the MLP
of the CAIPI/RRR experiments) is trained on the decoyed training images, and
decoyed training images are explained with ``k = 10`` features:

- ``GradientExplainer()`` (input gradients of the predicted class's
  log-probability), in float64 and on float32 rows;
- ``FastLimeExplainer(n_samples=5000)`` and ``LimeExplainer(n_samples=5000)``
  (lime's ``LimeTabularExplainer``), tabular mode over the 784 pixels so that
  all explanations name pixels.

It prints the wall-clock ms per explanation of each, beside the figures of the
papers (LIME: about 2 s per image, Teso and Kersting 2019; input gradients:
about 0.05 ms, Ross et al. 2017), and the ratio of each to the gradient's,
from one run (best of 3 timings for the gradients). ``gradient (matrices
only)`` is the forward and backward pass alone, without building the
Explanation objects; the ``1 BLAS thread`` rows repeat both with BLAS limited
to one thread (for matrices this small, threads contend rather than help,
most of all on a loaded machine). Then the agreement on the rows that both explainers of a
pair explained: the mean top-10 overlap (``|A & B| / 10``) between each pair of
explainers (two random sets of 10 among 784 pixels overlap by 0.013 on
average), and the fraction of explanations whose top 10 holds a decoy pixel
(the model was trained where the decoy leaks the label).

Run ``python benchmarks/bench_gradient_explainer.py`` (``--quick``: fewer
images, epochs and explained rows, under a minute; ``--path DIR`` for the
Fashion-MNIST files).
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from skxil.datasets import add_decoy, load_fashion_mnist
from skxil.explain import FastLimeExplainer, GradientExplainer, LimeExplainer

# the bare gradients, without building Explanation objects (what the
# papers' 0.05 ms measures)
from skxil.explain._gradient import _input_gradients, _network

PAPER_MS = {"lime": 2000.0, "gradient": 0.05}
K = 10


def load_images(path, n_images, seed):
    """Decoyed training images in [0, 1], labels, decoy masks and the source."""
    try:
        images, labels = load_fashion_mnist(path)[:2]
        source = "decoy Fashion-MNIST"
    except OSError:
        digits = load_digits()
        nearest = np.arange(28) * 8 // 28  # 8 x 8 -> 28 x 28, nearest pixel
        images = digits.images[:, nearest][:, :, nearest].reshape(-1, 784)
        images = np.round(images * 255 / 16).astype(np.uint8)
        labels = digits.target
        source = "decoy digits upsampled to 28 x 28 (no Fashion-MNIST files)"
    rng = np.random.RandomState(seed)
    rows = rng.choice(len(images), size=min(n_images, len(images)), replace=False)
    decoyed, masks = add_decoy(
        images[rows], labels[rows], patch=4, train=True, random_state=seed
    )
    return decoyed / 255.0, labels[rows], masks, source


def best_ms(func, n_rows, repeat=3):
    """Best wall-clock ms per row over ``repeat`` calls, and the last result."""
    best = np.inf
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - t0)
    return 1e3 * best / n_rows, result


def overlap(first, second):
    """Mean top-k overlap of two lists of explanations of the same rows (as
    many as the shorter list has)."""
    return np.mean(
        [len(set(a.features) & set(b.features)) / K for a, b in zip(first, second)]
    )


def decoy_rate(explanations, masks):
    return np.mean([masks[i, e.features].any() for i, e in enumerate(explanations)])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--path", default=None, help="Fashion-MNIST directory")
    args = parser.parse_args(argv)
    n_images, epochs, n_grad, n_fast, n_lime = (
        (3000, 10, 300, 4, 2) if args.quick else (20000, 30, 2000, 40, 10)
    )
    X, y, masks, source = load_images(args.path, n_images, seed=0)
    model = MLPClassifier(hidden_layer_sizes=(50, 30), max_iter=epochs, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        model.fit(X, y)
    print(f"{source}: {len(X)} training images, MLP(50, 30) {epochs} epochs, "
          f"training accuracy {model.score(X, y):.3f}")

    gradient = GradientExplainer(n_features=K).fit(X)
    fast = FastLimeExplainer(n_features=K, n_samples=5000, random_state=0).fit(X)
    lime = LimeExplainer(n_features=K, n_samples=5000, random_state=0).fit(X)
    fast.explain(model, X[:1])  # compiles (or loads) the numba kernels

    rows = X[:n_grad]
    rows32 = rows.astype(np.float32)
    results = {}
    results["gradient"] = best_ms(lambda: gradient.explain(model, rows), n_grad)
    results["gradient (float32 rows)"] = best_ms(
        lambda: gradient.explain(model, rows32), n_grad
    )
    net = _network(model)
    results["gradient (matrices only)"] = best_ms(
        lambda: _input_gradients(net, rows, "log_proba"), n_grad
    )
    with threadpool_limits(1):  # small matrices: threads contend more than help
        results["gradient, 1 BLAS thread"] = best_ms(
            lambda: gradient.explain(model, rows), n_grad
        )
        results["matrices only, 1 thread"] = best_ms(
            lambda: _input_gradients(net, rows, "log_proba"), n_grad
        )
    results["fast_lime"] = best_ms(lambda: fast.explain(model, X[:n_fast]), n_fast, 1)
    results["lime"] = best_ms(lambda: lime.explain(model, X[:n_lime]), n_lime, 1)

    base = results["gradient"][0]
    print(f"\nms per explanation (k = {K}; wall clock, best of 3 for the gradients)")
    print(f"{'explainer':<26}{'rows':>6}{'ours ms':>11}{'paper ms':>10}{'/gradient':>11}")
    for name, (ms, _) in results.items():
        n = {"fast_lime": n_fast, "lime": n_lime}.get(name, n_grad)
        paper = PAPER_MS.get(name.split(" ")[0], PAPER_MS["lime"])
        paper = f"{paper:g}" if name in ("gradient", "lime") else "-"
        print(f"{name:<26}{n:>6}{ms:>11.4g}{paper:>10}{ms / base:>11.4g}")
    print(f"paper: lime / gradient = {PAPER_MS['lime'] / PAPER_MS['gradient']:.0f}")

    explained = {
        "gradient": results["gradient"][1][:n_fast],
        "gradient_x_input": GradientExplainer(
            n_features=K, method="gradient_x_input"
        ).fit(X).explain(model, X[:n_fast]),
        "fast_lime": results["fast_lime"][1],
        "lime": results["lime"][1],
    }
    print(f"\nagreement: mean top-{K} overlap (random: {K / 784:.3f})")
    names = list(explained)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            n = min(len(explained[a]), len(explained[b]))
            score = overlap(explained[a], explained[b])
            print(f"  {a:<18} vs {b:<18}{score:>7.3f}  ({n} rows)")
    print(f"fraction of explanations with a decoy pixel in the top {K}")
    for name, explanations in explained.items():
        rate = decoy_rate(explanations, masks)
        print(f"  {name:<18}{rate:>7.3f}  ({len(explanations)} rows)")


if __name__ == "__main__":
    main()
