"""A member's address book: up to ADDRESS_BOOK_MAX addresses to ship to, each checked as the registered
address is (province, city of that province, address, recipient's name); quoteShipping and checkout take
one by its id (services.quoting). An order copies the address it ships to, so changing or deleting an
entry changes no order."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emall_ws.db.models import Member, MemberAddress
from emall_ws.domain.errors import Conflict, FieldError, NotFound, ValidationFailed
from emall_ws.domain.members import validate_profile
from emall_ws.domain.regions import RegionCatalog
from emall_ws.domain.text import UNSAFE_CHARACTER, single_line_ok
from emall_ws.services.auth import Principal

ADDRESS_BOOK_MAX = 10
LABEL_MAX = 30


@dataclass(frozen=True)
class AddressView:
    address_id: int
    label: str
    name: str
    address: str
    province_code: str
    city_code: str
    updated_at: datetime


def _view(row: MemberAddress) -> AddressView:
    return AddressView(row.id, row.label, row.name, row.address, row.province_code, row.city_code, row.updated_at)


def own_address(session: Session, member_id: int, address_id: int | None) -> MemberAddress:
    """The member's own address of this id; anyone else's answers as one that does not exist."""
    row = session.get(MemberAddress, address_id) if address_id is not None else None
    if row is None or row.member_id != member_id:
        raise NotFound("ADDRESS_NOT_FOUND", address_id=address_id if address_id is not None else "-")
    return row


def list_addresses(session: Session, principal: Principal) -> list[AddressView]:
    rows = session.scalars(select(MemberAddress).where(MemberAddress.member_id == principal.member_id)
                           .order_by(MemberAddress.id))
    return [_view(row) for row in rows]


def save_address(session: Session, principal: Principal, address_id: int | None, label: str | None,
                 name: str | None, address: str | None, province: str | None, city: str | None,
                 regions: RegionCatalog, now: datetime) -> AddressView:
    """A new entry (no `address_id`) or a change of one of the caller's own: every field whole, checked
    as at registration; every failing field at once. The book holds ADDRESS_BOOK_MAX at most."""
    label = (label or "").strip()
    errors = _label_errors(label)
    try:
        checked = validate_profile(province, city, address, name, regions)
    except ValidationFailed as refused:
        raise ValidationFailed(errors + refused.errors) from None
    if errors:
        raise ValidationFailed(errors)
    # the member's row locked: two saves at once cannot both take the last free place
    session.scalars(select(Member.id).where(Member.id == principal.member_id).with_for_update()).one()
    if address_id is None:
        held = session.scalar(select(func.count()).select_from(MemberAddress)
                              .where(MemberAddress.member_id == principal.member_id)) or 0
        if held >= ADDRESS_BOOK_MAX:
            raise Conflict("ADDRESS_BOOK_FULL", max=ADDRESS_BOOK_MAX)
        row = MemberAddress(member_id=principal.member_id, created_at=now)
        session.add(row)
    else:
        row = own_address(session, principal.member_id, address_id)
    row.label, row.name, row.address = label, checked.name, checked.address
    row.province_code, row.city_code, row.updated_at = checked.province_code, checked.city_code, now
    session.flush()
    return _view(row)


def delete_address(session: Session, principal: Principal, address_id: int | None) -> list[AddressView]:
    """Deletes one of the caller's own addresses; answers what the book holds then."""
    session.delete(own_address(session, principal.member_id, address_id))
    session.flush()
    return list_addresses(session, principal)


def _label_errors(label: str) -> list[FieldError]:
    if len(label) > LABEL_MAX:
        return [FieldError("label", "TOO_LONG", {"max": LABEL_MAX})]
    return [] if single_line_ok(label) else [FieldError("label", UNSAFE_CHARACTER)]
