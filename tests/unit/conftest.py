import pytest

from emall_ws.db.session import Database
from emall_ws.soap.app import create_app, publish_platform


@pytest.fixture
def app(settings, tmp_path):
    """The whole platform as a WSGI callable on a fresh SQLite file (no sockets)."""
    db = Database(f"sqlite:///{tmp_path / 'unit.db'}")
    db.create_schema()
    app = create_app(settings, db)
    publish_platform(app.platform)
    yield app
    db.dispose()
