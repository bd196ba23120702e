"""Tests for the parameter validation of skxil.utils._text.

The words and corrections themselves are tested with the text counterexamples,
in tests/counterexamples/test_text.py; this module has another name because
the test folders are not packages, so basenames must be unique.
"""

import numpy as np
import pytest

from skxil.utils import check_text_corrections, document_words


@pytest.mark.parametrize("text", [3, None, b"bytes", ["a list"]])
def test_document_words_takes_a_str(text):
    with pytest.raises(
        TypeError, match=r"'text' parameter of document_words must be an instance of 'str'"
    ):
        document_words(text)


def test_check_text_corrections_takes_a_sequence_of_documents():
    with pytest.raises(
        TypeError, match=r"'documents' parameter of check_text_corrections must be an array-like"
    ):
        check_text_corrections(None, 3)


def test_check_text_corrections_keeps_its_own_messages():
    # corrections are not validated generically: the message names the document
    with pytest.raises(ValueError, match="The correction of document 0 must be a collection"):
        check_text_corrections(["free"], ["free cash"])
    assert check_text_corrections(None, np.array(["a", "b"])) == [[], []]
