"""Registry use cases against the test database (SQLite, or MariaDB in its CI pass)."""
import pytest

from emall_ws.domain.errors import NotFound
from emall_ws.domain.registry import OPERATOR, Business, ServiceEntry
from emall_ws.services import registry
from emall_ws.partners import partner_entries
from emall_ws.platform import Platform
from emall_ws.soap.app import SERVICES, publish_platform, service_entries

TEST_PARTNER = Business("uji-coba", "Mitra Uji Coba", "a partner only these tests publish")


def _partner(name="Tester", category="test"):
    return ServiceEntry(TEST_PARTNER, name, "Layanan uji", category, "http://p/uji", "http://p/uji?wsdl")


@pytest.fixture
def platform(db, settings):
    return Platform.from_settings(settings, db)


@pytest.fixture
def published(platform, db):
    publish_platform(platform)
    with db.unit_of_work() as session:
        registry.publish(session, _partner())
    return db


def test_every_platform_service_is_published_with_endpoint_and_wsdl(published, settings):
    with published.unit_of_work() as session:
        services = registry.find_service(session, category="emall")
    assert [s.name for s in services] == sorted(e.name for e in service_entries(settings))
    registry_service, = [s for s in services if s.name == "Registry"]
    binding, = registry_service.bindings
    assert binding.access_point == "http://emall.test/ws/Registry"
    assert binding.tmodel.overview_url == "http://emall.test/ws/Registry?wsdl"


def test_publishing_twice_changes_nothing(published, platform, settings):
    publish_platform(platform)
    with published.unit_of_work() as session:
        services = len(service_entries(settings)) + len(partner_entries(settings)) + 1
        assert len(registry.find_service(session)) == services
        assert len(registry.find_business(session)) == 1 + len(partner_entries(settings)) + 1


def test_republishing_updates_the_endpoint(published):
    moved = ServiceEntry(TEST_PARTNER, "Tester", "Layanan uji", "test", "http://new/uji", "http://new/uji?wsdl")
    with published.unit_of_work() as session:
        registry.publish(session, moved)
    with published.unit_of_work() as session:
        binding, = registry.get_service(session, moved.service_key).bindings
    assert binding.access_point == "http://new/uji"


@pytest.mark.parametrize("pattern, expected", [
    ("Registry", ["Registry"]), ("reg%", ["Registry"]), ("%ster", ["Tester"]), ("%Y", ["Registry", "SmsGateway"]),
    ("mem%r", ["Member"]), ("nothing%", []), ("Reg_stry", []),
])
def test_find_service_by_name_with_wildcards(published, pattern, expected):
    with published.unit_of_work() as session:
        assert sorted(s.name for s in registry.find_service(session, name=pattern)) == expected


def test_every_partner_is_published_with_its_endpoint(published, settings):
    with published.unit_of_work() as session:
        banks = registry.find_service(session, category="bank")
        couriers = registry.find_service(session, category="courier")
        sms = registry.find_service(session, category="sms")
        [dukcapil] = registry.find_service(session, category="dukcapil")
        [oss] = registry.find_service(session, category="oss")
    assert len(banks) == 4 and len(couriers) == 7 and len(sms) == 1
    access_points = {s.bindings[0].access_point for s in banks}
    assert settings.partner_url("bank", "bni") in access_points
    assert "inkuiri pemilik rekening" in banks[0].description
    assert (dukcapil.name, dukcapil.bindings[0].access_point) == ("Dukcapil", settings.partner_url("dukcapil"))
    assert dukcapil.description.startswith("Verifikasi NIK ke data kependudukan (Dukcapil)")
    assert (oss.name, oss.bindings[0].access_point) == ("Oss", settings.partner_url("oss"))
    assert oss.description.startswith("Verifikasi NIB ke perizinan berusaha (OSS)")


def test_find_service_by_category_and_business(published):
    with published.unit_of_work() as session:
        assert [s.name for s in registry.find_service(session, category="test")] == ["Tester"]
        assert [s.name for s in registry.find_service(session, business_key=TEST_PARTNER.key)] == ["Tester"]


def test_business_detail_nests_services_bindings_and_tmodels(published):
    with published.unit_of_work() as session:
        operator = registry.get_business(session, OPERATOR.key)
        partners = registry.find_business(session, name="mitra%")
    assert operator.name == "Emall KUKM"
    assert [s.name for s in operator.services] == sorted(spec.name for spec in SERVICES)
    assert [b.key for b in partners] == [TEST_PARTNER.key]


def test_tmodels_bindings_and_details(published):
    entry = _partner()
    with published.unit_of_work() as session:
        assert registry.get_tmodel(session, entry.tmodel_key).overview_url == "http://p/uji?wsdl"
        assert registry.get_binding(session, entry.binding_key).service_key == entry.service_key
        assert [b.key for b in registry.find_binding(session, entry.service_key)] == [entry.binding_key]
        assert {t.key for t in registry.find_tmodel(session, "%WSDL")} >= {entry.tmodel_key}


@pytest.mark.parametrize("lookup", [registry.get_business, registry.get_service, registry.get_binding,
                                    registry.get_tmodel, registry.find_binding])
def test_unknown_keys_are_not_found(published, lookup):
    with published.unit_of_work() as session, pytest.raises(NotFound) as raised:
        lookup(session, "uddi:emall-kukm:nothing")
    assert raised.value.code == "UNKNOWN_KEY"
