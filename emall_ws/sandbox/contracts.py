"""The partner contracts the platform consumes: names, namespaces, types and operations.

One Bank contract (BCA, Mandiri, BNI, BRI), one Courier contract (Pos Indonesia, TIKI, JNE,
FedEx, DHL, Wahana, PCP), one SMS gateway contract, the population registry's (Dukcapil) NIK
verification and business licensing's (OSS) NIB verification. The sandboxes serve them; the WSDLs
under wsdl/partners/ are generated from them; adapters/ consumes them with zeep.
Operations marked "sandbox only" exist to drive the simulators in tests and demos.
"""
from __future__ import annotations

from spyne import Array, Boolean, ComplexModel, DateTime, Integer32, Long, Unicode

from emall_ws.domain.partners import BANKS, COURIERS  # noqa: F401  (re-exported for the sandboxes)

BANK_NS = "urn:emall-kukm:partner:bank"
COURIER_NS = "urn:emall-kukm:partner:courier"
SMS_NS = "urn:emall-kukm:partner:sms"
DUKCAPIL_NS = "urn:emall-kukm:partner:dukcapil"
OSS_NS = "urn:emall-kukm:partner:oss"

# failure modes a sandbox can be told to play (setFailureMode), for tests
FAILURE_MODES = ("NORMAL", "UNAVAILABLE", "SLOW", "GARBAGE", "FAULT", "UNEXPECTED_FIELD")


# --- Bank --------------------------------------------------------------------------------------

class Mutation(ComplexModel):
    """One line of an account statement."""
    __namespace__ = BANK_NS
    mutationId = Unicode(max_len=64)
    postedAt = DateTime  # with offset
    type = Unicode(values=["CR", "DB"])  # CR credit (money in), DB debit
    amount = Long  # whole Rupiah
    description = Unicode(max_len=200)
    balance = Long


ACCOUNT_INQUIRY_STATUSES = ("FOUND", "NOT_FOUND")


class AccountInquiry(ComplexModel):
    """Whether an account exists at the bank, and in whose name (nothing else about it)."""
    __namespace__ = BANK_NS
    status = Unicode(values=list(ACCOUNT_INQUIRY_STATUSES))
    holderName = Unicode(max_len=100)  # empty when NOT_FOUND


# operations: getMutations(accountNumber, fromTime, toTime) -> Array(Mutation), refusing a
# window longer than the bank allows (Client fault); inquiryAccount(accountNumber) ->
# AccountInquiry; sandbox only: openAccount(accountNumber,
# holderName, openingBalance) -> accountNumber; transfer(toAccount, amount, description,
# fromName) -> Mutation (posts a CR on toAccount)


# --- Courier -----------------------------------------------------------------------------------

class TariffOption(ComplexModel):
    """One service of the courier between two cities: its cost and estimated days in transit."""
    __namespace__ = COURIER_NS
    service = Unicode(max_len=20)  # e.g. REG, YES, ONS, ECO
    description = Unicode(max_len=100)
    cost = Long  # whole Rupiah
    etdDays = Integer32  # estimated days in transit


class TrackingEvent(ComplexModel):
    """One event of a shipment: when, where, and the courier's own words and status word."""
    __namespace__ = COURIER_NS
    time = DateTime
    location = Unicode(max_len=100)
    description = Unicode(max_len=300)  # the courier's own words
    status = Unicode(max_len=50)  # the courier's own status word at this event


class TrackingResult(ComplexModel):
    """A shipment by waybill: the courier's status word, delivery, and its events."""
    __namespace__ = COURIER_NS
    waybill = Unicode(max_len=40)
    status = Unicode(max_len=50)  # the courier's own status word, e.g. "MANIFESTED", "DELIVERED"
    delivered = Boolean
    receiver = Unicode(max_len=100)
    deliveredAt = DateTime
    events = Array(TrackingEvent)


# operations: getTariff(originCityCode, destinationCityCode, weightGrams) -> Array(TariffOption);
# track(waybill) -> TrackingResult (Client fault for an unknown waybill); sandbox only:
# registerShipment(waybill, originCityCode, destinationCityCode, service) -> TrackingResult;
# advanceShipment(waybill) -> TrackingResult (moves it one event on)


# --- SMS gateway -------------------------------------------------------------------------------

class SmsStatus(ComplexModel):
    """A message's delivery status and the SMS segments it used."""
    __namespace__ = SMS_NS
    messageId = Unicode(max_len=64)
    msisdn = Unicode(max_len=20)  # E.164
    status = Unicode(max_len=20)  # ACCEPTED, SENT, DELIVERED, FAILED
    parts = Integer32  # SMS segments used
    updatedAt = DateTime


class SmsMessage(ComplexModel):
    """A message the gateway took, as listMessages shows it."""
    __namespace__ = SMS_NS
    messageId = Unicode(max_len=64)
    msisdn = Unicode(max_len=20)
    text = Unicode
    reference = Unicode(max_len=100)
    status = Unicode(max_len=20)
    receivedAt = DateTime

# operations: sendSms(msisdn, text, reference) -> messageId (a repeated reference returns the
# first message's id: the gateway de-duplicates); getStatus(messageId) -> SmsStatus;
# sandbox only: listMessages(msisdn) -> Array(SmsMessage)


# --- Population registry (Dukcapil) ------------------------------------------------------------

# the registry's verdict on (nik, name, birthDate); mirrored by adapters.dukcapil.NIK_RESULTS
NIK_RESULTS = ("MATCH", "NAME_MISMATCH", "BIRTHDATE_MISMATCH", "NOT_FOUND", "DECEASED")
# A birth date travels as xs:date's text (YYYY-MM-DD), not as xs:date: the platform's SOAP hardening,
# which the sandboxes share, reads every xs:date as a date of trade (2000..2199), and people are older.
# The platform's Member service carries birthDate the same way.
BIRTH_DATE_PATTERN = r"\d{4}-\d{2}-\d{2}"

# operations: verifyNik(nik, name, birthDate) -> result, one of NIK_RESULTS (never the person's data;
# Client fault for a NIK that is not 16 digits); sandbox only: addPerson(nik, name, birthDate,
# deceased) -> nik (the same NIK again replaces the person)


# --- Business licensing (OSS) ------------------------------------------------------------------

LICENCE_STATUSES = ("ACTIVE", "SUSPENDED", "REVOKED")  # what a licence on record can be
NIB_NOT_FOUND = "NOT_FOUND"  # verifyNib's status for a NIB nobody holds


class BusinessLicence(ComplexModel):
    """A business licence by NIB; for an unknown NIB, status NOT_FOUND and every other field empty."""
    __namespace__ = OSS_NS
    nib = Unicode(max_len=13)
    status = Unicode(values=[*LICENCE_STATUSES, NIB_NOT_FOUND])
    businessName = Unicode(max_len=200)
    ownerNik = Unicode(max_len=16)
    kbli = Array(Unicode)  # the licensed activities: KBLI 2020 codes, 5 digits each

# operations: verifyNib(nib) -> BusinessLicence (Client fault for a NIB that is not 13 digits);
# sandbox only: addBusiness(nib, businessName, ownerNik, kbli, status) -> BusinessLicence (the same
# NIB again replaces the licence)
