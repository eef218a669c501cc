"""The page at / as a tester's browser shows it: Debian's headless Chromium renders it from the real
`emall-ws serve` into a screenshot, and every WSDL link of the DOM it built, and /health, answers.
Without chromium: a failure under CI=true (.ci/run installs it), a skip with the reason elsewhere."""
from __future__ import annotations

import struct
import subprocess
import urllib.request
import zlib
from pathlib import Path
from urllib.parse import urljoin

from lxml import etree
from lxml import html as lxml_html

from emall_ws.domain.partners import BANKS, COURIERS
from emall_ws.soap.app import SERVICES
from tests.processes import required

WIDTH, HEIGHT = 1280, 2000
WSDL_NS = "http://schemas.xmlsoap.org/wsdl/"


def chromium(tmp_path: Path, *args: str) -> bytes:
    """Headless Chromium's stdout; its own profile directory, so runs never share one."""
    done = subprocess.run(
        [required("chromium"), "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
         "--no-first-run", f"--user-data-dir={tmp_path / 'chromium-profile'}", f"--window-size={WIDTH},{HEIGHT}",
         *args], capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode(errors="replace")[-2000:]
    return done.stdout


def png_facts(data: bytes) -> tuple[int, int, int]:
    """(width, height, how many distinct byte values its pixel data holds): a blank page has a handful."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    offset, idat, size = 8, b"", (0, 0)
    while offset < len(data):
        length, kind = struct.unpack(">I4s", data[offset:offset + 8])
        chunk = data[offset + 8:offset + 8 + length]
        if kind == b"IHDR":
            size = struct.unpack(">II", chunk[:8])
        elif kind == b"IDAT":
            idat += chunk
        offset += 12 + length
    return size[0], size[1], len(set(zlib.decompress(idat)))


def get(url: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url, timeout=30) as response:
        return response.status, response.headers.get("Content-Type", ""), response.read()


def test_chromium_renders_the_index_and_every_wsdl_link_answers(server, tmp_path):
    screenshot = tmp_path / "index.png"
    chromium(tmp_path, f"--screenshot={screenshot}", server.url + "/")
    data = screenshot.read_bytes()
    width, height, distinct = png_facts(data)
    assert (width, height) == (WIDTH, HEIGHT)
    assert len(data) > 20_000 and distinct > 32, "a blank or nearly blank screenshot"

    dom = lxml_html.fromstring(chromium(tmp_path, "--dump-dom", server.url + "/"))
    assert dom.get("lang") == "id" and dom.findtext(".//h1") == "Emall KUKM web services"
    links = [urljoin(server.url + "/", href) for href in dom.xpath("//a/@href") if not href.startswith("#")]
    wsdl_links = sorted({link for link in links if link.endswith("?wsdl")})
    assert {server.wsdl_url(spec.name) for spec in SERVICES} <= set(wsdl_links)
    assert len(wsdl_links) == len(SERVICES) + len(BANKS) + len(COURIERS) + 3  # SMS gateway, Dukcapil, OSS
    for link in wsdl_links:
        status, content_type, body = get(link)
        assert status == 200 and content_type.startswith("text/xml"), (link, status, content_type)
        assert etree.fromstring(body).tag == f"{{{WSDL_NS}}}definitions", link

    assert server.url + "/health" in links
    status, content_type, _ = get(server.url + "/health")
    assert status == 200 and content_type.startswith("application/json")
    for fragment in dom.xpath("//a[starts-with(@href, '#')]/@href"):
        dom.get_element_by_id(fragment[1:])  # and the links inside the page land somewhere
