"""The storefront's WSGI application: a tiny router, Jinja2 pages (autoescaped), server-side
sessions and CSRF tokens. Every piece of shop data comes from the platform's SOAP services.

Plain WSGI on purpose: this slice has six routes, and the standard library reads query strings,
forms and cookies well enough that a framework would add more to learn than it saves."""
from __future__ import annotations

import hmac
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape

from storefront.platform import Platform, PlatformError
from storefront.sessions import COOKIE_NAME, SECURE_COOKIE_NAME, Session, Sessions

log = logging.getLogger("storefront")

HERE = Path(__file__).resolve().parent
STATIC_DIR = HERE / "static"
PAGE_SIZE = 12
MAX_FORM_BYTES = 16 * 1024
WIB = timezone(timedelta(hours=7), "WIB")
MONTHS = ("Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli", "Agustus", "September", "Oktober",
          "November", "Desember")
SALE_METHODS = {"tetap": "FIXED", "lelang": "AUCTION"}
SORTS = {"terbaru": ("NEWEST", "Terbaru"), "termurah": ("PRICE_ASC", "Harga terendah"),
         "termahal": ("PRICE_DESC", "Harga tertinggi"), "segera-berakhir": ("ENDING_SOON", "Lelang segera berakhir")}
STATUS_TEXT = {"ACTIVE": "Tersedia", "SOLD_OUT": "Stok habis", "WITHDRAWN": "Ditarik penjual",
               "ENDED": "Lelang berakhir", "SOLD": "Terjual", "UNSOLD": "Tidak terjual"}
HEADERS = [  # on every answer
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "same-origin"),
    ("X-Frame-Options", "DENY"),
    # no script at all; sellers' photos may live on any https host
    ("Content-Security-Policy", "default-src 'none'; style-src 'self'; img-src 'self' https: http:; "
                               "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
]
STATUS_LINES = {200: "200 OK", 303: "303 See Other", 400: "400 Bad Request", 403: "403 Forbidden",
                404: "404 Not Found", 405: "405 Method Not Allowed", 413: "413 Content Too Large",
                500: "500 Internal Server Error", 502: "502 Bad Gateway", 503: "503 Service Unavailable"}


def rupiah(amount: int | None) -> str:
    return "-" if amount is None else "Rp " + f"{amount:,}".replace(",", ".")


def wib(moment: datetime | None) -> str:
    """A platform time (xs:dateTime in WIB) as Indonesians write it: 7 Desember 2026 14.05 WIB."""
    if moment is None:
        return "-"
    if moment.tzinfo is not None:
        moment = moment.astimezone(WIB)
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year} {moment:%H.%M} WIB"


def items(answer: Any, name: str) -> list[Any]:
    """The entries of a WSDL array type (CategoryArray ...), which zeep answers unwrapped as a list
    when the array is an operation's whole answer and as an object with one list field inside another."""
    if answer is None:
        return []
    if isinstance(answer, list):
        return answer
    return list(getattr(answer, name, None) or [])


# C0 controls other than tab, newline and CR, the noncharacters U+FFFE/U+FFFF and lone surrogates:
# none may appear in XML, and lxml refuses a SOAP request holding one (ValueError)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(value: str) -> str:
    return _NOT_XML.sub("", value)


def parse_fields(text: str) -> dict[str, str]:
    """A query string's or a form's fields, first value of each, with what XML cannot carry removed."""
    return {xml_safe(k): xml_safe(v[0]) for k, v in parse_qs(text, keep_blank_values=True).items()}


def safe_photo(url: str | None) -> str | None:
    """Only http(s) photo URLs are shown (never javascript: or data:)."""
    return url if url and re.match(r"https?://", url, re.IGNORECASE) else None


@dataclass
class Request:
    environ: dict[str, Any]
    method: str
    path: str
    query: dict[str, str]
    form: dict[str, str] = field(default_factory=dict)
    session: Session | None = None
    cookies: list[str] = field(default_factory=list)  # Set-Cookie values to send

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        query = parse_fields(environ.get("QUERY_STRING", ""))
        path = environ.get("PATH_INFO", "/") or "/"
        try:  # PEP 3333: PATH_INFO arrives as latin-1 decoded bytes
            path = path.encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
        return cls(environ, environ.get("REQUEST_METHOD", "GET").upper(), path, query)

    def cookie(self, name: str) -> str | None:
        """The cookie's value, read by hand: SimpleCookie stops at the first cookie it dislikes
        (`a={"x":1}`, `a=b c`, non-ASCII), and a site's other cookies must not cost the session."""
        for part in self.environ.get("HTTP_COOKIE", "").split(";"):
            key, equals, value = part.partition("=")
            if equals and key.strip() == name:
                value = value.strip()
                if len(value) >= 2 and value[0] == value[-1] == '"':
                    value = value[1:-1]
                return value
        return None


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "text/html; charset=utf-8"
    headers: list[tuple[str, str]] = field(default_factory=list)


class HTTPError(Exception):
    def __init__(self, status: int, title: str, message: str) -> None:
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


Handler = Callable[..., Response]  # (request, **the path's named groups)


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
        self.templates.filters.update(rupiah=rupiah, wib=wib)
        self._regions: dict[str, list[tuple[str, str]]] = {}  # "" provinces, else a province's cities
        self.routes: list[tuple[str, re.Pattern[str], Handler]] = [
            ("GET", re.compile(r"/"), self.home),
            ("GET", re.compile(r"/produk/(?P<product_id>[0-9]{1,18})"), self.product),
            ("GET", re.compile(r"/masuk"), self.login_form),
            ("POST", re.compile(r"/masuk"), self.login),
            ("POST", re.compile(r"/keluar"), self.logout),
            ("GET", re.compile(r"/static/(?P<name>[a-z0-9-]+\.css)"), self.static),
        ]

    # --- WSGI ---

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request.from_environ(environ)
        try:
            response = self.dispatch(request)
        except HTTPError as error:
            response = self.error_page(request, error.status, error.title, error.message)
        except Exception:  # never a traceback to the browser: logged, and a friendly page
            log.exception("storefront error on %s %r", request.method, request.path)
            response = self.error_page(request, 500, "Terjadi kesalahan",
                                       "Maaf, halaman ini tidak dapat ditampilkan. Silakan coba lagi nanti.")
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
                        self.read_form(request)
                        self.check_csrf(request)
                    return handler(request, **match.groupdict())
        if allowed:
            response = self.error_page(request, 405, "Metode tidak diizinkan",
                                       "Halaman ini tidak menerima permintaan seperti itu.")
            response.headers.append(("Allow", ", ".join(sorted(set(allowed)))))
            return response
        raise HTTPError(404, "Halaman tidak ditemukan", "Halaman yang Anda cari tidak ada atau sudah dipindahkan.")

    def read_form(self, request: Request) -> None:
        try:
            length = int(request.environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > MAX_FORM_BYTES:
            raise HTTPError(413, "Isian terlalu besar", "Isian formulir terlalu besar.")
        body = request.environ["wsgi.input"].read(length) if length > 0 else b""
        request.form = parse_fields(body.decode("utf-8", errors="replace"))

    def check_csrf(self, request: Request) -> None:
        """Every POST carries its session's CSRF token; otherwise 403 and nothing is done."""
        sent = request.form.get("csrf", "")
        if request.session is None or not sent or not hmac.compare_digest(sent.encode(), request.session.csrf.encode()):
            raise HTTPError(403, "Permintaan ditolak",
                            "Formulir ini sudah kedaluwarsa atau tidak berasal dari situs ini. Muat ulang halaman "
                            "lalu coba lagi.")

    # --- helpers ---

    def render(self, request: Request, template: str, status: int = 200, **context: Any) -> Response:
        page = self.templates.get_template(template).render(session=request.session, **context)
        return Response(status, page.encode("utf-8"))

    def error_page(self, request: Request, status: int, title: str, message: str) -> Response:
        try:
            return self.render(request, "error.html", status, title=title, message=message, code=status)
        except Exception:  # a broken template must not hide the error
            log.exception("storefront error page failed")
            return Response(status, f"<!doctype html><html lang=\"id\"><title>{status}</title><p>{status}</p>"
                            .encode(), "text/html; charset=utf-8")

    def platform_error(self, request: Request, error: PlatformError) -> Response:
        if error.not_found:
            raise HTTPError(404, "Tidak ditemukan", error.message)
        status = 503 if not error.fault_code else 502 if error.fault_code.startswith("Server") else 400
        return self.error_page(request, status, "Permintaan tidak dapat diproses", error.message)

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

    def end_platform_session(self, token: str) -> None:
        try:
            self.platform.call("Member", "logout", token=token)
        except PlatformError as error:  # an expired token: the session ends here all the same
            log.info("platform logout: %s", error)

    def redirect(self, location: str) -> Response:
        return Response(303, b"", headers=[("Location", location)])

    def provinces(self) -> list[tuple[str, str]]:
        if "" not in self._regions:
            answer = self.platform.call("Member", "listProvinces")
            self._regions[""] = [(p.code, p.name) for p in items(answer, "Province")]
        return self._regions[""]

    def cities(self, province: str) -> list[tuple[str, str]]:
        if province not in self._regions:
            answer = self.platform.call("Member", "listCities", provinceCode=province)
            self._regions[province] = [(c.code, c.name) for c in items(answer, "City")]
        return self._regions[province]

    def place(self, province: str | None, city: str | None) -> str:
        """'Kota Jakarta Selatan, DKI Jakarta' for a seller's codes; best effort."""
        try:
            names = dict(self.provinces())
            city_names = dict(self.cities(province)) if province in names else {}
        except PlatformError:
            return ""
        return ", ".join(n for n in (city_names.get(city or ""), names.get(province or "")) if n)

    # --- pages ---

    def home(self, request: Request) -> Response:
        q = request.query
        errors: list[str] = []
        text = q.get("q", "").strip()[:100]
        filters: dict[str, Any] = {}
        if text:
            filters["text"] = text
        category = q.get("kategori", "").strip()[:64]
        if category:
            filters["category"] = category
        province = q.get("provinsi", "").strip()[:8]
        city = q.get("kota", "").strip()[:16]
        method = q.get("jenis", "")
        if method in SALE_METHODS:
            filters["saleMethod"] = SALE_METHODS[method]
        prices: dict[str, int | None] = {}
        for name, key, label in (("min", "minPrice", "Harga terendah"), ("max", "maxPrice", "Harga tertinggi")):
            raw = q.get(name, "").strip().replace(".", "").replace(" ", "")
            if raw.lower().startswith("rp"):
                raw = raw[2:]
            prices[name] = None
            if raw:
                if re.fullmatch(r"[0-9]{1,15}", raw):  # ASCII only: "²".isdigit(), yet int("²") fails
                    filters[key] = prices[name] = int(raw)
                else:
                    errors.append(f"{label} harus berupa angka rupiah, misalnya 25000.")
        sort = q.get("urut", "terbaru")
        if sort not in SORTS:
            sort = "terbaru"
        filters["sort"] = SORTS[sort][0]
        verified = q.get("verif") == "1"
        page_raw = q.get("hal", "1")
        page = int(page_raw) if re.fullmatch(r"[0-9]{1,6}", page_raw) and int(page_raw) > 0 else 1

        provinces: list[tuple[str, str]] = []
        cities: list[tuple[str, str]] = []
        categories: list[tuple[str, str]] = []
        results: list[Any] = []
        has_more = False
        try:
            provinces = self.provinces()
            if province in dict(provinces):
                filters["province"] = province
                cities = self.cities(province)
                if city in dict(cities):
                    filters["city"] = city
            answer = self.platform.call("Catalog", "listCategories")
            categories = [(c.code, c.name) for c in items(answer, "Category")]
            if not errors:
                found = self.platform.call("Catalog", "searchProducts", filters=filters, page=page,
                                           pageSize=PAGE_SIZE, verifiedOnly=verified or None)
                results = items(found.products, "ProductSummary")
                has_more = bool(found.hasMore)
        except PlatformError as error:
            errors.append(error.message)
        cards = [{"product": p, "photo": safe_photo(p.photoUrl), "place": self.place(p.sellerProvinceCode,
                                                                                   p.sellerCityCode)}
                 for p in results]
        kept = {k: v for k, v in q.items() if k != "hal" and v}

        def link(number: int) -> str:
            return "/?" + urlencode({**kept, "hal": str(number)})
        return self.render(request, "home.html", text=text, category=category, province=province, city=city,
                           method=method, min_price=prices["min"], max_price=prices["max"], sort=sort,
                           verified=verified, sorts=[(k, v[1]) for k, v in SORTS.items()], provinces=provinces,
                           cities=cities, categories=categories, cards=cards, errors=errors, page=page,
                           previous_link=link(page - 1) if page > 1 else None,
                           next_link=link(page + 1) if has_more else None, searched=bool(kept))

    def product(self, request: Request, product_id: str) -> Response:
        try:
            product = self.platform.call("Catalog", "getProduct", productId=int(product_id))
        except PlatformError as error:
            return self.platform_error(request, error)
        photos = [url for url in map(safe_photo, product.photoUrls or []) if url]
        ends = product.endsAt
        if ends is not None and ends.tzinfo is None:  # the platform's times are WIB
            ends = ends.replace(tzinfo=WIB)
        ended = ends is not None and ends <= datetime.now(timezone.utc)
        return self.render(request, "product.html", product=product, photos=photos,
                           status_text=STATUS_TEXT.get(product.status, product.status), ended=ended,
                           place=self.place(product.sellerProvinceCode, product.sellerCityCode))

    def login_form(self, request: Request) -> Response:
        if request.session is not None and request.session.logged_in:
            return self.redirect("/")
        self.ensure_session(request)
        return self.render(request, "login.html", username="", error=None)

    def login(self, request: Request) -> Response:
        username = request.form.get("username", "").strip()[:64]
        password = request.form.get("password", "")[:256]
        error = None
        if not username or not password:
            error = "Isi nama pengguna dan kata sandi."
        else:
            try:
                result = self.platform.call("Member", "login", username=username, password=password)
            except PlatformError as failure:
                error = failure.message
                if not failure.fault_code:  # the platform was not reached: not the buyer's mistake
                    return self.render(request, "login.html", 503, username=username, error=error)
        if error is not None:
            return self.render(request, "login.html", 400, username=username, error=error)
        old = request.session
        if old is not None:
            if old.token is not None:  # logged in already: that platform session ends too
                self.end_platform_session(old.token)
            self.sessions.delete(old.reference)  # a fresh reference at login: no session fixation
        request.session = self.sessions.create(username=result.username, role=result.role, token=result.token,
                                               token_expires=result.expiresAt)
        self.set_session_cookie(request, request.session)
        log.info("member %s logged in", result.username)
        return self.redirect("/")

    def logout(self, request: Request) -> Response:
        session = request.session
        assert session is not None  # check_csrf saw it
        if session.token is not None:
            self.end_platform_session(session.token)
        self.sessions.delete(session.reference)
        request.session = None
        self.set_session_cookie(request, None)
        return self.redirect("/")

    def static(self, request: Request, name: str) -> Response:
        path = STATIC_DIR / name
        if not path.is_file():
            raise HTTPError(404, "Halaman tidak ditemukan", "Berkas tidak ada.")
        return Response(200, path.read_bytes(), "text/css; charset=utf-8",
                        [("Cache-Control", "public, max-age=3600")])


def create_app(platform_url: str, state_dir: Path, *, secure_cookies: bool) -> Storefront:
    """The storefront as a WSGI callable, talking to the platform at `platform_url` and keeping its
    sessions under `state_dir`."""
    return Storefront(platform_url, state_dir, secure_cookies=secure_cookies)

