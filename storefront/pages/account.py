"""A member's account: login and logout."""
from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from storefront.platform import PlatformError
from storefront.web import Request, Response, Route, redirect

if TYPE_CHECKING:
    from storefront.app import Storefront

log = logging.getLogger("storefront")

# where a login may return to: a path of this site only (never //host or /\host, an open redirect)
_LOCAL_PATH = re.compile(r"/(?![/\\])[^\s\\]{0,500}")


def back_to(raw: str) -> str:
    return raw if _LOCAL_PATH.fullmatch(raw) else "/"


def login_form(app: Storefront, request: Request) -> Response:
    back = back_to(request.query.get("kembali", "/"))
    if request.session is not None and request.session.logged_in:
        return redirect(back)
    app.ensure_session(request)
    return app.render(request, "login.html", username="", error=None, back=back)


def login(app: Storefront, request: Request) -> Response:
    username = request.form.get("username", "").strip()[:64]
    password = request.form.get("password", "")[:256]
    back = back_to(request.form.get("kembali", "/"))
    error = None
    if not username or not password:
        error = "Isi nama pengguna dan kata sandi."
    else:
        try:
            result = app.platform.call("Member", "login", username=username, password=password)
        except PlatformError as failure:
            error = failure.message
            if not failure.fault_code:  # the platform was not reached: not the buyer's mistake
                return app.render(request, "login.html", 503, username=username, error=error, back=back)
    if error is not None:
        return app.render(request, "login.html", 400, username=username, error=error, back=back)
    old = request.session
    if old is not None:
        if old.token is not None:  # logged in already: that platform session ends too
            app.end_platform_session(old.token)
        app.sessions.delete(old.reference)  # a fresh reference at login: no session fixation
    request.session = app.sessions.create(username=result.username, role=result.role, token=result.token,
                                          token_expires=result.expiresAt)
    app.set_session_cookie(request, request.session)
    log.info("member %s logged in", result.username)
    return redirect(back)


def logout(app: Storefront, request: Request) -> Response:
    session = request.session
    assert session is not None  # check_csrf saw it
    if session.token is not None:
        app.end_platform_session(session.token)
    app.sessions.delete(session.reference)
    request.session = None
    app.set_session_cookie(request, None)
    return redirect("/")


ROUTES = [
    Route("GET", r"/masuk", login_form),
    Route("POST", r"/masuk", login),
    Route("POST", r"/keluar", logout),
]
