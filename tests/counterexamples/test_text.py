"""make_text_counterexamples: strategies, words, edge cases and errors."""


import numpy as np
import pytest

from skxil.counterexamples import (
    TEXT_COUNTEREXAMPLE_STRATEGIES,
    make_text_counterexamples,
)
from skxil.utils import check_text_corrections, document_words
from skxil.utils._text import split_document

TRAIN = [
    "cheap meds here, cheap!",
    "lunch at noon?",
    "buy cheap pills now",
    "meeting notes attached",
    "win money now",
    "see you at lunch",
]
LABELS = np.array([1, 0, 1, 0, 1, 0])


def _words(doc):
    return split_document(doc)[2]


def _make(docs, y, corrections, **kw):
    params = dict(documents_train=TRAIN, y_train=LABELS, random_state=0)
    params.update(kw)
    return make_text_counterexamples(docs, y, corrections, **params)


@pytest.mark.parametrize("per_feature", [False, True])
@pytest.mark.parametrize("strategy", TEXT_COUNTEREXAMPLE_STRATEGIES)
def test_only_corrected_words_change(strategy, per_feature):
    docs = TRAIN[:3]
    corrections = [["cheap", "here"], None, ["now"]]
    X_ce, y_ce, source = _make(
        docs, LABELS[:3], corrections, n_counterexamples=4, strategy=strategy,
        per_feature=per_feature, row_index=[0, 1, 2],
    )
    per_doc = [2, 0, 1] if per_feature else [1, 0, 1]
    assert source.tolist() == np.repeat([0, 1, 2], np.multiply(per_doc, 4)).tolist()
    np.testing.assert_array_equal(y_ce, LABELS[:3][source])
    assert X_ce.dtype == object and all(isinstance(d, str) for d in X_ce)
    for doc, i in zip(X_ce, source):
        original = docs[i]
        corrected = set(corrections[i])
        pieces, piece_word, words = split_document(original)
        new_pieces, _, _ = split_document(doc)
        # separators and uncorrected words are where they were
        kept = [p for p, w in zip(pieces, piece_word) if w < 0 or words[w] not in corrected]
        assert all(k in doc for k in kept)
        # no corrected word survives in a copy that re-draws all of them, and a
        # replacement is never a corrected word
        for w in _words(doc):
            if w not in _words(original):
                assert w.casefold() not in {c.casefold() for c in corrected}
        if not per_feature:
            assert not corrected & set(_words(doc))
        if strategy == "remove":
            assert len(_words(doc)) < len(_words(original)) or not per_feature
    assert TRAIN[0] == "cheap meds here, cheap!"  # inputs untouched


def test_remove_keeps_separators_and_all_copies_equal():
    X_ce, _, _ = _make(["cheap meds here, cheap!"], [1], [["cheap"]],
                       n_counterexamples=3, strategy="remove")
    assert X_ce.tolist() == [" meds here, !"] * 3


def test_per_feature_changes_one_word_at_a_time():
    X_ce, _, source = _make(["cheap meds here"], [1], [["here", "cheap"]],
                            n_counterexamples=2, strategy="remove", per_feature=True)
    # grouped by word in the order of the document, whatever the correction's
    assert X_ce.tolist() == [" meds here", " meds here", "cheap meds ", "cheap meds "]
    again, _, _ = _make(["cheap meds here"], [1], [{"here", "cheap"}],
                        n_counterexamples=2, strategy="remove", per_feature=True)
    assert again.tolist() == X_ce.tolist()


def test_randomize_draws_from_training_vocabulary_never_a_corrected_word():
    vocab = {w for d in TRAIN for w in _words(d)}
    X_ce, _, _ = _make(["cheap cheap cheap cheap"], [1], [["cheap"]],
                       n_counterexamples=50, strategy="randomize")
    drawn = [w for d in X_ce for w in _words(d)]
    assert set(drawn) <= vocab - {"cheap"}
    assert len(set(drawn)) > 5  # each occurrence drawn independently
    # a case variant of a corrected word is never drawn either
    train = TRAIN + ["Cheap CHEAP"]
    X_ce, _, _ = make_text_counterexamples(
        ["cheap"], [1], [["cheap"]], documents_train=train,
        y_train=np.r_[LABELS, 1], n_counterexamples=200, random_state=0)
    assert not {w.casefold() for d in X_ce for w in _words(d)} & {"cheap"}


def test_substitute_takes_words_of_a_same_class_donor():
    X_ce, _, _ = _make(["see you at lunch"], [0], [["lunch"]], n_counterexamples=30,
                       strategy="substitute", row_index=[5])
    same_class_words = {w for d, c in zip(TRAIN[:5], LABELS[:5]) if c == 0 for w in _words(d)}
    for doc in X_ce:
        new = _words(doc)[-1] if doc.split()[-1] not in ("lunch",) else None
        assert new in same_class_words - {"lunch"}
    with pytest.raises(ValueError, match=r"no donor for document 0 \(label 7\)"):
        _make(["x y"], [7], [["x"]], strategy="substitute")


def test_same_seed_same_counterexamples():
    kw = dict(n_counterexamples=5, strategy="randomize")
    a = _make(TRAIN[:3], LABELS[:3], [["cheap"], ["noon"], ["buy"]], random_state=3, **kw)
    b = _make(TRAIN[:3], LABELS[:3], [["cheap"], ["noon"], ["buy"]], random_state=3, **kw)
    c = _make(TRAIN[:3], LABELS[:3], [["cheap"], ["noon"], ["buy"]], random_state=4, **kw)
    assert a[0].tolist() == b[0].tolist()
    assert a[0].tolist() != c[0].tolist()


def test_corrections_by_word_index_and_mask_agree():
    doc = ["buy cheap pills now"]
    by_word = _make(doc, [1], [["cheap", "now"]], random_state=1)[0]
    by_index = _make(doc, [1], [[1, 3]], random_state=1)[0]
    by_mask = _make(doc, [1], [np.array([False, True, False, True])], random_state=1)[0]
    assert by_word.tolist() == by_index.tolist() == by_mask.tolist()


def test_document_without_its_corrected_words_warns_and_yields_nothing():
    with pytest.warns(UserWarning, match=r"document 0: \['Cheap'\]"):
        X_ce, y_ce, source = _make(["cheap pills"], [1], [["Cheap"]])
    assert X_ce.shape == (0,) and source.shape == (0,)
    with pytest.warns(UserWarning, match=r"document 1: \['zzz'\]"):
        X_ce, _, source = _make(["cheap pills", "a b"], [1, 0], [["pills"], ["zzz"]])
    assert source.tolist() == [0, 0, 0]


def test_missing_word_warning_points_at_the_caller():
    with pytest.warns(UserWarning, match="document 0") as record:
        make_text_counterexamples(["cheap pills"], [1], [["zzz"]],
                                  documents_train=["cheap pills"], y_train=[1])
    assert len(record) == 1 and record[0].filename == __file__


def test_parameters_are_validated():
    with pytest.raises(TypeError, match="'per_feature' parameter .* 'bool'"):
        _make(["a"], [1], [["a"]], per_feature="yes")
    with pytest.raises(ValueError, match="'n_counterexamples' parameter"):
        _make(["a"], [1], [["a"]], n_counterexamples=-1)


def test_empty_documents():
    with pytest.warns(UserWarning, match="document 0"):
        X_ce, _, _ = _make([""], [1], [["cheap"]])
    assert X_ce.shape == (0,)
    X_ce, _, _ = _make(["", "cheap"], [0, 1], [None, ["cheap"]], strategy="remove")
    assert X_ce.tolist() == [""] * 3
    assert document_words("") == []


def test_non_ascii_text():
    docs = ["Über café 東京 naïve", "straße café"]
    assert document_words(docs[0]) == ["Über", "café", "東京", "naïve"]
    X_ce, _, _ = make_text_counterexamples(
        docs[:1], [1], [["café", "東京"]], documents_train=docs, y_train=[1, 0],
        n_counterexamples=4, strategy="randomize", random_state=0)
    for doc in X_ce:
        assert doc.startswith("Über ") and doc.endswith(" naïve")
        assert "東京" not in doc and "café" not in _words(doc)
    X_ce, _, _ = make_text_counterexamples(
        docs[:1], [1], [["東京"]], documents_train=docs, y_train=[1, 0],
        n_counterexamples=1, strategy="remove")
    assert X_ce.tolist() == ["Über café  naïve"]


def test_callable_strategy():
    seen = {}

    def upper(document, words, n_copies, random_state, label):
        seen["args"] = (document, words, n_copies, label)
        return [document.replace(words[0], words[0].upper())] * n_copies

    X_ce, _, _ = _make(["cheap pills"], [1], [["pills"]], n_counterexamples=2, strategy=upper)
    assert X_ce.tolist() == ["cheap PILLS"] * 2
    assert seen["args"] == ("cheap pills", ["pills"], 2, 1)
    with pytest.raises(ValueError, match="must return 2 strings for document 0"):
        _make(["cheap pills"], [1], [["pills"]], n_counterexamples=2,
              strategy=lambda d, w, n, r: [d])


def test_errors_name_the_document_and_word():
    with pytest.raises(ValueError, match=r"Document 0: 'free money' is not one word"):
        _make(["free money"], [1], [["free money"]])
    with pytest.raises(ValueError, match="Document 1: word index 5 is out of range"):
        _make(["a", "b c"], [1, 0], [None, [5]])
    with pytest.raises(ValueError, match="collection of words"):
        _make(["a"], [1], ["a"])
    with pytest.raises(ValueError, match="2 entries but there are 1 documents"):
        _make(["a"], [1], [None, None])
    with pytest.raises(ValueError, match="'strategy' parameter of make_text_counterexamples"):
        _make(["a"], [1], [["a"]], strategy="alternative")
    with pytest.raises(TypeError, match="document 1 is a int"):
        _make(["a", 3], [1, 0], None)
    with pytest.raises(ValueError, match="the training documents have no other word"):
        make_text_counterexamples(["a"], [1], [["a"]], documents_train=["a A"],
                                  y_train=[1], strategy="randomize")


def test_check_text_corrections_examples():
    assert check_text_corrections(None, ["a", "b"]) == [[], []]
    assert check_text_corrections([["b", "a", "b"]], ["a b"]) == [["b", "a"]]
