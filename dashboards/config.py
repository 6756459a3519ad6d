"""Where the dashboards read from, resolved once when the app starts (never at import).

- published copy: PORTFOLIO_PUBLISHED, else published/ beside the warehouse (Settings.published);
- users file: PORTFOLIO_USERS, else data/users.json;
- reference date for days left / days waiting: PORTFOLIO_AS_OF (ISO date), else today.

`portfolio dashboard` passes its command-line choices to the Streamlit process through these variables
(a reference date only when one was given: otherwise a long-running app moves on with the calendar).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from dashboards.users import resolve_users_path
from pipelines.settings import Settings


@dataclass(frozen=True)
class DashboardConfig:
    published: Path
    users: Path
    as_of: dt.date

    @classmethod
    def resolve(cls, published: str | Path | None = None, users: str | Path | None = None,
                as_of: dt.date | None = None) -> DashboardConfig:
        chosen = published or os.environ.get("PORTFOLIO_PUBLISHED")
        return cls(
            published=Path(chosen).absolute() if chosen else Settings.resolve().published,
            users=resolve_users_path(users),
            as_of=as_of or _date(os.environ.get("PORTFOLIO_AS_OF")) or dt.date.today(),
        )

    def environment(self, base: dict[str, str], *, fixed_as_of: bool = False) -> dict[str, str]:
        """`base` plus the variables that make the Streamlit process resolve this same configuration."""
        chosen = {"PORTFOLIO_PUBLISHED": str(self.published), "PORTFOLIO_USERS": str(self.users)}
        if fixed_as_of:
            chosen["PORTFOLIO_AS_OF"] = self.as_of.isoformat()
        return {**base, **chosen}


def _date(text: str | None) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text) if text else None
    except ValueError:
        return None
