"""The public signatures' type hints resolve (postponed annotations)."""

import collections.abc
import inspect
import sys
import typing

import pytest

import skxil.interactive
import skxil.neural
import skxil.query
import skxil.utils._typing
from skxil import CaipiClassifier
from skxil.explain import Explanation, Stability
from skxil.interactive import Query, Session
from skxil.neural import RRRClassifier

# What the modules import under ``TYPE_CHECKING`` besides the aliases.
_CHECKING_NAMES = {
    "Callable": collections.abc.Callable,
    "Sequence": collections.abc.Sequence,
    "CaipiClassifier": CaipiClassifier,
    "Explanation": Explanation,
    "Query": Query,
    "Session": Session,
    "Stability": Stability,
}


def _resolved_hints(func):
    """``typing.get_type_hints`` with the ``TYPE_CHECKING``-only names available."""
    func = inspect.unwrap(func)
    module = sys.modules[func.__module__]
    globalns = vars(skxil.utils._typing) | _CHECKING_NAMES | vars(module)
    return typing.get_type_hints(func, globalns=globalns)


def _hinted(func):
    hints = _resolved_hints(func)
    parameters = [
        name
        for name, parameter in inspect.signature(
            inspect.unwrap(func)
        ).parameters.items()
        if name not in ("self", "cls")
        and parameter.kind
        not in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD)
    ]
    return "return" in hints or any(name in hints for name in parameters)


METHODS = [
    CaipiClassifier.__init__,
    CaipiClassifier.fit,
    CaipiClassifier.teach,
    CaipiClassifier.query,
    CaipiClassifier.explain,
    RRRClassifier.__init__,
    RRRClassifier.fit,
    Session.answer,
]

QUERY_FUNCTIONS = [getattr(skxil.query, name) for name in skxil.query.__all__]


@pytest.mark.parametrize(
    "func", METHODS + QUERY_FUNCTIONS, ids=lambda f: inspect.unwrap(f).__qualname__
)
def test_public_signature_hints_resolve(func):
    assert _hinted(func), f"{func.__qualname__} has no type hints"


def test_caipi_fit_hints():
    hints = _resolved_hints(CaipiClassifier.fit)
    assert hints["return"] is CaipiClassifier
    assert "fit_params" not in hints


def test_query_strategy_hints():
    hints = _resolved_hints(skxil.query.uncertainty_sampling)
    assert hints["n_instances"] is int
    assert "predict_proba_kwargs" not in hints


def _public_callables():
    import skxil.counterexamples
    import skxil.explain

    seen = []
    for package in (
        skxil,
        skxil.explain,
        skxil.query,
        skxil.counterexamples,
        skxil.interactive,
        skxil.neural,
    ):
        for name in package.__all__:
            obj = getattr(package, name)
            if inspect.isclass(obj):
                for attr, member in vars(obj).items():
                    if attr.startswith("_") and attr != "__init__":
                        continue
                    if isinstance(member, (staticmethod, classmethod)):
                        member = member.__func__
                    elif isinstance(member, property):
                        member = member.fget
                    if inspect.isfunction(member):
                        seen.append(member)
            elif inspect.isfunction(obj):
                seen.append(obj)
    return seen


@pytest.mark.parametrize(
    "func", _public_callables(), ids=lambda f: inspect.unwrap(f).__qualname__
)
def test_every_public_hint_resolves(func):
    _resolved_hints(func)  # no NameError
