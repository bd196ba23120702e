"""What :class:`LimeExplainer` and :class:`FastLimeExplainer` share: lime's
parameters, their constraints and their docstring text.

The docstrings of both classes hold ``%(name)s`` placeholders that
:func:`share_docstring` fills from ``PARAMETER_DOCS``, so a shared parameter
is described once and reads the same in both.
"""

import textwrap
from numbers import Integral, Real

from sklearn.utils._param_validation import Interval

#: Constraints of the parameters both explainers take; each class adds its
#: ``mode`` and ``feature_selection`` options and its own parameters.
LIME_CONSTRAINTS = {
    "n_features": [Interval(Integral, 1, None, closed="left")],
    "n_samples": [Interval(Integral, 10, None, closed="left")],
    "n_repeats": [Interval(Integral, 1, None, closed="left")],
    "kernel_width": [Interval(Real, 0, None, closed="neither"), None],
    "discretize_continuous": ["boolean"],
    "categorical_features": ["array-like", None],
    "categorical_names": [dict, None],
    "n_jobs": [Integral, None],
    "random_state": ["random_state"],
}

PARAMETER_DOCS = {
    "n_features": """\
n_features : int, default=10
    Number of features in each explanation (k), as lime's ``num_features``;
    not the number of features of the data (``n_features_in_``).""",
    "sampling": """\
n_samples : int, default=5000
    Number of perturbed samples per explanation, the instance included.

n_repeats : int, default=1
    Number of LIME runs per row (R); their selections are combined by
    vote. With R > 1 the explanation's ``stability`` measures how often
    the runs selected each shown feature (see :class:`Stability`).

kernel_width : float, default=None
    Width of lime's exponential kernel; ``None`` means lime's default for
    the mode: ``0.75 * sqrt(n_features_in_)`` (tabular), 25 (text) or, for
    :class:`FastLimeExplainer`, 0.25 (image).""",
    "tabular": """\
discretize_continuous : bool, default=True
    Tabular mode: whether continuous features are cut into lime's quartile
    bins.

categorical_features : array-like of int, default=None
    Tabular mode: indices of categorical features, drawn from their
    observed values.

categorical_names : dict, default=None
    Tabular mode, as lime's ``categorical_names``: ``{feature index:
    sequence of value names}`` for some of ``categorical_features``, whose
    values are then the codes 0 to K - 1 (value ``v`` is named
    ``categorical_names[j][int(v)]``). In an explanation a categorical
    feature reads ``"{name}={value name}"`` (e.g. ``color=red``; without
    names ``"{name}={value}"``) in ``as_list()`` and ``feature_labels``,
    while ``feature_names`` stay the plain column names.""",
}


def share_docstring(cls):
    """Class decorator: fill the ``%(name)s`` placeholders of ``cls.__doc__``.

    A placeholder stands alone on its line, at the indentation of the
    parameter entries; every line of the fragment gets that indentation.
    """
    lines = []
    for line in cls.__doc__.split("\n"):
        key = line.strip()
        if key.startswith("%(") and key.endswith(")s"):
            indent = line[: len(line) - len(line.lstrip())]
            text = PARAMETER_DOCS[key[2:-2]]
            line = textwrap.indent(text, indent, lambda s: s.strip() != "")
        lines.append(line)
    cls.__doc__ = "\n".join(lines)
    return cls
