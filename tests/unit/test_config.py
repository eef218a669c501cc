import base64
from datetime import timedelta
from pathlib import Path

import pytest

from emall_ws.config import Settings
from emall_ws.domain.catalog import CatalogPolicy

SECRET_KEY = base64.b64encode(bytes(range(32))).decode()  # a test's key: 32 bytes, none of them secret


def test_defaults_need_no_set_up():
    settings = Settings.from_env({})
    assert settings.host == "127.0.0.1" and settings.port == 8000
    assert settings.public_url == "http://127.0.0.1:8000"
    assert settings.database_url == f"sqlite:///{Path('var') / 'emall.db'}"


def test_environment_overrides_every_default():
    settings = Settings.from_env({
        "EMALL_HOST": "0.0.0.0", "EMALL_PORT": "9000", "EMALL_PUBLIC_URL": "https://mall.example/",
        "EMALL_DATABASE_URL": "mysql+pymysql://u@db/emall", "EMALL_WORKERS": "4",
        "EMALL_MAX_REQUEST_BYTES": "1000", "EMALL_LOG_LEVEL": "debug", "EMALL_VAR_DIR": "/srv/emall"})
    assert settings.public_url == "https://mall.example"
    assert settings.database_url == "mysql+pymysql://u@db/emall"
    assert (settings.port, settings.workers, settings.max_request_bytes) == (9000, 4, 1000)
    assert settings.log_level == "DEBUG" and settings.var_dir == Path("/srv/emall")


def test_the_invoice_payment_window_is_24_hours_unless_configured():
    assert Settings.from_env({}).invoice_due_hours == 24
    assert Settings.from_env({"EMALL_INVOICE_DUE_HOURS": "2.5"}).invoice_due_hours == 2.5
    for value in ("0", "-5"):  # an invoice born overdue would expire at the worker's next turn
        with pytest.raises(ValueError, match="EMALL_INVOICE_DUE_HOURS"):
            Settings.from_env({"EMALL_INVOICE_DUE_HOURS": value})


def test_an_auction_lasts_at_least_an_hour_unless_configured_in_seconds_and_never_0_or_less():
    assert Settings.from_env({}).auction_min_duration == 3600
    assert Settings.from_env({"EMALL_AUCTION_MIN_DURATION": "60"}).auction_min_duration == 60
    for value in ("0", "-60", "1h", "nan"):  # 0: an auction could end as it opens
        with pytest.raises(ValueError, match="EMALL_AUCTION_MIN_DURATION"):
            Settings.from_env({"EMALL_AUCTION_MIN_DURATION": value})


def test_the_catalogue_policy_takes_the_minimum_auction_duration_from_the_settings():
    policy = CatalogPolicy.from_settings(Settings.from_env({"EMALL_AUCTION_MIN_DURATION": "90"}))
    assert policy.auction_min_duration == timedelta(seconds=90)
    assert CatalogPolicy.from_settings(Settings.from_env({})) == CatalogPolicy()  # the default is the rule's


def test_a_shipping_quote_is_valid_60_minutes_unless_configured_and_never_0_or_less():
    assert Settings.from_env({}).quote_ttl_minutes == 60
    assert Settings.from_env({"EMALL_QUOTE_TTL_MINUTES": "5"}).quote_ttl_minutes == 5
    for value in ("0", "-1"):
        with pytest.raises(ValueError, match="EMALL_QUOTE_TTL_MINUTES"):
            Settings.from_env({"EMALL_QUOTE_TTL_MINUTES": value})


def test_tracking_polls_every_5_minutes_4_calls_per_courier_and_completes_2_days_after_delivery():
    defaults = Settings.from_env({})
    assert (defaults.tracking_interval, defaults.tracking_concurrency, defaults.auto_complete_days) == (300, 4, 2)
    settings = Settings.from_env({"EMALL_TRACKING_INTERVAL": "60", "EMALL_TRACKING_CONCURRENCY": "8",
                                  "EMALL_AUTO_COMPLETE_DAYS": "0.5"})
    assert (settings.tracking_interval, settings.tracking_concurrency, settings.auto_complete_days) == (60, 8, 0.5)


@pytest.mark.parametrize("variable, attribute, default", [
    ("EMALL_AUCTION_CLOSE_INTERVAL", "auction_close_interval", 5),
    ("EMALL_INVOICE_EXPIRY_INTERVAL", "invoice_expiry_interval", 30),
    ("EMALL_HEARTBEAT_INTERVAL", "heartbeat_interval", 5),
])
def test_the_worker_job_intervals_keep_their_defaults_unless_configured_and_are_never_0(variable, attribute, default):
    assert getattr(Settings.from_env({}), attribute) == default
    assert getattr(Settings.from_env({variable: "0.5"}), attribute) == 0.5
    for value in ("0", "-1", "soon"):
        with pytest.raises(ValueError, match=variable):
            Settings.from_env({variable: value})


def test_the_sms_provider_is_the_gateway_or_gammu_and_a_typo_is_refused_at_start():
    assert Settings.from_env({}).sms_provider == "gateway"
    assert Settings.from_env({"EMALL_SMS_PROVIDER": " Gammu "}).sms_provider == "gammu"
    with pytest.raises(ValueError, match="EMALL_SMS_PROVIDER='gamu' is not valid: expected gateway or gammu"):
        Settings.from_env({"EMALL_SMS_PROVIDER": "gamu"})


def test_message_limits_and_trusted_proxies_default_and_are_checked_at_start():
    settings = Settings.from_env({})
    assert (settings.message_limit_hour, settings.message_limit_day, settings.client_limit_hour) == (3, 10, 20)
    assert settings.trusted_proxies == ()
    settings = Settings.from_env({"EMALL_MESSAGE_LIMIT_HOUR": "5", "EMALL_MESSAGE_LIMIT_DAY": "12",
                                  "EMALL_CLIENT_LIMIT_HOUR": "100", "EMALL_TRUSTED_PROXIES": "10.0.0.5, 10.1.0.0/16"})
    assert (settings.message_limit_hour, settings.message_limit_day, settings.client_limit_hour) == (5, 12, 100)
    assert [str(n) for n in settings.trusted_proxies] == ["10.0.0.5/32", "10.1.0.0/16"]


@pytest.mark.parametrize("variable, value, expected", [
    ("EMALL_MESSAGE_LIMIT_HOUR", "0", "a whole number of at least 1"),
    ("EMALL_MESSAGE_LIMIT_DAY", "ten", "a whole number of at least 1"),
    ("EMALL_CLIENT_LIMIT_HOUR", "2.5", "a whole number of at least 1"),
    ("EMALL_TRUSTED_PROXIES", "10.0.0.1/8", "IP addresses or CIDR networks"),
    ("EMALL_TRUSTED_PROXIES", "proxy.internal", "IP addresses or CIDR networks"),
])
def test_a_bad_limit_or_proxy_list_is_one_line_naming_the_variable(variable, value, expected):
    with pytest.raises(ValueError) as refused:
        Settings.from_env({variable: value})
    message = str(refused.value)
    assert message.startswith(f"{variable}={value!r} is not valid: expected ") and expected in message
    assert "\n" not in message


def test_a_partner_call_gets_5_seconds_unless_configured_and_never_0_or_less():
    assert Settings.from_env({}).partner_timeout == 5
    assert Settings.from_env({"EMALL_PARTNER_TIMEOUT": "1.5"}).partner_timeout == 1.5
    for value, shown in (("0", "'0'"), ("-2", "'-2'"), ("soon", "'soon'"), ("nan", "'nan'")):
        with pytest.raises(ValueError) as refused:
            Settings.from_env({"EMALL_PARTNER_TIMEOUT": value})
        assert str(refused.value) == f"EMALL_PARTNER_TIMEOUT={shown} is not valid: expected a number greater than 0"


def test_dukcapil_and_oss_are_the_sandboxes_unless_configured():
    settings = Settings.from_env({"EMALL_SANDBOX_URL": "http://sandbox.internal:8001"})
    assert settings.partner_url("dukcapil") == "http://sandbox.internal:8001/partners/dukcapil"
    assert settings.partner_url("oss") == "http://sandbox.internal:8001/partners/oss"
    configured = Settings.from_env({"EMALL_DUKCAPIL_URL": " https://dukcapil.example.go.id/ws/ ",
                                    "EMALL_OSS_URL": "https://oss.example.go.id/nib"})
    assert configured.partner_url("dukcapil") == "https://dukcapil.example.go.id/ws"
    assert configured.partner_url("oss") == "https://oss.example.go.id/nib"
    assert not {"EMALL_DUKCAPIL_URL", "EMALL_OSS_URL"} & set(configured.partners_left_to_the_sandbox())
    with pytest.raises(ValueError, match="EMALL_DUKCAPIL_URL='dukcapil.example' is not valid"):
        Settings.from_env({"EMALL_DUKCAPIL_URL": "dukcapil.example"})


def test_a_public_server_refuses_dukcapil_and_oss_left_to_the_sandbox():
    from emall_ws.config import FailClosed

    others = {name: "https://partner.example/ws" for name in Settings.from_env({}).partners_left_to_the_sandbox()
              if name not in ("EMALL_DUKCAPIL_URL", "EMALL_OSS_URL")}
    public = {"EMALL_HOST": "0.0.0.0", "EMALL_SECRET_KEY": SECRET_KEY, **others}
    with pytest.raises(FailClosed) as refused:
        Settings.from_env(public).check_fail_closed()
    assert "2 partner endpoints" in str(refused.value)
    assert "set EMALL_DUKCAPIL_URL, EMALL_OSS_URL;" in str(refused.value)
    with pytest.raises(FailClosed, match="set EMALL_OSS_URL;"):
        Settings.from_env({**public, "EMALL_DUKCAPIL_URL": "https://dukcapil.example.go.id/ws"}).check_fail_closed()
    Settings.from_env({**public, "EMALL_SANDBOX": "1"}).check_fail_closed()  # a demo says so explicitly


def test_the_sandbox_seed_is_a_file_path_or_none():
    assert Settings.from_env({}).sandbox_seed is None
    assert Settings.from_env({"EMALL_SANDBOX_SEED": " deploy/sandbox-seed.example.json "}).sandbox_seed == Path(
        "deploy/sandbox-seed.example.json")


def test_a_public_server_refuses_the_test_suites_password_hash():
    from emall_ws.config import FailClosed

    partners = {f"EMALL_{kind}_URL": "https://partner.example/ws" for kind in
                ("BANK_BCA", "BANK_MANDIRI", "BANK_BNI", "BANK_BRI", "COURIER_POS", "COURIER_TIKI", "COURIER_JNE",
                 "COURIER_FEDEX", "COURIER_DHL", "COURIER_WAHANA", "COURIER_PCP", "SMS", "DUKCAPIL", "OSS")}
    public = {"EMALL_HOST": "0.0.0.0", "EMALL_SECRET_KEY": SECRET_KEY, **partners}
    Settings.from_env(public).check_fail_closed()  # every partner configured: a public server may start
    with pytest.raises(FailClosed, match="EMALL_PASSWORD_HASH=cheapest"):
        Settings.from_env({**public, "EMALL_PASSWORD_HASH": "cheapest"}).check_fail_closed()
    Settings.from_env({"EMALL_PASSWORD_HASH": "cheapest"}).check_fail_closed()  # on loopback: a test's server
    without_key = {name: value for name, value in public.items() if name != "EMALL_SECRET_KEY"}
    with pytest.raises(FailClosed, match="EMALL_SECRET_KEY is unset"):
        Settings.from_env(without_key).check_fail_closed()
    assert Settings.from_env({}).secret_key is None  # on loopback: the var folder's key (secret_box.local_key)


@pytest.mark.parametrize("value, why", [("CHANGE-ME", "not base64"), ("c2hvcnQ=", "5 bytes, fewer than 32"),
                                        (base64.b64encode(b"x" * 31).decode(), "31 bytes, fewer than 32")])
def test_a_secret_key_must_be_32_random_bytes_and_is_never_shown(value, why):
    with pytest.raises(ValueError) as refused:
        Settings.from_env({"EMALL_SECRET_KEY": value})
    assert str(refused.value) == ("EMALL_SECRET_KEY='(hidden)' is not valid: expected base64 of at least 32 random "
                                  f"bytes, as `openssl rand -base64 32` prints ({why})")
    assert Settings.from_env({"EMALL_SECRET_KEY": f" {SECRET_KEY} "}).secret_key == SECRET_KEY
    url_safe = base64.urlsafe_b64encode(b"\xfb" * 32).decode()  # as Python's secrets.token_urlsafe(32) prints
    assert Settings.from_env({"EMALL_SECRET_KEY": url_safe}).secret_key == url_safe
