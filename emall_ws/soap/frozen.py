"""Answers that cannot change while the process lives (the region catalogue), or change only with a
version the call reads first (the categories), serialized once per key.

spyne serializes a structured answer slowly: the cities of one province cost it over twice an echo's
whole call (bench/README.md). An operation whose answer depends on its arguments alone asks
`replay(ctx, key)`: the first call is answered and serialized as usual and its bytes kept; later calls
with the same key send those bytes, which spyne supports by leaving a preset `ctx.out_string` alone.
Faults are never kept: spyne tells "method_return_string" of successful answers only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable


@dataclass(frozen=True)
class _KeepAnswer:
    key: Hashable


class FrozenAnswers:
    def __init__(self, app):
        self._answers: dict[Hashable, bytes] = {}
        app.event_manager.add_listener("method_return_string", self._keep)

    def replay(self, ctx, key: Hashable) -> bool:
        """True when the answer for key was sent; otherwise this call's answer is kept for the next."""
        answer = self._answers.get(key)
        if answer is None:
            ctx.udc = _KeepAnswer(key)
            return False
        ctx.out_string = [answer]
        return True

    def _keep(self, ctx) -> None:
        if isinstance(ctx.udc, _KeepAnswer):
            self._answers[ctx.udc.key] = b"".join(ctx.out_string)
