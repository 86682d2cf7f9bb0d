"""followup-cal: interviews in YAML become dated, drafted follow-ups in a calendar."""

__version__ = "0.1.0"
