"""Lets spyne 2.14 import on CPython 3.12 and 3.13.

spyne bundles an old copy of ``six`` whose ``six.moves`` importer implements
only ``find_module``/``load_module``; CPython 3.12 stopped consulting
``find_module``, so ``spyne.util.six.moves`` no longer imports.  This module adds
one meta-path finder that offers ``find_spec`` on behalf of any such legacy
finder.  (``cgi``, removed in 3.13, comes from the ``legacy-cgi`` package.)

Imported by ``emall_ws/__init__.py``, so it runs before anything imports spyne.
"""
from __future__ import annotations

import importlib.util
import sys
from importlib.machinery import ModuleSpec


class LegacyFinderAdapter:
    """A meta-path finder speaking for finders that only know ``find_module``."""

    @staticmethod
    def find_spec(fullname: str, path=None, target=None) -> ModuleSpec | None:
        for finder in list(sys.meta_path):
            if hasattr(finder, "find_module") and not hasattr(finder, "find_spec"):
                loader = finder.find_module(fullname, path)
                if loader is not None:
                    return importlib.util.spec_from_loader(fullname, loader)
        return None


def install() -> None:
    if sys.version_info >= (3, 12) and LegacyFinderAdapter not in sys.meta_path:
        sys.meta_path.append(LegacyFinderAdapter)


install()
