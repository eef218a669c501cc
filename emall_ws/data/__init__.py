"""Data shipped with the package: Kemendagri regions (CSV) and their loader."""
