"""SMS gateway sandbox: accepts messages, de-duplicates by reference, reports delivery.

A message is ACCEPTED when sent; the first getStatus still reports ACCEPTED (the operator has it)
and every later one DELIVERED, or FAILED for the unallocated range +62800... (for tests of
undeliverable numbers). Counting polls, not seconds, keeps tests free of sleeps.
"""
from __future__ import annotations

import re

from spyne import Array, ServiceBase, Unicode, rpc
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from adapters.sms_text import sms_parts
from emall_ws.clock import to_wib, utcnow
from emall_ws.sandbox.application import failure_mode_operation, partner_of, rejected
from emall_ws.sandbox.contracts import SmsMessage, SmsStatus
from emall_ws.sandbox.store import SmsRecord

E164 = re.compile(r"\+[1-9]\d{7,14}")
UNDELIVERABLE_PREFIX = "+62800"
MAX_PARTS = 10
Msisdn = Unicode(max_len=20, min_occurs=1, nillable=False)


def _status(record: SmsRecord) -> SmsStatus:
    return SmsStatus(messageId=record.message_id, msisdn=record.msisdn, status=record.status,
                     parts=record.parts, updatedAt=to_wib(record.updated_at))


def _by_reference(session, reference: str) -> SmsRecord | None:
    return session.scalar(select(SmsRecord).where(SmsRecord.reference == reference))


class SmsGatewayService(ServiceBase):
    setFailureMode = failure_mode_operation()  # sandbox only, on every contract

    @rpc(Msisdn, Unicode(min_occurs=1, nillable=False, max_len=2000), Unicode(max_len=100),
         _returns=Unicode, _out_variable_name="messageId")
    def sendSms(ctx, msisdn, text, reference):  # noqa: N802
        """The message id; a reference seen before returns the first message's id, sending nothing."""
        db = partner_of(ctx).database
        if not E164.fullmatch(msisdn):
            raise rejected("InvalidMsisdn", "msisdn must be E.164, e.g. +6281234567890", "INVALID_MSISDN")
        parts = sms_parts(text)
        if not text or parts > MAX_PARTS:
            raise rejected("InvalidText", f"text must be 1 to {MAX_PARTS} SMS parts long", "INVALID_TEXT")
        if reference:
            with db.unit_of_work() as session:
                existing = _by_reference(session, reference)
                if existing is not None:
                    return existing.message_id
        now = utcnow().replace(microsecond=0)  # whole seconds on every backend
        try:
            with db.unit_of_work() as session:
                record = SmsRecord(msisdn=msisdn, text=text, reference=reference or None, status="ACCEPTED",
                                   parts=parts, polls=0, received_at=now, updated_at=now)
                session.add(record)
                session.flush()
                record.message_id = f"SMS{to_wib(now):%y%m%d}{record.id:09d}"
                return record.message_id
        except IntegrityError:  # the same reference, sent at the same moment by another worker
            if not reference:
                raise
            with db.unit_of_work() as session:
                return _by_reference(session, reference).message_id

    @rpc(Unicode(max_len=64, min_occurs=1, nillable=False), _returns=SmsStatus, _out_variable_name="status")
    def getStatus(ctx, messageId):  # noqa: N802,N803
        """The delivery status of a message sent with sendSms. Client.UnknownMessage for an unknown id."""
        with partner_of(ctx).database.unit_of_work() as session:
            record = session.scalar(select(SmsRecord).where(SmsRecord.message_id == messageId)
                                    .with_for_update())
            if record is None:
                raise rejected("UnknownMessage", f"Message {messageId} not found", "UNKNOWN_MESSAGE")
            if record.status == "ACCEPTED" and record.polls > 0:
                record.status = "FAILED" if record.msisdn.startswith(UNDELIVERABLE_PREFIX) else "DELIVERED"
                record.updated_at = utcnow().replace(microsecond=0)
            record.polls += 1
            return _status(record)

    @rpc(Msisdn, _returns=Array(SmsMessage), _out_variable_name="messages")
    def listMessages(ctx, msisdn):  # noqa: N802
        """Sandbox only: every message the gateway received for msisdn, oldest first."""
        with partner_of(ctx).database.unit_of_work() as session:
            records = session.scalars(select(SmsRecord).where(SmsRecord.msisdn == msisdn)
                                      .order_by(SmsRecord.id))
            return [SmsMessage(messageId=r.message_id, msisdn=r.msisdn, text=r.text, reference=r.reference,
                               status=r.status, receivedAt=to_wib(r.received_at)) for r in records]
