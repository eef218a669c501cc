"""The floor under getProduct: what the server and the driver cost before any SOAP or platform work.

Not the platform: a bare WSGI app, served like the echo (granian, the same workers and threads), that
takes the product id out of a getProduct envelope with a regular expression, runs the platform's own
getProduct statement (`emall_ws.services.catalog._PAGE`, compiled once) on a plain DBAPI connection of
EMALL_DATABASE_URL's driver (PyMySQL or mysqlclient), and answers a few of its columns. No Python
serving getProduct through that driver can answer faster than this on the same server arrangement, so
bench/catalog.py --floor reports it beside the PHP reference as the ceiling of any change to our side.
"""
from __future__ import annotations

import os
import re
from html import escape

from sqlalchemy import make_url

from emall_ws.services.catalog import _PAGE

PRODUCT_ID = re.compile(rb"productId>\s*(\d+)\s*<")
HEAD = (b'<?xml version="1.0" encoding="UTF-8"?><soap11env:Envelope '
        b'xmlns:soap11env="http://schemas.xmlsoap.org/soap/envelope/" xmlns:tns="urn:emall-kukm:catalog">'
        b"<soap11env:Body><tns:getProductResponse><tns:getProductResult>")
TAIL = b"</tns:getProductResult></tns:getProductResponse></soap11env:Body></soap11env:Envelope>"


def _connect(url: str):
    parsed = make_url(url)
    options = dict(host=parsed.host or "127.0.0.1", port=parsed.port or 3306, user=parsed.username or "root",
                   password=parsed.password or "", database=parsed.database, charset="utf8mb4", autocommit=True)
    if parsed.drivername.endswith("mysqldb"):
        import MySQLdb
        return MySQLdb.connect(**options)
    import pymysql
    return pymysql.connect(**options)


def _statement(url: str) -> str:
    """_PAGE as the MySQL dialect writes it, with a DBAPI placeholder for the id."""
    from sqlalchemy.dialects import mysql
    return str(_PAGE.compile(dialect=mysql.dialect())).replace("%(product_id)s", "%s")


def create_app():
    url = os.environ["EMALL_DATABASE_URL"]
    statement = _statement(url)
    connection = _connect(url)  # one per worker process: granian's one blocking thread uses it

    def app(environ, start_response):
        if environ["REQUEST_METHOD"] != "POST":
            start_response("200 OK", [("Content-Type", "text/plain")])
            return [b"ok"]
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        cursor = connection.cursor()
        cursor.execute(statement, (int(PRODUCT_ID.search(body).group(1)),))
        rows = cursor.fetchall()
        cursor.close()
        product_id, name, status = rows[0][0], rows[0][3], rows[0][7]
        answer = b"".join((HEAD, b"<tns:productId>%d</tns:productId>" % product_id,
                           b"<tns:name>", escape(name, quote=False).encode(), b"</tns:name>",
                           b"<tns:action>", status.encode(), b"</tns:action>", TAIL))
        start_response("200 OK", [("Content-Type", "text/xml; charset=utf-8"), ("Content-Length", str(len(answer)))])
        return [answer]

    return app
