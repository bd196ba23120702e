"""Run the labelling page on a local port with uvicorn."""

from __future__ import annotations

import socket
import sys
import threading
import webbrowser
from numbers import Integral
from typing import TYPE_CHECKING

from sklearn.utils._param_validation import Interval, validate_params

from ._app import MAX_BODY, make_app

if TYPE_CHECKING:
    from ._session import Session


def _bind(host, port):
    """A listening socket on ``host:port`` (port 0: a free one), bound before uvicorn starts.

    Binding first lets :func:`serve` print the real address, and fails with a
    clear message when the port is taken.
    """
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say so,
    # and without it every response waits for a delayed ACK (about 40 ms)
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        raise OSError(
            f"Cannot listen on {host}:{port} ({exc.strerror}); choose another port, "
            "or port=0 for any free one."
        ) from exc
    sock.listen(128)
    sock.set_inheritable(True)
    return sock


def page_url(host, port, token):
    """The address to open: the page with its token, like Jupyter's."""
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}/?token={token}"


@validate_params(
    {
        "session": [object],
        "host": [str],
        "port": [Interval(Integral, 0, 65535, closed="both")],
        "token": [str, None],
        "open_browser": ["boolean"],
        "max_body": [Interval(Integral, 64, None, closed="left")],
        "log_level": [str],
    },
    prefer_skip_nested_validation=True,
)
def serve(
    session: Session,
    *,
    host: str = "127.0.0.1",
    port: int = 8765,
    token: str | None = None,
    open_browser: bool = False,
    max_body: int = MAX_BODY,
    log_level: str = "warning",
) -> None:
    """Serve the labelling page for ``session`` until interrupted (Ctrl-C).

    Prints the page's address with its token, like Jupyter
    (``http://127.0.0.1:8765/?token=...``); every request must carry the
    token (see :func:`make_app`). Each answer is committed to the session's
    journal before the page is told it is saved, so killing the server loses
    no acknowledged answer: serving the same session file again resumes.

    Parameters
    ----------
    session : Session
        The labelling session.
    host : str, default="127.0.0.1"
        Address to listen on. The default accepts connections from this
        machine only; another address exposes the page (guarded by the token
        alone, over plain HTTP) to the network.
    port : int, default=8765
        Port to listen on; 0 picks a free one.
    token : str, default=None
        The secret of the address; ``None`` draws a new one.
    open_browser : bool, default=False
        Open the page in the default web browser once the server listens.
    max_body : int, default=16384
        Largest accepted request body, in bytes.
    log_level : str, default="warning"
        uvicorn's log level.

    Returns
    -------
    None

    Examples
    --------
    >>> from skxil.interactive._server import serve
    >>> serve(object(), port=-1)
    Traceback (most recent call last):
    ...
    sklearn.utils._param_validation.InvalidParameterError: The 'port' parameter of serve ...
    """
    try:
        import uvicorn
    except ImportError as exc:
        raise ImportError(
            "The labelling page needs starlette and uvicorn: pip install 'skxil[app]'."
        ) from exc
    app = make_app(session, token=token, max_body=max_body)
    sock = _bind(host, port)
    url = page_url(host, sock.getsockname()[1], app.state.token)
    print(f"skxil: labelling page at {url}", flush=True)
    print("skxil: press Ctrl-C to stop; answers are saved as they are given.", flush=True)
    if open_browser:
        threading.Timer(0.5, webbrowser.open, args=(url,)).start()
    server = uvicorn.Server(uvicorn.Config(app, log_level=log_level, lifespan="off"))
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()
        sys.stdout.flush()
