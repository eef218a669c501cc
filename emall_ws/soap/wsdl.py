"""The WSDL documents of every service, as served and as committed under wsdl/."""
from __future__ import annotations

from pathlib import Path

from emall_ws.config import Settings
from emall_ws.soap.app import SERVICES, build_endpoint
from emall_ws.platform import Platform


def wsdl_documents(public_url: str) -> dict[str, bytes]:
    """Each service's WSDL for the given public base URL (no database is touched)."""
    settings = Settings.from_env({"EMALL_PUBLIC_URL": public_url, "EMALL_DATABASE_URL": "sqlite://"})
    platform = Platform.from_settings(settings)
    try:
        return {spec.name: build_endpoint(spec, platform).wsdl for spec in SERVICES}
    finally:
        platform.db.dispose()


def export_wsdl(out_dir: Path, public_url: str) -> list[Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, document in wsdl_documents(public_url).items():
        path = out_dir / f"{name}.wsdl"
        path.write_bytes(document)
        written.append(path)
    return written
