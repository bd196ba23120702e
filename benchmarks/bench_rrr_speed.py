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
  row (16 of 784 pixels): the input-gradient penalty and its double backprop
  on every batch, computed on the mask's cells only;
- the same with ``focus`` = the central 14 x 14 pixels of every row, so that
  the 588 pixels outside are penalised: the dense double backprop.

Run::

    python benchmarks/bench_rrr_speed.py           # decoy Fashion-MNIST (60000 rows)
    python benchmarks/bench_rrr_speed.py --quick   # random data, 10000 x 784

BLAS runs on one thread unless ``--threads`` says otherwise: on a loaded
machine OpenBLAS's threads wait for each other and the figures become noise.
The script prints ms per epoch (all in ms) and the ratios to scikit-learn, for float64
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
    focus = np.zeros((28, 28), dtype=bool)
    focus[7:21, 7:21] = True
    focus = np.broadcast_to(focus.ravel(), mask.shape)
    return X / 255.0, labels, mask, focus


def _ms(fit):
    start = time.perf_counter()
    fit()
    return 1000 * (time.perf_counter() - start)


def _measure(X, y, mask, focus, repeats, seed):
    common = {"hidden_layer_sizes": (50, 30), "batch_size": 256, "alpha": 1e-4,
              "learning_rate_init": 1e-3, "max_iter": 1, "random_state": seed}
    sklearn_mlp = MLPClassifier(**common)
    plain = RRRClassifier(penalty=0.0, **common)
    rrr = RRRClassifier(penalty=1000.0, **common)
    # Interleaved, so that a load spike on a shared machine hits all three alike.
    fits = {
        "sklearn": lambda: sklearn_mlp.fit(X, y),
        "plain": lambda: plain.fit(X, y),
        "ignore": lambda: rrr.fit(X, y, ignore=mask),
        "focus": lambda: rrr.fit(X, y, focus=focus),
    }
    times = dict.fromkeys(fits, np.inf)
    for _ in range(repeats):
        for name, fit in fits.items():
            times[name] = min(times[name], _ms(fit))
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
    X, y, mask, focus = _data(args.quick, args.seed)
    warnings.simplefilter("ignore", ConvergenceWarning)
    print(f"{X.shape[0]} rows x {X.shape[1]} features, MLP (50, 30), batch 256, adam; "
          f"fastest of {repeats} epochs; BLAS threads: {args.threads or 'default'}")
    columns = [("plain", "penalty=0"), ("ignore", "ignore decoy"),
               ("focus", "focus centre")]
    print(f"{'dtype':8} {'sklearn ms':>10}"
          + "".join(f" {'RRR ' + title:>17} {'ratio':>6}" for _, title in columns))
    for dtype in (np.float64, np.float32):
        times = _measure(X.astype(dtype), y, mask, focus, repeats, args.seed)
        ref = times["sklearn"]
        print(f"{np.dtype(dtype).name:8} {ref:10.0f}" + "".join(
            f" {times[name]:17.0f} {times[name] / ref:6.2f}" for name, _ in columns
        ))
    print("targets: penalty=0 within 1.2x of scikit-learn, penalised within 3x")


if __name__ == "__main__":
    main()
