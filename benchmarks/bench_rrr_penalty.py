"""Decoy Fashion-MNIST: RRRClassifier's ignore masks against an unconstrained MLP.

The setting of Ross et al. (2017) on Fashion-MNIST, as CAIPI (Teso and
Kersting, 2019) used it: a 4 x 4 patch in a random corner whose shade is
``255 - 25 * label`` in training and the shade of a random class in test
(:func:`skxil.datasets.add_decoy`), pixels scaled to [0, 1]. Every model is
Ross et al.'s MLP (ReLU layers of 50 and 30 units, Adam, step 1e-3, batches
of 256, L2 1e-4) trained for a fixed number of epochs; the table gives the
test accuracy on the 10000 test images and the mean absolute input gradient
of ``Σ_k log p_k`` on the decoy pixels and elsewhere (on 2000 test images),
and the accuracy's ratio to the reference:

- ``MLPClassifier``: scikit-learn's network, the reference without feedback;
- ``RRRClassifier(penalty=0)``: ours without feedback;
- ``RRRClassifier(penalty=λ)`` with ``ignore`` = every training image's decoy
  mask (the passive setting: all images corrected).

Run::

    python benchmarks/bench_rrr_penalty.py            # 10000 images, 64 epochs
    python benchmarks/bench_rrr_penalty.py --quick    # 3000 images, 15 epochs
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


def _data(n_train, seed):
    X_train, y_train, X_test, y_test = load_fashion_mnist()
    X_train, y_train = X_train[:n_train], y_train[:n_train]
    X_train, mask_train = add_decoy(X_train, y_train, random_state=seed)
    X_test, mask_test = add_decoy(
        X_test, y_test, train=False, n_classes=10, random_state=seed + 1
    )
    scale = np.float32(1 / 255)
    return X_train * scale, X_test * scale, y_train, y_test, mask_train, mask_test


def _gradients(model, X, mask):
    """Mean |∂(Σ_k log p_k)/∂x| on the decoy pixels and on the others."""
    if not hasattr(model, "input_gradients"):
        return float("nan"), float("nan")
    gradient = np.abs(model.input_gradients(X).sum(axis=1))
    return gradient[mask].mean(), gradient[~mask].mean()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="3000 training images and 15 epochs")
    parser.add_argument("--n-train", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--penalties", type=float, nargs="+", default=[1, 10, 1000])
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    threadpool_limits(1, user_api="blas")
    warnings.simplefilter("ignore", ConvergenceWarning)
    n_train = args.n_train or (3000 if args.quick else 10000)
    epochs = args.epochs or (15 if args.quick else 64)
    X_train, X_test, y_train, y_test, mask_train, mask_test = _data(n_train, args.seed)
    common = {"hidden_layer_sizes": (50, 30), "batch_size": 256, "alpha": 1e-4,
              "learning_rate_init": 1e-3, "max_iter": epochs,
              "n_iter_no_change": epochs, "random_state": args.seed}
    models = [("MLPClassifier (reference)", MLPClassifier(**common), False),
              ("RRRClassifier penalty=0", RRRClassifier(penalty=0.0, **common), False)]
    models += [(f"RRRClassifier penalty={p:g}", RRRClassifier(penalty=p, **common), True)
               for p in args.penalties]
    print(f"decoy Fashion-MNIST: {n_train} training images, {epochs} epochs, "
          f"seed {args.seed}; BLAS on one thread")
    print(f"{'model':28} {'ignore':>6} {'test acc':>8} {'ratio':>6} "
          f"{'|grad| decoy':>12} {'|grad| other':>12} {'fit s':>6}")
    reference = None
    for name, model, masked in models:
        start = time.perf_counter()
        model.fit(X_train, y_train, **({"ignore": mask_train} if masked else {}))
        seconds = time.perf_counter() - start
        accuracy = model.score(X_test, y_test)
        reference = accuracy if reference is None else reference
        decoy, other = _gradients(model, X_test[:2000], mask_test[:2000])
        print(f"{name:28} {'yes' if masked else 'no':>6} {accuracy:8.3f} "
              f"{accuracy / reference:6.2f} {decoy:12.4f} {other:12.4f} "
              f"{seconds:6.1f}")
    print("ratio: test accuracy over the unconstrained MLPClassifier's")


if __name__ == "__main__":
    main()
