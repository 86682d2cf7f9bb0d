"""The command line: thin wrappers over the service layer; the only package that imports click.

Each module registers its commands on the one group defined in base.py, which imports
a module when one of its commands is asked for (base.COMMAND_MODULES); nothing here
imports this package back.
"""

from __future__ import annotations

import gc

from followup_cal.cli.base import cli  # each command's module is imported when it runs

__all__ = ["cli", "main"]


def main() -> None:
    # A short-lived process building many small acyclic objects: the cyclic collector
    # only costs time here (a third of loading 5,000 interviews), so it is off.
    gc.disable()
    cli(prog_name="followup-cal")
