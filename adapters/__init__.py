"""Clients of partner services (banks, couriers, SMS gateway): an abstract interface per kind
and a zeep implementation; zeep never leaks out of this package."""
