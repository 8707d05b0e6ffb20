"""The fault zoo: ModelCheckpoints that each break the specification in one way.

Every member subclasses the reference and overrides the least it can to
introduce one plausible fault, most of them faults people have hit (see the
field reports). Its docstring says what is wrong and its ``breaks`` attribute
names the SPEC.md clauses the fault breaks. ``pytest --impl=zoo.<name>`` runs
the suite against a member; the project's own tests check that the suite
catches every member on one of its clauses.
"""

from __future__ import annotations

import re

from conformance.zoo import (
    best,
    construction,
    frequency,
    hooks,
    messages,
    mode,
    paths,
    saving,
)

_MODULES = (construction, mode, paths, frequency, best, saving, messages, hooks)


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


#: Every member, by a short snake_case name derived from its class name.
ALL: dict[str, type] = {
    _snake(name): getattr(module, name)
    for module in _MODULES
    for name in module.__all__
}
