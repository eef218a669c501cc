"""The admins' pages: bank mutations held for an admin, members (suspend, reinstate), categories,
sellers' verifications, and every complaint (decided on the order's complaint page, pages/complaints.py).
Every route needs an admin (`app.member(request, role="ADMIN")`)."""
from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from storefront.formats import items
from storefront.platform import PlatformError
from storefront.web import Request, Response, Route, page_number
from storefront.words import COMPLAINT_REASONS, COMPLAINT_STATUS, MEMBER_STATUS, REMEDIES, ROLES, VERIFICATION_STATUS

if TYPE_CHECKING:
    from storefront.app import Storefront

ADMIN = "ADMIN"
REASON_MAX = 200  # suspendMember's and overrideSellerVerification's reason (their WSDL types)
USERNAME_MAX = 100  # UsernameText
CODE_MAX, NAME_MAX = 50, 100  # the platform's category code and name; a little more is sent, so it says "too long"
MUTATION_PAGE, MEMBER_PAGE, VERIFICATION_PAGE, COMPLAINT_PAGE = 50, 50, 50, 50

MUTATION_STATUSES = {"NO_MATCH": "Tidak ada faktur", "AMBIGUOUS": "Lebih dari satu faktur",
                     "LATE": "Terlambat", "CLOSED": "Faktur sudah ditutup"}
VERDICTS = {"VERIFIED": "Terverifikasi", "REJECTED": "Ditolak"}  # what overrideSellerVerification takes
REASON_REQUIRED = "Alasan wajib diisi."
REASON_TOO_LONG = f"Alasan paling banyak {REASON_MAX} karakter."


# --- shared ---------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Paging:
    """Links of a list page: previous, next and last, each keeping the list's filters."""
    page: int
    pages: int
    previous_link: str | None
    next_link: str | None
    last_link: str | None


def paging(path: str, filters: dict[str, str], total: int, size: int) -> Paging:
    """The links around page `filters["hal"]` of a list of `total` rows, `size` a page."""
    page, pages = int(filters.get("hal", "1")), max(1, -(-total // size))
    kept = {name: value for name, value in filters.items() if name != "hal"}

    def link(number: int) -> str:
        return f"{path}?{urlencode({**kept, 'hal': str(number)})}"
    return Paging(page, pages, link(page - 1) if page > 1 else None, link(page + 1) if page < pages else None,
                  link(pages) if page < pages else None)


def choice(raw: str, allowed: dict[str, str]) -> str:
    """A filter's value if it is one of `allowed`, else "" (no filter)."""
    return raw if raw in allowed else ""


def list_filters(fields: dict[str, str], allowed: dict[str, dict[str, str]]) -> dict[str, str]:
    """The list's filters and page (from a query, or a form's hidden fields), only what is allowed."""
    kept = {name: choice(fields.get(name, ""), values) for name, values in allowed.items()}
    kept["hal"] = str(page_number(fields.get("hal", "1")))
    return {name: value for name, value in kept.items() if value}


def back_link(path: str, filters: dict[str, str]) -> str:
    return f"{path}?{urlencode(filters)}" if filters else path


def with_failure(alert: str | None, status: int, error: PlatformError) -> tuple[str, int]:
    """A list that could not be read under a form's own failure: the form's message first, the worse status."""
    return alert or error.message, max(status, error.http_status)


def reason_error(reason: str) -> str | None:
    if not reason:
        return REASON_REQUIRED
    return REASON_TOO_LONG if len(reason) > REASON_MAX else None


def posted_username(request: Request) -> str:
    return request.form.get("username", "").strip()[:USERNAME_MAX]


def posted_reason(request: Request) -> str:
    return request.form.get("alasan", "").strip()[:REASON_MAX + 1]  # one more: "too long" is said, not cut


# --- index ----------------------------------------------------------------------------------------

def index(app: Storefront, request: Request) -> Response:
    app.member(request, role=ADMIN)
    return app.render(request, "admin_index.html")


# --- bank mutations -------------------------------------------------------------------------------

MUTATION_FILTERS = {"status": MUTATION_STATUSES}


def mutations(app: Storefront, request: Request) -> Response:
    app.member(request, role=ADMIN)
    return mutations_page(app, request, list_filters(request.query, MUTATION_FILTERS))


def mutations_page(app: Storefront, request: Request, filters: dict[str, str], alert: str | None = None,
                   status: int = 200) -> Response:
    page = int(filters.get("hal", "1"))
    rows: list[Any] = []
    pager = None
    try:
        found = app.call(request, "Payment", "listUnmatchedMutations", status=filters.get("status") or None,
                         page=page, pageSize=MUTATION_PAGE)
        rows = items(found.mutations, "BankMutation")
        pager = paging("/admin/mutasi", filters, found.total, MUTATION_PAGE)
    except PlatformError as error:
        alert, status = with_failure(alert, status, error)
    return app.render(request, "admin_mutations.html", status, mutations=rows, pager=pager, alert=alert,
                      filters=filters, statuses=MUTATION_STATUSES)


def reconcile(app: Storefront, request: Request) -> Response:
    app.member(request, role=ADMIN)
    try:
        result = app.call(request, "Payment", "reconcileNow")
    except PlatformError as error:
        return mutations_page(app, request, {}, error.message, error.http_status)
    return app.notice_then(request, reconcile_summary(result), "/admin/mutasi")


def reconcile_summary(result: Any) -> str:
    paid = items(result.invoicesPaid, "string")
    failures = items(result.failures, "string")
    text = (f"Rekonsiliasi selesai: {result.accountsRead} rekening dibaca, {result.accountsSkipped} dilewati, "
            f"{result.mutationsRead} mutasi dibaca ({result.mutationsRecorded} baru), {len(paid)} faktur lunas"
            f"{' (' + ', '.join(paid) + ')' if paid else ''}, {result.creditsHeld} dana ditahan.")
    return text + (f" Gagal: {'; '.join(failures)}." if failures else "")


# --- members --------------------------------------------------------------------------------------

MEMBER_FILTERS = {"status": MEMBER_STATUS, "peran": ROLES}


def members(app: Storefront, request: Request) -> Response:
    app.member(request, role=ADMIN)
    return members_page(app, request, list_filters(request.query, MEMBER_FILTERS))


def members_page(app: Storefront, request: Request, filters: dict[str, str], *, alert: str | None = None,
                 errors: dict[str, str] | None = None, typed: dict[str, str] | None = None,
                 status: int = 200) -> Response:
    """The members list; `errors` and `typed` (reasons) by username: a suspension form sent back to its admin."""
    page = int(filters.get("hal", "1"))
    rows: list[Any] = []
    pager = None
    try:
        found = app.call(request, "Member", "listMembers", status=filters.get("status") or None,
                         role=filters.get("peran") or None, page=page, pageSize=MEMBER_PAGE)
        rows = items(found.members, "Profile")
        pager = paging("/admin/anggota", filters, found.total, MEMBER_PAGE)
    except PlatformError as error:
        alert, status = with_failure(alert, status, error)
    return app.render(request, "admin_members.html", status, members=rows, pager=pager, alert=alert,
                      errors=errors or {}, typed=typed or {}, filters=filters, statuses=MEMBER_STATUS,
                      roles=ROLES)


def suspend(app: Storefront, request: Request) -> Response:
    app.member(request, role=ADMIN)
    filters = list_filters(request.form, MEMBER_FILTERS)
    username, reason = posted_username(request), posted_reason(request)
    problem = reason_error(reason)
    if problem is not None:
        return members_page(app, request, filters, errors={username: problem}, typed={username: reason},
                            status=400)
    try:
        app.call(request, "Member", "suspendMember", username=username, reason=reason)
    except PlatformError as error:
        return members_page(app, request, filters, alert=error.message, typed={username: reason},
                            status=error.http_status)
    return app.notice_then(request, f"Anggota {username} ditangguhkan.", back_link("/admin/anggota", filters))


def reinstate(app: Storefront, request: Request) -> Response:
    app.member(request, role=ADMIN)
    filters = list_filters(request.form, MEMBER_FILTERS)
    username = posted_username(request)
    try:
        app.call(request, "Member", "reinstateMember", username=username)
    except PlatformError as error:
        return members_page(app, request, filters, alert=error.message, status=error.http_status)
    return app.notice_then(request, f"Anggota {username} diaktifkan kembali.", back_link("/admin/anggota", filters))


# --- categories -----------------------------------------------------------------------------------

CATEGORY_FIELDS = {"code": "kode", "name": "nama"}  # the platform's field -> this form's field


def categories(app: Storefront, request: Request) -> Response:
    app.member(request, role=ADMIN)
    return categories_page(app, request, {"kode": "", "nama": ""})


def categories_page(app: Storefront, request: Request, values: dict[str, str], *, errors: dict[str, str] | None = None,
                    alert: str | None = None, status: int = 200) -> Response:
    found: list[Any] = []
    try:
        found = items(app.call(request, "Catalog", "listCategories"), "Category")
    except PlatformError as error:
        alert, status = with_failure(alert, status, error)
    return app.render(request, "admin_categories.html", status, categories=found, values=values,
                      errors=errors or {}, alert=alert)


def create_category(app: Storefront, request: Request) -> Response:
    app.member(request, role=ADMIN)
    values = {"kode": request.form.get("kode", "").strip()[:CODE_MAX + 1],
              "nama": request.form.get("nama", "").strip()[:NAME_MAX + 1]}
    try:
        made = app.call(request, "Catalog", "createCategory", code=values["kode"], name=values["nama"])
    except PlatformError as error:
        errors = {CATEGORY_FIELDS[name]: text for name, text in error.fields.items() if name in CATEGORY_FIELDS}
        if error.code == "CATEGORY_EXISTS":
            errors["kode"] = error.message
        alert = None if errors else error.message
        return categories_page(app, request, values, errors=errors, alert=alert, status=error.http_status)
    return app.notice_then(request, f"Kategori {made.name} ({made.code}) dibuat.", "/admin/kategori")


# --- sellers' verifications -----------------------------------------------------------------------

VERIFICATION_FILTERS = {"status": VERIFICATION_STATUS}


def verifications(app: Storefront, request: Request) -> Response:
    app.member(request, role=ADMIN)
    seller = request.query.get("penjual", "").strip()[:USERNAME_MAX]
    return verifications_page(app, request, list_filters(request.query, VERIFICATION_FILTERS), seller)


def verifications_page(app: Storefront, request: Request, filters: dict[str, str], seller: str = "", *,
                       alert: str | None = None, errors: dict[str, str] | None = None,
                       typed: dict[str, str] | None = None, chosen: dict[str, str] | None = None,
                       status: int = 200) -> Response:
    """Every seller's verification a page at a time, or with `seller` that one seller's, with its changes;
    `errors`, `typed` (reasons) and `chosen` (verdicts) by username: an override sent back to its admin."""
    rows: list[Any] = []
    pager = None
    page = int(filters.get("hal", "1"))
    try:
        if seller:
            rows = [app.call(request, "Member", "getSellerVerification", username=seller)]
        else:
            found = app.call(request, "Member", "listSellerVerifications", status=filters.get("status") or None,
                             page=page, pageSize=VERIFICATION_PAGE)
            rows = items(found.verifications, "SellerVerification")
            pager = paging("/admin/verifikasi", filters, found.total, VERIFICATION_PAGE)
    except PlatformError as error:
        alert, status = with_failure(alert, status, error)
    return app.render(request, "admin_verifications.html", status, verifications=rows, seller=seller, pager=pager,
                      alert=alert, errors=errors or {}, typed=typed or {}, chosen=chosen or {}, filters=filters,
                      statuses=VERIFICATION_STATUS, verdicts=VERDICTS, items=items)


def verification_back(request: Request) -> tuple[dict[str, str], str]:
    """The list (filters and page) or the one seller a verification form was sent from."""
    return list_filters(request.form, VERIFICATION_FILTERS), request.form.get("penjual", "").strip()[:USERNAME_MAX]


def verifications_link(filters: dict[str, str], seller: str) -> str:
    return back_link("/admin/verifikasi", {"penjual": seller} if seller else filters)


def override(app: Storefront, request: Request) -> Response:
    app.member(request, role=ADMIN)
    filters, seller = verification_back(request)
    username, reason = posted_username(request), posted_reason(request)
    verdict = request.form.get("putusan", "")
    problem = reason_error(reason) if verdict in VERDICTS else "Pilih putusan: terverifikasi atau ditolak."
    if problem is not None:
        return verifications_page(app, request, filters, seller, errors={username: problem},
                                  typed={username: reason}, chosen={username: verdict}, status=400)
    try:
        app.call(request, "Member", "overrideSellerVerification", username=username, status=verdict, reason=reason)
    except PlatformError as error:
        return verifications_page(app, request, filters, seller, alert=error.message, typed={username: reason},
                                  chosen={username: verdict}, status=error.http_status)
    return app.notice_then(request, f"Verifikasi {username} diputuskan: {VERDICTS[verdict]}.",
                           verifications_link(filters, seller))


def reverify(app: Storefront, request: Request) -> Response:
    app.member(request, role=ADMIN)
    filters, seller = verification_back(request)
    username = posted_username(request)
    try:
        app.call(request, "Member", "reverifySeller", username=username)
    except PlatformError as error:
        return verifications_page(app, request, filters, seller, alert=error.message, status=error.http_status)
    return app.notice_then(request, f"{username} akan diperiksa ulang pada putaran berikutnya.",
                           verifications_link(filters, seller))


# --- complaints -----------------------------------------------------------------------------------

COMPLAINT_FILTERS = {"status": COMPLAINT_STATUS}


def complaints(app: Storefront, request: Request) -> Response:
    """Every member's complaints, newest first (`status=ESCALATED`: those waiting for an admin's decision);
    each links to its order's complaint page, where an admin decides it."""
    app.member(request, role=ADMIN)
    filters = list_filters(request.query, COMPLAINT_FILTERS)
    rows: list[Any] = []
    pager, alert, status = None, None, 200
    try:
        found = app.call(request, "Order", "listComplaints", status=filters.get("status") or None,
                         page=int(filters.get("hal", "1")), pageSize=COMPLAINT_PAGE)
        rows = items(found.complaints, "Complaint")
        pager = paging("/admin/keluhan", filters, found.total, COMPLAINT_PAGE)
    except PlatformError as error:
        alert, status = with_failure(alert, status, error)
    return app.render(request, "admin_complaints.html", status, complaints=rows, pager=pager, alert=alert,
                      filters=filters, statuses=COMPLAINT_STATUS, reasons=COMPLAINT_REASONS, remedies=REMEDIES)


ROUTES = [
    Route("GET", r"/admin", index),
    Route("GET", r"/admin/mutasi", mutations),
    Route("POST", r"/admin/mutasi/rekonsiliasi", reconcile),
    Route("GET", r"/admin/anggota", members),
    Route("POST", r"/admin/anggota/tangguhkan", suspend),
    Route("POST", r"/admin/anggota/aktifkan", reinstate),
    Route("GET", r"/admin/kategori", categories),
    Route("POST", r"/admin/kategori", create_category),
    Route("GET", r"/admin/verifikasi", verifications),
    Route("POST", r"/admin/verifikasi/putuskan", override),
    Route("POST", r"/admin/verifikasi/periksa-ulang", reverify),
    Route("GET", r"/admin/keluhan", complaints),
]
