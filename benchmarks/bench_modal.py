"""Benchmark skxil.modal: modAL's documented examples with one import changed.

modAL's documentation walks through five examples; each is written here again
(not copied) with ``from skxil.modal import ActiveLearner, Committee`` in
place of ``from modAL.models import ...``:

- pool-based sampling on iris (k-NN, uncertainty sampling);
- ranked batch-mode sampling on iris (k-NN, ``uncertainty_batch_sampling``);
- query by committee on iris (random forests, vote entropy);
- stream-based sampling on a checkerboard (random forest, a query whenever
  ``classifier_uncertainty`` of the streamed row is at least 0.4);
- bootstrapping and bagging on the checkerboard (k-NN members fitted on
  bootstrap resamples, ``rebag``, ``teach(..., bootstrap=True)``).

The first table gives the accuracy on the whole data before and after the
queries with skxil.modal, the same loop with modAL 0.4.2's own classes
(which fail in ``teach`` on scikit-learn >= 1.8: ``check_X_y`` no longer takes
``force_all_finite``), and for pool-based and stream-based sampling a plain
scikit-learn loop making the same choices by hand, which skxil.modal (no
corrections) must match exactly.

The second table lists every strategy function of modAL: whether it runs on
skxil.modal (query, then teach), whether it runs in modAL itself, and skxil's
equivalent, looked up in :mod:`skxil.query` at run time.

Run ``python benchmarks/bench_modal.py`` (``--quick`` for 5 queries per
example instead of 20).
"""

import argparse
import importlib
import time
import warnings
from functools import partial

import numpy as np
from scipy import sparse
from sklearn.base import clone
from sklearn.datasets import load_iris
from sklearn.ensemble import RandomForestClassifier
from sklearn.neighbors import KNeighborsClassifier

import skxil.query
from skxil import modal

try:
    import modAL.models as modal_models
    from modAL import batch, uncertainty
except ImportError as exc:  # pragma: no cover
    raise SystemExit(
        "bench_modal needs modAL: pip install modAL-python (0.4.2 was measured)"
    ) from exc


def _short(exc):
    text = f"{type(exc).__name__}: {exc}".splitlines()[0]
    if "force_all_finite" in text:
        return "check_X_y(force_all_finite=)"
    return text if len(text) <= 48 else text[:45] + "..."


def _checkerboard(side=30, square=10):
    grid = np.arange(side)
    X = np.array([(i, j) for i in grid for j in grid], dtype=float)
    y = ((X[:, 0] // square + X[:, 1] // square) % 2).astype(int)
    return X, y


# ----------------------------------------------------------------- examples
def pool_based(models, n_queries, seed=0):
    X, y = load_iris(return_X_y=True)
    rng = np.random.RandomState(seed)
    train = rng.choice(len(y), size=5, replace=False)
    pool = np.delete(np.arange(len(y)), train)
    learner = models.ActiveLearner(
        estimator=KNeighborsClassifier(n_neighbors=3),
        X_training=X[train],
        y_training=y[train],
    )
    before = learner.score(X, y)
    for _ in range(n_queries):
        idx, rows = learner.query(X[pool])
        learner.teach(X=rows.reshape(1, -1), y=y[pool][idx].reshape(1))
        pool = np.delete(pool, idx)
    return before, learner.score(X, y)


def pool_based_reference(n_queries, seed=0):
    """The pool-based loop by hand: fit, least-confident row, refit."""
    X, y = load_iris(return_X_y=True)
    rng = np.random.RandomState(seed)
    train = list(rng.choice(len(y), size=5, replace=False))
    pool = np.delete(np.arange(len(y)), train)
    model = KNeighborsClassifier(n_neighbors=3).fit(X[train], y[train])
    before = model.score(X, y)
    for _ in range(n_queries):
        uncertainty_ = 1 - model.predict_proba(X[pool]).max(axis=1)
        best = int(np.argmax(uncertainty_))
        train.append(pool[best])
        pool = np.delete(pool, best)
        model = KNeighborsClassifier(n_neighbors=3).fit(X[train], y[train])
    return before, model.score(X, y)


def ranked_batch(models, n_queries, seed=0, batch_size=5):
    X, y = load_iris(return_X_y=True)
    rng = np.random.RandomState(seed)
    train = rng.choice(len(y), size=3, replace=False)
    pool = np.delete(np.arange(len(y)), train)
    learner = models.ActiveLearner(
        estimator=KNeighborsClassifier(n_neighbors=3),
        X_training=X[train],
        y_training=y[train],
        query_strategy=partial(
            batch.uncertainty_batch_sampling, n_instances=batch_size
        ),
    )
    before = learner.score(X, y)
    for _ in range(min(n_queries, (len(pool) - 1) // batch_size)):
        idx, rows = learner.query(X[pool])
        learner.teach(X=rows, y=y[pool][idx])
        pool = np.delete(pool, idx)
    return before, learner.score(X, y)


def query_by_committee(models, n_queries, seed=0, n_members=2):
    X, y = load_iris(return_X_y=True)
    rng = np.random.RandomState(seed)
    pool = np.arange(len(y))
    members = []
    for member in range(n_members):
        train = rng.choice(len(pool), size=3, replace=False)
        members.append(
            models.ActiveLearner(
                estimator=RandomForestClassifier(n_estimators=20, random_state=member),
                X_training=X[pool[train]],
                y_training=y[pool[train]],
            )
        )
        pool = np.delete(pool, train)
    committee = models.Committee(learner_list=members)
    before = committee.score(X, y)
    for _ in range(n_queries):
        idx, rows = committee.query(X[pool])
        committee.teach(X=rows, y=y[pool][idx])
        pool = np.delete(pool, idx)
    return before, committee.score(X, y)


def stream_based(models, n_queries, seed=0, threshold=0.4):
    X, y = _checkerboard()
    rng = np.random.RandomState(seed)
    train = rng.choice(len(y), size=5, replace=False)
    learner = models.ActiveLearner(
        estimator=RandomForestClassifier(n_estimators=20, random_state=0),
        X_training=X[train],
        y_training=y[train],
    )
    before, asked, streamed = learner.score(X, y), 0, 0
    while asked < 4 * n_queries and streamed < 50 * n_queries:
        i = rng.randint(len(y))
        streamed += 1
        if uncertainty.classifier_uncertainty(learner, X[[i]])[0] >= threshold:
            learner.teach(X[[i]], y[[i]])
            asked += 1
    return before, learner.score(X, y)


def stream_based_reference(n_queries, seed=0, threshold=0.4):
    X, y = _checkerboard()
    rng = np.random.RandomState(seed)
    train = list(rng.choice(len(y), size=5, replace=False))
    template = RandomForestClassifier(n_estimators=20, random_state=0)
    model = clone(template).fit(X[train], y[train])
    before, asked, streamed = model.score(X, y), 0, 0
    while asked < 4 * n_queries and streamed < 50 * n_queries:
        i = rng.randint(len(y))
        streamed += 1
        if 1 - model.predict_proba(X[[i]]).max() >= threshold:
            train.append(i)
            model = clone(template).fit(X[train], y[train])
            asked += 1
    return before, model.score(X, y)


def bagging(models, n_queries, seed=0, n_members=3):
    X, y = _checkerboard()
    rng = np.random.RandomState(seed)
    train = rng.choice(len(y), size=40, replace=False)
    kwargs = {"random_state": seed} if models is modal else {}
    members = [
        models.ActiveLearner(
            estimator=KNeighborsClassifier(n_neighbors=5),
            X_training=X[train],
            y_training=y[train],
            bootstrap_init=True,
            **{k: v + m for k, v in kwargs.items()},
        )
        for m in range(n_members)
    ]
    committee = models.Committee(learner_list=members)
    before = committee.score(X, y)
    committee.rebag()
    pool = np.delete(np.arange(len(y)), train)
    for _ in range(n_queries):
        idx, rows = committee.query(X[pool])
        committee.teach(rows, y[pool][idx], bootstrap=True)
        pool = np.delete(pool, idx)
    return before, committee.score(X, y)


EXAMPLES = [
    ("pool-based sampling (iris)", pool_based, pool_based_reference),
    ("ranked batch-mode sampling (iris)", ranked_batch, None),
    ("query by committee (iris)", query_by_committee, None),
    ("stream-based sampling (checkerboard)", stream_based, stream_based_reference),
    ("bootstrapping and bagging (checkerboard)", bagging, None),
]


def run_examples(n_queries):
    rows = []
    for name, example, reference in EXAMPLES:
        t0 = time.perf_counter()
        before, after = example(modal, n_queries)
        seconds = time.perf_counter() - t0
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                theirs = f"{example(modal_models, n_queries)[1]:.3f}"
        except Exception as exc:  # noqa: BLE001 (the table reports it)
            theirs = "fails: " + _short(exc)
        if reference is None:
            ref, same = "-", "-"
        else:
            ref_after = reference(n_queries)[1]
            ref, same = f"{ref_after:.3f}", "yes" if ref_after == after else "NO"
        rows.append(
            (name, f"{before:.3f}", f"{after:.3f}", f"{seconds:.2f}", ref, same, theirs)
        )
    header = (
        "example",
        "acc before",
        "acc after",
        "time s",
        "plain loop",
        "same",
        "modAL 0.4.2",
    )
    _print_table(header, rows)


# --------------------------------------------------------------- strategies
def _data():
    X, y = load_iris(return_X_y=True)
    return X, y, [0, 1, 50, 51, 100, 101]


def _model(models, strategy, committee, X_init, y_init):
    """One learner, or a committee of two, of ``models`` (skxil.modal or modAL)."""
    members = [
        models.ActiveLearner(
            RandomForestClassifier(n_estimators=5, random_state=i),
            X_training=X_init,
            y_training=y_init,
        )
        for i in range(2 if committee else 1)
    ]
    if committee:
        return models.Committee(members, query_strategy=strategy)
    members[0].query_strategy = strategy
    return members[0]


def _on_skxil(strategy, committee):
    """Query and teach on an array, a sparse and a DataFrame pool."""
    import pandas as pd

    X, y, init = _data()
    containers = {
        "array": lambda a: a,
        "sparse": sparse.csr_matrix,
        "frame": lambda a: pd.DataFrame(a, columns=["sl", "sw", "pl", "pw"]),
    }
    ok, failed = [], []
    for kind, make in containers.items():
        model = _model(modal, strategy, committee, make(X[init]), y[init])
        try:
            idx, rows = model.query(make(X), n_instances=2)
            model.teach(rows, y[idx])
        except Exception as exc:  # noqa: BLE001 (the table reports it)
            failed.append(f"{kind} fails in modAL ({type(exc).__name__})")
        else:
            ok.append(kind)
    return "yes: " + ", ".join(ok) + ("; " + "; ".join(failed) if failed else "")


def _in_modal(strategy, committee):
    X, y, init = _data()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model = _model(modal_models, strategy, committee, X[init], y[init])
        idx, rows = model.query(X, n_instances=2)
        try:
            model.teach(rows, y[idx])
        except Exception as exc:  # noqa: BLE001 (the table reports it)
            return "query ok; teach fails: " + _short(exc)
    return "yes"


def _measure(measure, committee):
    """A utility measure (not a strategy): call it on a fitted model."""
    X, y, init = _data()
    model = modal.ActiveLearner(
        RandomForestClassifier(n_estimators=5, random_state=0),
        X_training=X[init],
        y_training=y[init],
    )
    if committee:
        model = modal.Committee(
            [
                model,
                modal.ActiveLearner(
                    KNeighborsClassifier(n_neighbors=1),
                    X_training=X[init],
                    y_training=y[init],
                ),
            ]
        )
    scores = measure(model, X)
    assert np.shape(scores) == (len(y),)
    return "yes (utility measure)"


def _equivalent(name):
    for candidate in (name, name.replace("classifier_", "")):
        if hasattr(skxil.query, candidate):
            return f"skxil.query.{candidate}"
    return None


STRATEGIES = [
    # (module, name, kind): kind is "learner", "committee", "measure-learner",
    # "measure-committee", "plain" or the reason it is out of scope.
    ("uncertainty", "uncertainty_sampling", "learner"),
    ("uncertainty", "margin_sampling", "learner"),
    ("uncertainty", "entropy_sampling", "learner"),
    ("uncertainty", "classifier_uncertainty", "measure-learner"),
    ("uncertainty", "classifier_margin", "measure-learner"),
    ("uncertainty", "classifier_entropy", "measure-learner"),
    ("batch", "uncertainty_batch_sampling", "learner"),
    ("disagreement", "vote_entropy_sampling", "committee"),
    ("disagreement", "consensus_entropy_sampling", "committee"),
    ("disagreement", "max_disagreement_sampling", "committee"),
    ("disagreement", "vote_entropy", "measure-committee"),
    ("disagreement", "consensus_entropy", "measure-committee"),
    ("disagreement", "KL_max_disagreement", "measure-committee"),
    ("disagreement", "max_std_sampling", "out of scope: regressors"),
    ("density", "information_density", "plain"),
    ("expected_error", "expected_error_reduction", "learner"),
    ("multilabel", "SVM_binary_minimum", "out of scope: multilabel y"),
    ("multilabel", "max_loss", "out of scope: multilabel y"),
    ("multilabel", "mean_max_loss", "out of scope: multilabel y"),
    ("multilabel", "min_confidence", "out of scope: multilabel y"),
    ("multilabel", "avg_confidence", "out of scope: multilabel y"),
    ("multilabel", "max_score", "out of scope: multilabel y"),
    ("multilabel", "avg_score", "out of scope: multilabel y"),
    ("acquisition", "max_PI", "out of scope: BayesianOptimizer (regressors)"),
    ("acquisition", "max_EI", "out of scope: BayesianOptimizer (regressors)"),
    ("acquisition", "max_UCB", "out of scope: BayesianOptimizer (regressors)"),
    ("dropout", "mc_dropout_bald", "out of scope: torch models"),
    ("cluster", "(module)", "learner"),
]

EXTRA_EQUIVALENTS = {
    "classifier_uncertainty": "1 - predict_proba max (inside skxil.query.uncertainty_sampling)",
    "uncertainty_batch_sampling": "skxil.query.ranked_batch_sampling",
    "KL_max_disagreement": "skxil.query.max_disagreement",
}


def run_strategies():
    rows = []
    for module_name, name, kind in STRATEGIES:
        try:
            module = importlib.import_module(f"modAL.{module_name}")
            func = getattr(module, name) if name != "(module)" else None
        except Exception as exc:  # noqa: BLE001 (the table reports it)
            rows.append(
                (
                    f"{module_name}.{name}",
                    "-",
                    "import fails: " + _short(exc),
                    _equivalent(name) or "-",
                )
            )
            continue
        equivalent = EXTRA_EQUIVALENTS.get(name) or _equivalent(name) or "-"
        if kind.startswith("out of scope"):
            rows.append((f"{module_name}.{name}", kind, "not run", equivalent))
            continue
        if kind == "plain":
            X = _data()[0]
            ours = "yes (a function of X alone)"
            theirs = "yes" if np.shape(func(X)) == (len(X),) else "no"
        elif kind.startswith("measure"):
            committee = kind.endswith("committee")
            try:
                ours = _measure(func, committee)
            except Exception as exc:  # noqa: BLE001 (the table reports it)
                ours = "fails: " + _short(exc)
            theirs = "yes"
        else:
            committee = kind == "committee"
            try:
                ours = _on_skxil(func, committee)
            except Exception as exc:  # noqa: BLE001 (the table reports it)
                ours = "fails: " + _short(exc)
            try:
                theirs = _in_modal(func, committee)
            except Exception as exc:  # noqa: BLE001 (the table reports it)
                theirs = "fails: " + _short(exc)
        rows.append((f"{module_name}.{name}", ours, theirs, equivalent))
    _print_table(
        (
            "modAL function",
            "on skxil.modal",
            "in modAL 0.4.2 itself",
            "skxil equivalent",
        ),
        rows,
    )


def _print_table(header, rows):
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join(f"{{:<{w}}}" for w in widths)
    print(line.format(*header))
    print("  ".join("-" * w for w in widths))
    for row in rows:
        print(line.format(*row))
    print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 queries per example")
    args = parser.parse_args()
    n_queries = 5 if args.quick else 20
    print(
        f"modAL's documented examples, {n_queries} queries each, skxil.modal "
        "(no corrections)\n"
    )
    run_examples(n_queries)
    print("modAL's strategy functions\n")
    run_strategies()


if __name__ == "__main__":
    main()
