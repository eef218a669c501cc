"""One paging rule for every list a client pages through (searchProducts, listBids, the reports):
`page` and `pageSize` may be left out; when given they are at least 1, else a field error
MIN_VALUE naming them; a `pageSize` above the list's maximum is capped, not refused (a client may
simply ask for "as many as you give"). No I/O."""
from __future__ import annotations

from emall_ws.domain.errors import FieldError


def page_errors(page: int | None, page_size: int | None) -> list[FieldError]:
    errors = []
    if page is not None and page < 1:
        errors.append(FieldError("page", "MIN_VALUE", {"min": 1}))
    if page_size is not None and page_size < 1:
        errors.append(FieldError("pageSize", "MIN_VALUE", {"min": 1}))
    return errors


def offset_within(page: int, size: int, total: int) -> int | None:
    """The rows before `page`, or None when the page starts past the last of `total` rows: such a
    page needs no query (and an OFFSET as large as xs:integer allows fits no database column)."""
    offset = (page - 1) * size
    return offset if offset < total else None


def page_and_size(page: int | None, page_size: int | None, default: int, maximum: int) -> tuple[int, int]:
    """The page (1 when left out) and its size (`default` when left out, at most `maximum`), for a
    request that page_errors found nothing wrong with."""
    return 1 if page is None else page, min(default if page_size is None else page_size, maximum)
