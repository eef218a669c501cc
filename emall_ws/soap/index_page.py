"""The HTML page at /: the front door a tester opens first.

The platform's services with their operations, then the partner endpoints by kind, how to
authenticate, the version and /health. Built once per process from what the server itself
publishes (each service's WSDL, the partner configuration), so it cannot disagree with them;
every value written into it is escaped.
"""
from __future__ import annotations

import html
from dataclasses import dataclass
from importlib import metadata
from typing import Sequence

from lxml import etree

from emall_ws.partners import PartnerEndpoint
from emall_ws.soap.application import namespace_of
from emall_ws.soap.security import PASSWORD_TEXT, WSSE_NS

WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"
SOAP_ENV = "http://schemas.xmlsoap.org/soap/envelope/"
SESSION_HEADER = "SessionHeader"
DISTRIBUTION = "emall-ws"


@dataclass(frozen=True)
class Operation:
    name: str
    documentation: str
    needs_login: bool


@dataclass(frozen=True)
class ServiceSummary:
    name: str
    description: str
    endpoint: str
    wsdl_url: str
    operations: tuple[Operation, ...]


def operations_of(wsdl: bytes) -> tuple[Operation, ...]:
    """A service's operations as its WSDL declares them: the documentation of the portType, and
    a login needed where the binding declares the SessionHeader on the operation's input (what
    every SOAP toolkit reads; the services declare it only where a member must be logged in)."""
    root = etree.fromstring(wsdl)
    with_session: set[str] = set()
    for operation in root.iterfind(f"{{{WSDL_NS}}}binding/{{{WSDL_NS}}}operation"):
        # any binding (SOAP 1.1 or 1.2): each names its header parts the same way
        if any(etree.QName(header).localname == "header" and header.get("part") == SESSION_HEADER
               for header in operation.iterfind(f"{{{WSDL_NS}}}input/*")):
            with_session.add(operation.get("name") or "")
    operations: dict[str, Operation] = {}
    for operation in root.iterfind(f"{{{WSDL_NS}}}portType/{{{WSDL_NS}}}operation"):
        name = operation.get("name") or ""
        documentation = " ".join((operation.findtext(f"{{{WSDL_NS}}}documentation") or "").split())
        operations.setdefault(name, Operation(name, documentation, name in with_session))
    return tuple(operations.values())


def platform_version() -> str:
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:  # run from a checkout that was never installed
        return "tidak diketahui (unknown)"


SIMULATED_NOTICE = ("<p class=\"notice\"><strong>Pembayaran disimulasikan (payments are simulated):</strong> "
                    "bank, kurir dan SMS gateway server ini adalah sandbox; tidak ada uang yang berpindah.</p>")

_PARTNER_KINDS = (  # (kind, heading) in the order the page shows them
    ("bank", "Bank"),
    ("courier", "Kurir (couriers)"),
    ("sms", "SMS gateway"),
    ("dukcapil", "Dukcapil (NIK)"),
    ("oss", "OSS (NIB)"),
)

_STYLE = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Noto Sans", sans-serif;
       color: #1b1f24; background: #f6f7f9; }
a { color: #0a58ca; }
a:focus-visible, .skip:focus { outline: 3px solid #ffbf47; outline-offset: 2px; }
.skip { position: absolute; left: -999px; top: 0; background: #fff; padding: .5rem 1rem; }
.skip:focus { left: 1rem; }
header.top { background: #12355b; color: #fff; padding: 1.5rem 1rem; }
header.top a { color: #fff; }
.wrap { max-width: 72rem; margin: 0 auto; padding: 0 1rem; }
header.top h1 { margin: 0 0 .25rem; font-size: 1.9rem; }
header.top p { margin: .25rem 0; }
nav ul { list-style: none; padding: 0; margin: .75rem 0 0; display: flex; flex-wrap: wrap; gap: .5rem 1.25rem; }
main { padding: 1rem 0 2rem; }
section.part { margin-top: 2rem; }
h2 { font-size: 1.5rem; border-bottom: 2px solid #12355b; padding-bottom: .25rem; }
h3 { font-size: 1.2rem; margin: 0 0 .25rem; }
.card { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: 1rem 1.25rem; margin: 1rem 0; }
.card > p { margin: .25rem 0 .75rem; }
dl.links { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0 0 .75rem; }
dl.links dt { font-weight: 600; }
dl.links dd { margin: 0; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; width: 100%; background: #fff; }
th, td { text-align: left; vertical-align: top; padding: .4rem .6rem; border: 1px solid #d0d7de; }
thead th { background: #eef1f4; }
table.ops { table-layout: fixed; }
table.ops thead th:nth-child(1) { width: 15rem; }
table.ops thead th:nth-child(2) { width: 16rem; }
ul.toc { display: flex; flex-wrap: wrap; gap: .25rem 1rem; list-style: none; padding: 0; }
tbody th { font-weight: normal; white-space: nowrap; }
code, pre { font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace; font-size: .9em; }
code { background: #eef1f4; padding: .05rem .3rem; border-radius: 3px; overflow-wrap: anywhere; }
pre { background: #1b1f24; color: #f0f3f6; padding: 1rem; border-radius: 6px; overflow-x: auto;
      white-space: pre-wrap; overflow-wrap: anywhere; }  /* long namespace URIs wrap, copied text stays whole */
pre code { background: none; padding: 0; }
.badge { display: inline-block; padding: .05rem .5rem; border-radius: 999px; font-size: .85em; font-weight: 600;
         white-space: nowrap; border: 1px solid; }
.login { background: #fff1e5; color: #7a2e00; border-color: #d4a27f; }
.public { background: #e8f5ec; color: #0f5323; border-color: #8cc19d; }
.notice { background: #fff8c5; border: 1px solid #d4a72c; padding: .75rem 1rem; border-radius: 6px; }
footer { border-top: 1px solid #d0d7de; padding: 1rem 0 2rem; color: #424a53; }
.sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
"""


def _e(value: str) -> str:
    return html.escape(value, quote=True)


def _service_card(service: ServiceSummary) -> str:
    rows = "".join(
        f"<tr><th scope=\"row\"><code>{_e(op.name)}</code></th><td>{_login_badge(op.needs_login)}</td>"
        f"<td>{_e(op.documentation)}</td></tr>" for op in service.operations)
    return (
        f"<article class=\"card\" id=\"service-{_e(service.name)}\" aria-labelledby=\"h-{_e(service.name)}\">"
        f"<h3 id=\"h-{_e(service.name)}\">{_e(service.name)}</h3><p>{_e(service.description)}</p>"
        f"<dl class=\"links\"><dt>Endpoint</dt><dd><code>{_e(service.endpoint)}</code></dd>"
        f"<dt>WSDL</dt><dd><a href=\"{_e(service.wsdl_url)}\">{_e(service.wsdl_url)}</a></dd></dl>"
        "<div class=\"scroll\"><table class=\"ops\">"
        f"<caption class=\"sr\">Operasi {_e(service.name)} (operations)</caption>"
        "<thead><tr><th scope=\"col\">Operasi (operation)</th><th scope=\"col\">Login</th>"
        "<th scope=\"col\">Keterangan (documentation)</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></div></article>")


def _login_badge(needs_login: bool) -> str:
    # words, not colour alone, say which is which
    if needs_login:
        return "<span class=\"badge login\">perlu login (login required)</span>"
    return "<span class=\"badge public\">publik (no login)</span>"


def _partner_section(partners: Sequence[PartnerEndpoint], sandbox_url: str) -> str:
    groups = []
    for kind, heading in _PARTNER_KINDS:
        members = [p for p in partners if p.kind == kind]
        if not members:
            continue
        rows = "".join(_partner_row(p, p.url.startswith(sandbox_url + "/")) for p in members)
        groups.append(
            f"<div class=\"card\" id=\"partners-{kind}\"><h3>{_e(heading)} ({len(members)})</h3>"
            f"<p>{_e(members[0].business.description)}</p>"
            f"<div class=\"scroll\"><table><caption class=\"sr\">{_e(heading)}</caption><thead><tr>"
            "<th scope=\"col\">Nama (name)</th><th scope=\"col\">Kode (code)</th>"
            "<th scope=\"col\">Sumber (source)</th><th scope=\"col\">Endpoint</th><th scope=\"col\">WSDL</th>"
            f"</tr></thead><tbody>{rows}</tbody></table></div></div>")
    return "".join(groups)


def _partner_row(partner: PartnerEndpoint, in_sandbox: bool) -> str:
    wsdl = partner.url + "?wsdl"
    return (f"<tr><th scope=\"row\">{_e(partner.name)}</th><td><code>{_e(partner.code or partner.kind)}</code></td>"
            f"<td>{'sandbox' if in_sandbox else 'dikonfigurasi (configured)'}</td>"
            f"<td><code>{_e(partner.url)}</code></td>"
            f"<td><a href=\"{_e(wsdl)}\" aria-label=\"WSDL {_e(partner.name)}\">WSDL</a></td></tr>")


def _envelope(namespace: str, header: str, body: str) -> str:
    return (f"<soapenv:Envelope xmlns:soapenv=\"{SOAP_ENV}\"\n"
            f"                  xmlns:t=\"{namespace}\">\n"
            + (f"  <soapenv:Header>{header}</soapenv:Header>\n" if header else "") +
            f"  <soapenv:Body>\n{body}\n  </soapenv:Body>\n"
            "</soapenv:Envelope>")


# The examples call Member.login and Cart.getCart (a member's own cart: login needed, no argument).
LOGIN_EXAMPLE = _envelope(namespace_of("Member"), "", (
    "    <t:login>\n"
    "      <t:username>budi</t:username>\n"
    "      <t:password>rahasia123</t:password>\n"
    "    </t:login>"))
SESSION_HEADER_EXAMPLE = _envelope(namespace_of("Cart"), (
    "\n    <t:SessionHeader>\n"
    "      <t:token>TOKEN-DARI-Member.login</t:token>\n"
    "    </t:SessionHeader>\n  "), "    <t:getCart/>")
WS_SECURITY_EXAMPLE = _envelope(namespace_of("Cart"), (
    "\n    <wsse:Security\n"
    f"        xmlns:wsse=\"{WSSE_NS}\">\n"
    "      <wsse:UsernameToken>\n"
    "        <wsse:Username>budi</wsse:Username>\n"
    "        <wsse:Password\n"
    f"            Type=\"{PASSWORD_TEXT}\">rahasia123</wsse:Password>\n"
    "      </wsse:UsernameToken>\n"
    "    </wsse:Security>\n  "), "    <t:getCart/>")


def _authentication_section() -> str:
    def example(text: str) -> str:
        return f"<pre><code>{_e(text)}</code></pre>"

    return (
        "<p>Operasi bertanda <span class=\"badge login\">perlu login (login required)</span> membawa salah satu "
        "dari dua header berikut; operasi <span class=\"badge public\">publik (no login)</span> tidak perlu "
        "keduanya. Semua panggilan: HTTP POST ke endpoint layanan, <code>Content-Type: text/xml; "
        "charset=utf-8</code>. Contoh di bawah memakai akun <code>budi</code> / <code>rahasia123</code>: "
        "ganti dengan akun Anda.</p>"
        "<div class=\"card\"><h3>1. Login: <code>Member.login</code></h3>"
        "<p>Jawabannya (<code>result/token</code>) adalah token sesi untuk SessionHeader.</p>"
        + example(LOGIN_EXAMPLE) +
        "</div><div class=\"card\"><h3>2. SessionHeader</h3>"
        "<p>Token dari <code>Member.login</code> di header <code>SessionHeader</code>, dalam namespace layanan yang "
        "dipanggil (di sini Cart: <code>" + _e(namespace_of("Cart")) + "</code>).</p>"
        + example(SESSION_HEADER_EXAMPLE) +
        "</div><div class=\"card\"><h3>3. WS-Security UsernameToken</h3>"
        "<p>Standar OASIS <code>wsse:Security</code> dengan <code>PasswordText</code>, seperti yang ditambahkan "
        "WS-Security bawaan SoapUI dan zeep.</p>"
        + example(WS_SECURITY_EXAMPLE) +
        "</div><div class=\"card\"><h3>4. Kunci API untuk toko dan portal (API keys)</h3>"
        "<p>Setelah login, <code>Member.createApiKey</code> memberi <code>keyId</code> dan <code>secret</code> "
        "(ditampilkan sekali saja). Kirim sebagai UsernameToken: <code>Username</code> = keyId, password = "
        "secret sebagai <code>PasswordText</code>, atau <code>PasswordDigest</code> dengan <code>Nonce</code> dan "
        "<code>Created</code> (SoapUI: PasswordDigest, Add Nonce, Add Created; zeep: "
        "<code>UsernameToken(keyId, secret, use_digest=True)</code>). Setiap Nonce hanya berlaku sekali; "
        "<code>Created</code> paling jauh 5 menit dari jam server. <code>listApiKeys</code>, "
        "<code>revokeApiKey</code>.</p>"
        "</div>")


def render_index(services: Sequence[ServiceSummary], partners: Sequence[PartnerEndpoint], *, sandbox_url: str,
                 version: str, payments_simulated: bool = False) -> bytes:
    cards = "".join(_service_card(service) for service in services)
    toc = "".join(f"<li><a href=\"#service-{_e(s.name)}\">{_e(s.name)}</a></li>" for s in services)
    version_text = _e(version)
    page = (
        "<!DOCTYPE html><html lang=\"id\"><head><meta charset=\"utf-8\">"
        "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">"
        f"<title>Emall KUKM web services {version_text}</title>"
        f"<style>{_STYLE}</style></head><body>"
        "<a class=\"skip\" href=\"#isi\">Langsung ke isi (skip to content)</a>"
        "<header class=\"top\"><div class=\"wrap\">"
        "<h1>Emall KUKM web services</h1>"
        "<p>Layanan web SOAP 1.1 (document/literal wrapped) e-mall Kementerian KUKM: satu WSDL per layanan. "
        f"Versi (version) <strong>{version_text}</strong> · status: <a href=\"/health\">/health</a> (JSON)</p>"
        "<nav aria-label=\"Isi halaman (contents)\"><ul>"
        "<li><a href=\"#layanan\">Layanan (services)</a></li>"
        "<li><a href=\"#mitra\">Mitra (partners)</a></li>"
        "<li><a href=\"#autentikasi\">Autentikasi (authentication)</a></li>"
        "<li><a href=\"/health\">/health</a></li></ul></nav>"
        "</div></header>"
        "<main id=\"isi\" class=\"wrap\">"
        + (SIMULATED_NOTICE if payments_simulated else "") +
        "<section class=\"part\" id=\"layanan\" aria-labelledby=\"h-layanan\">"
        "<h2 id=\"h-layanan\">Layanan platform (platform services)</h2>"
        "<p>Registry menjawab inquiry UDDI v3 atas semua layanan ini dan endpoint mitra di bawah.</p>"
        f"<nav aria-label=\"Layanan (services)\"><ul class=\"toc\">{toc}</ul></nav>"
        + cards + "</section>"
        "<section class=\"part\" id=\"mitra\" aria-labelledby=\"h-mitra\">"
        "<h2 id=\"h-mitra\">Mitra: bank, kurir, SMS, Dukcapil, OSS (partner endpoints)</h2>"
        "<p>Kontrak yang dipanggil platform; <em>sandbox</em> menjawab sampai mitra sebenarnya dikonfigurasi "
        "(<code>EMALL_BANK_&lt;KODE&gt;_URL</code>, <code>EMALL_COURIER_&lt;KODE&gt;_URL</code>, "
        "<code>EMALL_SMS_URL</code>, <code>EMALL_DUKCAPIL_URL</code>, <code>EMALL_OSS_URL</code>).</p>"
        + _partner_section(partners, sandbox_url) + "</section>"
        "<section class=\"part\" id=\"autentikasi\" aria-labelledby=\"h-autentikasi\">"
        "<h2 id=\"h-autentikasi\">Autentikasi (authentication)</h2>"
        + _authentication_section() + "</section>"
        "</main>"
        f"<footer><div class=\"wrap\">emall-ws {version_text} · <a href=\"/health\">/health</a></div></footer>"
        "</body></html>")
    return page.encode("utf-8")
