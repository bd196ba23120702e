"""Validation helpers shared by the stages of skxil."""

from ._validation import check_corrections

__all__ = ["check_corrections"]
