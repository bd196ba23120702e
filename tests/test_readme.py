"""The README's commands and examples are what CI runs, and they work."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.S)


def test_readme_opens_with_the_two_commands_and_ci_runs_the_second():
    first_block = README.split("```bash\n", 1)[1].split("```", 1)[0]
    before = README.split("```bash\n", 1)[0]
    assert before.count("\n") <= 2, "the commands must open the README"
    demo, tests = first_block.strip().splitlines()
    assert "examples/demo.py" in demo and (ROOT / "examples/demo.py").exists()
    assert tests.endswith("-m pytest")
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests in ci.splitlines(), ".ci/run must run the README's test command"


def test_readme_python_examples_run(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # the examples write files
    namespace = {}
    for block in _blocks("python"):
        exec(compile(block, "README.md", "exec"), namespace)
    out = capsys.readouterr().out
    assert "Explanation(predicted_class=" in out
    assert namespace["learner"].training_set_.n_real == 30
    assert 0.0 <= namespace["pipe"].score(namespace["X_test"], namespace["y_test"]) <= 1.0
    assert (tmp_path / "explanation.png").stat().st_size > 0
    table = namespace["table_learner"]  # the mixed-table example
    assert table.training_set_.n_real == 30 and table.training_set_.n_counterexamples > 0
    assert (table.training_set_.X.dtypes == namespace["T_train"].dtypes).all()
    assert "site=" in out
