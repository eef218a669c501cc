"""The remind-overdue-refunds job against the test database (SQLite or MariaDB): a refund still owed after its
due time has its seller reminded (email and SMS) and its buyer told (email), once, not again the same day,
again a day later; never before it is due nor once the seller has transferred; a refund that fails is left
as it was (no reminder recorded, no message) for the next run; two workers at once remind it once."""
from __future__ import annotations

import json
from datetime import timedelta

import pytest
from sqlalchemy import select

from emall_ws.db.models import Notification, Order, Refund
from emall_ws.services import order as orders
from emall_ws.services import refund_reminders
from emall_ws.services.refund_reminders import remind_overdue_refunds
from tests.builders import order_for
from tests.integration.shipping_fixtures import shop
from tests.integration.test_order_refunds import LATER, reject, run
from tests.races import at_once

DUE_AT = LATER + timedelta(days=2)  # a refund of an order rejected at LATER: OrderPolicy's refund_within
REMINDERS = ("refund_overdue_seller", "refund_overdue_buyer")


@pytest.fixture
def mall(db):
    return shop(db)


def rejected(db, mall):
    """A paid order of budi's rejected by its seller (Semarang) at LATER: a refund DUE at DUE_AT."""
    number, _ = order_for(db, mall.buyer, mall.kopi, "koperasi_semarang")
    reject(db, mall.semarang, number)
    return number


def reminders(db) -> list[tuple[str, str, str, str]]:
    """(event key, template, channel, recipient) of every reminder written, in order."""
    return run(db, lambda s: [tuple(row) for row in s.execute(
        select(Notification.event_key, Notification.template, Notification.channel, Notification.recipient)
        .where(Notification.template.in_(REMINDERS)).order_by(Notification.id))])


def action_texts(db) -> dict[str, str]:
    """The action text of the last email reminder of each template."""
    rows = run(db, lambda s: s.execute(select(Notification.template, Notification.data).where(
        Notification.template.in_(REMINDERS), Notification.channel == "EMAIL").order_by(Notification.id)).all())
    return {template: json.loads(data)["action_text"] for template, data in rows}


def reminded_at(db, number):
    return run(db, lambda s: s.scalar(select(Refund.reminded_at).join(Order).where(Order.number == number)))


def test_an_overdue_refund_is_reminded_once_a_day_to_the_seller_by_email_and_sms_and_to_the_buyer(db, mall):
    number = rejected(db, mall)
    assert remind_overdue_refunds(db, DUE_AT) == 0  # due, not yet overdue
    assert reminders(db) == [] and reminded_at(db, number) is None
    first = DUE_AT + timedelta(minutes=5)  # 30 Nov 15:05 WIB
    assert remind_overdue_refunds(db, first) == 1
    key = f"refund:{number}:overdue:2026-11-30"
    assert reminders(db) == [
        (f"{key}:seller", "refund_overdue_seller", "EMAIL", "koperasi_semarang@example.co.id"),
        (f"{key}:seller", "refund_overdue_seller", "SMS", "+6281234567890"),
        (f"{key}:buyer", "refund_overdue_buyer", "EMAIL", "budi@example.co.id")]  # no SMS: the seller is chased
    assert reminded_at(db, number) == first
    for same_day in (first, first + timedelta(hours=23, minutes=59)):
        assert remind_overdue_refunds(db, same_day) == 0
    assert len(reminders(db)) == 3 and reminded_at(db, number) == first
    next_day = first + timedelta(days=1)
    assert remind_overdue_refunds(db, next_day) == 1
    assert [r[0] for r in reminders(db)[3:]] == [f"refund:{number}:overdue:2026-12-01:{role}"
                                                 for role in ("seller", "seller", "buyer")]
    assert reminded_at(db, number) == next_day


def test_the_reminder_says_what_holds_the_refund_up(db, mall):
    number = rejected(db, mall)
    remind_overdue_refunds(db, DUE_AT + timedelta(minutes=1))
    texts = action_texts(db)
    assert texts["refund_overdue_seller"].startswith("Pembeli belum mengisi rekening pengembalian dana")
    assert "Order.setRefundAccount" in texts["refund_overdue_buyer"]
    run(db, lambda s: orders.set_refund_account(s, mall.buyer, number, "bca", "9876543210", "Budi Santoso",
                                                DUE_AT + timedelta(hours=1)))
    remind_overdue_refunds(db, DUE_AT + timedelta(days=1, minutes=1))
    texts = action_texts(db)
    assert texts["refund_overdue_seller"].startswith("Transfer Rp ") and (
        "ke Bank Central Asia 9876543210 a.n. Budi Santoso, lalu catat transfernya (Order.recordRefund)."
        in texts["refund_overdue_seller"])
    assert texts["refund_overdue_buyer"] == ("Penjual telah kami ingatkan untuk segera mentransfer dana ke "
                                             "rekening yang Anda isi.")


def transferred(db, mall, number, at):
    amount = run(db, lambda s: s.scalar(select(Refund.amount).join(Order).where(Order.number == number)))
    run(db, lambda s: orders.set_refund_account(s, mall.buyer, number, "bca", "9876543210", "Budi Santoso", at))
    run(db, lambda s: orders.record_refund(s, mall.semarang, number, "TRF-1", amount, at, at))


def test_a_refund_the_seller_has_transferred_or_the_buyer_confirmed_is_not_reminded_a_disputed_one_is(db, mall):
    done, confirmed, disputed = rejected(db, mall), rejected(db, mall), rejected(db, mall)
    before_due = DUE_AT - timedelta(hours=1)
    for number in (done, confirmed, disputed):
        transferred(db, mall, number, before_due)
    run(db, lambda s: orders.confirm_refund(s, mall.buyer, confirmed, before_due))
    run(db, lambda s: orders.dispute_refund(s, mall.buyer, disputed, "dana belum masuk", before_due))
    late = DUE_AT + timedelta(days=3)
    assert remind_overdue_refunds(db, late) == 1
    assert {key.split(":overdue:")[0] for key, *_ in reminders(db)} == {f"refund:{disputed}"}
    assert [reminded_at(db, n) for n in (done, confirmed, disputed)] == [None, None, late]
    assert action_texts(db)["refund_overdue_seller"].startswith("Pembeli menyanggah transfer Anda: dana belum masuk.")


def test_a_refund_that_fails_is_left_as_it_was_and_the_others_are_reminded(db, mall, monkeypatch):
    failing, fine = rejected(db, mall), rejected(db, mall)
    told = refund_reminders.notify_member

    def notify_or_fail(session, key, *args):
        told(session, key, *args)  # the seller's messages are written, then the buyer's fail: all rolled back
        if key.startswith(f"refund:{failing}:") and key.endswith(":seller"):
            raise RuntimeError("outbox unavailable")

    monkeypatch.setattr(refund_reminders, "notify_member", notify_or_fail)
    when = DUE_AT + timedelta(minutes=1)
    assert remind_overdue_refunds(db, when) == 1
    assert (reminded_at(db, failing), reminded_at(db, fine)) == (None, when)
    assert {key.split(":overdue:")[0] for key, *_ in reminders(db)} == {f"refund:{fine}"}
    monkeypatch.setattr(refund_reminders, "notify_member", told)
    assert remind_overdue_refunds(db, when) == 1  # the next run reminds it
    assert reminded_at(db, failing) == when


def test_two_workers_at_once_remind_a_refund_once(db, mall):
    numbers = [rejected(db, mall) for _ in range(3)]
    when = DUE_AT + timedelta(minutes=1)
    outcomes = at_once(2, lambda _i: remind_overdue_refunds(db, when))
    assert sum(outcomes) == 3, outcomes  # each refund by one of them
    assert len(reminders(db)) == 3 * 3 and all(reminded_at(db, n) == when for n in numbers)
