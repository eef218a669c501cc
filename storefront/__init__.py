"""The reference storefront (issue 19): a server-rendered web shop in Indonesian that talks to the
platform only through its published WSDLs, as any third-party shop would. It imports nothing of
`emall_ws`; `emall-ws storefront` starts it (storefront/server.py)."""
