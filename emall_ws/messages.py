"""Every text a person reads in a fault, Indonesian first, English available.

Keys are the machine-readable codes carried in fault details.
"""
from __future__ import annotations

DEFAULT_LANGUAGE = "id"
LANGUAGES = ("id", "en")

MESSAGES: dict[str, dict[str, str]] = {
    # protocol level
    "MALFORMED_XML": {"id": "Permintaan bukan XML yang sah.",
                      "en": "The request is not well-formed XML."},
    "DOCTYPE_FORBIDDEN": {"id": "Deklarasi DOCTYPE atau ENTITY tidak diizinkan.",
                          "en": "DOCTYPE and ENTITY declarations are not allowed."},
    "REQUEST_TOO_LARGE": {"id": "Permintaan melebihi batas {limit} byte.",
                          "en": "The request exceeds the limit of {limit} bytes."},
    "METHOD_NOT_ALLOWED": {"id": "Metode HTTP {method} tidak diizinkan; gunakan POST, atau GET ?wsdl.",
                           "en": "HTTP method {method} is not allowed; use POST, or GET ?wsdl."},
    "UNKNOWN_OPERATION": {"id": "Operasi tidak dikenal oleh layanan ini.",
                          "en": "The operation is unknown to this service."},
    "NOT_SOAP": {"id": "Permintaan bukan amplop SOAP 1.1 yang sah.",
                 "en": "The request is not a valid SOAP 1.1 envelope."},
    "VALIDATION_FAILED": {"id": "Terdapat {count} isian yang tidak valid.",
                          "en": "{count} field(s) are invalid."},
    "SCHEMA_INVALID": {"id": "Nilai atau struktur kolom {field} tidak sesuai skema.",
                       "en": "The value or structure of {field} does not match the schema."},
    "INTERNAL": {"id": "Terjadi kesalahan pada server. Silakan coba lagi.",
                 "en": "Something went wrong on the server. Please try again."},
    "UNKNOWN_SERVICE": {"id": "Layanan tidak ditemukan; daftar layanan ada di Registry.",
                        "en": "No such service; the Registry lists every service."},
    # registry
    "UNKNOWN_KEY": {"id": "Kunci {key} tidak terdaftar.",
                    "en": "The key {key} is not registered."},
    # authentication and authorisation
    "AUTHENTICATION_REQUIRED": {
        "id": "Silakan masuk: kirim token sesi di SessionHeader atau WS-Security UsernameToken.",
        "en": "Please log in: send a session token in SessionHeader or a WS-Security UsernameToken."},
    "BAD_CREDENTIALS": {"id": "Username atau password salah, atau akun belum aktif.",
                        "en": "Wrong username or password, or the account is not active."},
    "BAD_SESSION": {"id": "Sesi tidak berlaku atau telah berakhir. Silakan masuk kembali.",
                    "en": "The session is invalid or has ended. Please log in again."},
    "LOGIN_PAUSED": {"id": "Terlalu banyak percobaan masuk yang gagal. Coba lagi nanti.",
                     "en": "Too many failed log-in attempts. Try again later."},
    "PASSWORD_TEXT_ONLY": {"id": "WS-Security hanya menerima UsernameToken dengan PasswordText.",
                           "en": "WS-Security accepts UsernameToken with PasswordText only."},
    "ROLE_REQUIRED": {"id": "Operasi ini hanya untuk peran: {roles}.",
                      "en": "This operation is only for the roles: {roles}."},
    "NOT_OWNER": {"id": "Data ini bukan milik Anda.", "en": "This data does not belong to you."},
    # members
    "USERNAME_TAKEN": {"id": "Username sudah dipakai.", "en": "The username is already taken."},
    "EMAIL_TAKEN": {"id": "Email sudah terdaftar.", "en": "The email is already registered."},
    "UNKNOWN_MEMBER": {"id": "Member {username} tidak ditemukan.",
                       "en": "Member {username} was not found."},
    "ALREADY_ACTIVATED": {"id": "Akun ini sudah aktif.", "en": "This account is already active."},
    "MEMBER_NOT_ACTIVE": {"id": "Akun ini tidak aktif.", "en": "This account is not active."},
    "CODE_WRONG": {"id": "Kode salah. Sisa percobaan: {remaining}.",
                   "en": "Wrong code. Tries left: {remaining}."},
    "CODE_EXPIRED": {"id": "Kode tidak berlaku atau kedaluwarsa. Mintalah kode baru.",
                     "en": "The code is not valid or has expired. Ask for a new one."},
    "CODE_ATTEMPTS_EXCEEDED": {"id": "Terlalu banyak percobaan. Mintalah kode baru.",
                               "en": "Too many tries. Ask for a new code."},
    "RESEND_TOO_SOON": {"id": "Kode baru dapat diminta setelah {seconds} detik.",
                        "en": "A new code can be requested after {seconds} seconds."},
    "CANNOT_SUSPEND_SELF": {"id": "Admin tidak dapat menangguhkan akunnya sendiri.",
                            "en": "An admin cannot suspend their own account."},
    "ILLEGAL_STATUS_CHANGE": {"id": "Status {entity} tidak dapat diubah dari {current} ke {target}.",
                              "en": "The {entity} status cannot change from {current} to {target}."},
    # members (registration rules)
    "REQUIRED": {"id": "Kolom {label} wajib diisi",
                 "en": "The {label} field is required"},
    "TOO_SHORT": {"id": "Kolom {label} minimal {min} karakter",
                  "en": "The {label} field must be at least {min} characters"},
    "TOO_LONG": {"id": "Kolom {label} maksimal {max} karakter",
                 "en": "The {label} field must be at most {max} characters"},
    "DIGITS_ONLY": {"id": "Kolom {label} hanya boleh berisi angka",
                    "en": "The {label} field may contain digits only"},
    "UNKNOWN_PROVINCE": {"id": "Propinsi yang dipilih tidak dikenal",
                         "en": "The chosen province is unknown"},
    "UNKNOWN_CITY": {"id": "Kota yang dipilih tidak dikenal",
                     "en": "The chosen city is unknown"},
    "CITY_NOT_IN_PROVINCE": {"id": "Kota yang dipilih tidak berada di propinsi yang dipilih",
                             "en": "The chosen city is not in the chosen province"},
    "INVALID_PHONE": {"id": "Kolom {label} harus berisi nomor telepon Indonesia yang sah, "
                            "mis. 081234567890 atau +6281234567890",
                      "en": "The {label} field must hold a valid Indonesian phone number, "
                            "e.g. 081234567890 or +6281234567890"},
    "USERNAME_PATTERN": {"id": "Username harus {min}-{max} karakter, diawali huruf, dan hanya berisi "
                               "huruf, angka, garis bawah (_) atau titik (.)",
                         "en": "The username must be {min}-{max} characters, start with a letter, and "
                               "contain only letters, digits, underscores (_) or dots (.)"},
    "PASSWORD_NEEDS_LETTER_AND_DIGIT": {
        "id": "Password harus berisi paling sedikit satu huruf dan satu angka",
        "en": "The password must contain at least one letter and one digit"},
    "PASSWORD_SAME_AS_USERNAME": {"id": "Password tidak boleh sama dengan username",
                                  "en": "The password must not be the same as the username"},
    "PASSWORD_SAME_AS_EMAIL": {"id": "Password tidak boleh sama dengan alamat email",
                               "en": "The password must not be the same as the email address"},
    "INVALID_EMAIL": {"id": "Kolom {label} harus berisi alamat email yang sah",
                      "en": "The {label} field must hold a valid email address"},
    "NIK_FORMAT": {"id": "NIK harus terdiri dari 16 digit angka",
                   "en": "The NIK must be 16 digits"},
    "NIK_PROVINCE": {"id": "Kode propinsi pada NIK (digit 1-2) tidak dikenal",
                     "en": "The province code in the NIK (digits 1-2) is unknown"},
    "NIK_PROVINCE_MISMATCH": {"id": "Kode propinsi pada NIK ({nikProvince}) berbeda dengan propinsi "
                                    "yang dipilih ({province})",
                              "en": "The province code in the NIK ({nikProvince}) differs from the "
                                    "chosen province ({province})"},
    "NIK_REGION": {"id": "Kode kabupaten/kota dan kecamatan pada NIK (digit 3-6) tidak boleh 00",
                   "en": "The regency and district codes in the NIK (digits 3-6) must not be 00"},
    "NIK_BIRTH_DATE": {"id": "Tanggal lahir pada NIK (digit 7-12, DDMMYY, tanggal +40 untuk perempuan) "
                             "tidak sah",
                       "en": "The birth date in the NIK (digits 7-12, DDMMYY, day +40 for women) "
                             "is not a real date"},
    "NIK_SERIAL": {"id": "Nomor urut pada NIK (4 digit terakhir) tidak boleh 0000",
                   "en": "The serial number in the NIK (last 4 digits) must not be 0000"},
    "NIK_UNKNOWN_REGENCY": {"id": "Kode kabupaten/kota {region} pada NIK tidak ada dalam data wilayah",
                            "en": "The regency/city code {region} in the NIK is not in the region data"},
    "NIK_UNKNOWN_DISTRICT": {"id": "Kode kecamatan {region} pada NIK tidak ada dalam data wilayah",
                             "en": "The district code {region} in the NIK is not in the region data"},
    "NIB_FORMAT": {"id": "NIB harus terdiri dari 13 digit angka",
                   "en": "The NIB must be 13 digits"},
    "UNKNOWN_BANK": {"id": "Bank harus salah satu dari: {banks}",
                     "en": "The bank must be one of: {banks}"},
    "ACCOUNT_NUMBER_FORMAT": {"id": "Nomor rekening {bank} harus terdiri dari {length} digit angka",
                              "en": "A {bank} account number must be {length} digits"},
}


def translate(code: str, language: str = DEFAULT_LANGUAGE, **params) -> str:
    texts = MESSAGES.get(code)
    if texts is None:
        return code
    template = texts.get(language) or texts[DEFAULT_LANGUAGE]
    try:
        return template.format(**params)
    except (KeyError, IndexError):
        return template


def pick_language(accept_language: str | None) -> str:
    """The first supported language in an Accept-Language header, else Indonesian."""
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


def language_of_request(environ) -> str:
    """The language of a WSGI request's answer, from its Accept-Language header."""
    return pick_language((environ or {}).get("HTTP_ACCEPT_LANGUAGE"))


# Field names as a person reads them, per language; keys are SOAP field names.
FIELD_LABELS: dict[str, dict[str, str]] = {
    "province": {"id": "Propinsi", "en": "Province"},
    "city": {"id": "Kota", "en": "City"},
    "address": {"id": "Alamat", "en": "Address"},
    "phone": {"id": "Telepon", "en": "Phone"},
    "name": {"id": "Nama", "en": "Name"},
    "username": {"id": "Username", "en": "Username"},
    "password": {"id": "Password", "en": "Password"},
    "email": {"id": "Email", "en": "Email"},
    "nik": {"id": "NIK", "en": "NIK"},
    "nib": {"id": "NIB", "en": "NIB"},
    "bankCode": {"id": "Bank", "en": "Bank"},
    "accountNumber": {"id": "Nomor Rekening", "en": "Account Number"},
    "accountHolder": {"id": "Nama Pemilik Rekening", "en": "Account Holder"},
    "code": {"id": "Kode", "en": "Code"},
    "newPassword": {"id": "Password Baru", "en": "New Password"},
}


def field_message(code: str, field: str, language: str = DEFAULT_LANGUAGE, /, **params) -> str:
    """The text of one field error: translate() with {field} and the field's {label} filled in.

    field_message("REQUIRED", "province") -> "Kolom Propinsi wajib diisi".
    A field without a label is named by its SOAP name.
    """
    labels = FIELD_LABELS.get(field, {})
    label = labels.get(language) or labels.get(DEFAULT_LANGUAGE) or field
    return translate(code, language, **{**params, "field": field, "label": label})
