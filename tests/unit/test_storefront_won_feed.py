"""The storefront's reading of a member's won auctions from the change feed (storefront/won_auctions.py):
a cart view reads on from where the last stopped, a cursor past the retention starts over, and the
process remembers a bounded number of members."""
from __future__ import annotations

from types import SimpleNamespace

import pytest

from storefront import won_auctions
from storefront.platform import PlatformError


def change(kind: str, product_id: int | None) -> SimpleNamespace:
    return SimpleNamespace(type=kind, productId=product_id)


def page(changes: list, cursor: str, has_more: bool = False) -> SimpleNamespace:
    return SimpleNamespace(changes=SimpleNamespace(Change=changes), cursor=cursor, hasMore=has_more)


class FeedApp:
    """Answers Events.listChanges from `answers`, keyed by the cursor sent; records each call's cursor."""

    def __init__(self, answers: dict) -> None:
        self.answers, self.cache, self.cursors = answers, {}, []

    def call(self, _request, service: str, operation: str, *, cursor, limit):
        assert (service, operation, limit) == ("Events", "listChanges", won_auctions.FEED_LIMIT)
        self.cursors.append(cursor)
        answer = self.answers[cursor]
        if isinstance(answer, PlatformError):
            raise answer
        return answer


def test_a_second_view_reads_only_what_came_since_the_first():
    app = FeedApp({None: page([change("auction.won", 7), change("auction.outbid", 8)], "c1", has_more=True),
                   "c1": page([change("auction.won", 9), change("auction.won", 7)], "c2")})
    assert won_auctions.won_product_ids(app, None, "budi") == [7, 9]
    assert app.cursors == [None, "c1"]
    app.answers["c2"] = page([change("auction.won", 11)], "c3")
    assert won_auctions.won_product_ids(app, None, "budi") == [7, 9, 11]
    assert app.cursors == [None, "c1", "c2"]
    assert won_auctions.won_product_ids(FeedApp(app.answers), None, "budi") == [7, 9]  # another process: anew


def test_an_expired_cursor_starts_the_reading_over_and_forgets_what_it_had():
    app = FeedApp({None: page([change("auction.won", 7)], "c1")})
    assert won_auctions.won_product_ids(app, None, "budi") == [7]
    app.answers["c1"] = PlatformError("kedaluwarsa", "CURSOR_EXPIRED", "Client.Validation")
    app.answers[None] = page([change("auction.won", 12)], "c9")  # 7's event is past the retention now
    assert won_auctions.won_product_ids(app, None, "budi") == [12]
    assert app.cursors == [None, "c1", None]


def test_a_platform_that_does_not_answer_is_raised_and_nothing_is_remembered():
    app = FeedApp({None: PlatformError("tidak dapat dihubungi")})
    with pytest.raises(PlatformError):
        won_auctions.won_product_ids(app, None, "budi")
    assert app.cache["won-feeds"].get("budi") == (None, [])


def test_a_reading_stops_after_its_calls_and_goes_on_at_the_next_view(monkeypatch):
    monkeypatch.setattr(won_auctions, "FEED_CALLS", 2)
    app = FeedApp({None: page([change("auction.won", 1)], "c1", True), "c1": page([], "c2", True),
                   "c2": page([change("auction.won", 3)], "c3")})
    assert won_auctions.won_product_ids(app, None, "budi") == [1]
    assert won_auctions.won_product_ids(app, None, "budi") == [1, 3]
    assert app.cursors == [None, "c1", "c2"]


def test_the_least_recently_seen_member_is_forgotten_first(monkeypatch):
    monkeypatch.setattr(won_auctions, "MEMBERS_KEPT", 2)
    memory = won_auctions.FeedMemory()
    memory.put("a", "ca", [1])
    memory.put("b", "cb", [2])
    assert memory.get("a") == ("ca", [1])  # a seen again: b is now the least recent
    memory.put("c", "cc", [3])
    assert (memory.get("a"), memory.get("b"), memory.get("c")) == (("ca", [1]), (None, []), ("cc", [3]))
