"""HTTP hooks that partners call on the platform (not SOAP): pushed bank mutations."""
