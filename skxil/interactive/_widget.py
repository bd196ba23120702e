"""The labelling interface as a notebook widget (anywidget).

The widget runs the page's own script (``static/ui.js``) with a transport
that sends each API call as a model message; :meth:`SessionWidget.handle`
answers it through :func:`~skxil.interactive._app.dispatch`, the same code
the web app runs, so the page and the widget cannot disagree.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from ._app import dispatch, static_text

if TYPE_CHECKING:
    from ._session import Session

try:  # the optional "widget" extra; importing skxil must not need it
    import anywidget
    import traitlets
except ImportError:  # pragma: no cover - exercised without the extra
    anywidget = None

_IMPORT = re.compile(r'^import \{ mount \} from "\./ui\.js";\n', re.MULTILINE)


def widget_module() -> str:
    """The widget's ES module: ``ui.js`` followed by ``widget.js``'s transport.

    anywidget loads one module, so the shared code is inlined in front of
    the widget's glue instead of imported from a second file.
    """
    glue, n = _IMPORT.subn("", static_text("widget.js"))
    if n != 1:  # the file changed shape: fail here rather than in the browser
        raise RuntimeError("static/widget.js must import mount from ./ui.js once.")
    return static_text("ui.js") + "\n" + glue


def _handle(session, content):
    """The reply to one message ``{id, method, body}`` of the front end."""
    if not isinstance(content, dict) or not isinstance(content.get("method"), str):
        return {"id": None, "status": 400,
                "body": {"error": "A message is {id, method, body}."}}
    status, payload = dispatch(session, content["method"], content.get("body"))
    return {"id": content.get("id"), "status": status, "body": payload}


if anywidget is not None:

    class SessionWidget(anywidget.AnyWidget):
        """The labelling page for a session, inside a Jupyter notebook.

        The same interface as the web page (:func:`serve`): the row, the
        prediction, the explanation to click, label buttons and keyboard
        shortcuts (click the widget first). Answers go to the session, and
        so to its journal, as they are given; the session file can be served
        or reopened later.

        Parameters
        ----------
        session : Session
            The labelling session.

        Attributes
        ----------
        session : Session
            The session the widget answers.

        Examples
        --------
        >>> from skxil.interactive._widget import SessionWidget
        >>> class Tiny:  # any object with the Session's methods
        ...     def progress(self):
        ...         return {"n_answers": 0}
        >>> widget = SessionWidget(Tiny())
        >>> widget.handle({"id": 1, "method": "progress", "body": None})
        {'id': 1, 'status': 200, 'body': {'progress': {'n_answers': 0}}}
        """

        _esm = traitlets.Unicode(widget_module()).tag(sync=True)
        _css = traitlets.Unicode(static_text("app.css")).tag(sync=True)

        def __init__(self, session: Session, **kwargs) -> None:
            super().__init__(**kwargs)
            self.session = session
            self.on_msg(self._on_message)

        def handle(self, content: dict) -> dict:
            """The reply to one front-end message ``{id, method, body}``.

            Parameters
            ----------
            content : dict
                The message: ``method`` is an API call of
                :func:`~skxil.interactive._app.dispatch`, ``body`` its JSON
                body, ``id`` echoed back.

            Returns
            -------
            reply : dict
                ``{"id", "status", "body"}`` with an HTTP-like status.
            """
            return _handle(self.session, content)

        def _on_message(self, widget, content, buffers):
            self.send(self.handle(content))

else:  # pragma: no cover - exercised without the extra

    class SessionWidget:
        """The labelling page inside a notebook; needs anywidget (``skxil[widget]``)."""

        def __init__(self, session: Session, **kwargs) -> None:
            raise ImportError(
                "SessionWidget needs anywidget: pip install 'skxil[widget]'."
            )
