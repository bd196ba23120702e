"""The code blocks of the getting-started page and the user guide run, page by page."""

import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"
PAGES = sorted(
    p
    for p in [DOCS / "getting_started.rst", *(DOCS / "guide").rglob("*.rst")]
    if ".. code-block:: python" in p.read_text()
)


def _code_blocks(text):
    """The bodies of the ``.. code-block:: python`` directives, dedented."""
    blocks = []
    for match in re.finditer(r"\.\. code-block:: python\n\n((?:(?: {4}.*)?\n)+)", text):
        lines = match[1].splitlines()
        blocks.append("\n".join(line[4:] for line in lines) + "\n")
    return blocks


# A comment that shows output starts like a repr or a number; it sits after the
# print on the same line, or on the lines right below it.
_OUTPUT = r"(?:TrainingSet\(|Explanation\(|\[\(|\{|\d)"


def _shown_output(block):
    """The outputs a block's comments claim its prints give, in order."""
    shown, after_print = [], False
    for line in block.splitlines():
        code, _, comment = line.partition("# ")
        if code.strip() and "print(" not in code:
            after_print = False
            continue
        after_print = after_print or "print(" in code
        if after_print and re.match(_OUTPUT, comment):
            shown.append(comment.strip())
    return shown


def test_shown_output_reads_comments():
    block = (
        "x = 1  # 2 not output\nprint(x)  # 1\n# [('a', 1)]\ny = 2\n# 3\n"
        "print(y)  # two\n"
    )
    assert _shown_output(block) == ["1", "[('a', 1)]"]


def test_code_blocks_reads_directives():
    text = "Intro.\n\n.. code-block:: python\n\n    x = 1\n\n    y = x\n\nAfter.\n"
    assert _code_blocks(text) == ["x = 1\n\ny = x\n\n"]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_page_code_runs_and_prints_what_it_shows(page, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # a block may write files
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace = {}  # the blocks of one page build on each other, as a reader's session
    for block in _code_blocks(page.read_text()):
        exec(compile(block, str(page), "exec"), namespace)  # noqa: S102
        printed = capsys.readouterr().out
        for shown in _shown_output(block):
            assert shown in printed, (
                f"{page.name} shows {shown!r}; it printed {printed!r}"
            )
