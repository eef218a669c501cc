"""Use cases: plain functions over a session, called by the SOAP layer and the CLI."""
