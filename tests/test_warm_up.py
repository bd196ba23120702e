"""warm_up_kernels: the numba kernels of a round, loaded before the round."""

import numpy as np
import pandas as pd
from scipy import sparse

from skxil._warm_up import warm_up_kernels


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


_ROUND_CHECK = """
import json, sys
import numpy as np
from numba.core.registry import CPUDispatcher
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from skxil import CaipiClassifier
from skxil.explain import FastLimeExplainer

def loaded():
    return sum(
        len(obj.signatures)
        for module in list(sys.modules.values())
        if getattr(module, "__name__", "").startswith("skxil.explain")
        for obj in vars(module).values()
        if isinstance(obj, CPUDispatcher)
    )

rng = np.random.default_rng(0)
X = rng.normal(size=(60, 5))
y = (X[:, 0] > 0).astype(int)
out = []
for estimator, explainer in (
    (LogisticRegression(), FastLimeExplainer(n_samples=100, n_features=3)),
    (RandomForestClassifier(5, random_state=0), "auto"),
):
    learner = CaipiClassifier(estimator, explainer=explainer, random_state=0).fit(X, y)
    after_fit = loaded()
    learner.explain(X[:2])
    out.append([after_fit, loaded()])
print(json.dumps(out))
"""


def test_fit_loads_the_kernels_of_the_learners_explainer():
    # A fresh process: the learner fits its explainer only when it first
    # explains, so CaipiClassifier.fit must have loaded the kernels before.
    import json
    import subprocess
    import sys

    result = subprocess.run(
        [sys.executable, "-c", _ROUND_CHECK], capture_output=True, text=True, check=True
    )
    counts = json.loads(result.stdout.strip().splitlines()[-1])
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
