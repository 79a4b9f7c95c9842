#!/usr/bin/env python3
"""Check, before `databricks bundle deploy -t TARGET`, every value CD passes in; fail in one line naming the gaps.

CD_VARIABLES is the one list of those values: .github/workflows/cd.yml passes each from the GitHub source named
here, and tests/bundle/test_targets.py checks that the BUNDLE_VAR_* ones are exactly the bundle variables a target
leaves without a value. Standard library only: CD runs it before anything is installed.

Usage: python scripts/check_cd_vars.py TARGET   (exit 0: all set; 1: one line on stderr; 2: unknown target)
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from typing import NamedTuple

TARGETS = ("dev", "staging", "prod")
UUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"


class CdVariable(NamedTuple):
    source: str  # the GitHub expression cd.yml reads it from (environment secret or variable)
    targets: tuple[str, ...]  # the targets whose deploy needs it
    shape: str  # regular expression a usable value matches
    hint: str  # what the value is, for the error line


CD_VARIABLES: dict[str, CdVariable] = {
    "DATABRICKS_HOST": CdVariable("secrets.DATABRICKS_HOST", TARGETS, r"https://\S+", "the workspace URL"),
    "DATABRICKS_CLIENT_ID": CdVariable("secrets.DATABRICKS_CLIENT_ID", TARGETS, r"\S+", "the deploying principal"),
    "DATABRICKS_CLIENT_SECRET": CdVariable("secrets.DATABRICKS_CLIENT_SECRET", TARGETS, r"\S+", "its OAuth secret"),
    "BUNDLE_VAR_alert_email": CdVariable(
        "vars.ALERT_EMAIL", ("staging", "prod"), r"[^@\s]+@[^@\s]+\.[^@\s]+", "the failure e-mail address"
    ),
    "BUNDLE_VAR_service_principal": CdVariable(
        "vars.SERVICE_PRINCIPAL", ("staging", "prod"), UUID, "the run-as service principal's application id"
    ),
}


def problems(target: str, environ: Mapping[str, str]) -> list[str]:
    """One phrase per value `target` needs that is unset or malformed (never echoing a secret's value)."""
    found = []
    for name, spec in CD_VARIABLES.items():
        if target not in spec.targets:
            continue
        value = environ.get(name, "").strip()
        github = spec.source.split(".", 1)[1]
        if not value:
            found.append(f"{name} is empty (set {github} in the GitHub environment '{target}': {spec.hint})")
        elif not re.fullmatch(spec.shape, value):
            found.append(f"{name} does not look like {spec.hint} (check {github})")
    return found


def main(argv: list[str]) -> int:
    if len(argv) != 1 or argv[0] not in TARGETS:
        print(f"usage: check_cd_vars.py {{{'|'.join(TARGETS)}}}", file=sys.stderr)
        return 2
    found = problems(argv[0], os.environ)
    if found:
        print(f"error: cannot deploy to {argv[0]}: {'; '.join(found)}", file=sys.stderr)
        return 1
    print(f"CD values for {argv[0]}: all {sum(argv[0] in s.targets for s in CD_VARIABLES.values())} set")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
