"""Member use cases: registration with automatic activation, password reset, admin moderation."""
from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, insert, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from emall_ws.db.models import UTC_TIME, Member, MemberStatusHistory, VerificationCode
from emall_ws.db.session import Database
from emall_ws.domain import pipelines
from emall_ws.domain.errors import (FieldError, InvalidState, NotAuthorized, NotFound, TooManyRequests,
                                    ValidationFailed)
from emall_ws.domain.members import (Registration, RegistrationForm, identity_keys, mask_account, mask_identity,
                                     username_key, validate_password, validate_payout_account, validate_phone,
                                     validate_profile, validate_registration)
from emall_ws.domain.partners import bank_name
from emall_ws.domain.paging import offset_within
from emall_ws.domain.pipelines import MemberStatus
from emall_ws.domain.regions import RegionCatalog
from emall_ws.notify.outbox import notify_member, takes_sms
from emall_ws.passwords import Passwords
from emall_ws.services import actors, auth, limits, seller_verification, throttle
from emall_ws.services.claims import handle_each_claimed
from emall_ws.domain.members import ADMIN, SELLER
from emall_ws.services.auth import AuthPolicy, Principal
from emall_ws.services.invoices import cancel_invoices_of_suspended_seller
from emall_ws.services.status import HistoryEntry, change_status, read_history

ACTIVATION, PASSWORD_RESET, PHONE_CHANGE = "ACTIVATION", "PASSWORD_RESET", "PHONE_CHANGE"
# a verification_code row that asks the worker for a reset code (it holds none: its code_hash is empty)
RESET_REQUEST = "RESET_REQUEST"
RESET_BATCH = 200  # reset requests a worker turns into codes per run


@dataclass(frozen=True)
class MemberPolicy:
    activation_ttl: timedelta = timedelta(hours=24)
    reset_ttl: timedelta = timedelta(minutes=30)
    phone_change_ttl: timedelta = timedelta(minutes=30)
    # wrong codes per username (registered or not) within code_attempts_window, across its codes:
    # a fresh code brings no fresh tries
    max_code_attempts: int = 10
    code_attempts_window: timedelta = timedelta(hours=1)
    resend_interval: timedelta = timedelta(minutes=1)
    page_size_max: int = 100
    # activation and reset messages per phone number and email address, and the requests for them
    # per client address
    message_limits: limits.MessageLimits = limits.MessageLimits()


@dataclass(frozen=True)
class RegisterResult:
    username: str
    role: str
    status: str
    activation_expires_at: datetime
    warnings: tuple[FieldError, ...]


@dataclass(frozen=True)
class MemberView:
    """A member as others may see it: personal numbers masked (UU PDP 2022)."""
    username: str
    name: str
    email: str
    phone: str
    province_code: str
    city_code: str
    address: str
    role: str
    status: str
    nik_masked: str | None
    nib_masked: str | None
    bank_code: str | None
    account_number_masked: str | None
    account_holder: str | None
    created_at: datetime
    activated_at: datetime | None


def view_of(member: Member) -> MemberView:
    return MemberView(
        username=member.username, name=member.name, email=member.email, phone=member.phone,
        province_code=member.province_code, city_code=member.city_code, address=member.address,
        role=member.role, status=member.status,
        nik_masked=mask_identity(member.nik) if member.nik else None,
        nib_masked=mask_identity(member.nib) if member.nib else None,
        bank_code=member.bank_code,
        account_number_masked=mask_account(member.account_number) if member.account_number else None,
        account_holder=member.account_holder, created_at=member.created_at,
        activated_at=member.activated_at)


# --- status and codes -----------------------------------------------------------------------

def set_status(session: Session, member: Member, target: str, now: datetime, reason: str, actor: str) -> None:
    """The one way a member's status changes: checked against the pipeline, with history."""
    change_status(session, pipelines.MEMBER, member, MemberStatusHistory, target, now, reason, actor)


def _code_hash(member_id: int, purpose: str, code: str) -> str:
    return hashlib.sha256(f"{member_id}:{purpose}:{code}".encode()).hexdigest()


def _issue_code(session: Session, member: Member, purpose: str, ttl: timedelta,
                now: datetime) -> tuple[str, VerificationCode]:
    """A fresh 6-digit code; earlier unused codes of the same purpose stop working."""
    session.execute(update(VerificationCode)
                    .where(VerificationCode.member_id == member.id, VerificationCode.purpose == purpose,
                           VerificationCode.used_at.is_(None), VerificationCode.expires_at > now)
                    .values(expires_at=now))
    code = f"{secrets.randbelow(10**6):06d}"
    row = VerificationCode(member_id=member.id, purpose=purpose, code_hash=_code_hash(member.id, purpose, code),
                           created_at=now, expires_at=now + ttl)
    session.add(row)
    session.flush()
    return code, row


def _use_code(session: Session, username: str, member: Member | None, purpose: str, code: str,
              now: datetime, policy: MemberPolicy) -> Member:
    """Consumes the member's current code and returns the member, or raises. Wrong tries are counted
    per username across codes (services.throttle), under the name's lock so that simultaneous tries
    never pass the budget. An unknown username, and an expired code to whoever does not hold it,
    answer like a wrong code; only the right code learns that it expired."""
    throttle.lock_key(session, throttle.CODE, username)
    spent = throttle.failures(session, throttle.CODE, username, now, policy.code_attempts_window)
    if spent >= policy.max_code_attempts:
        raise ValidationFailed([FieldError("code", "CODE_ATTEMPTS_EXCEEDED")])
    row = None if member is None else _latest_code(session, member, purpose)
    if member is None or row is None or not hmac.compare_digest(row.code_hash,
                                              _code_hash(member.id, purpose, (code or "").strip())):
        throttle.record_failure(session, throttle.CODE, username, now)
        remaining = policy.max_code_attempts - spent - 1
        raise ValidationFailed([FieldError("code", "CODE_WRONG", {"remaining": remaining})])
    if row.expires_at <= now:
        raise ValidationFailed([FieldError("code", "CODE_EXPIRED")])
    row.used_at = now
    return member


def _latest_code(session: Session, member: Member, purpose: str) -> VerificationCode | None:
    """The member's newest unused code of `purpose` (the one that counts: issuing one ends the others)."""
    return session.scalars(select(VerificationCode)
                           .where(VerificationCode.member_id == member.id, VerificationCode.purpose == purpose,
                                  VerificationCode.used_at.is_(None))
                           .order_by(VerificationCode.id.desc()).limit(1)).first()


def _find(session: Session, username: str, *, lock: bool = False) -> Member | None:
    query = select(Member).where(Member.username_key == username_key(username))
    return session.scalars(query.with_for_update() if lock else query).first()


def _member(session: Session, username: str, *, lock: bool = False) -> Member:
    member = _find(session, username, lock=lock)
    if member is None:
        raise NotFound("UNKNOWN_MEMBER", username=username or "")
    return member


def _tell(session: Session, member: Member, event_key: str, template: str, **data: object) -> None:
    notify_member(session, event_key, member.email, member.phone, template,
                  {"name": member.name, "username": member.username, **data})


# --- registration and activation ----------------------------------------------------------------

def register(session: Session, form: RegistrationForm, regions: RegionCatalog, passwords: Passwords,
             now: datetime, policy: MemberPolicy, *, client: str) -> RegisterResult:
    """Validates every field at once; a valid form becomes a PENDING member with a code on its way.
    Past a message limit (services.limits) it raises TooManyRequests, and nothing is written: the
    caller typed the number and address, so it may be told."""
    errors: list[FieldError] = []
    try:
        registration = validate_registration(form, regions, now.date(), nik_province_must_match=True)
        # hashed before the first statement: no transaction (on SQLite, no write lock) is
        # held through the ~0.1 s the hash takes by design
        password_hash = passwords.hash(registration.password)
    except ValidationFailed as failed:
        errors, registration = list(failed.errors), None
    errors += _taken(session, *identity_keys(form))
    if errors or registration is None:
        raise ValidationFailed(sorted(errors, key=_form_order))
    member = _new_member(registration, password_hash, now)
    try:
        with session.begin_nested():  # a concurrent twin registration loses here, cleanly
            set_status(session, member, MemberStatus.PENDING, now, "registered", actors.member(member))
    except IntegrityError:
        raise ValidationFailed(_taken(session, registration.username_key, registration.email_key)
                               or [FieldError("username", "USERNAME_TAKEN")]) from None
    if member.role == SELLER:
        seller_verification.record_birth_date(session, member, registration.birth_date, now)
    limits.take_request(session, client, now, policy.message_limits)
    limits.take_messages(session, limits.ACTIVATION, member.phone, member.email_key, now, policy.message_limits)
    code, row = _issue_code(session, member, ACTIVATION, policy.activation_ttl, now)
    _tell(session, member, f"member:{member.id}:activation:{row.id}", "member_activation",
          code=code, expires_at=row.expires_at)
    return RegisterResult(member.username, member.role, member.status, row.expires_at,
                          registration.warnings)


_FORM_ORDER = ("province", "city", "address", "phone", "name", "username", "password", "email",
               "nik", "nib", "bankCode", "accountNumber", "accountHolder")


def _form_order(error: FieldError) -> int:
    return _FORM_ORDER.index(error.field) if error.field in _FORM_ORDER else len(_FORM_ORDER)


def _taken(session: Session, username_key: str | None, email_key: str | None) -> list[FieldError]:
    """Username and email keys (domain.members.identity_keys) already used by someone."""
    if not username_key and not email_key:
        return []
    rows = session.execute(select(Member.username_key, Member.email_key)
                           .where(or_(Member.username_key == username_key,
                                      Member.email_key == email_key))).all()
    errors = []
    if username_key and any(r.username_key == username_key for r in rows):
        errors.append(FieldError("username", "USERNAME_TAKEN"))
    if email_key and any(r.email_key == email_key for r in rows):
        errors.append(FieldError("email", "EMAIL_TAKEN"))
    return errors


def _new_member(registration: Registration, password_hash: str, now: datetime) -> Member:
    r = registration
    return Member(username=r.username, username_key=r.username_key, email=r.email, email_key=r.email_key,
                  password_hash=password_hash, name=r.name, address=r.address, phone=r.phone,
                  province_code=r.province_code, city_code=r.city_code, role=r.role, status=None,
                  nik=r.nik, nib=r.nib, bank_code=r.bank_code, account_number=r.account_number,
                  account_holder=r.account_holder, created_at=now)


def activate(session: Session, username: str, code: str, now: datetime, policy: MemberPolicy) -> MemberView:
    member = _find(session, username, lock=True)
    if member is not None and member.status != MemberStatus.PENDING:
        member = None  # answered (and counted) like an unknown name: the answer tells nobody it exists
    member = _use_code(session, username, member, ACTIVATION, code, now, policy)
    set_status(session, member, MemberStatus.ACTIVE, now, "activation code", actors.member(member))
    member.activated_at = now
    seller_verification.check_again(session, member, now, "activated", actors.member(member))
    _tell(session, member, f"member:{member.id}:activated", "member_activated",
          role=member.role)
    return view_of(member)


def resend_activation(session: Session, username: str, now: datetime, policy: MemberPolicy, *,
                      client: str) -> datetime:
    """A fresh code on its way; an unknown username, or a member no longer pending, gets the same
    answer, and no code; so does a member who was sent one less than resend_interval ago, or whose
    phone number or email address had all the codes its limit allows. A client past its limit is
    refused (TooManyRequests) before any name is looked up."""
    limits.take_request(session, client, now, policy.message_limits)
    member = _find(session, username, lock=True)
    if member is None or member.status != MemberStatus.PENDING \
            or _sent_recently(session, member, ACTIVATION, now, policy):
        return now + policy.activation_ttl
    try:
        limits.take_messages(session, limits.ACTIVATION, member.phone, member.email_key, now,
                             policy.message_limits)
    except TooManyRequests:
        return now + policy.activation_ttl
    code, row = _issue_code(session, member, ACTIVATION, policy.activation_ttl, now)
    _tell(session, member, f"member:{member.id}:activation:{row.id}", "member_activation",
          code=code, expires_at=row.expires_at)
    return row.expires_at


def _sent_recently(session: Session, member: Member, purpose: str, now: datetime, policy: MemberPolicy) -> bool:
    """Whether `member` was sent a `purpose` code less than resend_interval ago (then it gets none:
    silently, since a refusal would tell a stranger the name is registered)."""
    last = session.scalar(select(func.max(VerificationCode.created_at))
                          .where(VerificationCode.member_id == member.id, VerificationCode.purpose == purpose))
    return last is not None and now - last < policy.resend_interval


# --- password reset ---------------------------------------------------------------------------

def request_password_reset(session: Session, username_or_email: str, now: datetime,
                           policy: MemberPolicy, *, client: str) -> None:
    """Asks for a reset code for an active member; answers the same whether or not one exists, and
    takes as long: member or not, the request is one and the same statement, which writes a
    RESET_REQUEST row when an active member has the name; the worker (send_reset_codes) does the
    rest. A client past its limit is refused (TooManyRequests) before any name is looked up."""
    limits.take_request(session, client, now, policy.message_limits)
    key = (username_or_email or "").strip().lower()
    member = (select(Member.id, literal(RESET_REQUEST), literal(""), literal(now, UTC_TIME), literal(now, UTC_TIME))
              .where(or_(Member.username_key == key, Member.email_key == key), Member.status == MemberStatus.ACTIVE)
              .limit(1))
    session.execute(insert(VerificationCode).from_select(
        ["member_id", "purpose", "code_hash", "created_at", "expires_at"], member))


def send_reset_codes(db: Database, policy: MemberPolicy, *, limit: int = RESET_BATCH) -> int:
    """The worker's half of requestPasswordReset: each request row becomes a code sent to its member
    (once claimed, however many workers run); returns how many codes were sent."""
    due = select(VerificationCode).where(VerificationCode.purpose == RESET_REQUEST).order_by(VerificationCode.id)
    return handle_each_claimed(db, due, VerificationCode, lambda session, request: _send_reset_code(
        session, request, policy), limit=limit, what="reset request")


def _send_reset_code(session: Session, request: VerificationCode, policy: MemberPolicy) -> bool:
    """A code for the request's member, as of the request's time; nothing (silently: the request
    was answered long ago) for a member no longer active, sent one recently, or whose phone number
    or email address had all the codes its limit allows."""
    session.delete(request)
    now = request.created_at
    member = session.scalars(select(Member).where(Member.id == request.member_id).with_for_update()).one()
    if member.status != MemberStatus.ACTIVE or _sent_recently(session, member, PASSWORD_RESET, now, policy):
        return False
    try:
        limits.take_messages(session, limits.RESET, member.phone, member.email_key, now, policy.message_limits)
    except TooManyRequests:
        return False
    code, row = _issue_code(session, member, PASSWORD_RESET, policy.reset_ttl, now)
    _tell(session, member, f"member:{member.id}:password-reset:{row.id}", "password_reset",
          code=code, expires_at=row.expires_at)
    return True


def reset_password(session: Session, username: str, code: str, new_password: str, passwords: Passwords,
                   now: datetime, policy: MemberPolicy) -> None:
    """An unknown username, or one of a member who is not active, answers like a wrong code."""
    member = _find(session, username, lock=True)
    _check_new_password(new_password, username, None)  # what anyone could be told
    if member is not None and member.status != MemberStatus.ACTIVE:
        member = None
    member = _use_code(session, username, member, PASSWORD_RESET, code, now, policy)
    # only with the right code: "not your email" would tell a stranger whose email it is (and the
    # refusal rolls the code's use back, so it can be used again)
    _check_new_password(new_password, member.username, member.email)
    member.password_hash = passwords.hash(new_password)
    throttle.clear(session, throttle.LOGIN, member.username)
    auth.end_all_sessions(session, member.id, now)


def _check_new_password(new_password: str, username: str | None, email: str | None) -> None:
    problems = validate_password(new_password, username, email)
    if problems:
        raise ValidationFailed([FieldError("newPassword", e.code, e.params) for e in problems])


# --- profile and moderation ---------------------------------------------------------------------

def profile(session: Session, principal: Principal) -> MemberView:
    return view_of(session.get_one(Member, principal.member_id))  # authenticated: the member exists


# --- a member's own account: profile, password, payout account -------------------------------------

def update_profile(session: Session, principal: Principal, province: str | None, city: str | None,
                   address: str | None, name: str | None, regions: RegionCatalog) -> MemberView:
    """The caller's name, address, province and city under the registration's rules; a field left out
    (None) keeps its value, a blank one is REQUIRED. The phone number is not among them: a new number is
    confirmed with a code sent to it (request_phone_change)."""
    member = _own(session, principal)
    change = validate_profile(member.province_code if province is None else province,
                              member.city_code if city is None else city,
                              member.address if address is None else address,
                              member.name if name is None else name, regions)
    member.province_code, member.city_code = change.province_code, change.city_code
    member.address, member.name = change.address, change.name
    return view_of(member)


def change_password(session: Session, principal: Principal, current_token: str | None, current_password: str,
                    new_password: str, passwords: Passwords, now: datetime, policy: AuthPolicy) -> int:
    """A new password for the caller, who proves the current one (a wrong one counts as a failed login,
    throttled alike: services.auth.check_password). Every other session ends, the caller's own
    (`current_token`) is kept; API keys are not touched. Returns how many sessions ended."""
    _login_required(principal)
    member = _own(session, principal)
    _check_new_password(new_password, member.username, member.email)  # before the try is counted
    auth.check_password(session, member.username, current_password, passwords, now, policy,
                        refused_event="password_change_refused")  # commits the try's outcome
    member = _own(session, principal)
    member.password_hash = passwords.hash(new_password)
    ended = auth.end_all_sessions(session, member.id, now, keep_token=current_token)
    _tell(session, member, f"member:{member.id}:password-changed:{now.isoformat()}", "password_changed",
          changed_at=now)
    return ended


def change_payout_account(session: Session, principal: Principal, password: str, bank_code: str | None,
                          account_number: str | None, account_holder: str | None, passwords: Passwords,
                          now: datetime, policy: AuthPolicy) -> MemberView:
    """A seller's new payout account, with the password. Invoices issued from now on name it; those
    issued before keep the account they were issued to (checkout copies it into the invoice, under the
    seller's row lock, which this takes too). The member's email is told the old and the new account,
    masked, so a change the seller did not make is noticed."""
    _login_required(principal)
    account = validate_payout_account(bank_code, account_number, account_holder)
    auth.check_password(session, principal.username, password, passwords, now, policy,
                        refused_event="payout_change_refused")  # commits the try's outcome
    member = _own(session, principal)
    old_bank, old_number, old_holder = member.bank_code, member.account_number, member.account_holder
    member.bank_code, member.account_number = account.bank_code, account.account_number
    member.account_holder = account.account_holder
    seller_verification.check_again(session, member, now, "payout account changed", actors.member(member))
    _tell(session, member, f"member:{member.id}:payout-account:{now.isoformat()}", "payout_account_changed",
          old_bank=bank_name(old_bank) if old_bank else "-",
          old_account=mask_account(old_number) if old_number else "-", old_holder=old_holder or "-",
          new_bank=bank_name(account.bank_code), new_account=mask_account(account.account_number),
          new_holder=account.account_holder, changed_at=now)
    return view_of(member)


def request_phone_change(session: Session, principal: Principal, phone: str | None, now: datetime,
                         policy: MemberPolicy) -> datetime:
    """Sends a code by SMS to a new mobile number; the number becomes the member's when the code comes
    back (confirm_phone_change), so no one's SMS (payments, codes) goes to a number its member does not
    hold. Returns when the code expires. Needs a login, not an API key; counted as activation codes are."""
    _login_required(principal)
    number = validate_phone(phone)
    if not takes_sms(number):
        raise ValidationFailed([FieldError("phone", "PHONE_NOT_MOBILE")])
    member = _own(session, principal)
    if number == member.phone:
        raise ValidationFailed([FieldError("phone", "PHONE_UNCHANGED")])
    limits.take_messages(session, limits.PHONE_CHANGE, number, member.email_key, now, policy.message_limits)
    code, row = _issue_code(session, member, PHONE_CHANGE, policy.phone_change_ttl, now)
    row.sent_to = number
    notify_member(session, f"member:{member.id}:phone-change:{row.id}", None, number, "phone_change_code",
                  {"name": member.name, "username": member.username, "code": code, "expires_at": row.expires_at})
    return row.expires_at


def confirm_phone_change(session: Session, principal: Principal, code: str, now: datetime,
                         policy: MemberPolicy) -> MemberView:
    """The code sent to the new number makes it the member's phone (wrong codes counted and throttled
    as activation codes are); the account's email is told the old and new number."""
    _login_required(principal)
    member = _own(session, principal)
    pending = _latest_code(session, member, PHONE_CHANGE)
    _use_code(session, principal.username, member, PHONE_CHANGE, code, now, policy)
    old, member.phone = member.phone, pending.sent_to if pending and pending.sent_to else member.phone
    notify_member(session, f"member:{member.id}:phone-changed:{now.isoformat()}", member.email, None,
                  "phone_changed", {"name": member.name, "username": member.username, "old_phone": old,
                                    "new_phone": member.phone, "changed_at": now})
    return view_of(member)


def _own(session: Session, principal: Principal) -> Member:
    """The caller's own row, locked until the transaction ends."""
    return session.scalars(select(Member).where(Member.id == principal.member_id).with_for_update()).one()


def _login_required(principal: Principal) -> None:
    """A password or payout account changes with a member's login, never with an API key: a leaked key
    must not be able to lock its member out or redirect the money."""
    if principal.api_key:
        raise NotAuthorized("LOGIN_REQUIRED")


def list_members(session: Session, status: str | None, role: str | None, page: int, page_size: int,
                 policy: MemberPolicy) -> tuple[list[MemberView], int]:
    query = select(Member)
    if status:
        query = query.where(Member.status == status.upper())
    if role:
        query = query.where(Member.role == role.upper())
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    size = max(1, min(page_size or 20, policy.page_size_max))
    offset = offset_within(max(page, 1), size, total)
    rows = () if offset is None else session.scalars(query.order_by(Member.id).offset(offset).limit(size))
    return [view_of(m) for m in rows], total


def suspend(session: Session, admin: Principal, username: str, reason: str, now: datetime) -> MemberView:
    """Logged out, and a seller's products off sale (services.catalog.ensure_seller_on_sale): its
    unpaid invoices are cancelled, the buyers told; its paid orders stay to be shipped or refunded."""
    member = _member(session, username, lock=True)
    if member.id == admin.member_id:
        raise InvalidState("CANNOT_SUSPEND_SELF")
    set_status(session, member, MemberStatus.SUSPENDED, now, reason or "suspended by an admin", actors.member(admin))
    auth.end_all_sessions(session, member.id, now)
    cancel_invoices_of_suspended_seller(session, member.id, now, actors.member(admin))
    return view_of(member)


def reinstate(session: Session, admin: Principal, username: str, now: datetime) -> MemberView:
    """Only a suspended member: a pending one activates with its code, never by an admin. A seller's
    products are on sale again as they stand (their own status never changed)."""
    member = _member(session, username, lock=True)
    if member.status != MemberStatus.SUSPENDED:
        raise InvalidState("MEMBER_NOT_SUSPENDED")
    set_status(session, member, MemberStatus.ACTIVE, now, "reinstated by an admin", actors.member(admin))
    return view_of(member)


def member_history(session: Session, username: str) -> list[HistoryEntry]:
    """A member's status changes, oldest first, with why and who made each (for admins: the caller checks)."""
    member = _member(session, username)
    return read_history(session, MemberStatusHistory, MemberStatusHistory.member_id, member.id)


def create_admin(session: Session, username: str, email: str, password: str, name: str, phone: str,
                 regions: RegionCatalog, passwords: Passwords, now: datetime) -> MemberView:
    """An operator's admin account, active at once (no activation code)."""
    # an admin gives no address; the ministry's own (Jakarta Selatan) stands in
    form = RegistrationForm(province="31", city="31.74", address="Kementerian Koperasi dan UKM, Jakarta",
                            phone=phone, name=name, username=username, password=password, email=email)
    errors = _taken(session, *identity_keys(form))
    try:
        registration = validate_registration(form, regions, now.date())
    except ValidationFailed as failed:
        raise ValidationFailed(list(failed.errors) + errors) from None
    if errors:
        raise ValidationFailed(errors)
    member = _new_member(registration, passwords.hash(password), now)
    member.role = ADMIN
    set_status(session, member, MemberStatus.ACTIVE, now, "created by the operator", actors.OPERATOR)
    member.activated_at = now
    return view_of(member)
