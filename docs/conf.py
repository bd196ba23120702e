"""Sphinx configuration for skxil's documentation (build: sphinx-build docs docs/_build)."""

project = "skxil"
author = "The skxil developers"
copyright = "2026, The skxil developers"
extensions = ["sphinx.ext.autodoc", "sphinx.ext.autosummary", "numpydoc"]
autosummary_generate = True
numpydoc_show_class_members = False
html_static_path = ["_static"]
exclude_patterns = ["_build"]
