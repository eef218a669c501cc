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
