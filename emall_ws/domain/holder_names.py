"""When two written names are the same person or business: a bank's account holder against the name a
seller registered, or the name a business licence gives.

Banks and registries write names their own way: "HJ SITI AMINAH SE" at the bank is "Hj. Siti Aminah,
S.E." on the form; "MAJU JAYA, PT" is "PT. Maju Jaya". The rule, in order:

1. case, accents and punctuation do not count ("Siti-Aminah" is "SITI AMINAH");
2. titles do not count: religious and honorific ones before the name (Hj., H., K.H., Dr., Ir., Prof.,
   Drs., Dra.) and degrees after it (S.E., S.H., S.Kom., M.M., Ph.D., A.Md. ...), whether dotted or not;
3. the form of a business may be written before or after the name, dotted or not ("PT", "P.T.",
   "Perseroan Terbatas"; "CV", "C.V."; "Koperasi", "Kop."): two names that both give a form must give the
   same one; a name without a form matches the same name with one (banks often leave it out);
4. what is left must be the same words in the same order, spaces not counting ("Nurhayati" is
   "Nur Hayati"). Nothing is guessed beyond that: "Siti Aminah" is not "Aminah Siti", nor "Siti".
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

# each title as its letters alone (dots and spaces dropped): "S.Kom." -> "skom"
TITLES = frozenset({
    # before the name
    "h", "hj", "haji", "hajjah", "kh", "dr", "drs", "dra", "ir", "prof", "ust", "ustadz",
    # degrees after it
    "se", "sh", "st", "ssi", "ssos", "spd", "skom", "sag", "sip", "sked", "sfarm", "sp", "ak", "amd",
    "mm", "msi", "mt", "mkom", "mh", "mpd", "mba", "msc", "phd", "lc",
})
# each business form by its spellings (letters alone), to one word
FORMS = {"pt": "pt", "cv": "cv", "koperasi": "koperasi", "kop": "koperasi"}
_SPELLED_OUT = re.compile(r"\bperseroan\s+terbatas\b")
_WORD = re.compile(r"[a-z0-9]+(?:\.[a-z0-9]+)*")  # a word, dotted parts kept together: "s.kom"


@dataclass(frozen=True)
class NameKey:
    form: str | None  # pt, cv, koperasi, or None
    letters: str  # the words left, in order, joined without spaces


def name_key(name: str) -> NameKey:
    """What of `name` counts when names are compared."""
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    words = [word.replace(".", "") for word in _WORD.findall(_SPELLED_OUT.sub("pt", text))]
    form = None
    kept = []
    for word in words:
        if word in FORMS and form in (None, FORMS[word]):
            form = FORMS[word]
        elif word not in TITLES:
            kept.append(word)
    return NameKey(form, "".join(kept))


def names_match(one: str, other: str) -> bool:
    """Whether `one` and `other` name the same person or business by the rule above."""
    a, b = name_key(one), name_key(other)
    if not a.letters or a.letters != b.letters:
        return False
    return a.form is None or b.form is None or a.form == b.form
