"""(being written)"""
from __future__ import annotations

from storefront.web import Route

ROUTES: list[Route] = []
