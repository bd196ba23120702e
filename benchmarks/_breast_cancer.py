"""Data and models shared by the explainer benchmarks (breast cancer, 30 features)."""

from sklearn.datasets import load_breast_cancer
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler


def load(seed=0):
    """Train/test split of scikit-learn's breast-cancer data."""
    X, y = load_breast_cancer(return_X_y=True)
    return train_test_split(X, y, test_size=0.3, stratify=y, random_state=seed)


def models(X_train, y_train):
    """The two models of the issue, fitted: a scaled logistic regression and RF(100)."""
    return {
        "LogReg pipeline": make_pipeline(
            StandardScaler(), LogisticRegression(max_iter=1000)
        ).fit(X_train, y_train),
        "RandomForest(100)": RandomForestClassifier(
            n_estimators=100, random_state=0
        ).fit(X_train, y_train),
    }
