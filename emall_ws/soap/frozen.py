"""Answers that cannot change while the process lives (the region catalogue), or change only with a
version the call reads first (the categories), serialized once per name and version.

spyne serializes a structured answer slowly: the cities of one province cost it over twice an echo's
whole call (bench/README.md). An operation whose answer depends on its arguments alone asks
`replay(ctx, name, version)`: the first call is answered and serialized as usual and its bytes kept;
later calls with the same name and version send those bytes, which spyne supports by leaving a preset
`ctx.out_string` alone. One answer is kept per name: a new version's replaces the older one, which no
call asks for again, so a process adding categories does not pile up answers.
Faults are never kept: spyne tells "method_return_string" of successful answers only.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Hashable


@dataclass(frozen=True)
class _KeepAnswer:
    name: Hashable
    version: Hashable


class FrozenAnswers:
    def __init__(self, app):
        # name -> (version, answer); a call that read an older version and ends last puts that one
        # back: the next call then serializes once more, and never sends another version's answer
        self._answers: dict[Hashable, tuple[Hashable, bytes]] = {}
        app.event_manager.add_listener("method_return_string", self._keep)

    def replay(self, ctx, name: Hashable, version: Hashable = None) -> bool:
        """True when the answer for name at this version was sent; otherwise this call's answer is
        kept for the next, in place of any other version's."""
        kept = self._answers.get(name)
        if kept is None or kept[0] != version:
            ctx.udc = _KeepAnswer(name, version)
            return False
        ctx.out_string = [kept[1]]
        return True

    def _keep(self, ctx) -> None:
        if isinstance(ctx.udc, _KeepAnswer):
            self._answers[ctx.udc.name] = (ctx.udc.version, b"".join(ctx.out_string))
