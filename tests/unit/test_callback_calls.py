"""One callback POST's address: a name is called at the address checked, its certificate checked against
the name (services/callback_calls.py), so no second DNS look-up can send it elsewhere or late."""
from __future__ import annotations

import ipaddress

import requests

from emall_ws.domain import callbacks as rules
from emall_ws.services.callback_calls import TLS_NAME_HEADER, http_session, pinned

CHECKED = [ipaddress.ip_address("93.184.216.34"), ipaddress.ip_address("2606:2800:220:1:248:1893:25c8:1946")]


def pool_of(url: str, headers: dict[str, str]) -> tuple[dict, dict]:
    request = requests.Request("POST", url, headers=headers).prepare()
    return http_session().get_adapter(url).build_connection_pool_key_attributes(request, True)


def test_a_name_is_called_at_an_address_checked_and_keeps_its_name_in_the_host_header():
    parts = rules.split_url("https://Hooks.Toko.test:8443/emall?x=1")
    assert pinned(parts, CHECKED[0]) == ("https://93.184.216.34:8443/emall?x=1",
                                         {"Host": "hooks.toko.test:8443", TLS_NAME_HEADER: "hooks.toko.test"})
    assert pinned(rules.split_url("http://hooks.toko.test/emall"), CHECKED[1]) == (
        "http://[2606:2800:220:1:248:1893:25c8:1946]:80/emall", {"Host": "hooks.toko.test"})


def test_an_address_written_in_the_url_is_called_as_it_is():
    url = "https://[2606:2800:220:1:248:1893:25c8:1946]/emall"
    assert pinned(rules.split_url(url), CHECKED[1]) == (url, {})


def test_over_https_the_certificate_is_checked_against_the_name_not_the_address():
    url, headers = pinned(rules.split_url("https://hooks.toko.test/emall"), CHECKED[0])
    where, tls = pool_of(url, headers)
    assert (where["host"], where["port"]) == ("93.184.216.34", 443)
    assert (tls["server_hostname"], tls["assert_hostname"]) == ("hooks.toko.test", "hooks.toko.test")
    assert "server_hostname" not in pool_of("https://93.184.216.34/emall", {})[1]  # an address: as usual


def test_a_host_header_does_not_choose_the_certificates_name_and_the_private_header_is_not_sent():
    assert "server_hostname" not in pool_of("https://93.184.216.34/emall", {"Host": "hooks.toko.test"})[1]
    request = requests.Request("POST", "https://93.184.216.34/emall", headers={TLS_NAME_HEADER: "x.test"}).prepare()
    http_session().get_adapter(request.url).add_headers(request)
    assert TLS_NAME_HEADER not in request.headers
