"""What a sync did, counted as it goes, and its one-line summary."""

from __future__ import annotations

from dataclasses import dataclass, field

from followup_cal.sync.algorithm import SyncPlan


@dataclass
class SyncReport:
    calendar_url: str
    plan: SyncPlan
    created: int = 0
    updated: int = 0
    deleted: int = 0
    tagged: int = 0  # events from before search ids, marked as this file's
    adopted: int = 0
    released: int = 0
    conflicts: list[str] = field(default_factory=list)
    elsewhere: list[str] = field(default_factory=list)  # listed on another origin: a line each
    requests: int = 0

    def count(self, kind: str) -> None:
        name = {"create": "created", "update": "updated", "tag": "tagged"}.get(kind, kind + "ed")
        name = name.replace("eed", "ed")  # adopted, released
        setattr(self, name, getattr(self, name) + 1)

    @property
    def summary(self) -> str:
        extra = [
            f"{label} {number}"
            for label, number in (
                ("marked as this file's", self.tagged),
                ("adopted", self.adopted),
                ("released", self.released),
                ("kept as edited on the server", len(self.plan.kept)),
            )
            if number
        ]
        if self.conflicts:
            extra.append(f"left alone {len(self.conflicts)} (edited on the server)")
        if self.elsewhere:
            extra.append(f"not written {len(self.elsewhere)} (listed on another server)")
        return (
            f"created {self.created}, updated {self.updated}, deleted {self.deleted}, "
            f"unchanged {self.plan.unchanged}" + "".join(f", {part}" for part in extra)
        )
