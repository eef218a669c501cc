"""The SOAP 1.1 face of the platform (spyne): thin services that parse, call a use case, map."""
