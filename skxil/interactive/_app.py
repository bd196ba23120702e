"""The labelling page's JSON API, as a Starlette (ASGI) app around a Session.

The API's meaning lives in :func:`dispatch`, which the web app and the
notebook widget share: a method name and a JSON body in, an HTTP-like status
and a JSON body out. The web app adds what a server on a shared machine needs:
a token on every request, a body size limit, and headers that keep the page's
script the only script.
"""

from __future__ import annotations

import json
import secrets
import time
from importlib import resources
from numbers import Integral
from typing import TYPE_CHECKING, Any

try:  # the optional "app" extra; importing skxil must not need it
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.responses import JSONResponse, RedirectResponse, Response
    from starlette.routing import Route
except ImportError:  # pragma: no cover - exercised without the extra
    Starlette = None

from sklearn.utils._param_validation import Interval, validate_params

if TYPE_CHECKING:
    from ._session import Session

#: Body size limit of the POST requests, in bytes: an answer is a few hundred.
MAX_BODY = 16 * 1024

_COOKIE = "skxil_token"
_HEADER = "x-skxil-token"
_STATIC = ("index.html", "app.css", "ui.js", "page.js")
_TYPES = {".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8",
          ".js": "text/javascript; charset=utf-8"}
_HEADERS = {
    # Only the page's own files run: no inline script or style, no framing.
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _errors():
    """The session's error classes (resolved late: the session module is optional here)."""
    from . import InvalidAnswerError, StaleQueryError

    return StaleQueryError, InvalidAnswerError


def static_text(name):
    """The text of one of the page's files shipped in ``skxil/interactive/static``."""
    return (resources.files(__package__) / "static" / name).read_text("utf-8")


# ------------------------------------------------------------ the API itself
def _query_json(session):
    query = session.next_query()
    if query is None:
        return None
    view = query.to_json()
    view.pop("progress", None)  # sent once, beside the query
    segments = getattr(query.explanation, "segments", None)
    if view.get("kind") == "image" and segments is not None and "segments" not in view["image"]:
        # the page maps a clicked pixel to its segment: the feature to mark
        view["image"]["segments"] = [int(j) for j in segments.reshape(-1)]
    return view


def _counts(progress):
    """The progress without its history: that grows with every answer and the
    page does not show it (``GET /api/progress`` has it)."""
    return {key: value for key, value in progress.items() if key != "history"}


def _with_next(session, progress):
    return {"progress": _counts(progress), "query": _query_json(session)}


def _check_body(body, fields):
    """``body`` as a dict with exactly ``fields`` (name -> required); else an error (400)."""
    if not isinstance(body, dict):
        raise TypeError(f"The request body must be a JSON object, not {type(body).__name__}.")
    unknown = sorted(set(body) - set(fields))
    if unknown:
        raise ValueError(f"Unknown field(s) {unknown}; the fields are {sorted(fields)}.")
    missing = [name for name, required in fields.items() if required and name not in body]
    if missing:
        raise ValueError(f"Missing field(s) {missing}.")
    if not isinstance(body.get("query_id"), str):
        raise TypeError("Field 'query_id' must be a string (the query_id of the query answered).")
    return body


def _check_features(body, name):
    """A feature list of the body: JSON ints (feature indices) or str (names)."""
    values = body.get(name, [])
    if not isinstance(values, list) or len(values) > 100_000:
        raise TypeError(f"Field {name!r} must be a list of feature indices.")
    for v in values:
        if isinstance(v, bool) or not isinstance(v, (Integral, str)):
            raise TypeError(
                f"Field {name!r} holds {v!r}; give feature indices (ints) or names."
            )
    return tuple(values)


def _answer(session, body):
    body = _check_body(body, {"query_id": True, "label": True, "ignore": False, "focus": False})
    progress = session.answer(
        body["query_id"], body["label"],
        ignore=_check_features(body, "ignore"), focus=_check_features(body, "focus"),
    )
    return _with_next(session, progress)


def _skip(session, body):
    body = _check_body(body, {"query_id": True})
    return _with_next(session, session.skip(body["query_id"]))


def _undo(session, body):
    if body not in (None, {}):
        raise ValueError("POST /api/undo takes no fields; send {} or nothing.")
    return _with_next(session, session.undo())


_METHODS = {
    "query": lambda session, body: _with_next(session, session.progress()),
    "progress": lambda session, body: {"progress": session.progress()},
    "answer": _answer,
    "skip": _skip,
    "undo": _undo,
}


def dispatch(session, method, body=None):
    """Run one API call on ``session``; return ``(status, payload)``.

    ``method`` is ``"query"``, ``"progress"``, ``"answer"``, ``"skip"`` or
    ``"undo"``; ``body`` the request's decoded JSON. The payload of a
    successful call has the session's ``"progress"`` and, except for
    ``"progress"``, the ``"query"`` to show next (None when the pool is
    exhausted). Errors have status 400 (bad body or answer), 404 (unknown
    method) or 409 (stale query id) and the payload ``{"error": message}``;
    the session is then unchanged.

    Parameters
    ----------
    session : Session
        The labelling session.
    method : str
        The API call.
    body : dict or None, default=None
        The decoded JSON body.

    Returns
    -------
    status : int
        200 on success, otherwise the HTTP status of the error.
    payload : dict
        The JSON-serialisable answer.

    Examples
    --------
    >>> from skxil.interactive._app import dispatch
    >>> class Tiny:  # any object with the Session's methods
    ...     def progress(self):
    ...         return {"answers": 0, "history": []}
    >>> dispatch(Tiny(), "progress")
    (200, {'progress': {'answers': 0, 'history': []}})
    >>> dispatch(Tiny(), "answer", {"label": 1})
    (400, {'error': "Missing field(s) ['query_id']."})
    """
    call = _METHODS.get(method)
    if call is None:
        return 404, {"error": f"Unknown API call {method!r}; use one of {sorted(_METHODS)}."}
    stale, invalid = _errors()
    try:
        return 200, call(session, body)
    except stale as exc:
        return 409, {"error": str(exc)}
    except (invalid, ValueError, TypeError, KeyError) as exc:
        # str() of a KeyError is its key's repr; the message is its argument
        message = str(exc.args[0]) if isinstance(exc, KeyError) and exc.args else str(exc)
        return 400, {"error": message}


# --------------------------------------------------------------- the web app
class _Api:
    """The web app's handlers: the token, the body limit and the threadpool."""

    def __init__(self, session, token, max_body):
        self.session = session
        self.token = token
        self.max_body = max_body
        self.files = {name: static_text(name) for name in _STATIC}  # read once, not per request

    def authorised(self, request):
        given = (
            request.headers.get(_HEADER)
            or request.cookies.get(_cookie_name(request))
            or request.query_params.get("token")
            or ""
        )
        return secrets.compare_digest(given.encode(), self.token.encode())

    async def body(self, request):
        """The decoded JSON body; a ``(status, message)`` tuple when it is refused."""
        declared = request.headers.get("content-length")
        if declared is not None and (not declared.isdigit() or int(declared) > self.max_body):
            return 413, f"The request body is larger than {self.max_body} bytes."
        raw = b""
        async for chunk in request.stream():  # chunked bodies have no length to check first
            raw += chunk
            if len(raw) > self.max_body:
                return 413, f"The request body is larger than {self.max_body} bytes."
        if not raw:
            return None
        if "json" not in request.headers.get("content-type", ""):
            return 400, "Send the body as JSON (Content-Type: application/json)."
        try:
            return {"json": json.loads(raw)}
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            return 400, f"The request body is not valid JSON: {exc}."

    async def api(self, request):
        method = request.path_params["method"]
        body = None
        if method not in _METHODS:
            return _json(*dispatch(self.session, method))
        if request.method == "POST":
            body = await self.body(request)
            if isinstance(body, tuple):
                return _json(body[0], {"error": body[1]})
            body = None if body is None else body["json"]
        elif method not in ("query", "progress"):
            return _json(405, {"error": f"/api/{method} takes POST."})
        start = time.perf_counter()
        status, payload = await run_in_threadpool(dispatch, self.session, method, body)
        response = _json(status, payload)
        # the session's share of the request, for latency measurements (bench_app.py)
        response.headers["Server-Timing"] = f"session;dur={1000 * (time.perf_counter() - start):.1f}"
        return response

    async def page(self, request):
        response = self.static_response("index.html")
        if "token" in request.query_params:
            # Drop the token from the address bar and history; the cookie carries it.
            response = RedirectResponse("/", status_code=303, headers=_HEADERS)
        response.set_cookie(
            _cookie_name(request), self.token, httponly=True, samesite="strict", path="/"
        )
        return response

    async def static(self, request):
        name = request.path_params["name"]
        if name not in self.files:
            return _json(404, {"error": f"No file {name!r}."})
        return self.static_response(name)

    def static_response(self, name):
        suffix = name[name.rfind("."):]
        return Response(self.files[name], media_type=_TYPES[suffix], headers=_HEADERS)


def _cookie_name(request):
    """The token cookie's name: one per port, since cookies do not tell ports apart
    and two sessions served at once must not overwrite each other's token."""
    port = request.url.port
    return _COOKIE if port is None else f"{_COOKIE}_{port}"


def _json(status, payload):
    return JSONResponse(payload, status_code=status, headers=_HEADERS)


class _TokenGate:
    """ASGI middleware: 403 for any HTTP request without the session's token."""

    def __init__(self, app, api):
        self.app = app
        self.api = api

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http":
            from starlette.requests import Request

            if not self.api.authorised(Request(scope)):
                response = _json(
                    403, {"error": "Missing or wrong token: open the address printed by "
                                   "the server (it ends in ?token=...)."})
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


@validate_params(
    {
        "session": [object],
        "token": [str, None],
        "max_body": [Interval(Integral, 64, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def make_app(
    session: Session, *, token: str | None = None, max_body: int = MAX_BODY
) -> Any:
    """The labelling page and its JSON API as an ASGI app.

    Routes: ``GET /`` (the page), ``GET /static/<file>``, ``GET /api/query``,
    ``GET /api/progress``, ``POST /api/answer`` (``{"query_id", "label",
    "ignore": [...], "focus": [...]}``), ``POST /api/skip``
    (``{"query_id"}``) and ``POST /api/undo``. Every request needs the token:
    as the ``token`` query parameter (the first page load, which moves it
    into an HttpOnly, SameSite=Strict cookie), the cookie, or the
    ``X-Skxil-Token`` header (scripts). A missing or wrong token gets 403, a
    body above ``max_body`` bytes 413, a malformed body or answer 400 and an
    answer to a query that is no longer current 409, each with
    ``{"error": message}`` and the session unchanged. Session calls run in a
    thread pool, never on the event loop.

    Parameters
    ----------
    session : Session
        The labelling session the page answers.
    token : str, default=None
        The secret a client must present; ``None`` draws one with
        :func:`secrets.token_urlsafe`. It is ``app.state.token``.
    max_body : int, default=16384
        Largest accepted request body, in bytes.

    Returns
    -------
    app : starlette.applications.Starlette
        The ASGI app; run it with uvicorn (see :func:`serve`).

    Examples
    --------
    >>> from skxil.interactive._app import make_app
    >>> app = make_app(object(), token="a-secret-token")  # give it a Session
    >>> app.state.token
    'a-secret-token'
    """
    if Starlette is None:
        raise ImportError(
            "The labelling page needs starlette and uvicorn: pip install 'skxil[app]'."
        )
    token = secrets.token_urlsafe(32) if token is None else token
    if not token:
        raise ValueError("token must not be empty.")
    api = _Api(session, token, max_body)
    app = Starlette(routes=[
        Route("/", api.page, methods=["GET"]),
        Route("/static/{name}", api.static, methods=["GET"]),
        Route("/favicon.ico", lambda request: Response(status_code=204, headers=_HEADERS)),
        Route("/api/{method}", api.api, methods=["GET", "POST"]),
    ])
    app.state.token = token
    app.add_middleware(_TokenGate, api=api)
    return app
