"""The API reference (docs/api.rst) lists every public name, and nothing stale."""

import importlib
import pkgutil
import re
from importlib import metadata
from pathlib import Path

import pytest

import skxil

API = Path(__file__).resolve().parents[1] / "docs" / "api.rst"


def _public_modules():
    """skxil and each public module or subpackage under it, with an ``__all__``."""
    yield skxil
    for info in pkgutil.iter_modules(skxil.__path__):
        if not info.name.startswith("_"):
            yield importlib.import_module(f"skxil.{info.name}")


def _documented_names(text):
    """Fully qualified names of the autosummary entries of an .rst text."""
    names, module, in_autosummary = set(), "", False
    for line in text.splitlines():
        if match := re.match(r"\.\. (?:current|auto)module:: (\S+)", line):
            # automodule also sets the current module, as in Sphinx
            module = match[1]
        elif line.startswith(".. autosummary::"):
            in_autosummary = True
        elif in_autosummary and line and not line[0].isspace():
            in_autosummary = False
        elif in_autosummary and (entry := line.strip()) and not entry.startswith(":"):
            names.add(f"{module}.{entry}" if module else entry)
    return names


def _resolve(qualified):
    module, _, name = qualified.rpartition(".")
    return getattr(importlib.import_module(module), name)


def test_every_public_name_is_in_the_api_reference():
    documented = _documented_names(API.read_text())
    # a re-export (skxil.RRRClassifier is skxil.neural.RRRClassifier) is
    # documented once, under its module
    objects = {id(_resolve(entry)) for entry in documented}
    missing = [
        f"{module.__name__}.{name}"
        for module in _public_modules()
        for name in module.__all__
        if not name.startswith("__")  # __version__: stated in the page's text
        and f"{module.__name__}.{name}" not in documented
        and id(getattr(module, name)) not in objects
    ]
    assert not missing, f"add these to docs/api.rst: {missing}"


def test_every_api_entry_is_public():
    public = {
        f"{module.__name__}.{name}"
        for module in _public_modules()
        for name in module.__all__
    }
    stale = sorted(_documented_names(API.read_text()) - public)
    assert not stale, f"docs/api.rst lists names that are not public: {stale}"


def test_every_public_module_declares_all():
    for module in _public_modules():
        assert hasattr(module, "__all__"), f"{module.__name__} has no __all__"


def test_documented_names_reads_autosummary_blocks():
    text = (
        ".. currentmodule:: skxil\n\n.. autosummary::\n   :toctree: generated\n\n"
        "   CaipiClassifier\n   query.margin_sampling\n\nText after.\n   indented\n"
    )
    assert _documented_names(text) == {
        "skxil.CaipiClassifier",
        "skxil.query.margin_sampling",
    }


def test_version_is_the_installed_packages():
    try:
        expected = metadata.version("skxil")
    except metadata.PackageNotFoundError:  # a source tree that is not installed
        pytest.skip("skxil is not installed")
    assert skxil.__version__ == expected
