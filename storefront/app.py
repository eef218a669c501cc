"""The storefront's WSGI application: a small router over the page modules (storefront/pages/),
Jinja2 pages (autoescaped), server-side sessions with CSRF tokens, and the platform's SOAP services,
called with the logged-in member's token.

Plain WSGI on purpose: the standard library reads query strings, forms and cookies well enough that a
framework would add more to learn than it saves."""
from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

from jinja2 import Environment, FileSystemLoader, select_autoescape

from storefront import formats
from storefront.pages import ROUTES
from storefront.platform import VISITOR, Platform, PlatformError
from storefront.sessions import COOKIE_NAME, SECURE_COOKIE_NAME, Session, Sessions
from storefront.web import STATUS_LINES, HTTPError, Request, Response, not_found, redirect

log = logging.getLogger("storefront")

HERE = Path(__file__).resolve().parent
HEADERS = [  # on every answer
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    # no script at all; sellers' photos may live on any https host
    ("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' https: http:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
]
LOGIN_NEEDED = "Silakan masuk terlebih dahulu."
SESSION_ENDED = "Sesi Anda telah berakhir. Silakan masuk kembali."
ROLE_NEEDED = {"SELLER": "Halaman ini hanya untuk penjual.", "ADMIN": "Halaman ini hanya untuk admin."}


class Storefront:
    def __init__(self, platform_url: str, state_dir: Path, *, secure_cookies: bool) -> None:
        self.platform = Platform(platform_url)
        self.sessions = Sessions(state_dir)
        self.secure_cookies = secure_cookies
        # `__Host-`: the browser takes it only Secure, Path=/ and without Domain, so a sibling
        # subdomain cannot plant a session; a plain-http demo keeps the plain name
        self.cookie_name = SECURE_COOKIE_NAME if secure_cookies else COOKIE_NAME
        self.templates = Environment(loader=FileSystemLoader(HERE / "templates"),
                                     autoescape=select_autoescape(["html"], default=True),
                                     trim_blocks=True, lstrip_blocks=True)
        self.templates.filters.update(rupiah=formats.rupiah, wib=formats.wib, tanggal=formats.tanggal)
        self.routes = [(route.method, re.compile(route.pattern), route.handler) for route in ROUTES]
        self.cache: dict[str, Any] = {}  # what every visitor sees alike (provinces ...), kept per process

    # --- WSGI ---

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request.from_environ(environ)
        visitor = VISITOR.set(request.forwarded_for)
        try:
            response = self.dispatch(request)
        except LoginRequired as need:
            response = redirect("/masuk?" + urlencode({"kembali": need.back}))
        except HTTPError as error:
            response = self.error_page(request, error.status, error.title, error.message)
        except Exception:  # never a traceback to the browser: logged, and a friendly page
            log.exception("storefront error on %s %r", request.method, request.path)
            response = self.error_page(request, 500, "Terjadi kesalahan",
                                       "Maaf, halaman ini tidak dapat ditampilkan. Silakan coba lagi nanti.")
        finally:
            VISITOR.reset(visitor)
        headers = [("Content-Type", response.content_type), ("Content-Length", str(len(response.body))),
                   *HEADERS, *response.headers]
        if response.content_type.startswith("text/html"):
            headers.append(("Cache-Control", "no-store"))  # pages may show who is logged in
        headers += [("Set-Cookie", value) for value in request.cookies]
        start_response(STATUS_LINES.get(response.status, f"{response.status} Error"), headers)
        return [b"" if request.method == "HEAD" else response.body]

    def dispatch(self, request: Request) -> Response:
        method = "GET" if request.method == "HEAD" else request.method
        allowed = []
        for route_method, pattern, handler in self.routes:
            match = pattern.fullmatch(request.path)
            if match:
                allowed.append(route_method)
                if route_method == method:
                    request.session = self.sessions.get(request.cookie(self.cookie_name))
                    if method == "POST":
                        request.read_form()
                        self.check_csrf(request)
                    return handler(self, request, **match.groupdict())
        if allowed:
            response = self.error_page(request, 405, "Metode tidak diizinkan",
                                       "Halaman ini tidak menerima permintaan seperti itu.")
            response.headers.append(("Allow", ", ".join(sorted(set(allowed)))))
            return response
        raise not_found()

    def check_csrf(self, request: Request) -> None:
        """Every POST carries its session's CSRF token; otherwise 403 and nothing is done."""
        sent = request.form.get("csrf", "")
        if request.session is None or not sent or not hmac.compare_digest(sent.encode(), request.session.csrf.encode()):
            raise HTTPError(403, "Permintaan ditolak",
                            "Formulir ini sudah kedaluwarsa atau tidak berasal dari situs ini. Muat ulang halaman "
                            "lalu coba lagi.")

    # --- pages ---

    def render(self, request: Request, template: str, status: int = 200, **context: Any) -> Response:
        notice = self.sessions.pop_notice(request.session) if request.session is not None else None
        page = self.templates.get_template(template).render(session=request.session, notice=notice, **context)
        return Response(status, page.encode("utf-8"))

    def error_page(self, request: Request, status: int, title: str, message: str) -> Response:
        try:
            return self.render(request, "error.html", status, title=title, message=message, code=status)
        except Exception:  # a broken template must not hide the error
            log.exception("storefront error page failed")
            return Response(status, f"<!doctype html><html lang=\"id\"><title>{status}</title><p>{status}</p>"
                            .encode(), "text/html; charset=utf-8")

    def platform_error(self, request: Request, error: PlatformError) -> Response:
        """A page for a call that failed, with the status PlatformError.http_status says."""
        if error.not_found:
            raise HTTPError(404, "Tidak ditemukan", error.message)
        return self.error_page(request, error.http_status, "Permintaan tidak dapat diproses", error.message)

    def notice_then(self, request: Request, text: str, location: str) -> Response:
        """303 to `location`, whose page shows `text` once (after a form was done)."""
        if request.session is not None:
            self.sessions.set_notice(request.session, text)
        return redirect(location)

    # --- sessions ---

    def set_session_cookie(self, request: Request, session: Session | None) -> None:
        attributes = ["Path=/", "HttpOnly", "SameSite=Lax"] + (["Secure"] if self.secure_cookies else [])
        if session is None:
            attributes.insert(0, "Max-Age=0")
        # a browser-session cookie otherwise: the server alone says when a session ends (sessions.py)
        request.cookies.append("; ".join([f"{self.cookie_name}={session.reference if session else ''}", *attributes]))

    def ensure_session(self, request: Request) -> Session:
        """The visitor's session, made now for a page with a form to post (its CSRF token)."""
        if request.session is None:
            request.session = self.sessions.create()
            self.set_session_cookie(request, request.session)
        return request.session

    def member(self, request: Request, role: str | None = None) -> Session:
        """The logged-in member's session (with `role`, or an admin); else HTTPError: 303 to login
        for a visitor, 403 for another role."""
        session = request.session
        if session is None or not session.logged_in:
            session = self.ensure_session(request)
            self.sessions.set_notice(session, LOGIN_NEEDED)
            raise LoginRequired(self.return_path(request))
        if role is not None and session.role not in (role, "ADMIN"):
            raise HTTPError(403, "Tidak diizinkan", ROLE_NEEDED.get(role, "Halaman ini bukan untuk Anda."))
        return session

    def call(self, request: Request, service: str, operation: str, *, keep_session_on: tuple[str, ...] = (),
             **arguments: Any) -> Any:
        """The platform's answer to the logged-in member's call (PlatformError if it failed). A token the
        platform no longer takes (expired, logged out elsewhere) ends the session here too: LoginRequired;
        `keep_session_on`: Client.Authentication codes that say something else (a wrong current password)."""
        session = self.member(request)
        try:
            return self.platform.call(service, operation, token=session.token, **arguments)
        except PlatformError as error:
            if error.fault_code == "Client.Authentication" and error.code not in keep_session_on:
                self.sessions.delete(session.reference)
                request.session = None
                self.ensure_session(request)
                assert request.session is not None
                self.sessions.set_notice(request.session, SESSION_ENDED)
                raise LoginRequired(self.return_path(request)) from None
            raise

    def return_path(self, request: Request) -> str:
        """Where a login asked for by this request leads back: the page itself; for a form sent to a path
        that answers no GET, the page it was sent from when that is a page of this site, else home."""
        if request.method != "POST":
            query = request.environ.get("QUERY_STRING", "")
            return request.path + (f"?{query}" if query else "")
        if any(method == "GET" and pattern.fullmatch(request.path) for method, pattern, _ in self.routes):
            return request.path
        referer = urlsplit(request.environ.get("HTTP_REFERER", ""))
        if referer.netloc and referer.netloc == request.environ.get("HTTP_HOST") and referer.path.startswith("/"):
            return referer.path + (f"?{referer.query}" if referer.query else "")
        return "/"

    def end_platform_session(self, token: str) -> None:
        try:
            self.platform.call("Member", "logout", token=token)
        except PlatformError as error:  # an expired token: the session ends here all the same
            log.info("platform logout: %s", error)


class LoginRequired(HTTPError):
    """Answered 303 to the login page, which returns to `back` after login."""

    def __init__(self, back: str) -> None:
        super().__init__(303, "Masuk", LOGIN_NEEDED)
        self.back = back


def create_app(platform_url: str, state_dir: Path, *, secure_cookies: bool) -> Storefront:
    """The storefront as a WSGI callable, talking to the platform at `platform_url` and keeping its
    sessions under `state_dir`."""
    return Storefront(platform_url, state_dir, secure_cookies=secure_cookies)
