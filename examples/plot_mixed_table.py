"""
A mixed table with a string confounder
======================================

Tables that people debug for confounders mix numbers, strings, categories and
flags, and the confounder is often a string column: a hospital, a scanner, a site.
:func:`skxil.datasets.make_confounded_table` has a str column ``site`` that names
the class's site in training and is random in test. The DataFrame goes through
:class:`~skxil.CaipiClassifier` as it is: the wrapped one-hot pipeline sees the
user's columns and dtypes, explanations are over the original columns
(``site=site_b``), and a correction names the column.
"""

import os

import matplotlib.pyplot as plt
from sklearn.compose import make_column_selector, make_column_transformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from skxil import CaipiClassifier
from skxil.datasets import make_confounded_table

QUICK = os.environ.get("SKXIL_QUICK", "0") != "0"
n_samples, n_queries = (300, 8) if QUICK else (2000, 40)

T_train, T_test, t_train, t_test, relevant = make_confounded_table(
    n_samples, random_state=0
)
print(T_train.dtypes.to_string())


def one_hot_logistic():
    encode = make_column_transformer(
        (OneHotEncoder(handle_unknown="ignore"), make_column_selector(dtype_exclude="number")),
        (StandardScaler(), make_column_selector(dtype_include="number")),
    )  # fmt: skip
    return make_pipeline(encode, LogisticRegression(max_iter=1000))


# %%
# The loop: the person corrects ``site`` whenever the explanation shows it.
learners = {}
for correct in (False, True):
    learner = CaipiClassifier(one_hot_logistic(), random_state=0)
    learner.fit(T_train[:20], t_train[:20])
    T_pool = T_train[20:].reset_index(drop=True)
    t_pool = t_train[20:].reset_index(drop=True)
    for _ in range(n_queries):
        i, row = learner.query(T_pool)
        (explanation,) = learner.explain(row)
        wrong = ["site"] if correct and "site" in explanation.feature_names else None
        learner.teach(row, t_pool[i], corrections=[wrong])
        T_pool, t_pool = (
            s.drop(index=i).reset_index(drop=True) for s in (T_pool, t_pool)
        )
    learners["labels + corrections" if correct else "labels only"] = learner
    print(
        f"{'with' if correct else 'without'} corrections: "
        f"{learner.training_set_}, test accuracy {learner.score(T_test, t_test):.3f}"
    )

# %%
# One test row explained by both learners: ``site`` reads ``site=<value>``.
fig, axes = plt.subplots(1, 2, figsize=(10, 3.5), layout="constrained")
for ax, (name, learner) in zip(axes, learners.items()):
    learner.explain(T_test[:1])[0].plot(ax=ax)
    ax.set_title(f"{name}\n{ax.get_title()}", fontsize=10)
plt.show()
