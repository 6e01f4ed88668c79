# Copyright: rktnetes.cluster contributors
# Apache License 2.0 (see LICENSE)
"""The collection's module_utils, imported when a filter first uses them.

For any one `rktnetes.cluster.<name>` filter, ansible-core imports every filter file of the
collection (its Jinja2Loader walks the whole filter package to find the name), and it does so again
in each worker process, one per task and host. Filter files that import their module_utils at the
top made every templated task pay for all of them: about 40 ms of CPU per task and host, the ACI and
OpenPGP readers included. Through `LazyModuleUtils` a task pays only for the filters it calls.
Filter files assign one per name: ansible-doc reads their top-level assignments and skips (with a
warning) a tuple on the left."""

from __future__ import annotations

import importlib

PACKAGE = "ansible_collections.rktnetes.cluster.plugins.module_utils"


class LazyModuleUtils:
    """Stands for PACKAGE.<name>: an attribute read imports it (once: Python keeps it in sys.modules)."""

    __slots__ = ("_name",)

    def __init__(self, name):
        self._name = name

    def __getattr__(self, attribute):
        return getattr(importlib.import_module(f"{PACKAGE}.{self._name}"), attribute)

    def __repr__(self):
        return f"<module_utils {self._name}, imported on first use>"
