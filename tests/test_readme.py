"""The README's commands and examples are what CI runs, and they work."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _blocks(language):
    return re.findall(rf"```{language}\n(.*?)```", README, flags=re.DOTALL)


def test_readme_opens_with_the_two_commands_and_ci_runs_the_second():
    first_block = README.split("```bash\n", 1)[1].split("```", 1)[0]
    before = README.split("```bash\n", 1)[0]
    assert before.count("\n") <= 2, "the commands must open the README"
    demo, tests = first_block.strip().splitlines()
    assert "examples/demo.py" in demo and (ROOT / "examples/demo.py").exists()
    assert tests.endswith("-m pytest")
    ci = (ROOT / ".ci" / "run").read_text()
    assert tests in ci.splitlines(), ".ci/run must run the README's test command"


def test_readme_python_examples_run_each_on_its_own(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an example may write files
    blocks = _blocks("python")
    assert blocks, "the README shows the loop"
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})  # noqa: S102 (fresh namespace)
    out = capsys.readouterr().out
    assert "Explanation(predicted_class=" in out
    assert "np.int64" not in out


def test_readme_shows_what_the_loop_prints(capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    loop = _blocks("python")[0]
    exec(compile(loop, "README.md", "exec"), {})  # noqa: S102
    printed = capsys.readouterr().out.strip()
    after = README.split(loop, 1)[1]
    shown = re.search(r"\n```\n(.*?)```", after, flags=re.DOTALL)[1].strip()
    assert printed == shown, "the README's output block must be what the loop prints"


def test_readme_figure_and_docs_build_exist():
    for target in re.findall(r"!\[[^]]*\]\(([^)]+)\)", README):
        assert (ROOT / target).stat().st_size > 0, target
    assert "docs/build.py" in README and (ROOT / "docs" / "build.py").exists()
