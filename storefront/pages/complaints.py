"""An order's complaint and refund, for each of its parties (Order.wsdl): the buyer complains from the
order's tracking page, the seller answers with an offer, the buyer accepts it, sends the goods back or takes
the complaint to an admin, who decides; a refund due is transferred by the seller to the account the buyer
names, and the buyer confirms or disputes it.

`/keluhan/<order>` shows the complaint and the refund with the forms its viewer may send in their state;
the platform still decides, and a refusal is shown beside the form (or above, for a form the viewer has
not got). `/keluhan` lists the member's complaints and refunds, as buyer and as seller."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import TYPE_CHECKING, Any

from storefront.formats import WIB, as_wib, items, whole_rupiah
from storefront.pages.orders import ORDER, order_part, show_tracking
from storefront.pages.seller import MONEY_ERROR, TIME_ERROR, local_time, wib_time
from storefront.platform import PlatformError
from storefront.sessions import Session
from storefront.web import Request, Response, Route
from storefront.words import BANK_NAMES, COMPLAINT_REASONS, COMPLAINT_WORDS, COURIERS, REMEDIES

if TYPE_CHECKING:
    from storefront.app import Storefront

ORDER_PARTS = r"/keluhan/(?P<number>ORD/[0-9]{8}/[0-9]{6,12})"
MAX_DESCRIPTION = 1000  # openComplaint's description (its WSDL type)
LIST_SIZE = 50  # complaints and refunds shown on /keluhan (newest first)
BUYER, SELLER, ADMIN = "BUYER", "SELLER", "ADMIN"
PARTIAL = "PARTIAL_REFUND"  # the one remedy that takes an amount
# whose step a complaint waits for, by status (RESOLVED: nobody's)
COMPLAINT_TURN = {"OPEN": SELLER, "OFFERED": BUYER, "RETURN_REQUESTED": BUYER, "RETURNING": SELLER,
                  "ESCALATED": ADMIN}
LATE_ESCALATION = ("OPEN", "RETURN_REQUESTED", "RETURNING")  # escalatable once respondBy has passed
REFUND_OWED = ("DUE", "DISPUTED")  # the seller still has to transfer
TOO_LONG = "Paling banyak {max} karakter."
CHOOSE = "Pilih salah satu."


# --- the forms --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Form:
    """A form of the complaint page, posted to /keluhan/<order>/<key>: Order.<operation>, its fields named
    as the operation's arguments."""
    key: str
    operation: str
    done: str  # the notice once the platform did it
    texts: dict[str, int] = field(default_factory=dict)  # field -> its WSDL type's maxLength
    choices: dict[str, tuple[str, ...]] = field(default_factory=dict)  # field -> the values it takes
    money: tuple[str, ...] = ()  # whole rupiah
    times: tuple[str, ...] = ()  # WIB, as <input type=datetime-local> sends it
    remedy: str = ""  # the choice whose PARTIAL_REFUND alone takes the amount

    @property
    def fields(self) -> tuple[str, ...]:
        return (*self.texts, *self.choices, *self.money, *self.times)


FORMS = {form.key: form for form in (
    Form("jawab", "respondComplaint", "Jawaban dan tawaran Anda terkirim ke pembeli.", texts={"message": 500},
         choices={"offer": tuple(REMEDIES)}, money=("amount",), remedy="offer"),
    Form("terima", "acceptOffer", "Tawaran penjual Anda terima."),
    Form("teruskan", "escalateComplaint", "Keluhan diteruskan ke admin untuk diputuskan.", texts={"reason": 200}),
    Form("retur", "setReturnWaybill", "Resi pengiriman barang kembali tercatat; penjual diberi tahu.",
         texts={"waybill": 60}, choices={"courier": tuple(COURIERS)}),
    Form("barang-kembali", "confirmReturn", "Barang kembali dikonfirmasi; pengembalian dana penuh menjadi kewajiban "
                                            "Anda."),
    Form("putuskan", "resolveComplaint", "Keluhan sudah diputuskan.", texts={"note": 200},
         choices={"decision": tuple(REMEDIES)}, money=("amount",), remedy="decision"),
    Form("rekening", "setRefundAccount", "Rekening pengembalian dana tersimpan; penjual diberi tahu.",
         texts={"accountNumber": 30, "accountHolder": 100}, choices={"bankCode": tuple(BANK_NAMES)}),
    Form("transfer", "recordRefund", "Transfer pengembalian dana tercatat; pembeli diberi tahu.",
         texts={"transferReference": 60}, money=("amount",), times=("transferredAt",)),
    Form("dana-diterima", "confirmRefund", "Terima kasih. Pengembalian dana sudah Anda konfirmasi."),
    Form("sanggah", "disputeRefund", "Sanggahan Anda terkirim ke penjual.", texts={"reason": 200}),
)}


@dataclass
class Sent:
    """A form as its sender typed it (shown again when refused), and what went wrong, by field and not."""
    key: str
    typed: dict[str, str]
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)


def read(form: Form, posted: dict[str, str]) -> tuple[Sent, dict[str, Any]]:
    """The form as typed, and the operation's arguments read from it (`Sent.errors`: what could not be)."""
    sent = Sent(form.key, {name: posted.get(name, "").strip() for name in form.fields})
    typed, values = sent.typed, dict[str, Any]()
    for name, most in form.texts.items():
        if len(typed[name]) > most:
            sent.errors[name] = TOO_LONG.format(max=most)
        values[name] = typed[name] or None
    for name, allowed in form.choices.items():
        if typed[name] not in allowed:  # the schema takes no other word
            sent.errors[name] = CHOOSE
        values[name] = typed[name]
    for name in form.money:
        if form.remedy and typed[form.remedy] != PARTIAL:
            values[name] = None  # an amount typed for another remedy is left out, not refused
            continue
        values[name] = whole_rupiah(typed[name]) if typed[name] else None
        if typed[name] and values[name] is None:
            sent.errors[name] = MONEY_ERROR
    for name in form.times:
        values[name] = wib_time(typed[name]) if typed[name] else None
        if typed[name] and values[name] is None:
            sent.errors[name] = TIME_ERROR
    return sent, values


# --- who may do what ----------------------------------------------------------------------------------

def viewer_side(session: Session, part: Any) -> str | None:
    """BUYER or SELLER of the complaint's or refund's order, ADMIN, or None."""
    me = (session.username or "").casefold()
    if part is not None and me == part.buyer.casefold():
        return BUYER
    if part is not None and me == part.seller.casefold():
        return SELLER
    return ADMIN if session.role == ADMIN else None


def escalatable(complaint: Any, now: datetime) -> bool:
    """After the seller's offer, or once the seller (or the return) is late: as the platform decides."""
    respond_by = as_wib(complaint.respondBy)
    late = complaint.status in LATE_ESCALATION and respond_by is not None and now > respond_by
    return complaint.status == "OFFERED" or late


def open_forms(side: str | None, complaint: Any, refund: Any, now: datetime) -> list[str]:
    """The forms the viewer may send now, in the order they are shown."""
    status = complaint.status if complaint is not None else None
    wanted = {
        "jawab": side == SELLER and status == "OPEN",
        "terima": side == BUYER and status == "OFFERED" and complaint.offer != "NONE",
        "retur": side == BUYER and status == "RETURN_REQUESTED",
        "barang-kembali": side == SELLER and status == "RETURNING",
        "teruskan": side == BUYER and complaint is not None and escalatable(complaint, now),
        "putuskan": side == ADMIN and complaint is not None and status != "RESOLVED",
        "rekening": side == BUYER and refund is not None and not refund.bankCode,
        "transfer": side == SELLER and refund is not None and refund.status in REFUND_OWED and bool(refund.bankCode),
        "dana-diterima": side == BUYER and refund is not None and refund.status == "TRANSFERRED",
    }
    wanted["sanggah"] = wanted["dana-diterima"]
    return [key for key, shown in wanted.items() if shown]


def complaint_turn(complaint: Any) -> str | None:
    return COMPLAINT_TURN.get(complaint.status)


def refund_turn(refund: Any) -> str | None:
    """The buyer names the account, the seller transfers, the buyer confirms."""
    if refund.status in REFUND_OWED:
        return SELLER if refund.bankCode else BUYER
    return BUYER if refund.status == "TRANSFERRED" else None


# --- the order's complaint and refund -----------------------------------------------------------------

def returning_parcel(app: Storefront, request: Request, number: str, complaint: Any) -> tuple[Any, list[Any], str]:
    """(the return parcel as its courier tells it now, its events oldest first, why it could not be read)
    while the goods are on their way back."""
    if complaint is None or complaint.status != "RETURNING":
        return None, [], ""
    try:
        parcel = app.call(request, "Order", "trackReturn", orderNumber=number)
    except PlatformError as error:  # the page still shows; only the parcel's news is missing
        return None, [], error.message
    return parcel, sorted(items(parcel.events, "ReturnEvent"), key=lambda event: event.time), ""


def show(app: Storefront, request: Request, number: str, sent: Sent | None = None, status: int = 200) -> Response:
    session = app.member(request)
    try:
        complaint = order_part(app, request, "getComplaint", number)
        refund = order_part(app, request, "getRefund", number)
    except PlatformError as error:
        return app.platform_error(request, error)
    side = viewer_side(session, complaint or refund)
    forms = open_forms(side, complaint, refund, datetime.now(timezone.utc))
    # a refusal of a form this viewer has not got (another party's, or one the state no longer offers)
    alert = "; ".join([*sent.errors.values(), *sent.general]) if sent and sent.key not in forms else ""
    parcel, parcel_events, parcel_error = returning_parcel(app, request, number, complaint)
    return app.render(request, "complaint.html", status, number=number, complaint=complaint, refund=refund,
                      side=side, forms=forms, sent=sent if sent and not alert else None, alert=alert,
                      parcel=parcel, parcel_events=parcel_events, parcel_error=parcel_error,
                      now=local_time(datetime.now(WIB)), **COMPLAINT_WORDS)


def complaint_page(app: Storefront, request: Request, number: str) -> Response:
    return show(app, request, number)


def act(app: Storefront, request: Request, number: str, key: str) -> Response:
    """One of FORMS sent: the platform's operation, then the page with the notice, or with why not."""
    app.member(request)
    form = FORMS[key]
    sent, values = read(form, request.form)
    if sent.errors:
        return show(app, request, number, sent, 400)
    try:
        app.call(request, "Order", form.operation, orderNumber=number, **values)
    except PlatformError as error:
        if error.not_found or error.http_status >= 500:
            return app.platform_error(request, error)
        named, sent.general = error.split()
        sent.errors = {name: text for name, text in named.items() if name in form.fields}
        sent.general += [text for name, text in named.items() if name not in form.fields]
        return show(app, request, number, sent, error.http_status)
    return app.notice_then(request, form.done, f"/keluhan/{number}")


# --- the buyer complains (on the order's tracking page) -----------------------------------------------

def open_complaint(app: Storefront, request: Request, number: str) -> Response:
    app.member(request)
    reason = request.form.get("alasan", "")[:20]
    description = request.form.get("uraian", "").strip()
    typed = {"alasan": reason, "uraian": description[:MAX_DESCRIPTION]}
    if reason not in COMPLAINT_REASONS:
        return show_tracking(app, request, number, 400, complaint_error="Pilih alasan keluhan.", typed=typed)
    if not description or len(description) > MAX_DESCRIPTION:
        return show_tracking(app, request, number, 400, typed=typed,
                             complaint_error=f"Jelaskan keluhan Anda (paling banyak {MAX_DESCRIPTION} karakter).")
    try:
        app.call(request, "Order", "openComplaint", orderNumber=number, reason=reason, description=description)
    except PlatformError as error:
        if error.not_found:
            return app.platform_error(request, error)
        return show_tracking(app, request, number, error.http_status, complaint_error=error.message,
                             typed=typed)
    return app.notice_then(request, "Keluhan Anda terkirim ke penjual.", f"/pesanan/{number}")


# --- the member's complaints and refunds ------------------------------------------------------------

def complaints_page(app: Storefront, request: Request) -> Response:
    """The member's complaints and refunds, as buyer and as seller, each with whose step it waits for."""
    session = app.member(request)
    try:
        complaints = items(app.call(request, "Order", "listComplaints", page=1, pageSize=LIST_SIZE).complaints,
                           "Complaint")
        refunds = items(app.call(request, "Order", "listRefunds", page=1, pageSize=LIST_SIZE).refunds, "Refund")
    except PlatformError as error:
        return app.platform_error(request, error)
    return app.render(request, "complaints.html", 200,
                      complaints=[(c, viewer_side(session, c), complaint_turn(c)) for c in complaints],
                      refunds=[(r, viewer_side(session, r), refund_turn(r)) for r in refunds], **COMPLAINT_WORDS)


ROUTES = [
    Route("POST", ORDER + r"/keluhan", open_complaint),
    Route("GET", r"/keluhan", complaints_page),
    Route("GET", ORDER_PARTS, complaint_page),
    Route("POST", ORDER_PARTS + "/(?P<key>" + "|".join(FORMS) + ")", act),
]
