"""Benchmark stage 4: numba counterexample kernels beside their NumPy twins.

Random uint8 "images" (60000 x 784, fixed seed), a 16-feature correction on
every row, ``n_counterexamples=5``. For each strategy and backend it prints the
best of a few repeats (after a warm-up call that compiles the numba kernels) of

- kernel: the kernel alone, on precomputed inputs and a preallocated output;
- end-to-end: :func:`skxil.counterexamples.make_counterexamples`, including
  validation, training-set statistics, the random draws and allocation;

and the ratio numpy / numba. Both backends' outputs are checked to be equal.

Sparse rows (vectorised text): a tf-idf-like CSR matrix (20000 x 50000, about
100 non-zeros per row, float64) with 3 of each row's non-zero columns
corrected, ``n_counterexamples=5``. Only the corrected columns of a block of
rows are densified at a time; it prints the end-to-end time per backend (the
NumPy twins of the dense kernels and of the CSR merge kernels against the
numba ones) and the output's memory beside what the same rows would take
dense.

Run ``python benchmarks/bench_counterexamples.py`` (add ``--quick`` for a
smaller problem).
"""

import argparse
import time

import numpy as np
import scipy.sparse as sp
from sklearn.utils import check_random_state

from skxil.counterexamples import (
    COUNTEREXAMPLE_STRATEGIES,
    _generator,
    make_counterexamples,
)

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
        kwargs["row_index"], check_random_state(0), layout, np.arange(X.shape[1]),
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


def make_sparse_problem(n_rows, n_features=50000, per_row=100, n_corrected=3, seed=0):
    rng = np.random.RandomState(seed)
    cols = rng.randint(0, n_features, size=(n_rows, per_row))
    rows = np.repeat(np.arange(n_rows), per_row)
    X = sp.csr_matrix(
        (rng.random_sample(n_rows * per_row), (rows, cols.ravel())),
        shape=(n_rows, n_features),
    )
    X.sum_duplicates()
    y = rng.randint(0, 2, size=n_rows)
    picks = []
    for i in range(n_rows):
        nz = X.indices[X.indptr[i] : X.indptr[i + 1]]
        picks.append(rng.choice(nz, size=min(n_corrected, nz.size), replace=False))
    r = np.repeat(np.arange(n_rows), [p.size for p in picks])
    corrections = sp.csr_matrix(
        (np.ones(r.size, dtype=bool), (r, np.concatenate(picks))), shape=X.shape
    )
    return X, y, corrections


def bench_sparse(n_rows, n_ce, repeat, strategies):
    X, y, corrections = make_sparse_problem(n_rows)
    print(
        f"\nsparse rows: X {X.shape} CSR float64, {X.nnz / X.shape[0]:.0f} non-zeros "
        f"per row, 3 corrected per row, n_counterexamples={n_ce}, best of {repeat}"
    )
    header = (f"{'strategy':<12} {'backend':<8} {'end-to-end ms':>14} "
              f"{'output MB':>10} {'dense MB':>9}")
    print(header)
    print("-" * len(header))
    kwargs = dict(X_train=X, y_train=y, n_counterexamples=n_ce,
                  row_index=np.arange(n_rows), random_state=0)
    for strategy in strategies:
        out, t = {}, {}
        for backend in BACKENDS:
            out[backend] = make_counterexamples(  # warm-up
                X, y, corrections, strategy=strategy, backend=backend, **kwargs
            )
            t[backend] = best_of(
                lambda: make_counterexamples(
                    X, y, corrections, strategy=strategy, backend=backend, **kwargs
                ),
                repeat,
            )
        a, b = out["numba"][0], out["numpy"][0]
        assert (a != b).nnz == 0 and np.array_equal(a.indices, b.indices)
        X_ce = out["numba"][0]
        mb = (X_ce.data.nbytes + X_ce.indices.nbytes + X_ce.indptr.nbytes) / 2**20
        dense_mb = X_ce.shape[0] * X_ce.shape[1] * 8 / 2**20
        for backend in BACKENDS:
            print(f"{strategy:<12} {backend:<8} {t[backend]:>14.1f} {mb:>10.1f} "
                  f"{dense_mb:>9.0f}")
        print(f"{strategy:<12} {'np/nb':<8} {t['numpy'] / t['numba']:>13.1f}x")
    print(f"({X_ce.shape[0]} counterexample rows per call)")


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
    bench_sparse(2000 if opts.quick else 20000, n_ce, opts.repeat, opts.strategies)


if __name__ == "__main__":
    main()
