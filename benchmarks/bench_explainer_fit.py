"""Benchmark: fitting the fast LIME explainer, beside lime's own set-up.

What a round pays when the training set changes: ``FastLimeExplainer.fit``
on background data of several sizes (random uint8 images for 784 features,
standard-normal rows for 30), and ``partial_fit`` of one new row into a
fitted explainer, beside the reference, the construction of lime's
``LimeTabularExplainer`` on the same rows (it computes the same quartile
statistics, in NumPy). CPU time of this process (``time.process_time``),
the best of a few runs; the first call of each kind is not timed (numba's
kernels load then).

The memory warm-up that ``fit`` does once per process (``warm_up_memory``
on blocks of the default chunk of 30 features: 65000 samples, 15.6 MB) is
not in those figures; it is timed last, in fresh processes (CPU and wall
time, and what the heaps keep after it).

Run ``python benchmarks/bench_explainer_fit.py`` (``--quick``: without the
20000 x 784 case).
"""

import argparse
import json
import subprocess
import sys
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
    if sys.platform.startswith("linux"):
        runs = warm_up_memory_cost()
        print(
            "memory warm-up of the first fit (30 features; fresh processes): "
            + ", ".join(f"{c:.0f} ms CPU ({w:.0f} wall), {m:.0f} MB kept" for c, w, m in runs)
        )


# Run in a fresh process: the warm-up is done once per process.
_WARM_UP_MEMORY = """
import json, resource, time
from skxil._warm_up import warm_up_memory

def resident_mb():
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * resource.getpagesize() / 2**20

before, cpu, wall = resident_mb(), time.process_time(), time.perf_counter()
warm_up_memory(65000 * 30 * 8)
print(json.dumps([
    1e3 * (time.process_time() - cpu), 1e3 * (time.perf_counter() - wall),
    resident_mb() - before,
]))
"""


def warm_up_memory_cost(n_processes=3):
    """CPU ms, wall ms and resident MB added by the memory warm-up, per process."""
    runs = []
    for _ in range(n_processes):
        out = subprocess.run(
            [sys.executable, "-c", _WARM_UP_MEMORY],
            capture_output=True, text=True, check=True,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return runs


if __name__ == "__main__":
    main()
