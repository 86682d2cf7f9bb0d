"""The command line: thin wrappers over the service layer; the only package that imports click.

Each module registers its commands on the one group defined in base.py; this package
imports them all, and nothing here imports this package back.
"""

from __future__ import annotations

import gc

from followup_cal.cli import (  # noqa: F401  (registers commands)
    adding,
    config,
    journal,
    mail,
    publishing,
    reading,
    sync,
)
from followup_cal.cli.base import cli

__all__ = ["cli", "main"]


def main() -> None:
    # A short-lived process building many small acyclic objects: the cyclic collector
    # only costs time here (a third of loading 5,000 interviews), so it is off.
    gc.disable()
    cli(prog_name="followup-cal")
