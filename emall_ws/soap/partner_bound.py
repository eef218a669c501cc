"""Operations that wait on a partner (a bank, a courier), declared on the operation itself:

    @rpc(...)
    @partner_bound
    def quoteShipping(ctx, ...):

The server's front runs those off its event loop (emall_ws/serving/front.py), so that a slow
partner holds neither the loop nor the threads of the other operations.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, Mapping, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


def partner_bound(operation: F) -> F:
    operation.partner_bound = True  # type: ignore[attr-defined]  # a mark on the function, read below
    return operation


def partner_bound_operations(service_class: type[Any]) -> list[str]:  # a spyne ServiceBase
    return [name for name, method in service_class.public_methods.items()
            if getattr(method.function, "partner_bound", False)]


class PartnerBoundRequests:
    """Whether a request (its path and whole body) calls a partner-bound operation.

    The body's first element names the operation spyne will call, and an element's name is
    always written out, so a body that does not contain the name cannot call it (the SOAPAction
    header is the client's say, not spyne's). A mention elsewhere in the body only sends an
    ordinary call to the partner-bound threads. A body with NUL bytes (UTF-16, UTF-32) is read
    as partner-bound: the names could be in it, spelled in another encoding."""

    def __init__(self, operations: Mapping[str, Iterable[str]]):
        self._names = {path: tuple(name.encode() for name in names) for path, names in operations.items() if names}

    def __call__(self, path: str, body: bytes) -> bool:
        names = self._names.get(path.rstrip("/"), ())
        return bool(names) and (b"\0" in body or any(name in body for name in names))
