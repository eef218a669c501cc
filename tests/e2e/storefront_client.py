"""The storefront (storefront/) in-process, as a browser would use it: a WSGI caller that keeps
cookies, against the real platform of the e2e `server` fixture."""
from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlencode, urlsplit

from lxml import html as lxml_html


@dataclass
class Page:
    status: int
    headers: list[tuple[str, str]]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)

    def set_cookies(self) -> list[str]:
        return [v for k, v in self.headers if k.lower() == "set-cookie"]

    def dom(self):
        return lxml_html.fromstring(self.body)

    def csrf(self) -> str:
        return self.dom().xpath("//input[@name='csrf']/@value")[0]


@dataclass
class Browser:
    app: object
    cookies: dict[str, str] = field(default_factory=dict)
    cookie_header: str | None = None  # sent as it is, instead of `cookies`, when given
    remote_addr: str = "127.0.0.1"  # the visitor's address as the storefront's server sees it
    forwarded_for: str | None = None  # an X-Forwarded-For the visitor sends

    def request(self, method: str, path: str, form: dict | None = None, query: dict | None = None,
                referer: str | None = None) -> Page:
        parts = urlsplit(path)
        body = urlencode(form or {}).encode()
        environ = {
            "REQUEST_METHOD": method, "PATH_INFO": parts.path,
            "QUERY_STRING": urlencode(query) if query else parts.query,
            "SERVER_NAME": "toko.example", "SERVER_PORT": "80", "HTTP_HOST": "toko.example",
            "REMOTE_ADDR": self.remote_addr,
            "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "wsgi.errors": io.StringIO(),
            "CONTENT_TYPE": "application/x-www-form-urlencoded", "CONTENT_LENGTH": str(len(body)),
        }
        if referer is not None:
            environ["HTTP_REFERER"] = referer
        if self.forwarded_for is not None:
            environ["HTTP_X_FORWARDED_FOR"] = self.forwarded_for
        if self.cookie_header is not None:
            environ["HTTP_COOKIE"] = self.cookie_header
        elif self.cookies:
            environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        seen = {}

        def start_response(status, headers, exc_info=None):
            seen["status"], seen["headers"] = int(status.split()[0]), headers

        chunks = self.app(environ, start_response)
        page = Page(seen["status"], seen["headers"], b"".join(chunks))
        for value in page.set_cookies():
            for name, morsel in SimpleCookie(value).items():
                if morsel["max-age"] == "0" or not morsel.value:
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return page

    def get(self, path: str, **query) -> Page:
        return self.request("GET", path, query={k: v for k, v in query.items() if v is not None} or None)

    def post(self, path: str, form: dict, referer: str | None = None) -> Page:
        return self.request("POST", path, form, referer=referer)


def product_links(page: Page) -> list[int]:
    return [int(m) for m in re.findall(r'href="/produk/(\d+)"', page.text)]


def check_accessibility(page_source: str, where: str) -> None:
    """The page's basics: lang id, one h1, a short title, a label for every field, alt on every image, a skip link."""
    dom = lxml_html.fromstring(page_source)
    assert dom.get("lang") == "id", where
    assert len(dom.xpath("//h1")) == 1, where
    title = dom.findtext(".//title") or ""
    assert title.endswith(" · Emall KUKM") and len(title) < 120 and "<" not in title, (where, title[:200])
    labels = set(dom.xpath("//label/@for"))
    for control in dom.xpath("//input[not(@type='hidden')] | //select | //textarea"):
        assert control.get("id") in labels or control.xpath("ancestor::label"), (where, control.get("name"))
    for img in dom.xpath("//img"):
        assert img.get("alt"), (where, img.get("src"))
    assert dom.xpath("//a[@href='#isi']"), where


def check_structure(page_source: str, where: str) -> None:
    """Headings in order (no level skipped), every field marked invalid tied to its error message, every
    table with scoped header cells."""
    dom = lxml_html.fromstring(page_source)
    levels = [int(h.tag[1]) for h in dom.iter("h1", "h2", "h3", "h4", "h5", "h6")]
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), (where, levels)
    for control in dom.xpath("//*[@aria-invalid='true']"):
        described = control.get("aria-describedby", "").split()
        assert any(dom.get_element_by_id(i).get("class") == "error" for i in described), (where, control.get("id"))
    assert all(table.xpath(".//th[@scope]") for table in dom.xpath("//table")), where
