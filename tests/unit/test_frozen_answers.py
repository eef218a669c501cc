"""Region answers are serialized once and replayed: the same bytes, each province its own; an answer
kept with a version (the categories') replaces that of the older version."""
from types import SimpleNamespace

from emall_ws.data.regions import load_regions
from emall_ws.soap.frozen import FrozenAnswers
from tests.builders import add_category
from tests.wsgi_client import call, envelope

MEMBER_NS = "urn:emall-kukm:member"
NS = "{urn:emall-kukm:member}"


def list_cities(app, province: str):
    return call(app, "POST", "/ws/Member", envelope("listCities", MEMBER_NS, {"provinceCode": province}))


def city_codes(response) -> list[str]:
    return [e.text for e in response.xml().iter(f"{NS}code")]


def test_a_replayed_answer_is_the_first_one_byte_for_byte(app):
    regions = load_regions()
    first, again = list_cities(app, "32"), list_cities(app, "32")
    assert first.status == again.status == 200
    assert again.body == first.body
    assert again.headers["Content-Length"] == str(len(first.body))
    assert city_codes(again) == [c.code for c in regions.cities("32")]


def test_each_province_keeps_its_own_answer(app):
    regions = load_regions()
    for province in ("32", "11", "32", "94", "11"):
        assert city_codes(list_cities(app, province)) == [c.code for c in regions.cities(province)]


def test_provinces_replayed(app):
    body = envelope("listProvinces", MEMBER_NS)
    first, again = call(app, "POST", "/ws/Member", body), call(app, "POST", "/ws/Member", body)
    assert again.body == first.body
    assert len([e for e in again.xml().iter(f"{NS}Province")]) == 38


def test_the_second_call_is_not_serialized_again(app, monkeypatch):
    """Neither spyne nor the answer writer (emall_ws/soap/writer.py), which writes the first, makes it again."""
    from emall_ws.soap.hardening import HardenedSoap11

    serialized = []
    original = HardenedSoap11.serialize
    monkeypatch.setattr(HardenedSoap11, "serialize",
                        lambda self, ctx, message: serialized.append(ctx.method_name) or original(self, ctx, message))
    answers = app.endpoints["Member"].app.answer_writer.answers
    descriptor = next(d for d in answers if d.name == "listCities")
    write = answers[descriptor]
    monkeypatch.setitem(answers, descriptor, lambda out_object: serialized.append("listCities") or write(out_object))
    list_cities(app, "51")
    list_cities(app, "51")
    assert serialized == ["listCities"]


def answered(answers: FrozenAnswers, name, version, serialized: bytes) -> list[bytes]:
    """What a call sends: the kept answer, else `serialized`, kept as spyne's event would."""
    ctx = SimpleNamespace(udc=None, out_string=None)
    if not answers.replay(ctx, name, version):
        ctx.out_string = [serialized]
        answers._keep(ctx)
    return ctx.out_string


def test_a_new_version_replaces_the_older_answer():
    answers = FrozenAnswers(SimpleNamespace(event_manager=SimpleNamespace(add_listener=lambda *_: None)))
    assert answered(answers, "categories", (1, 1), b"one") == [b"one"]
    assert answered(answers, "categories", (1, 1), b"not serialized again") == [b"one"]
    assert answered(answers, "categories", (2, 5), b"two") == [b"two"]
    assert answers._answers == {"categories": ((2, 5), b"two")}  # one answer per name, the old one gone
    assert answered(answers, "categories", (2, 5), b"not serialized again") == [b"two"]
    assert answered(answers, "provinces", None, b"provinces") == [b"provinces"]
    assert answers._answers == {"categories": ((2, 5), b"two"), "provinces": (None, b"provinces")}


def test_list_categories_keeps_one_answer_through_versions(app):
    catalog_app = app.endpoints["Catalog"].app
    body = envelope("listCategories", "urn:emall-kukm:catalog")
    for code in ("kopi", "teh", "batik"):
        add_category(app.platform.db, code, code.title())
        first, again = call(app, "POST", "/ws/Catalog", body), call(app, "POST", "/ws/Catalog", body)
        assert again.body == first.body and code.encode() in again.body
        assert list(catalog_app.frozen_answers._answers) == ["categories"]
