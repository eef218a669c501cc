"""Every environment variable the code reads is a documented setting, and the README lists exactly those."""
import re
from pathlib import Path

from emall_ws.config import SETTINGS, settings_table

ROOT = Path(__file__).resolve().parents[2]
# read by the code, but not settings of the running platform
NOT_SETTINGS = {
    "EMALL_ADMIN_PASSWORD": "the password `emall-ws create-admin` takes (README, docs/commands.md)",
    "EMALL_SANDBOX_PUBLIC_URL": "how `emall-ws sandbox` hands its public URL to its own workers",
}
DOCUMENTED = {setting.name for setting in SETTINGS}


def names_read_by_the_code() -> set[str]:
    sources = [*(ROOT / "emall_ws").rglob("*.py"), *(ROOT / "adapters").rglob("*.py")]
    return {name for path in sources for name in re.findall(r"[\"'](EMALL_[A-Z0-9_]+)[\"']", path.read_text())}


def test_the_code_reads_only_documented_settings():
    read = names_read_by_the_code()
    assert len(read) > 20  # the scan finds them at all
    assert read - DOCUMENTED - set(NOT_SETTINGS) == set()
    assert set(NOT_SETTINGS) <= read  # the exceptions are still real


def test_every_documented_setting_is_read_by_the_code():
    per_partner = {"EMALL_BANK_<CODE>_URL", "EMALL_COURIER_<CODE>_URL"}  # built from the partner codes
    assert DOCUMENTED - per_partner - names_read_by_the_code() == set()


def test_the_readme_table_lists_exactly_the_settings():
    readme = (ROOT / "README.md").read_text()
    in_table = re.findall(r"^\| `(EMALL_[A-Z0-9_<>]+)` \|", readme, re.MULTILINE)
    assert sorted(in_table) == sorted(DOCUMENTED)
    assert "`EMALL_ADMIN_PASSWORD`" in readme  # documented with create-admin


def test_the_readme_table_is_the_one_generated_from_the_declarations():
    """Defaults and meanings too, not only the names: `emall-ws settings --markdown` writes it."""
    readme = (ROOT / "README.md").read_text()
    assert settings_table() in readme
