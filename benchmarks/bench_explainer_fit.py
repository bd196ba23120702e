"""Benchmark: fitting the fast LIME explainer, beside lime's own set-up.

What a round pays when the training set changes: ``FastLimeExplainer.fit``
on background data of several sizes (random uint8 images for 784 features,
standard-normal rows for 30), and ``partial_fit`` of one new row into a
fitted explainer, beside the reference, the construction of lime's
``LimeTabularExplainer`` on the same rows (it computes the same quartile
statistics, in NumPy). CPU time of this process (``time.process_time``),
the best of a few runs; the first call of each kind is not timed (numba's
kernels load then).

Run ``python benchmarks/bench_explainer_fit.py`` (``--quick``: without the
20000 x 784 case).
"""

import argparse
import time
import warnings

import numpy as np

from skxil.explain import FastLimeExplainer


def cpu_ms(func, repeat):
    best = np.inf
    for _ in range(repeat):
        start = time.process_time()
        func()
        best = min(best, time.process_time() - start)
    return 1e3 * best


def background(n_rows, n_features, seed=0):
    rng = np.random.default_rng(seed)
    if n_features == 784:
        return rng.integers(0, 256, size=(n_rows, n_features)).astype(np.float64)
    return rng.normal(size=(n_rows, n_features))


def main(argv=None):
    from lime.lime_tabular import LimeTabularExplainer

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip 20000 x 784")
    args = parser.parse_args(argv)
    warnings.simplefilter("ignore")
    sizes = [(20, 30), (1000, 30), (2000, 784)] + ([] if args.quick else [(20000, 784)])
    FastLimeExplainer().fit(background(20, 30))  # loads the kernels
    print(f"{'FastLimeExplainer':28s} {'ours ms':>9s} {'lime ms':>9s} {'lime/ours':>9s}")
    for n_rows, n_features in sizes:
        X = background(n_rows, n_features)
        repeat = 5 if n_rows * n_features < 10**6 else 2
        ours = cpu_ms(lambda: FastLimeExplainer().fit(X), repeat)
        lime = cpu_ms(lambda: LimeTabularExplainer(X, random_state=0), repeat)
        name = f"fit, {n_rows} x {n_features}"
        print(f"{name:28s} {ours:9.1f} {lime:9.1f} {lime / ours:9.1f}")
    X = background(sizes[-1][0] + 1, sizes[-1][1])
    fitted = FastLimeExplainer().fit(X[:-1])
    ours = cpu_ms(lambda: fitted.partial_fit(X[-1:]), 3)
    lime = cpu_ms(lambda: LimeTabularExplainer(X, random_state=0), 2)
    name = f"partial_fit, {sizes[-1][0]} x {sizes[-1][1]}"
    print(f"{name:28s} {ours:9.1f} {lime:9.1f} {lime / ours:9.1f}  (lime: rebuilt)")


if __name__ == "__main__":
    main()
