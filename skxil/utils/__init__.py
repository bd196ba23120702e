"""Validation helpers shared by the stages of skxil."""

from ._text import check_text_corrections, document_words
from ._validation import check_corrections

__all__ = ["check_corrections", "check_text_corrections", "document_words"]
