"""The ``skxil`` console script: ``skxil label data.csv --target y``."""

import argparse
import sys
from pathlib import Path

import numpy as np

from ._defaults import default_learner, text_columns

_DESCRIPTION = """\
Label the rows of a CSV file in the browser, with reasons.

The target column gives the labels where it has one: those rows (at least --n-init,
of two labels or more) train the first model, and a held-out part of them
(--test-size) measures its accuracy; rows whose target is empty are the pool the
page asks about. A table whose only feature column holds
free text (more than --min-tokens words per cell on average) is labelled as
documents. Answers are saved in the session file as they are given; running the
same command again resumes the session.
"""


def _parser():
    parser = argparse.ArgumentParser(prog="skxil", description=_DESCRIPTION,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    label = commands.add_parser("label", help="label the rows of a CSV file in the browser",
                                description=_DESCRIPTION,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    label.add_argument("csv", type=Path, help="the CSV file")
    label.add_argument("--target", required=True, help="the label column")
    label.add_argument("--session", type=Path, default=None,
                       help="the session file (default: next to the CSV, <name>.skxil.sqlite)")
    label.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default: 127.0.0.1, this machine only)")
    label.add_argument("--port", type=int, default=8765, help="port (default: 8765; 0: any free)")
    label.add_argument("--n-init", type=int, default=10,
                       help="labelled rows (of at least two labels) the CSV must have to train "
                            "the first model (default: 10)")
    label.add_argument("--test-size", type=float, default=0.2,
                       help="share of the labelled rows held out to measure accuracy, used when "
                            "at least 2 * n-init rows are labelled (default: 0.2)")
    label.add_argument("--min-tokens", type=float, default=5,
                       help="mean words per cell above which a column is free text (default: 5)")
    label.add_argument("--labels", default=None,
                       help="comma-separated labels, when the CSV has too few (e.g. yes,no)")
    label.add_argument("--random-state", type=int, default=0, help="seed (default: 0)")
    label.add_argument("--no-browser", action="store_true", help="do not open a browser")
    label.add_argument("--token", default=None, help=argparse.SUPPRESS)  # tests and scripts
    return parser


def _read_csv(path):
    try:
        import pandas as pd
    except ImportError:
        raise SystemExit("skxil label reads CSV files with pandas: pip install 'skxil[pandas]'.")
    if not path.is_file():
        raise SystemExit(f"skxil label: no file {str(path)!r}.")
    return pd.read_csv(path)


def _labels_of(target):
    """The target column's labels; integral floats (ints with NaN) back to ints."""
    values = target.dropna()
    if values.dtype.kind == "f" and np.all(values == np.round(values)):
        values = values.astype(np.int64)
    return values


def split_table(frame, target, *, min_tokens=5):
    """``(X, labelled, y)``: the rows as the learner takes them, which are labelled, labels.

    A frame whose only feature column is free text becomes a list of
    documents; otherwise the feature columns stay a DataFrame.
    """
    if target not in frame.columns:
        raise SystemExit(
            f"skxil label: no column {target!r} in the CSV; its columns are "
            f"{list(frame.columns)}."
        )
    features = frame.drop(columns=[target])
    if features.shape[1] == 0:
        raise SystemExit("skxil label: the CSV has no column besides the target.")
    if features.shape[1] == 1 and text_columns(features, min_tokens=min_tokens):
        X = features.iloc[:, 0].fillna("").astype(str).tolist()
    else:
        X = features
    labelled = frame[target].notna().to_numpy()
    return X, labelled, _labels_of(frame[target])


def _take(X, mask):
    if isinstance(X, list):
        return [x for x, keep in zip(X, mask) if keep]
    return X[mask].reset_index(drop=True)


def _held_out(n_labelled, args):
    """A boolean mask over the labelled rows: True for the held-out ones."""
    held = np.zeros(n_labelled, dtype=bool)
    n_test = round(args.test_size * n_labelled)
    if n_labelled >= 2 * args.n_init and n_test > 0:
        rng = np.random.default_rng(args.random_state)
        held[rng.choice(n_labelled, n_test, replace=False)] = True
    return held


def build_session(args):
    """The Session for the parsed arguments (resumed when its file exists)."""
    from . import Session

    frame = _read_csv(args.csv)
    X, labelled, y = split_table(frame, args.target, min_tokens=args.min_tokens)
    if labelled.all():
        raise SystemExit(
            f"skxil label: every row has a {args.target!r}; leave the target empty "
            "in the rows to label."
        )
    y = y.to_numpy()
    if len(y) < args.n_init or len(np.unique(y)) < 2:
        # the first model needs a few rows of at least two classes to ask anything sensible
        raise SystemExit(
            f"skxil label: {len(y)} rows have a {args.target!r} "
            f"({len(np.unique(y))} distinct labels); label at least --n-init={args.n_init} "
            "rows, of at least two labels, in the CSV first (or lower --n-init)."
        )
    X_labelled, X_pool = _take(X, labelled), _take(X, ~labelled)
    held = _held_out(len(y), args)
    labels = None
    if args.labels:
        labels = [s.strip() for s in args.labels.split(",") if s.strip()]
        if y.dtype.kind in "iu":
            labels = [int(s) for s in labels]
    path = args.session or args.csv.with_suffix(".skxil.sqlite")
    return Session(
        default_learner(X, min_tokens=args.min_tokens, random_state=args.random_state),
        X_pool, path,
        X_init=_take(X_labelled, ~held) if len(y) else None,
        y_init=y[~held] if len(y) else None,
        X_test=_take(X_labelled, held) if held.any() else None,
        y_test=y[held] if held.any() else None,
        labels=labels,
    )


def main(argv=None):
    """Run the ``skxil`` command line; ``argv`` defaults to ``sys.argv[1:]``.

    Parameters
    ----------
    argv : list of str, default=None
        The arguments after the program name.

    Returns
    -------
    status : int
        The exit status.

    Examples
    --------
    >>> from skxil.interactive._cli import main
    >>> main(["label", "missing.csv", "--target", "y"])
    Traceback (most recent call last):
    ...
    SystemExit: skxil label: no file 'missing.csv'.
    """
    args = _parser().parse_args(argv)
    from ._server import serve

    session = build_session(args)
    try:
        serve(session, host=args.host, port=args.port, token=args.token,
              open_browser=not args.no_browser)
    except KeyboardInterrupt:
        pass
    finally:
        session.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
