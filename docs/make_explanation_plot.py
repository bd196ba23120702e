"""Draw docs/_static/explanation.png: three explanations rendered by Explanation.plot.

Run ``python docs/make_explanation_plot.py`` from the repository root (needs
matplotlib). Left: FastLimeExplainer on a random forest (breast cancer);
middle: LinearExplainer on a StandardScaler + LogisticRegression pipeline
(same row); right: FastLimeExplainer in image mode on a digit, over a grid of
2 x 2 pixel patches.
"""

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from sklearn.datasets import load_breast_cancer, load_digits
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skxil.explain import FastLimeExplainer, LinearExplainer

OUT = Path(__file__).resolve().parent / "_static" / "explanation.png"


def main():
    data = load_breast_cancer()
    X, names = data.data, list(data.feature_names)
    y = data.target_names[data.target]  # "malignant" / "benign"
    forest = RandomForestClassifier(n_estimators=100, random_state=0).fit(
        X[:400], y[:400]
    )
    linear = make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000))
    linear.fit(X[:400], y[:400])
    row = X[400:401]
    lime = FastLimeExplainer(n_features=6, n_repeats=10, random_state=0)
    lime.fit(X[:400], feature_names=names)
    e_forest = lime.explain(forest, row)[0]
    e_linear = LinearExplainer(n_features=6).fit(X[:400], feature_names=names)
    e_linear = e_linear.explain(linear, row)[0]

    digits = load_digits()
    model = LogisticRegression(max_iter=3000).fit(
        digits.data[:1500], digits.target[:1500]
    )
    image = FastLimeExplainer(
        n_features=5, mode="image", shape=(8, 8), patch_size=2, random_state=0
    ).fit(digits.data[:1500])
    e_digit = image.explain(model, digits.data[1500:1501])[0]

    fig, axes = plt.subplots(
        1,
        3,
        figsize=(15, 4.6),
        layout="constrained",
        gridspec_kw={"width_ratios": [1.2, 1.2, 0.8]},
    )
    for ax, e, title in [
        (axes[0], e_forest, "FastLimeExplainer, random forest"),
        (axes[1], e_linear, "LinearExplainer, logistic regression"),
        (axes[2], e_digit, "FastLimeExplainer, image mode"),
    ]:
        e.plot(ax=ax)
        ax.set_title(f"{title}\n{ax.get_title()}", fontsize=11)
    OUT.parent.mkdir(parents=True, exist_ok=True)
    # A margin around the tight box, so that no tick label touches the edge.
    fig.savefig(OUT, dpi=110, bbox_inches="tight", pad_inches=0.25)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
