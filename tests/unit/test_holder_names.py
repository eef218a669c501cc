"""The rule of domain.holder_names, case by case: what a bank or a registry may write differently and
still name the same person or business, and what it may not."""
from __future__ import annotations

import pytest

from emall_ws.domain.holder_names import name_key, names_match

SAME = [
    ("Siti Aminah", "SITI AMINAH"),  # case
    ("Siti-Aminah", "siti aminah"),  # punctuation
    ("Hj. Siti Aminah, S.E.", "HJ SITI AMINAH SE"),  # titles, dotted or not
    ("Ir. H. Joko Widodo", "JOKO WIDODO"),
    ("Budi Santoso, S.Kom., M.M.", "BUDI SANTOSO"),
    ("Dr. Drs. Bambang Wijaya, Ph.D.", "bambang wijaya"),
    ("PT. Maju Jaya", "MAJU JAYA, PT"),  # a business form before or after
    ("P.T. Maju Jaya", "PT MAJU JAYA"),
    ("Perseroan Terbatas Maju Jaya", "PT Maju Jaya"),
    ("CV. Sumber Rejeki", "C.V. SUMBER REJEKI"),
    ("Koperasi Maju Bersama", "KOP. MAJU BERSAMA"),
    ("Maju Jaya", "PT MAJU JAYA"),  # banks often leave the form out
    ("Nurhayati", "Nur Hayati"),  # spaces do not count
    ("José Rizal", "JOSE RIZAL"),  # accents
]
DIFFERENT = [
    ("Siti Aminah", "Aminah Siti"),  # order counts
    ("Siti Aminah", "Siti"),  # no part for the whole
    ("Siti Aminah", "Siti Aminah Putri"),
    ("CV Maju Jaya", "PT Maju Jaya"),  # two forms must agree
    ("Koperasi Maju Bersama", "PT Maju Bersama"),
    ("Budi Santoso", "Budi Susanto"),
    ("Koperasi", "Koperasi"),  # nothing left to compare is no match
    ("Hj.", "Hj."),
]


@pytest.mark.parametrize("one, other", SAME)
def test_names_written_differently_match_both_ways(one, other):
    assert names_match(one, other) and names_match(other, one)


@pytest.mark.parametrize("one, other", DIFFERENT)
def test_different_names_do_not_match_either_way(one, other):
    assert not names_match(one, other) and not names_match(other, one)


def test_the_key_keeps_the_form_and_the_words_left_in_order():
    key = name_key("Hj. Koperasi Wanita Sejahtera, S.E.")
    assert (key.form, key.letters) == ("koperasi", "wanitasejahtera")
