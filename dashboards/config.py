"""Where the dashboards read from, resolved once when the app starts (never at import).

- published copy: PORTFOLIO_PUBLISHED, else published/ beside the warehouse (Settings.published);
- users file: PORTFOLIO_USERS, else data/users.json;
- reference date for days left / days waiting: PORTFOLIO_AS_OF (ISO or ROC date), else none fixed: the
  pages take today, or a day inside the data's latest term when today is outside it (dashboards.clock).

`portfolio dashboard` passes its command-line choices to the Streamlit process through these variables
(a reference date only when one was given: otherwise a long-running app moves on with the calendar).
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path

from dashboards.clock import parse_day
from dashboards.users import resolve_users_path
from pipelines.settings import Settings


@dataclass(frozen=True)
class DashboardConfig:
    published: Path
    users: Path
    as_of: dt.date | None  # fixed reference day (None: chosen from today and the data)

    @classmethod
    def resolve(cls, published: str | Path | None = None, users: str | Path | None = None,
                as_of: dt.date | None = None) -> DashboardConfig:
        chosen = published or os.environ.get("PORTFOLIO_PUBLISHED")
        return cls(
            published=Path(chosen).absolute() if chosen else Settings.resolve().published,
            users=resolve_users_path(users),
            as_of=as_of or parse_day(os.environ.get("PORTFOLIO_AS_OF")),
        )

    def environment(self, base: dict[str, str], *, fixed_as_of: bool = False) -> dict[str, str]:
        """`base` plus the variables that make the Streamlit process resolve this same configuration."""
        chosen = {"PORTFOLIO_PUBLISHED": str(self.published), "PORTFOLIO_USERS": str(self.users)}
        if fixed_as_of and self.as_of is not None:
            chosen["PORTFOLIO_AS_OF"] = self.as_of.isoformat()
        return {**base, **chosen}

