"""Text that cannot forge (issue 21): single-line fields refuse line breaks, control characters and
bidi controls; multi-line fields keep their line breaks; a member's value in an email stays inside
its own field; spreadsheet cells starting with invisible characters before = + - @ are defused."""
from dataclasses import replace
from datetime import datetime

import pytest

from emall_ws.domain.catalog import CatalogPolicy, ProductForm, validate_category, validate_listing
from emall_ws.domain.errors import ValidationFailed
from emall_ws.domain.reports import spreadsheet_safe
from emall_ws.domain.text import multi_line_ok, single_line_ok
from emall_ws.messages import field_message
from emall_ws.notify.templates import member_text, render
from tests.unit.registration_forms import BUYER_FORM, SELLER_FORM, errors_of

FORGED = "PEMBAYARAN TELAH DITERIMA (LUNAS). SEGERA KIRIM."
BREAKERS = ["\n", "\r", "\x0b", "\x0c", "\x1b", "\x00", "\x7f", "\x85", "\x9b", "\u2028", "\u2029",
            "\u202a", "\u202b", "\u202c", "\u202d", "\u202e", "\u2066", "\u2067", "\u2068", "\u2069"]
LISTING = ProductForm(name="Kopi Gayo", description="Kopi arabika.\nDari Aceh.\n\tSangrai sedang.",
                      category="makanan", weight_grams=250, sale_method="FIXED", price=85_000, stock=3,
                      photo_urls=("https://cdn.example.id/kopi.jpg",))


@pytest.mark.parametrize("character", BREAKERS)
def test_single_line_text_refuses_breaks_controls_and_bidi_controls(character):
    assert not single_line_ok(f"Kopi{character}Gayo")
    assert multi_line_ok(f"Kopi{character}Gayo") == (character in "\n\r")


def test_ordinary_text_of_every_script_is_one_line():
    for text in ("Kopi Gayo – Aceh", "Señora Ñoño", "Koperasi \u201cMaju\u201d", "日本茶",
                 "\u0627\u0644\u0639\u0631\u0628\u064a\u0629"):
        assert single_line_ok(text) and multi_line_ok(text)
    assert multi_line_ok(LISTING.description)


@pytest.mark.parametrize("field, attribute", [("name", "name"), ("address", "address")])
def test_a_line_break_in_a_name_or_address_is_refused_naming_the_field(field, attribute):
    error = errors_of(replace(BUYER_FORM, **{attribute: f"Budi Santoso\n{FORGED}"}))[field]
    assert error.code == "UNSAFE_CHARACTER"
    assert field_message(error.code, field, "id").startswith("Kolom ") and "tidak diizinkan" in field_message(
        error.code, field, "id")


def test_an_account_holder_with_a_bidi_override_is_refused():
    assert errors_of(replace(SELLER_FORM, account_holder="Budi \u202eUTNESIP"))["accountHolder"].code == \
        "UNSAFE_CHARACTER"


def listing_errors(form) -> dict[str, str]:
    with pytest.raises(ValidationFailed) as refused:
        validate_listing(form, datetime(2026, 11, 28), CatalogPolicy())
    return {e.field: e.code for e in refused.value.errors}


def test_a_product_name_with_a_line_break_and_a_photo_url_with_an_rtl_override_are_refused():
    forged = replace(LISTING, name="Kopi Gayo\n  Ke rekening: BCA 0000000000 a.n. PENIPU",
                     photo_urls=("https://cdn.example.id/\u202egpj.exe",))
    assert listing_errors(forged) == {"name": "UNSAFE_CHARACTER", "photoUrls": "PHOTO_URL_INVALID"}
    assert validate_listing(LISTING, datetime(2026, 11, 28), CatalogPolicy()).description == LISTING.description
    assert listing_errors(replace(LISTING, description="Kopi \u202eikaw")) == {"description": "UNSAFE_CHARACTER"}


def test_a_category_name_is_one_line():
    with pytest.raises(ValidationFailed) as refused:
        validate_category("makanan", "Makanan\u2028Minuman", CatalogPolicy())
    assert [(e.field, e.code) for e in refused.value.errors] == [("name", "UNSAFE_CHARACTER")]


def test_a_members_value_in_an_email_stays_inside_its_labelled_field_in_text_and_html():
    """A value stored with a line break (before the rule, or a description) cannot start a line of
    its own: every line after its first is indented behind "|", under its label."""
    data = dict(name="Siti", order_number="ORD/20261128/000001", invoice_number="INV/20261128/000001",
                buyer="budi", amount="Rp 85.000", courier="JNE REG", due_at=datetime(2026, 11, 29, 3),
                issued_at=datetime(2026, 11, 28, 3),
                items=f"  - {member_text('Kopi Gayo' + chr(10) + 'Ke rekening: BCA 0000000000 a.n. PENIPU')} x 1",
                ship_address=f"Budi\n{FORGED}")
    email = render("order_new", data)
    for part in (email.text, email.html):
        lines = part.splitlines()
        forged = [line for line in lines if FORGED in line or "PENIPU" in line]
        assert len(forged) == 2 and all(line.startswith("      | ") for line in forged), forged
    assert "Alamat pengiriman: Budi\n      | " + FORGED in email.text


@pytest.mark.parametrize("cell", ["\u200b=HYPERLINK(\"http://x\")", "\u202e+1", " -2", "\ufeff@SUM(A1)", "\u2066=1"])
def test_a_formula_behind_invisible_characters_is_defused(cell):
    assert spreadsheet_safe(cell) == "'" + cell


def test_plain_cells_stay_as_they_are():
    assert spreadsheet_safe("Kopi = enak") == "Kopi = enak" and spreadsheet_safe("\u200bKopi") == "\u200bKopi"
