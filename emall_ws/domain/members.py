"""Registration rules of Member.register (Table I of the paper), and masks for personal data.

Pure rules: no I/O, no database, no clock (``today`` is passed in). ``validate_registration``
checks every field and raises one ``ValidationFailed`` listing every failing field, at most
one error per field (the first rule that field breaks). Field names in errors are the SOAP
field names (lowerCamelCase); their texts are in ``emall_ws.messages`` (see ``field_message``).

Uniqueness of username and email needs the database and is the register use case's job:
it compares ``Registration.username_key`` / ``email_key``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Callable

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from emall_ws.domain import partners
from emall_ws.domain.errors import FieldError, ValidationFailed
from emall_ws.domain.regions import RegionCatalog
from emall_ws.domain.text import UNSAFE_CHARACTER, single_line_ok

# --- codes (keys of emall_ws.messages.MESSAGES) ---------------------------------------------
REQUIRED = "REQUIRED"
TOO_SHORT = "TOO_SHORT"  # params: min
TOO_LONG = "TOO_LONG"  # params: max
DIGITS_ONLY = "DIGITS_ONLY"
UNKNOWN_PROVINCE = "UNKNOWN_PROVINCE"
UNKNOWN_CITY = "UNKNOWN_CITY"
CITY_NOT_IN_PROVINCE = "CITY_NOT_IN_PROVINCE"
INVALID_PHONE = "INVALID_PHONE"
USERNAME_PATTERN = "USERNAME_PATTERN"  # params: min, max
PASSWORD_NEEDS_LETTER_AND_DIGIT = "PASSWORD_NEEDS_LETTER_AND_DIGIT"
PASSWORD_SAME_AS_USERNAME = "PASSWORD_SAME_AS_USERNAME"
PASSWORD_SAME_AS_EMAIL = "PASSWORD_SAME_AS_EMAIL"
INVALID_EMAIL = "INVALID_EMAIL"
NIK_FORMAT = "NIK_FORMAT"
NIK_PROVINCE = "NIK_PROVINCE"
NIK_PROVINCE_MISMATCH = "NIK_PROVINCE_MISMATCH"  # params: nikProvince, province
NIK_REGION = "NIK_REGION"
NIK_BIRTH_DATE = "NIK_BIRTH_DATE"
NIK_SERIAL = "NIK_SERIAL"
NIB_FORMAT = "NIB_FORMAT"
UNKNOWN_BANK = "UNKNOWN_BANK"  # params: banks
ACCOUNT_NUMBER_FORMAT = "ACCOUNT_NUMBER_FORMAT"  # params: bank (its name, "Bank Central Asia"), length
BIRTH_DATE_FORMAT = "BIRTH_DATE_FORMAT"
BIRTH_DATE_NOT_NIK = "BIRTH_DATE_NOT_NIK"  # the date differs from the NIK's digits 7-12
# warnings (Registration.warnings), never errors
NIK_UNKNOWN_REGENCY = "NIK_UNKNOWN_REGENCY"  # params: region
NIK_UNKNOWN_DISTRICT = "NIK_UNKNOWN_DISTRICT"  # params: region
BIRTH_DATE_MISSING = "BIRTH_DATE_MISSING"  # a seller with a NIK but no birth date: not verifiable yet

ERROR_CODES = (
    REQUIRED, TOO_SHORT, TOO_LONG, DIGITS_ONLY, UNKNOWN_PROVINCE, UNKNOWN_CITY,
    CITY_NOT_IN_PROVINCE, INVALID_PHONE, USERNAME_PATTERN, PASSWORD_NEEDS_LETTER_AND_DIGIT,
    PASSWORD_SAME_AS_USERNAME, PASSWORD_SAME_AS_EMAIL, INVALID_EMAIL, NIK_FORMAT, NIK_PROVINCE,
    NIK_PROVINCE_MISMATCH, NIK_REGION, NIK_BIRTH_DATE, NIK_SERIAL, NIB_FORMAT, UNKNOWN_BANK,
    ACCOUNT_NUMBER_FORMAT, BIRTH_DATE_FORMAT, BIRTH_DATE_NOT_NIK,
)
WARNING_CODES = (NIK_PROVINCE_MISMATCH, NIK_UNKNOWN_REGENCY, NIK_UNKNOWN_DISTRICT, BIRTH_DATE_MISSING)

# --- limits (match the member table's column sizes) -----------------------------------------
ADDRESS_MIN, ADDRESS_MAX = 5, 500
NAME_MAX = 100
USERNAME_MIN, USERNAME_MAX = 3, 32
PASSWORD_MIN, PASSWORD_MAX = 8, 128
EMAIL_MAX = 254
ACCOUNT_HOLDER_MAX = 100
NIK_LENGTH = 16
NIB_LENGTH = 13

#: Username: 3-32 ASCII characters, the first a letter, the rest letters, digits, '_' or '.'.
USERNAME_RE = re.compile(rf"[A-Za-z][A-Za-z0-9_.]{{{USERNAME_MIN - 1},{USERNAME_MAX - 1}}}")
#: What a typed phone number may contain besides digits (no letters, no extensions).
_PHONE_CHARS_RE = re.compile(r"\+?[0-9 ()\-.]+")

BUYER, SELLER, ADMIN = "BUYER", "SELLER", "ADMIN"
ROLES = (BUYER, SELLER, ADMIN)  # ADMIN: made by the operator only, never by registration

#: Payout banks (the four whose mutations the platform reads, domain.partners.BANKS, by their lower-case
#: codes) and their account number lengths.
BANKS = tuple(partners.BANKS)
BANK_ACCOUNT_LENGTHS = {"bca": 10, "mandiri": 13, "bni": 10, "bri": 15}
assert set(BANK_ACCOUNT_LENGTHS) == set(BANKS)

_FIELD_NAMES = {  # RegistrationForm attribute -> SOAP field name used in errors
    "province": "province", "city": "city", "address": "address", "phone": "phone",
    "name": "name", "username": "username", "password": "password", "email": "email",
    "nik": "nik", "nib": "nib", "bank_code": "bankCode", "account_number": "accountNumber",
    "account_holder": "accountHolder", "birth_date": "birthDate",
}


@dataclass(frozen=True)
class RegistrationForm:
    """What the caller typed; every field may be None or blank.

    Attributes are snake_case; errors name the SOAP fields (``bank_code`` -> ``bankCode``).
    """
    province: str | None = None
    city: str | None = None
    address: str | None = None
    phone: str | None = None
    name: str | None = None
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    email: str | None = None
    nik: str | None = field(default=None, repr=False)
    nib: str | None = None
    bank_code: str | None = None
    account_number: str | None = field(default=None, repr=False)
    account_holder: str | None = None
    birth_date: str | None = field(default=None, repr=False)  # YYYY-MM-DD: a seller's NIK is checked with it


@dataclass(frozen=True)
class Registration:
    """A valid registration, normalised. Personal data stays out of repr (UU PDP 2022)."""
    province_code: str
    city_code: str
    address: str
    phone: str  # E.164, e.g. +6281234567890
    name: str
    username: str  # as typed
    username_key: str  # lower-cased, for uniqueness
    password: str = field(repr=False)  # as typed (not stripped); the use case hashes it
    email: str  # normalised by email-validator (domain lower-cased, IDNA/NFC)
    email_key: str  # lower-cased, for uniqueness
    role: str  # BUYER or SELLER
    nik: str | None = field(default=None, repr=False)
    nib: str | None = None
    bank_code: str | None = None  # sellers only
    account_number: str | None = field(default=None, repr=False)
    account_holder: str | None = None
    birth_date: date | None = field(default=None, repr=False)  # a seller with a NIK only
    warnings: tuple[FieldError, ...] = ()


class _Error(Exception):
    """One field's first broken rule (internal: collected into ValidationFailed)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code)
        self.code = code
        self.params = params


def _clean(value: str | None) -> str | None:
    if value is None:
        return None
    value = str(value).strip()
    return value or None


def _required(value: str | None) -> str:
    if value is None:
        raise _Error(REQUIRED)
    return value


def _line(value: str) -> str:
    """A single-line field (domain.text): nothing that breaks, hides or reorders text."""
    if not single_line_ok(value):
        raise _Error(UNSAFE_CHARACTER)
    return value


def _length(value: str, minimum: int | None = None, maximum: int | None = None) -> str:
    if minimum is not None and len(value) < minimum:
        raise _Error(TOO_SHORT, min=minimum)
    if maximum is not None and len(value) > maximum:
        raise _Error(TOO_LONG, max=maximum)
    return value


def validate_registration(form: RegistrationForm, regions: RegionCatalog, today: date, *,
                          nik_province_must_match: bool = False) -> Registration:
    """Check and normalise a registration; raise ValidationFailed listing every failing field.

    ``nik_province_must_match``: a NIK whose province (digits 1-2) differs from the chosen
    province is by default a warning (NIK_PROVINCE_MISMATCH), because a NIK is kept for life
    (UU 24/2013) when its holder moves, and provinces split (Kalimantan Utara 2012, the Papua
    provinces 2022); pass True to make it an error.
    """
    errors: list[FieldError] = []
    warnings: list[FieldError] = []
    values: dict[str, Any] = {}  # each field's cleaned value, of the field's own type

    def check(attr: str, rule: Callable[..., Any], *args: Any) -> None:
        try:
            values[attr] = rule(*args)
        except _Error as e:
            values[attr] = None
            errors.append(FieldError(_FIELD_NAMES[attr], e.code, e.params))

    def text(attr: str) -> str | None:
        return _clean(getattr(form, attr))

    check("province", _province, text("province"), regions)
    check("city", _city, text("city"), regions, values["province"])
    check("address", _address, text("address"))
    check("phone", _phone, text("phone"))
    check("name", _name, text("name"))
    check("username", _username, text("username"))
    check("email", _email, text("email"))
    check("password", _password, form.password, text("username"), values["email"])

    nik, nib = text("nik"), text("nib")
    role = SELLER if (nik or nib) else BUYER  # Table I row 9: identity or licence given -> seller
    if nik is not None:
        check("nik", _nik, nik, regions, today, values["province"], warnings,
              nik_province_must_match)
    if nib is not None:
        check("nib", _nib, nib)
    if values.get("nik"):  # the population registry checks a NIK with its holder's birth date
        check("birth_date", _birth_date, text("birth_date"), values["nik"], today, warnings)

    # A buyer's bank fields are ignored (not validated, not kept): only sellers receive payouts.
    if role == SELLER:
        check("bank_code", _bank_code, text("bank_code"))
        check("account_number", _account_number, text("account_number"), values["bank_code"])
        check("account_holder", _account_holder, text("account_holder"))

    if errors:
        order = list(_FIELD_NAMES.values())  # the form's order (Table I), whatever the check order
        raise ValidationFailed(sorted(errors, key=lambda e: order.index(e.field)))
    username, username_key = values["username"]
    email, email_key = values["email"]
    return Registration(
        province_code=values["province"], city_code=values["city"], address=values["address"],
        phone=values["phone"], name=values["name"],
        username=username, username_key=username_key, password=values["password"],
        email=email, email_key=email_key, role=role,
        nik=values.get("nik"), nib=values.get("nib"),
        bank_code=values.get("bank_code"), account_number=values.get("account_number"),
        account_holder=values.get("account_holder"), birth_date=values.get("birth_date"),
        warnings=tuple(warnings),
    )


# --- one rule per field -----------------------------------------------------------------------

def _address(value: str | None) -> str:
    return _length(_line(_required(value)), ADDRESS_MIN, ADDRESS_MAX)


def _name(value: str | None) -> str:
    return _length(_line(_required(value)), None, NAME_MAX)


def _account_holder(value: str | None) -> str:
    return _length(_line(_required(value)), None, ACCOUNT_HOLDER_MAX)


def _province(code: str | None, regions: RegionCatalog) -> str:
    code = _required(code)
    if regions.province(code) is None:
        raise _Error(UNKNOWN_PROVINCE)
    return code


def _city(code: str | None, regions: RegionCatalog, province_code: str | None) -> str:
    city = regions.city(_required(code))
    if city is None:
        raise _Error(UNKNOWN_CITY)
    # only checked against a valid province; a missing/unknown province is reported there
    if province_code is not None and city.province_code != province_code:
        raise _Error(CITY_NOT_IN_PROVINCE)
    return city.code


def _phone(raw: str | None) -> str:
    """An Indonesian number as 0812..., +62812... or 62812... -> E.164. A landline is valid too (it
    gets no SMS: emall_ws.notify.outbox.takes_sms)."""
    raw = _required(raw)
    if not _PHONE_CHARS_RE.fullmatch(raw):
        raise _Error(INVALID_PHONE)
    try:
        number = phonenumbers.parse(raw, "ID")
    except phonenumbers.NumberParseException:
        raise _Error(INVALID_PHONE) from None
    if number.country_code != 62 or not phonenumbers.is_valid_number(number):
        raise _Error(INVALID_PHONE)
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _username(value: str | None) -> tuple[str, str]:
    """3-32 ASCII characters: a letter first, then letters, digits, '_' or '.'.

    Kept as typed; the lower-cased key makes "Budi" and "budi" the same member.
    """
    value = _required(value)
    if not USERNAME_RE.fullmatch(value):
        raise _Error(USERNAME_PATTERN, min=USERNAME_MIN, max=USERNAME_MAX)
    return value, username_key(value)


def username_key(username: str | None) -> str:
    """The key a username is known by, typed or stored: trimmed and lower-cased."""
    return (username or "").strip().lower()


def identity_keys(form: RegistrationForm) -> tuple[str | None, str | None]:
    """(username key, email key) a member row would store, of each field valid on its own (else
    None): what uniqueness is checked on, whatever the other fields hold."""
    keys: list[str | None] = []
    for rule, value in ((_username, form.username), (_email, form.email)):
        try:
            keys.append(rule(_clean(value))[1])
        except _Error:
            keys.append(None)
    return keys[0], keys[1]


def _email(value: str | None) -> tuple[str, str]:
    """Syntax only (check_deliverability=False: no DNS); -> (normalised, lower-cased key)."""
    value = _length(_required(value), None, EMAIL_MAX)
    try:
        normalized = validate_email(value, check_deliverability=False).normalized
    except EmailNotValidError:
        raise _Error(INVALID_EMAIL) from None
    key = normalized.lower()
    _length(key, None, EMAIL_MAX)
    return normalized, key


def _password(value: str | None, username: str | None, email: tuple[str, str] | None) -> str:
    """8-128 characters, at least one letter and one digit, not the username or the email.

    Not stripped: spaces are part of a password. All blank counts as missing.
    """
    if value is None or not value.strip():
        raise _Error(REQUIRED)
    _length(value, PASSWORD_MIN, PASSWORD_MAX)
    if not (any(c.isalpha() for c in value) and any(c.isdigit() for c in value)):
        raise _Error(PASSWORD_NEEDS_LETTER_AND_DIGIT)
    folded = value.strip().casefold()
    if username is not None and folded == username.casefold():
        raise _Error(PASSWORD_SAME_AS_USERNAME)
    if email is not None and folded in (email[0].casefold(), email[1]):
        raise _Error(PASSWORD_SAME_AS_EMAIL)
    return value


def _nik(nik: str, regions: RegionCatalog, today: date, province_code: str | None,
         warnings: list[FieldError], province_must_match: bool) -> str:
    """NIK: PP RR DD DDMMYY SSSS (province, regency, district, birth date, serial)."""
    if not re.fullmatch(rf"[0-9]{{{NIK_LENGTH}}}", nik):
        raise _Error(NIK_FORMAT)
    pp, rr, dd, serial = nik[0:2], nik[2:4], nik[4:6], nik[12:16]
    if regions.province(pp) is None:
        raise _Error(NIK_PROVINCE)
    if rr == "00" or dd == "00":
        raise _Error(NIK_REGION)
    if nik_birth_date(nik, today) is None:
        raise _Error(NIK_BIRTH_DATE)
    if serial == "0000":
        raise _Error(NIK_SERIAL)
    if province_code is not None and pp != province_code:
        if province_must_match:
            raise _Error(NIK_PROVINCE_MISMATCH, nikProvince=pp, province=province_code)
        warnings.append(FieldError("nik", NIK_PROVINCE_MISMATCH,
                                   {"nikProvince": pp, "province": province_code}))
    # Regencies and districts split and are renamed; a code missing from our data is a warning.
    regency, district = f"{pp}.{rr}", f"{pp}.{rr}.{dd}"
    if regions.city(regency) is None:
        warnings.append(FieldError("nik", NIK_UNKNOWN_REGENCY, {"region": regency}))
    elif not regions.has_district(district):
        warnings.append(FieldError("nik", NIK_UNKNOWN_DISTRICT, {"region": district}))
    return nik


def _birth_date(value: str | None, nik: str, today: date, warnings: list[FieldError]) -> date | None:
    """YYYY-MM-DD, the day the NIK's digits 7-12 give. Left out, the member registers all the same (as
    clients made before it was asked for do) with a warning: the NIK cannot be verified without it."""
    if value is None:
        warnings.append(FieldError("birthDate", BIRTH_DATE_MISSING))
        return None
    try:
        born = date.fromisoformat(value) if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value) else None
    except ValueError:
        born = None
    if born is None or born > today:
        raise _Error(BIRTH_DATE_FORMAT)
    day = int(nik[6:8])
    if (born.day, born.month, born.year % 100) != (day - 40 if day > 40 else day, int(nik[8:10]), int(nik[10:12])):
        raise _Error(BIRTH_DATE_NOT_NIK)  # the NIK's two-digit year leaves the century to the date
    return born


def nik_birth_date(nik: str, today: date) -> date | None:
    """The birth date in digits 7-12 (DDMMYY, day + 40 for women), or None if not a real date.

    The century is the later one that does not put the date after ``today``.
    """
    day, month, yy = int(nik[6:8]), int(nik[8:10]), int(nik[10:12])
    if day > 40:
        day -= 40
    for century in (today.year // 100 * 100, today.year // 100 * 100 - 100):
        try:
            born = date(century + yy, month, day)
        except ValueError:
            continue
        if born <= today:
            return born
    return None


def _nib(nib: str) -> str:
    if not re.fullmatch(rf"[0-9]{{{NIB_LENGTH}}}", nib):
        raise _Error(NIB_FORMAT)
    return nib


def _bank_code(value: str | None) -> str:
    code = partners.bank_code(_required(value))  # "BCA" typed in SoapUI is "bca", as it is kept
    if code not in BANK_ACCOUNT_LENGTHS:
        raise _Error(UNKNOWN_BANK, banks=", ".join(BANKS))
    return code


def _account_number(value: str | None, bank_code: str | None) -> str:
    value = _required(value)
    if bank_code is None:  # missing/unknown bank, reported on bankCode: only digits checked here
        if not re.fullmatch(r"[0-9]+", value):
            raise _Error(DIGITS_ONLY)
        return value
    length = BANK_ACCOUNT_LENGTHS[bank_code]
    if not re.fullmatch(rf"[0-9]{{{length}}}", value):
        raise _Error(ACCOUNT_NUMBER_FORMAT, bank=partners.bank_name(bank_code), length=length)
    return value


# --- masks for personal data (UU PDP 2022) ----------------------------------------------------

def _mask(value: str, keep_start: int, keep_end: int) -> str:
    hidden = len(value) - keep_start - keep_end
    if hidden <= 0:  # too short to show anything safely
        return "*" * len(value)
    return value[:keep_start] + "*" * hidden + value[len(value) - keep_end:]


def mask_identity(value: str) -> str:
    """A NIK or NIB for display: first 4 and last 4 kept. "3174011501900001" -> "3174********0001"."""
    return _mask(value, 4, 4)


def mask_account(value: str) -> str:
    """A bank account number for display: last 4 kept. "1234567890" -> "******7890"."""
    return _mask(value, 0, 4)


def validate_password(password: str | None, username: str | None, email: str | None) -> list[FieldError]:
    """The password policy alone (for a reset): the errors, empty when the password is fine."""
    try:
        _password(password, username, (email, email.lower()) if email else None)
    except _Error as e:
        return [FieldError("password", e.code, e.params)]
    return []


# --- a member's own changes (Member.updateProfile, changePayoutAccount): the registration's rules ------

@dataclass(frozen=True)
class ProfileChange:
    """A valid profile, normalised: what updateProfile keeps."""
    province_code: str
    city_code: str
    address: str
    name: str


def validate_profile(province: str | None, city: str | None, address: str | None, name: str | None,
                     regions: RegionCatalog) -> ProfileChange:
    """The registration's rules for these four fields, each field named as in the register form; one
    ValidationFailed listing every failing field. The caller passes what the profile will hold (a field
    left out of the call: the member's current value), so a new province without a city of its own is
    CITY_NOT_IN_PROVINCE on city."""
    fields = _Fields()
    province_code = fields.check("province", _province, _clean(province), regions)
    city_code = fields.check("city", _city, _clean(city), regions, province_code)
    kept_address = fields.check("address", _address, _clean(address))
    kept_name = fields.check("name", _name, _clean(name))
    fields.done()
    return ProfileChange(province_code, city_code, kept_address, kept_name)


def validate_phone(phone: str | None) -> str:
    """A new phone number under the registration's rules, as E.164; or ValidationFailed on "phone"."""
    fields = _Fields()
    number: str = fields.check("phone", _phone, _clean(phone))
    fields.done()
    return number


@dataclass(frozen=True)
class PayoutAccount:
    """A valid payout account, normalised (the bank code in its one spelling, domain.partners.bank_code)."""
    bank_code: str
    account_number: str = field(repr=False)
    account_holder: str


def validate_payout_account(bank_code: str | None, account_number: str | None,
                            account_holder: str | None) -> PayoutAccount:
    """A seller's payout account under the registration's rules (bank, number length per bank, holder);
    one ValidationFailed listing every failing field (bankCode, accountNumber, accountHolder)."""
    fields = _Fields()
    bank = fields.check("bankCode", _bank_code, _clean(bank_code))
    number = fields.check("accountNumber", _account_number, _clean(account_number), bank)
    holder = fields.check("accountHolder", _account_holder, _clean(account_holder))
    fields.done()
    return PayoutAccount(bank, number, holder)


class _Fields:
    """Runs one rule per field, collecting each field's first broken rule; done() raises them all."""

    def __init__(self) -> None:
        self.errors: list[FieldError] = []

    def check(self, name: str, rule: Callable[..., Any], *args: Any) -> Any:
        """The field's cleaned value, or None (its error collected) when it breaks `rule`."""
        try:
            return rule(*args)
        except _Error as e:
            self.errors.append(FieldError(name, e.code, e.params))
            return None

    def done(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)
