"""The stylesheet (the storefront's only static file)."""
from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from storefront.web import Request, Response, Route, not_found

if TYPE_CHECKING:
    from storefront.app import Storefront

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"


def static(app: Storefront, request: Request, name: str) -> Response:
    path = STATIC_DIR / name
    if not path.is_file():
        raise not_found("Berkas tidak ada.")
    return Response(200, path.read_bytes(), "text/css; charset=utf-8", [("Cache-Control", "public, max-age=3600")])


ROUTES = [Route("GET", r"/static/(?P<name>[a-z0-9-]+\.css)", static)]
