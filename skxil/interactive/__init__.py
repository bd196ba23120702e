"""Stage 3 for people: a CAIPI session journaled in SQLite, a web page, a widget.

- :class:`Session` puts the learner's queries to a person, journals every
  answer, skip and undo in an SQLite file before applying it, and resumes
  exactly after a crash. Its queries (:class:`Query`) give JSON-safe views
  for a front-end (:meth:`Query.to_json`).
- :func:`make_app` and :func:`serve`: the local labelling page (ASGI, with
  Starlette and uvicorn from the ``app`` extra), protected by a random
  token; ``skxil label data.csv --target y`` starts it on a CSV file, with a
  learner from :func:`default_learner`.
- :class:`SessionWidget`: the same page as a notebook widget (``widget``
  extra), on the same session file.
"""

from ._app import make_app
from ._defaults import default_learner, text_columns
from ._server import serve
from ._session import InvalidAnswerError, Session, StaleQueryError
from ._views import Query
from ._widget import SessionWidget

__all__ = [
    "InvalidAnswerError",
    "Query",
    "Session",
    "SessionWidget",
    "StaleQueryError",
    "default_learner",
    "make_app",
    "serve",
    "text_columns",
]
