"""A member's account: login and logout, registration (Table I of the paper), activation, password
reset, and the member's own profile and password."""
from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlencode

from storefront import regions
from storefront.formats import items
from storefront.platform import PlatformError
from storefront.web import Request, Response, Route, redirect
from storefront.words import MEMBER_STATUS, ROLES, VERIFICATION_STATUS

if TYPE_CHECKING:
    from storefront.app import Storefront

log = logging.getLogger("storefront")

# where a login may return to: a path of this site only (never //host or /\host, an open redirect)
_LOCAL_PATH = re.compile(r"/(?![/\\])[^\s\\]{0,500}")


def back_to(raw: str) -> str:
    return raw if _LOCAL_PATH.fullmatch(raw) else "/"


# --- login and logout ---

def login_form(app: Storefront, request: Request) -> Response:
    back = back_to(request.query.get("kembali", "/"))
    if request.session is not None and request.session.logged_in:
        return redirect(back)
    app.ensure_session(request)
    return app.render(request, "login.html", username="", error=None, back=back)


def login(app: Storefront, request: Request) -> Response:
    username = request.form.get("username", "").strip()[:64]
    password = request.form.get("password", "")[:256]
    back = back_to(request.form.get("kembali", "/"))
    error = None
    if not username or not password:
        error = "Isi nama pengguna dan kata sandi."
    else:
        try:
            result = app.platform.call("Member", "login", username=username, password=password)
        except PlatformError as failure:
            error = failure.message
            if not failure.fault_code:  # the platform was not reached: not the buyer's mistake
                return app.render(request, "login.html", 503, username=username, error=error, back=back)
    if error is not None:
        return app.render(request, "login.html", 400, username=username, error=error, back=back)
    old = request.session
    if old is not None:
        if old.token is not None:  # logged in already: that platform session ends too
            app.end_platform_session(old.token)
        app.sessions.delete(old.reference)  # a fresh reference at login: no session fixation
    request.session = app.sessions.create(username=result.username, role=result.role, token=result.token,
                                          token_expires=result.expiresAt)
    app.set_session_cookie(request, request.session)
    log.info("member %s logged in", result.username)
    return redirect(back)


def logout(app: Storefront, request: Request) -> Response:
    session = request.session
    assert session is not None  # check_csrf saw it
    if session.token is not None:
        app.end_platform_session(session.token)
    app.sessions.delete(session.reference)
    request.session = None
    app.set_session_cookie(request, None)
    return redirect("/")


# --- forms: what was typed, and the platform's errors beside each field ---

# Every input is named as the platform names its field (Member.wsdl RegistrationForm, updateProfile,
# resetPassword, changePassword), so a Client.Validation fault's field maps to its input as it is.
# The bound is what is kept of a field: a little over the platform's own limit, so that an over-long
# value is still the platform's TOO_LONG beside the field rather than cut without a word.
BOUNDS = {"name": 120, "username": 64, "password": 200, "email": 300, "phone": 40, "address": 600,
          "province": 8, "city": 16, "nik": 32, "nib": 32, "birthDate": 16, "bankCode": 16,
          "accountNumber": 40, "accountHolder": 120, "code": 20, "newPassword": 200, "currentPassword": 200,
          "usernameOrEmail": 300}
SECRETS = ("password", "newPassword", "currentPassword")  # never typed back into a page
REGISTER_FIELDS = ("name", "username", "email", "password", "phone", "address", "province", "city", "nik", "nib",
                   "birthDate", "bankCode", "accountNumber", "accountHolder")
PROFILE_FIELDS = ("name", "address", "province", "city")
PASSWORD_FIELDS = ("currentPassword", "newPassword")
BANKS = [("BCA", "Bank Central Asia (BCA)"), ("MANDIRI", "Bank Mandiri"), ("BNI", "Bank Negara Indonesia (BNI)"),
         ("BRI", "Bank Rakyat Indonesia (BRI)")]
CITY_STEP = "pilih-kota"  # the "Pilih kota" button: the form comes back with the province's cities
REASONS = {
    "NIK_NOT_FOUND": "NIK tidak ditemukan di Dukcapil", "NIK_NAME_MISMATCH": "Nama tidak sesuai dengan NIK",
    "NIK_BIRTHDATE_MISMATCH": "Tanggal lahir tidak sesuai dengan NIK", "NIK_DECEASED": "NIK tercatat meninggal",
    "BIRTH_DATE_MISSING": "Tanggal lahir belum diisi", "NIB_NOT_FOUND": "NIB tidak ditemukan di OSS",
    "NIB_NAME_MISMATCH": "Nama tidak sesuai dengan NIB", "NIB_SUSPENDED": "NIB dibekukan",
    "NIB_REVOKED": "NIB dicabut", "ACCOUNT_NOT_FOUND": "Rekening tidak ditemukan",
    "ACCOUNT_HOLDER_MISMATCH": "Nama pemilik rekening tidak sesuai",
    "DUKCAPIL_UNAVAILABLE": "Dukcapil belum dapat dihubungi; akan dicoba lagi",
    "OSS_UNAVAILABLE": "OSS belum dapat dihubungi; akan dicoba lagi",
    "BANK_UNAVAILABLE": "Bank belum dapat dihubungi; akan dicoba lagi",
    "DUKCAPIL_REFUSED": "Dukcapil menolak pemeriksaan; menunggu admin",
    "OSS_REFUSED": "OSS menolak pemeriksaan; menunggu admin",
    "BANK_REFUSED": "Bank menolak pemeriksaan; menunggu admin",
    "OVERRIDDEN": "Diputuskan oleh admin",
}
LOGIN_FAILURES = ("BAD_CREDENTIALS", "LOGIN_PAUSED")  # a wrong current password, not an ended session


@dataclass
class Form:
    """A form as typed (secrets left out) and its errors: beside a field, or above the form."""
    values: dict[str, Any]  # text as typed; Any: sent as keyword arguments of a call
    errors: dict[str, str] = field(default_factory=dict)
    general: list[str] = field(default_factory=list)
    status: int = 200

    def failed(self, error: PlatformError) -> Form:
        """The platform's refusal: each field's message beside its input, the rest above the form."""
        self.errors = {name: text for name, text in error.fields.items() if name in self.values}
        self.general = [text for name, text in error.fields.items() if name not in self.values]
        if not self.errors and not self.general:
            self.general = [error.message]
        self.status = error.http_status
        return self

    def shown(self) -> dict[str, str]:
        return {name: ("" if name in SECRETS else value) for name, value in self.values.items()}


def typed(request: Request, names: Iterable[str]) -> Form:
    """The named fields of the posted form, each bounded; secrets as typed, other text trimmed."""
    values = {}
    for name in names:
        raw = request.form.get(name, "")[:BOUNDS[name]]
        values[name] = raw if name in SECRETS else raw.strip()
    return Form(values)


def sent(form: Form) -> dict[str, Any]:
    """The form's fields for the platform: one left blank is not sent (None)."""
    return {name: value or None for name, value in form.values.items()}


def place_choices(app: Storefront, province: str) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """(provinces, cities of `province`): the cities once a province is chosen, since without
    JavaScript the list can follow the province only when the form comes back."""
    provinces = regions.provinces(app)
    cities = regions.cities(app, province) if province in dict(provinces) else []
    return provinces, cities


def render_form(app: Storefront, request: Request, template: str, form: Form, **context: Any) -> Response:
    """The page of a form (with the province and city lists when it has them), as typed and refused."""
    app.ensure_session(request)
    provinces: list[tuple[str, str]] = []
    cities: list[tuple[str, str]] = []
    if "province" in form.values:
        try:
            provinces, cities = place_choices(app, form.values["province"])
        except PlatformError as error:  # the form still shows; the lists come back with the platform
            form.general.append(error.message)
    return app.render(request, template, form.status, form=form, values=form.shown(), provinces=provinces,
                      cities=cities, banks=BANKS, **context)


# --- registration ---

def register_form(app: Storefront, request: Request) -> Response:
    return render_form(app, request, "register.html", Form(dict.fromkeys(REGISTER_FIELDS, "")))


def register(app: Storefront, request: Request) -> Response:
    form = typed(request, REGISTER_FIELDS)
    if request.form.get("aksi") == CITY_STEP:
        return render_form(app, request, "register.html", form)
    try:
        result = app.platform.call("Member", "register", form=sent(form))
    except PlatformError as error:
        return render_form(app, request, "register.html", form.failed(error))
    warnings = [w.message for w in items(result.warnings, "Notice")]  # e.g. no birth date: stays unverified
    text = " ".join([f"Pendaftaran diterima: kode aktivasi dikirim ke email {form.values['email']} "
                     "(dan lewat SMS ke nomor ponsel).",
                     *warnings])
    return app.notice_then(request, text, "/aktivasi?" + urlencode({"u": result.username}))


# --- activation ---

def activation_form(app: Storefront, request: Request) -> Response:
    form = Form({"username": request.query.get("u", "").strip()[:BOUNDS["username"]], "code": ""})
    return render_form(app, request, "activate.html", form)


def activate(app: Storefront, request: Request) -> Response:
    form = typed(request, ("username", "code"))
    try:
        app.platform.call("Member", "activate", **form.values)
    except PlatformError as error:
        return render_form(app, request, "activate.html", form.failed(error))
    return app.notice_then(request, "Akun Anda sudah aktif. Silakan masuk.", "/masuk")


def resend_activation(app: Storefront, request: Request) -> Response:
    form = typed(request, ("username",))
    form.values["code"] = ""
    try:
        app.platform.call("Member", "resendActivation", username=form.values["username"])
    except PlatformError as error:
        return render_form(app, request, "activate.html", form.failed(error))
    # the platform answers alike for every name (and sends nothing within a minute of the last code)
    return app.notice_then(request, "Bila akun ini menunggu aktivasi, kode baru dikirim ke email dan lewat SMS. "
                           "Kode baru hanya dikirim sekali dalam satu menit.",
                           "/aktivasi?" + urlencode({"u": form.values["username"]}))


# --- password reset ---

def forgotten_form(app: Storefront, request: Request) -> Response:
    return render_form(app, request, "reset_request.html", Form({"usernameOrEmail": ""}))


def request_reset(app: Storefront, request: Request) -> Response:
    form = typed(request, ("usernameOrEmail",))
    try:
        app.platform.call("Member", "requestPasswordReset", **form.values)
    except PlatformError as error:
        return render_form(app, request, "reset_request.html", form.failed(error))
    who = form.values["usernameOrEmail"]
    query = "" if "@" in who else "?" + urlencode({"u": who})  # the next form asks for the username
    return app.notice_then(request, "Bila akun itu ada dan aktif, kode atur ulang kata sandi dikirim ke email dan "
                           "lewat SMS-nya.", "/atur-ulang-sandi" + query)


def reset_form(app: Storefront, request: Request) -> Response:
    form = Form({"username": request.query.get("u", "").strip()[:BOUNDS["username"]], "code": "", "newPassword": ""})
    return render_form(app, request, "reset_password.html", form)


def reset_password(app: Storefront, request: Request) -> Response:
    form = typed(request, ("username", "code", "newPassword"))
    try:
        app.platform.call("Member", "resetPassword", **form.values)
    except PlatformError as error:
        return render_form(app, request, "reset_password.html", form.failed(error))
    return app.notice_then(request, "Kata sandi Anda sudah diganti. Silakan masuk dengan kata sandi baru.", "/masuk")


# --- the member's own profile ---

def profile_page(app: Storefront, request: Request, update: Form | None = None,
                 password: Form | None = None) -> Response:
    """The profile with its update form (as typed, when it failed) and the change-password form."""
    try:
        profile = app.call(request, "Member", "getProfile")
        verification = (app.call(request, "Member", "getSellerVerification") if profile.role == "SELLER" else None)
    except PlatformError as error:
        return app.platform_error(request, error)
    if update is None:
        update = Form({"name": profile.name, "address": profile.address, "province": profile.provinceCode,
                       "city": profile.cityCode})
    password = password or Form(dict.fromkeys(PASSWORD_FIELDS, ""))
    update.status = max(update.status, password.status)
    return render_form(app, request, "profile.html", update, profile=profile, password_form=password,
                       place=regions.place(app, profile.provinceCode, profile.cityCode),
                       role=ROLES.get(profile.role, profile.role),
                       member_status=MEMBER_STATUS.get(profile.status, profile.status),
                       verification=verification, verification_text=VERIFICATION_STATUS, reasons=REASONS)


def show_profile(app: Storefront, request: Request) -> Response:
    return profile_page(app, request)


def post_profile(app: Storefront, request: Request) -> Response:
    """Both of the page's forms post to /akun (so a login asked for on the way comes back to it)."""
    app.member(request)
    if request.form.get("bagian") == "sandi":
        return change_password(app, request)
    return update_profile(app, request)


def update_profile(app: Storefront, request: Request) -> Response:
    form = typed(request, PROFILE_FIELDS)
    if request.form.get("aksi") == CITY_STEP:
        return profile_page(app, request, update=form)
    try:
        app.call(request, "Member", "updateProfile", **form.values)  # a blank field is REQUIRED, not kept
    except PlatformError as error:
        return profile_page(app, request, update=form.failed(error))
    return app.notice_then(request, "Profil Anda sudah disimpan.", "/akun")


def change_password(app: Storefront, request: Request) -> Response:
    form = typed(request, PASSWORD_FIELDS)
    try:
        app.call(request, "Member", "changePassword", keep_session_on=LOGIN_FAILURES, **form.values)
    except PlatformError as error:
        if error.code in LOGIN_FAILURES:  # the current password was wrong (or too often): said beside it
            form.errors, form.status = {"currentPassword": error.message}, 400
        else:
            form.failed(error)
        return profile_page(app, request, password=form)
    return app.notice_then(request, "Kata sandi Anda sudah diganti. Sesi lain akun ini telah diakhiri.", "/akun")


ROUTES = [
    Route("GET", r"/masuk", login_form),
    Route("POST", r"/masuk", login),
    Route("POST", r"/keluar", logout),
    Route("GET", r"/daftar", register_form),
    Route("POST", r"/daftar", register),
    Route("GET", r"/aktivasi", activation_form),
    Route("POST", r"/aktivasi", activate),
    Route("POST", r"/aktivasi/kirim-ulang", resend_activation),
    Route("GET", r"/lupa-sandi", forgotten_form),
    Route("POST", r"/lupa-sandi", request_reset),
    Route("GET", r"/atur-ulang-sandi", reset_form),
    Route("POST", r"/atur-ulang-sandi", reset_password),
    Route("GET", r"/akun", show_profile),
    Route("POST", r"/akun", post_profile),
]
