"""RRRClassifier: scikit-learn conventions, masks, the penalty's effect, fine-tuning."""

import warnings

import numpy as np
import pytest
from scipy import sparse
from sklearn.datasets import load_digits
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.utils.estimator_checks import parametrize_with_checks

from skxil.datasets import make_confounded_classification
from skxil.neural import RRRClassifier

pytestmark = pytest.mark.filterwarnings("ignore::sklearn.exceptions.ConvergenceWarning")


@parametrize_with_checks(
    [RRRClassifier(hidden_layer_sizes=(10,), max_iter=30, batch_size=1000,
                   learning_rate_init=0.05, random_state=0)]
)
def test_sklearn_compatible(estimator, check):
    check(estimator)
