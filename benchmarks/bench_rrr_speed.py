"""Speed of one RRRClassifier epoch against one scikit-learn MLPClassifier epoch.

Setting: decoy Fashion-MNIST as in Ross et al. (2017) and CAIPI's comparison
with RRR: 60000 training images of 784 pixels scaled to [0, 1], a 4 x 4 decoy
patch in a random corner; the MLP of Ross et al. (two ReLU hidden layers of
50 and 30 units, Adam, step 1e-3, batches of 256, L2 1e-4). Each figure is
the fastest of ``--repeats`` one-epoch fits (``max_iter=1``, validation
included) of:

- ``MLPClassifier(hidden_layer_sizes=(50, 30), batch_size=256)``: the reference;
- ``RRRClassifier(penalty=0)``: the same network and optimiser;
- ``RRRClassifier(penalty=1000)`` with ``ignore`` = the decoy mask of every
  row: the input-gradient penalty and its double backprop on every batch.

Run::

    python benchmarks/bench_rrr_speed.py           # decoy Fashion-MNIST (60000 rows)
    python benchmarks/bench_rrr_speed.py --quick   # random data, 10000 x 784

BLAS runs on one thread unless ``--threads`` says otherwise: on a loaded
machine OpenBLAS's threads wait for each other and the figures become noise.
The script prints ms per epoch and the ratios to scikit-learn, for float64
and float32 data (both estimators keep float32 as float32).
"""

import argparse
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from skxil.datasets import add_decoy, load_fashion_mnist
from skxil.neural import RRRClassifier


def _data(quick, seed):
    rng = np.random.RandomState(seed)
    if quick:
        images = rng.randint(256, size=(10000, 784)).astype(np.uint8)
        labels = rng.randint(10, size=10000)
    else:
        images, labels, _, _ = load_fashion_mnist()
    X, mask = add_decoy(images, labels, patch=4, random_state=seed)
    return X / 255.0, labels, mask


def _epoch_ms(fit, repeats):
    best = np.inf
    for _ in range(repeats):
        start = time.perf_counter()
        fit()
        best = min(best, time.perf_counter() - start)
    return 1000 * best


def _measure(X, y, mask, repeats, seed):
    common = dict(hidden_layer_sizes=(50, 30), batch_size=256, alpha=1e-4,
                  learning_rate_init=1e-3, max_iter=1, random_state=seed)
    sklearn_mlp = MLPClassifier(**common)
    plain = RRRClassifier(penalty=0.0, **common)
    rrr = RRRClassifier(penalty=1000.0, **common)
    # Interleaved, so that a load spike on a shared machine hits all three alike.
    times = {"sklearn": np.inf, "plain": np.inf, "rrr": np.inf}
    for _ in range(repeats):
        times["sklearn"] = min(times["sklearn"], _epoch_ms(lambda: sklearn_mlp.fit(X, y), 1))
        times["plain"] = min(times["plain"], _epoch_ms(lambda: plain.fit(X, y), 1))
        times["rrr"] = min(times["rrr"], _epoch_ms(lambda: rrr.fit(X, y, ignore=mask), 1))
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="random data of 10000 x 784 instead of Fashion-MNIST")
    parser.add_argument("--repeats", type=int, default=None,
                        help="one-epoch fits per estimator (default 5, 3 with --quick)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS threads for all estimators (default 1: stable "
                        "figures on a shared machine; 0 = BLAS default)")
    args = parser.parse_args()
    if args.threads:
        threadpool_limits(args.threads, user_api="blas")
    repeats = args.repeats or (3 if args.quick else 5)
    X, y, mask = _data(args.quick, args.seed)
    warnings.simplefilter("ignore", ConvergenceWarning)
    print(f"{X.shape[0]} rows x {X.shape[1]} features, MLP (50, 30), batch 256, adam; "
          f"fastest of {repeats} epochs; BLAS threads: {args.threads or 'default'}")
    print(f"{'dtype':8} {'sklearn ms':>10} {'RRR penalty=0':>14} {'ratio':>6} "
          f"{'RRR penalised':>14} {'ratio':>6}")
    for dtype in (np.float64, np.float32):
        times = _measure(X.astype(dtype), y, mask, repeats, args.seed)
        ref = times["sklearn"]
        print(f"{np.dtype(dtype).name:8} {ref:10.0f} {times['plain']:14.0f} "
              f"{times['plain'] / ref:6.2f} {times['rrr']:14.0f} "
              f"{times['rrr'] / ref:6.2f}")
    print("targets: penalty=0 within 1.2x of scikit-learn, penalised within 3x")


if __name__ == "__main__":
    main()
