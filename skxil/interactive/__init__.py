"""Stage 3 for people: a CAIPI session journaled in SQLite.

:class:`Session` puts the learner's queries to a person, journals every
answer, skip and undo in an SQLite file before applying it, and resumes
exactly after a crash. Its queries (:class:`Query`) give JSON-safe views
for a front-end (:meth:`Query.to_json`).
"""

from ._session import InvalidAnswerError, Session, StaleQueryError
from ._views import Query

__all__ = ["InvalidAnswerError", "Query", "Session", "StaleQueryError"]
