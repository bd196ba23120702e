"""Build the documentation site out of the source tree.

Run ``python docs/build.py`` from anywhere (needs ``pip install -e ".[docs]"``).
``docs/`` is copied to ``build/docs-src`` and Sphinx builds from the copy into
``build/html``, so the generated API pages, the gallery and its figures stay in
``build/`` (ignored by git) and ``git status`` is clean afterwards. Warnings are
errors (``-W --keep-going``: every warning is reported, then the build fails).

The gallery examples run in quick mode (``SKXIL_QUICK=1``: small data, few
iterations) unless ``--full`` is given; the full figures come from
``benchmarks/``. Open ``build/html/index.html`` in a browser.
"""

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--full", action="store_true", help="run the gallery on the full data"
    )
    parser.add_argument(
        "--out", type=Path, default=ROOT / "build", help="where to build (build/)"
    )
    parser.add_argument(
        "--builder", default="html", help="Sphinx builder (html, linkcheck, ...)"
    )
    args = parser.parse_args(argv)

    source = args.out / "docs-src"
    # A fresh copy each time: a stale generated page of a removed name must not
    # survive into the site.
    shutil.rmtree(source, ignore_errors=True)
    shutil.copytree(ROOT / "docs", source, ignore=shutil.ignore_patterns("_build"))
    env = dict(os.environ, SKXIL_ROOT=str(ROOT), MPLBACKEND="Agg")
    env["SKXIL_QUICK"] = "0" if args.full else "1"
    # The examples and autodoc import this checkout's skxil.
    env["PYTHONPATH"] = os.pathsep.join(
        p for p in (str(ROOT), env.get("PYTHONPATH")) if p
    )
    command = [
        sys.executable, "-m", "sphinx", "-b", args.builder, "-W", "--keep-going",
        "-q", "-d", str(args.out / "doctrees"), str(source),
        str(args.out / args.builder),
    ]  # fmt: skip
    tic = time.perf_counter()
    status = subprocess.call(command, env=env, cwd=source)
    print(
        f"docs: {'built' if status == 0 else 'FAILED'} in "
        f"{time.perf_counter() - tic:.0f} s -> {args.out / args.builder / 'index.html'}"
    )
    return status


if __name__ == "__main__":
    sys.exit(main())
