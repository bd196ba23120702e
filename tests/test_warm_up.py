"""The warm-ups: the first-call costs of a round (kernels, memory) paid before it."""

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from skxil._warm_up import _adaptive_glibc, _glibc, warm_up_kernels


def test_warms_up_on_numeric_rows_without_changing_them(monkeypatch):
    import skxil._warm_up

    # a fresh process's state: no dtype loaded yet, so the kernels really run
    monkeypatch.setattr(skxil._warm_up, "_LOADED", set())
    for X in (
        np.array([[1, 2], [1, 5]], dtype=np.uint8),
        np.random.default_rng(0).normal(size=(5, 3)),
    ):
        before = X.copy()
        assert warm_up_kernels(X) is True
        assert X.dtype.str in skxil._warm_up._LOADED
        np.testing.assert_array_equal(X, before)


def test_other_containers_and_unusable_rows_are_left_alone():
    assert warm_up_kernels(sparse.csr_matrix(np.eye(3))) is False
    assert warm_up_kernels(pd.DataFrame({"a": [1.0, 2.0]})) is False
    assert warm_up_kernels(np.array([["a", "b"], ["c", "d"]])) is False
    assert warm_up_kernels(np.ones((1, 3))) is False
    assert warm_up_kernels(np.array([[np.nan, 1.0], [2.0, 3.0]])) is False


def test_every_numba_kernel_is_cached_on_disk():
    from numba.core.registry import CPUDispatcher

    from skxil.counterexamples import _kernels as counterexample_kernels
    from skxil.explain import _kernels as explain_kernels
    from skxil.explain import _tree_kernels as tree_kernels
    from skxil.explain import _tree_linear as tree_linear

    modules = (explain_kernels, counterexample_kernels, tree_kernels, tree_linear)
    kernels = [
        (module.__name__, name, obj)
        for module in modules
        for name, obj in vars(module).items()
        if isinstance(obj, CPUDispatcher)
    ]
    assert len(kernels) > 20
    uncached = [
        f"{module}.{name}"
        for module, name, obj in kernels
        if type(obj._cache).__name__ == "NullCache"
    ]
    assert uncached == []


# Run in a fresh process (in this one, earlier tests have loaded every
# kernel): prints, per case, how many kernel signatures of skxil.explain
# are loaded after fit and after the explain that follows.
_FRESH = """
import json, sys
import numpy as np
from numba.core.registry import CPUDispatcher
from scipy import sparse
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from skxil import CaipiClassifier
from skxil.explain import FastLimeExplainer

def loaded():
    return sum(
        len(obj.signatures)
        for module in list(sys.modules.values())
        if getattr(module, "__name__", "").startswith("skxil.")
        for obj in vars(module).values()
        if isinstance(obj, CPUDispatcher)
    )

class Model:
    classes_ = np.array([0, 1])
    def predict_proba(self, Z):
        n = len(Z) if isinstance(Z, list) else Z.shape[0]
        p = np.linspace(0.1, 0.9, n)
        return np.column_stack([p, 1 - p])

rng = np.random.default_rng(0)
counts = []
"""

_EXPLAINERS = """
X = rng.normal(size=(50, 6))
cases = [
    ({}, X, X[:3]),
    ({"n_features": 8, "n_repeats": 3}, X, X[:2]),
    ({"discretize_continuous": False, "n_bootstrap": 2}, X, X[:2]),
    ({}, sparse.random(50, 40, density=0.2, format="csr", random_state=0), None),
    ({"mode": "text"}, None, ["a b c", "b c d e"]),
    ({"mode": "image", "shape": (8, 8), "patch_size": 4}, None, rng.random((2, 64))),
]
for params, background, rows in cases:
    explainer = FastLimeExplainer(n_samples=100, random_state=0, **params)
    explainer.fit(background)
    after_fit = loaded()
    explainer.explain(Model(), background[:2] if rows is None else rows)
    counts.append([after_fit, loaded()])
print(json.dumps(counts))
"""

_LEARNERS = """
X = rng.normal(size=(60, 5))
y = (X[:, 0] > 0).astype(int)
for estimator, explainer in (
    (LogisticRegression(), FastLimeExplainer(n_samples=100, n_features=3)),
    (RandomForestClassifier(5, random_state=0), "auto"),
):
    learner = CaipiClassifier(estimator, explainer=explainer, random_state=0).fit(X, y)
    after_fit = loaded()
    learner.query(X)
    learner.explain(X[:2])
    counts.append([after_fit, loaded()])
print(json.dumps(counts))
"""


def _fresh_counts(body):
    import json
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", _FRESH + body], capture_output=True, text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    "body",
    [_EXPLAINERS, _LEARNERS],
    ids=[
        "fast-lime-fit-loads-what-explain-runs",
        "caipi-fit-loads-its-explainers-and-pool-scoring",
    ],
)
def test_fit_loads_the_kernels_that_explain_runs(body):
    # CaipiClassifier fits its explainer at the first explain, so its fit
    # must load the explainer's kernels (warm_up_explainer).
    counts = _fresh_counts(body)
    assert all(after_fit > 0 for after_fit, _ in counts)
    assert [after for _, after in counts] == [after_fit for after_fit, _ in counts]


def test_warm_up_explainer_leaves_the_explainer_and_rows_alone(monkeypatch):
    import skxil._warm_up
    from skxil._warm_up import warm_up_explainer
    from skxil.explain import FastLimeExplainer, LinearExplainer, TreeExplainer

    monkeypatch.setattr(skxil._warm_up, "_LOADED", set())
    X = np.random.default_rng(0).normal(size=(5, 3))
    before = X.copy()
    explainer = FastLimeExplainer(random_state=np.random.RandomState(0))
    assert warm_up_explainer(explainer, X) is True
    assert not hasattr(explainer, "sampler_")  # a copy was fitted
    assert warm_up_explainer(TreeExplainer(), X) is True
    assert len(skxil._warm_up._LOADED) == 2
    assert warm_up_explainer(LinearExplainer(), X) is False  # no kernels
    assert warm_up_explainer(FastLimeExplainer(), pd.DataFrame(X)) is False
    assert warm_up_explainer(FastLimeExplainer(), X[:1]) is False
    np.testing.assert_array_equal(X, before)


_LARGE_CORRECTIONS = """
import json
import numpy as np
from numba.core.registry import CPUDispatcher
from skxil._warm_up import warm_up_kernels
from skxil.counterexamples import _kernels, make_counterexamples

def loaded():
    return sorted(
        f"{name}{signature}"
        for name, obj in vars(_kernels).items()
        if isinstance(obj, CPUDispatcher)
        for signature in obj.signatures
    )

rng = np.random.RandomState(0)
new = []
for dtype in ("uint8", "float64", "int64"):
    X = rng.randint(0, 50, size=(2000, 20)).astype(dtype)
    y = rng.randint(0, 2, size=2000)
    corrections = rng.rand(2000, 20) < 0.3
    warm_up_kernels(X)
    before = loaded()
    for strategy in ("randomize", "alternative", "substitute"):
        make_counterexamples(
            X, y, corrections, X_train=X, y_train=y, n_counterexamples=3,
            strategy=strategy, random_state=0,
        )
    new.append(sorted(set(loaded()) - set(before)))
print(json.dumps(new))
"""


def test_warm_up_loads_the_kernels_of_a_large_correction():
    # the kernels that draw their own uniforms run only past a size: the
    # warm-up must load them too, so that a large teach finds them loaded
    assert _fresh_counts(_LARGE_CORRECTIONS) == [[], [], []]


# Fresh process: the minor page faults of the first 20-row explain of a
# scaled logistic regression in the calling thread (where the model runs on
# the chunks), after fit with or without the memory warm-up.
_FIRST_EXPLAIN_FAULTS = """
import json, resource, sys
import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
import skxil._warm_up
from skxil.explain import FastLimeExplainer

if sys.argv[1] == "off":
    skxil._warm_up._MEMORY["warmed"] = 2**62  # as if done: skipped
rng = np.random.default_rng(0)
X = rng.normal(size=(200, 30))
y = (X[:, 0] > 0).astype(int)
model = make_pipeline(StandardScaler(), LogisticRegression()).fit(X, y)
explainer = FastLimeExplainer(n_features=5, random_state=0).fit(X)
# The calling thread's faults: the process's also count the prefetch
# thread's, whose heap is the warm-up thread's only if no other thread took
# that heap in between (threads of the libraries the model uses may).
before = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt
explanations = explainer.explain(model, X[:20])
faults = resource.getrusage(resource.RUSAGE_THREAD).ru_minflt - before
print(json.dumps([faults, [e.features.tolist() for e in explanations]]))
"""


def _first_explain_faults(warm_up):
    import json
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", _FIRST_EXPLAIN_FAULTS, "on" if warm_up else "off"],
        capture_output=True, text=True, check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(
    not (_adaptive_glibc() and hasattr(__import__("resource"), "RUSAGE_THREAD")),
    reason="the warm-up is for glibc's malloc, thresholds not fixed; the count is Linux's",
)
def test_fit_spares_the_first_explain_its_fresh_pages():
    # Without the warm-up, the first call maps its chunks afresh (and the
    # model's copies of them); with it, they reuse pages the heaps kept.
    warm, warm_features = _first_explain_faults(True)
    cold, cold_features = _first_explain_faults(False)
    assert warm_features == cold_features
    assert warm < 0.5 * cold, (warm, cold)


@pytest.mark.parametrize(
    "variable, value",
    [
        ("MALLOC_TRIM_THRESHOLD_", "65536"),  # what distributed sets
        ("MALLOC_MMAP_THRESHOLD_", "131072"),
        ("GLIBC_TUNABLES", "glibc.malloc.trim_threshold=65536"),
    ],
)
def test_warm_up_memory_is_skipped_where_the_thresholds_are_fixed(
    monkeypatch, variable, value
):
    import skxil._warm_up
    from skxil._warm_up import warm_up_memory

    monkeypatch.setattr(skxil._warm_up, "_MEMORY", {"warmed": 0})
    monkeypatch.setenv(variable, value)
    assert warm_up_memory(2**20, helper=False) is False
    assert skxil._warm_up._MEMORY["warmed"] == 0


def test_warm_up_memory_runs_once_per_process_and_size(monkeypatch):
    import skxil._warm_up
    from skxil._warm_up import warm_up_memory

    if not _glibc():
        assert warm_up_memory(2**20) is False
        return
    monkeypatch.setattr(skxil._warm_up, "_MEMORY", {"warmed": 0})
    calls = []
    write = skxil._warm_up._write_blocks
    monkeypatch.setattr(
        skxil._warm_up, "_write_blocks",
        lambda size, n: calls.append((size, n)) or write(size, n),
    )
    assert warm_up_memory(2**20) is True
    assert sorted(calls) == [(2**17, 1), (2**17, 2)]  # calling and helper thread
    assert warm_up_memory(2**19, helper=False) is True  # smaller: already done
    assert warm_up_memory(2**21, helper=False) is True
    assert calls[2:] == [(2**18, 1)]
    # glibc maps such blocks afresh on every call: nothing to warm up
    assert warm_up_memory(31 * 2**20 + 1) is False
    assert skxil._warm_up._MEMORY["warmed"] == 2**21
