"""Feedback through the loss on decoy Fashion-MNIST: RRR, focus, CAIPI and fine-tuning.

Three experiments of the "right for the right reasons" issue, on the decoy
Fashion-MNIST set-up of ``bench_decoy_fashion.py`` (Ross et al.'s 4 x 4 decoy
in a random corner, its shade revealing the label in training and random in
test), with pixels scaled to [0, 1] and an MLP(50, 30) trained with Adam at
0.001, batch 256 (Ross et al.'s set-up; ``--epochs`` epochs, 64 in the paper):

1. ``--part 1``: no feedback, RRR (ignore the decoy, penalty 1000), CAIPI
   with c = 3 counterexamples, and both; beside the CAIPI paper's Table 1
   (no feedback 0.482, input gradients 0.853, CAIPI c = 3 0.851).
2. ``--part 2`` (Hagos et al.'s question): ignore vs focus vs both, with
   masks on 1%, 10% and 100% of the training rows: test accuracy, Dice of
   the thresholded input-gradient map (pixels whose |gradient| exceeds the
   row's mean) against the object's pixels, and the wrong-reason score
   (Friedrich et al.) on the decoy. "Focus" marks the object's pixels (the
   non-zero pixels of the clean image) as the right reasons.
3. ``--part 3`` (Bekkemoen and Langseth's question): a model trained without
   feedback, then fine-tuned with ``partial_fit`` for 1 / 3 / 10 epochs over
   the training set in which 10 / 100 / 1000 rows carry an annotated
   explanation (the decoy to ignore): test accuracy and decoy reliance (the
   share of gradient mass on the decoy). The rows with 0 annotated
   explanations are the control: as many extra epochs without feedback.

Every row prints our figure beside the paper's where it has one. Run
``python benchmarks/bench_rrr_decoy.py --part 1`` (all 60000 training
images; about 15 minutes on 2 cores with 64 epochs), ``--part 2`` and
``--part 3`` (``--n-train 20000 --epochs 20`` by default for these), or
``--quick`` for all three on 3000 images and 5 epochs (about a minute).
"""

import argparse
import copy
import time
import warnings

import numpy as np
from sklearn.exceptions import ConvergenceWarning

from skxil import CaipiClassifier
from skxil.datasets import add_decoy, load_fashion_mnist
from skxil.metrics import dice_score, wrong_reason_score
from skxil.neural import RRRClassifier

PAPER = {"none": 0.482, "rrr": 0.853, "caipi c=3": 0.851}


def load(path, n_train, random_state=0):
    """Decoyed, [0, 1]-scaled float32 images, decoy masks and object masks."""
    X_train, y_train, X_test, y_test = load_fashion_mnist(path)
    rng = np.random.RandomState(random_state)
    take = np.sort(rng.permutation(len(y_train))[:n_train])
    X_train, y_train = X_train[take].reshape(n_train, -1), y_train[take]
    X_test = X_test.reshape(len(X_test), -1)
    objects = {"train": X_train > 0, "test": X_test > 0}
    X_train, decoy_train = add_decoy(X_train, y_train, patch=4, train=True, random_state=0)
    X_test, decoy_test = add_decoy(X_test, y_test, patch=4, train=False, random_state=1)
    objects = {k: v & ~d for (k, v), d in zip(objects.items(), (decoy_train, decoy_test))}
    scale = np.float32(1 / 255)
    return dict(
        X_train=X_train.astype(np.float32) * scale, y_train=y_train,
        X_test=X_test.astype(np.float32) * scale, y_test=y_test,
        decoy_train=decoy_train, decoy_test=decoy_test,
        object_train=objects["train"], object_test=objects["test"],
    )


PENALTY = 1000.0  # Ross et al.'s l2_grads; --penalty changes it


def rrr(epochs, penalty=None, random_state=0):
    penalty = PENALTY if penalty is None else penalty
    return RRRClassifier(
        hidden_layer_sizes=(50, 30), penalty=penalty, learning_rate_init=1e-3,
        batch_size=256, max_iter=epochs, random_state=random_state,
    )


def gradient_maps(model, X):
    """|input gradient| of the predicted class's log-probability, per row."""
    grads = model.input_gradients(X)
    predicted = np.argmax(model.predict_proba(X), axis=1)
    return np.abs(grads[np.arange(len(X)), predicted])


def explanation_scores(model, data, n_rows=1000):
    X = data["X_test"][:n_rows]
    maps = gradient_maps(model, X)
    selected = maps > maps.mean(axis=1, keepdims=True)
    dice = dice_score(selected.astype(float), data["object_test"][:n_rows])
    wr = wrong_reason_score(maps, data["decoy_test"][:n_rows])
    decoy_share = float(
        (maps * data["decoy_test"][:n_rows]).sum() / maps.sum()
    )
    return dice, wr, decoy_share


def rows_mask(mask, share, random_state=0):
    """``mask`` kept on a random ``share`` of the rows, False elsewhere."""
    n = mask.shape[0]
    keep = np.zeros(n, dtype=bool)
    keep[np.random.RandomState(random_state).permutation(n)[: max(1, round(share * n))]] = True
    return mask & keep[:, None]


def part1(data, epochs):
    X, y, decoy = data["X_train"], data["y_train"], data["decoy_train"]
    runs = {
        "none": lambda: rrr(epochs).fit(X, y),
        "rrr": lambda: rrr(epochs).fit(X, y, ignore=decoy),
        "caipi c=3": lambda: CaipiClassifier(
            rrr(epochs, penalty=0.0), n_counterexamples=3, random_state=0
        ).fit(X, y, corrections=decoy),
        "both (rrr + c=3)": lambda: CaipiClassifier(
            rrr(epochs), n_counterexamples=3, random_state=0
        ).fit(X, y, corrections=decoy),
    }
    print(f"\n1. decoy Fashion-MNIST, {len(y)} training images, {epochs} epochs")
    print(f"{'feedback':18s} {'test acc':>9s} {'paper':>7s} {'diff':>7s} {'fit s':>7s}")
    for name, run in runs.items():
        start = time.perf_counter()
        model = run()
        seconds = time.perf_counter() - start
        acc = model.score(data["X_test"], data["y_test"])
        paper = PAPER.get(name)
        ref = f"{paper:7.3f} {acc - paper:+7.3f}" if paper else f"{'':7s} {'':7s}"
        print(f"{name:18s} {acc:9.4f} {ref} {seconds:7.1f}")


def part2(data, epochs):
    X, y = data["X_train"], data["y_train"]
    decoy, objects = data["decoy_train"], data["object_train"]
    print(f"\n2. ignore vs focus, {len(y)} training images, {epochs} epochs "
          "(Dice vs the object: higher is better; WR on the decoy: lower)")
    print(f"{'masks':>6s} {'feedback':8s} {'test acc':>9s} {'dice':>7s} {'WR':>7s} "
          f"{'decoy share':>11s}")
    base = rrr(epochs).fit(X, y)
    print(f"{'0%':>6s} {'none':8s} {base.score(data['X_test'], data['y_test']):9.4f} "
          + "{:7.3f} {:7.3f} {:11.4f}".format(*explanation_scores(base, data)))
    for share in (0.01, 0.1, 1.0):
        ignore, focus = rows_mask(decoy, share), rows_mask(objects, share)
        for name, masks in (
            ("ignore", {"ignore": ignore}),
            ("focus", {"focus": focus}),
            ("both", {"ignore": ignore, "focus": focus}),
        ):
            model = rrr(epochs).fit(X, y, **masks)
            acc = model.score(data["X_test"], data["y_test"])
            dice, wr, share_decoy = explanation_scores(model, data)
            print(f"{share:6.0%} {name:8s} {acc:9.4f} {dice:7.3f} {wr:7.3f} "
                  f"{share_decoy:11.4f}")


def part3(data, epochs):
    X, y, decoy = data["X_train"], data["y_train"], data["decoy_train"]
    base = rrr(epochs).fit(X, y)
    acc0 = base.score(data["X_test"], data["y_test"])
    share0 = explanation_scores(base, data)[2]
    print(f"\n3. fine-tuning a model trained without feedback ({len(y)} images, "
          f"{epochs} epochs): test acc {acc0:.4f}, decoy share {share0:.4f}")
    print(f"{'annotated':>9s} {'epochs':>6s} {'test acc':>9s} {'gain':>7s} "
          f"{'decoy share':>11s} {'s':>6s}")
    rng = np.random.RandomState(0)
    order = rng.permutation(len(y))
    # 0 annotated: the same extra epochs without feedback, the control
    for n_annotated in (0, 10, 100, 1000):
        ignore = np.zeros_like(decoy)
        ignore[order[:n_annotated]] = decoy[order[:n_annotated]]
        for n_epochs in (1, 3, 10):
            model = copy.deepcopy(base)
            start = time.perf_counter()
            for _ in range(n_epochs):
                model.partial_fit(X, y, ignore=ignore)
            seconds = time.perf_counter() - start
            acc = model.score(data["X_test"], data["y_test"])
            share = explanation_scores(model, data)[2]
            print(f"{n_annotated:9d} {n_epochs:6d} {acc:9.4f} {acc - acc0:+7.4f} "
                  f"{share:11.4f} {seconds:6.1f}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", type=int, choices=(1, 2, 3), action="append")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--path", default=None, help="Fashion-MNIST folder")
    parser.add_argument("--n-train", type=int, default=None)
    parser.add_argument("--epochs", type=int, default=None)
    parser.add_argument("--penalty", type=float, default=1000.0,
                        help="input-gradient penalty (Ross et al.: 1000)")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", category=ConvergenceWarning)
    global PENALTY
    PENALTY = args.penalty
    print(f"input-gradient penalty {PENALTY:g}")
    parts = args.part or [1, 2, 3]
    if args.quick:
        n_train, epochs = 3000, 5
    for part in parts:
        if not args.quick:
            n_train = args.n_train or (60000 if part == 1 else 20000)
            epochs = args.epochs or (64 if part == 1 else 20)
        data = load(args.path, n_train)
        {1: part1, 2: part2, 3: part3}[part](data, epochs)


if __name__ == "__main__":
    main()
