"""Lazy public names for a package (PEP 562): ``__getattr__`` imports a name's module on first
use, ``__dir__`` lists ``__all__``, so ``import liqlab`` stays light and ``dir()`` shows the API."""
from __future__ import annotations

import importlib

__all__ = ["lazy_attributes"]


def lazy_attributes(package: str, names: dict[str, str], public: list[str],
                    modules: dict[str, str] | None = None):
    """``(__getattr__, __dir__)`` for ``package``: ``names`` maps a public name to the module
    that defines it, ``modules`` maps a name to a module to return whole; any other name is
    tried as a submodule ``package.name``; ``__dir__`` returns ``sorted(public)``."""
    modules = modules or {}

    def __getattr__(name: str):
        if name in modules:
            return importlib.import_module(modules[name])
        mod = names.get(name)
        if mod is not None:
            return getattr(importlib.import_module(mod), name)
        try:
            return importlib.import_module(f"{package}.{name}")
        except ModuleNotFoundError as exc:
            if exc.name != f"{package}.{name}":
                raise
            raise AttributeError(f"module {package!r} has no attribute {name!r}") from None

    def __dir__() -> list[str]:
        return sorted(public)

    return __getattr__, __dir__
