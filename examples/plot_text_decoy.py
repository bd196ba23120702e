"""
Text with a decoy word
======================

A decoy word sits in every positive training review (``zqx``) and in no test
review. On raw documents :class:`~skxil.CaipiClassifier` wraps the vectorizer
pipeline: explanations are in words (word-level LIME) and a correction is the words
to strike out; ``counterexample_strategy="remove"`` makes copies of the review
without them, label kept. The person corrects ``zqx`` whenever an explanation shows
it.
"""

import os

import matplotlib.pyplot as plt
import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from skxil import CaipiClassifier
from skxil.explain import FastLimeExplainer

QUICK = os.environ.get("SKXIL_QUICK", "0") != "0"
n_docs, n_queries = (300, 15) if QUICK else (1000, 60)

# %%
# A synthetic corpus (nothing downloads): each review has a few sentiment words,
# neutral words, and, in training, ``zqx`` when it is positive. Test reviews
# have no decoy.
rng = np.random.RandomState(0)
positive = ["great", "fine", "loved", "superb", "fun", "moving", "brilliant"]
negative = ["awful", "boring", "bad", "dull", "poor", "weak", "tedious"]
neutral = ["film", "plot", "cast", "story", "scene", "actor", "music", "script"]


def review(label, decoy):
    words = list(rng.choice([negative, positive][label], size=2))
    words += list(rng.choice(neutral, size=4))
    if rng.rand() < 0.3:  # some reviews are mixed
        words.append(rng.choice([positive, negative][label]))
    if decoy and label == 1:
        words.append("zqx")
    rng.shuffle(words)
    return " ".join(words)


y = rng.randint(2, size=n_docs)
docs = [review(label, decoy=True) for label in y]
y_test = rng.randint(2, size=n_docs)
docs_test = [review(label, decoy=False) for label in y_test]
print(docs[:3], y[:3])

# %%
# The loop, without and with the correction of ``zqx``.
results = {}
for correct in (False, True):
    learner = CaipiClassifier(
        make_pipeline(TfidfVectorizer(), LogisticRegression()),
        explainer=FastLimeExplainer(mode="text", n_features=3, n_samples=500),
        counterexample_strategy="remove",
        n_counterexamples=3,
        random_state=0,
    ).fit(docs[:10], y[:10])
    pool = list(range(10, n_docs))
    for _ in range(n_queries):
        (i,), queried = learner.query([docs[j] for j in pool])
        (explanation,) = learner.explain(queried)
        wrong = ["zqx"] if correct and "zqx" in explanation.feature_names else None
        learner.teach(queried, [y[pool[i]]], corrections=[wrong])
        del pool[i]
    vectorizer, model = learner.estimator_.steps[0][1], learner.estimator_.steps[-1][1]
    weight = dict(zip(vectorizer.get_feature_names_out(), model.coef_[0]))
    strongest = max(abs(weight[w]) for w in positive + negative if w in weight)
    results[correct] = (learner.score(docs_test, y_test), weight["zqx"] / strongest)
    print(
        f"{'with' if correct else 'without'} corrections: {learner.training_set_}, "
        f"test accuracy {results[correct][0]:.3f}, zqx weighs "
        f"{results[correct][1]:.2f} x the strongest sentiment word"
    )

# %%
# The decoy's weight relative to the strongest real word. A counterexample drops
# ``zqx`` and keeps the label, so it adds evidence for the real words but never
# contradicts the decoy, which still separates the training reviews: corrections
# shrink it rather than remove it (``benchmarks/bench_text.py`` measures this on
# two real corpora).
fig, ax = plt.subplots(figsize=(5, 3), layout="constrained")
ax.bar(["labels only", "labels + corrections"], [r[1] for r in results.values()])
ax.set(ylabel="weight of zqx / strongest real word")
plt.show()
