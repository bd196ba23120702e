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
