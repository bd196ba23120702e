"""The parameters LimeExplainer and FastLimeExplainer share."""

import inspect
import re

import pytest

from skxil.explain import FastLimeExplainer, LimeExplainer
from skxil.explain._lime_params import LIME_CONSTRAINTS, PARAMETER_DOCS


@pytest.mark.parametrize("cls", [LimeExplainer, FastLimeExplainer])
def test_shared_parameters_are_validated_and_described_alike(cls):
    for name, constraint in LIME_CONSTRAINTS.items():
        assert cls._parameter_constraints[name] is constraint
    doc = cls.__doc__
    assert "%(" not in doc
    for fragment in PARAMETER_DOCS.values():
        first = fragment.split("\n")[0]
        assert f"\n    {first}\n" in doc
    # every parameter documented once, in the signature's order
    params = doc.split("Parameters\n    ----------")[1].split("Attributes\n")[0]
    names = re.findall(r"^    (\w+) : ", params, re.M)
    assert names == list(inspect.signature(cls).parameters)
