"""Sphinx configuration for skxil's documentation.

Build with ``python docs/build.py`` (see its docstring): it copies ``docs/`` into
``build/docs-src`` and builds there, so that the API pages and the gallery that
Sphinx generates never land in the source tree.
"""

import os
import shutil
from pathlib import Path

import skxil

# The repository root: build.py points at it, because conf.py runs from the copy.
ROOT = Path(os.environ.get("SKXIL_ROOT", Path(__file__).resolve().parents[1]))
QUICK = os.environ.get("SKXIL_QUICK", "") not in ("", "0")

project = "skxil"
author = "The skxil developers"
copyright = "2026, The skxil developers"
release = skxil.__version__
version = ".".join(release.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
exclude_patterns = ["_build", "guide/sections/README*"]
templates_path = ["_templates"]
html_static_path = ["_static"]

# API reference: one page per public name, generated from the numpydoc docstrings.
autosummary_generate = True
autodoc_default_options = {"inherited-members": False}
numpydoc_show_class_members = False
# The numpydoc sections give every type, as in scikit-learn; keep signatures plain.
autodoc_typehints = "none"
numpydoc_class_members_toctree = False

# The changelog lives at the repository root; the site shows a copy (ignored by git).
shutil.copyfile(ROOT / "CHANGELOG.md", Path(__file__).resolve().parent / "changelog.md")

html_theme = "pydata_sphinx_theme"
html_title = f"skxil {release}"
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": [],
}
html_sidebars = {"index": [], "getting_started": []}

# The gallery: every examples/plot_*.py runs and its figures go on its page.
# build.py sets SKXIL_QUICK=1 (small data, few iterations) unless --full is given;
# the examples read the variable themselves, so they run the same way by hand.
sphinx_gallery_conf = {
    "examples_dirs": str(ROOT / "examples"),
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"demo\.py",
    "download_all_examples": False,
    "within_subsection_order": "FileNameSortKey",
    "remove_config_comments": True,
    "matplotlib_animations": False,
    "abort_on_example_error": True,
    "show_memory": False,
    "min_reported_time": 1,
}
os.environ.setdefault("MPLBACKEND", "Agg")
if QUICK:
    os.environ["SKXIL_QUICK"] = "1"  # the examples run in the build's process
