"""The confounded benchmark in quick mode: corrections must help (runs in CI)."""

import importlib.util
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "benchmarks" / "bench_confounded.py"


@pytest.fixture(scope="module")
def bench():
    spec = importlib.util.spec_from_file_location("bench_confounded", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_corrections_help_on_confounded_data(bench, capsys):
    result = bench.main(quick=True)
    with_corr, without = result["with"], result["without"]
    assert with_corr["n_corrections"] > 0 and without["n_corrections"] == 0
    assert with_corr["test_accuracy"] > without["test_accuracy"] + 0.03
    assert with_corr["query_f1_last10"] >= without["query_f1_last10"]
    out = capsys.readouterr().out
    assert "with corr." in out and "test_accuracy" in out
