"""Benchmark stage 4: numba counterexample kernels beside their NumPy twins.

Random uint8 "images" (60000 x 784, fixed seed), a 16-feature correction on
every row, ``n_counterexamples=5``. For each strategy and backend it prints the
best of a few repeats (after a warm-up call that compiles the numba kernels) of

- kernel: the kernel alone, on precomputed inputs and a preallocated output;
- end-to-end: :func:`skxil.counterexamples.make_counterexamples`, including
  validation, training-set statistics, the random draws and allocation;

and the ratio numpy / numba. Both backends' outputs are checked to be equal.

Run ``python benchmarks/bench_counterexamples.py`` (add ``--quick`` for a
smaller problem).
"""

import argparse
import time

import numpy as np
from sklearn.utils import check_random_state

from skxil.counterexamples import COUNTEREXAMPLE_STRATEGIES, make_counterexamples
from skxil.counterexamples import _generator

BACKENDS = ("numba", "numpy")


def make_problem(n_rows, n_features=784, n_corrected=16, n_classes=10, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.randint(0, 256, size=(n_rows, n_features)).astype(np.uint8)
    y = rng.randint(0, n_classes, size=n_rows)
    corrections = np.zeros((n_rows, n_features), dtype=bool)
    cols = np.argsort(rng.random_sample((n_rows, n_features)), axis=1)[:, :n_corrected]
    np.put_along_axis(corrections, cols, True, axis=1)
    return X, y, corrections


def best_of(func, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return 1e3 * min(times)


def bench_strategy(X, y, corrections, strategy, n_ce, repeat):
    kwargs = dict(
        X_train=X,
        y_train=y,
        n_counterexamples=n_ce,
        strategy=strategy,
        row_index=np.arange(X.shape[0]),
        random_state=0,
    )
    # kernel inputs, built once, exactly as make_counterexamples builds them
    layout = _generator._layout(corrections, n_ce, False)
    name, args = _generator._prepare(
        X, X.dtype, y, corrections, X, y, n_ce, strategy, False,
        kwargs["row_index"], check_random_state(0), layout,
    )
    out = np.empty((layout["n_out"], X.shape[1]), dtype=X.dtype)
    results = {}
    outputs = {}
    for backend in BACKENDS:
        kernel = getattr(_generator._BACKENDS[backend], name)
        outputs[backend] = make_counterexamples(
            X, y, corrections, backend=backend, **kwargs
        )
        kernel(*args, out)  # warm-up (numba compile or cache load)
        t_kernel = best_of(lambda: kernel(*args, out), repeat)
        t_total = best_of(
            lambda: make_counterexamples(X, y, corrections, backend=backend, **kwargs),
            repeat,
        )
        results[backend] = (t_kernel, t_total)
    for a, b in zip(outputs["numba"], outputs["numpy"]):
        np.testing.assert_array_equal(a, b)
    return results, layout["n_out"]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="6000 rows instead of 60000"
    )
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--strategies", nargs="+", default=list(COUNTEREXAMPLE_STRATEGIES),
        choices=COUNTEREXAMPLE_STRATEGIES,
    )
    opts = parser.parse_args(argv)
    n_rows = 6000 if opts.quick else 60000
    n_ce = 5
    X, y, corrections = make_problem(n_rows)
    print(
        f"counterexamples: X {X.shape} {X.dtype}, 16 corrected features per row, "
        f"n_counterexamples={n_ce}, best of {opts.repeat}"
    )
    header = f"{'strategy':<12} {'backend':<8} {'kernel ms':>10} {'end-to-end ms':>14}"
    print(header)
    print("-" * len(header))
    for strategy in opts.strategies:
        res, n_out = bench_strategy(X, y, corrections, strategy, n_ce, opts.repeat)
        for backend in BACKENDS:
            k, t = res[backend]
            print(f"{strategy:<12} {backend:<8} {k:>10.1f} {t:>14.1f}")
        (kn, tn), (kp, tp) = res["numba"], res["numpy"]
        print(f"{strategy:<12} {'np/nb':<8} {kp / kn:>9.1f}x {tp / tn:>13.1f}x")
    print(f"({n_out} counterexample rows per call)")


if __name__ == "__main__":
    main()
