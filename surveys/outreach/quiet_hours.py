"""Quiet hours: nobody gets a message from Heard at night, in the municipality's own time zone."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from surveys.config import Settings


@dataclass(frozen=True, slots=True)
class QuietHours:
    starts: dt.time
    ends: dt.time
    time_zone: str

    def contains(self, moment: dt.datetime) -> bool:
        local = moment.astimezone(ZoneInfo(self.time_zone)).time().replace(tzinfo=None)
        if self.starts == self.ends:
            return False
        if self.starts < self.ends:  # e.g. 00:00-07:00
            return self.starts <= local < self.ends
        return local >= self.starts or local < self.ends  # across midnight, e.g. 20:00-09:00

    def next_allowed(self, moment: dt.datetime) -> dt.datetime:
        """`moment` itself outside quiet hours, else the moment they end (as UTC)."""
        if not self.contains(moment):
            return moment
        zone = ZoneInfo(self.time_zone)
        local = moment.astimezone(zone)
        end = dt.datetime.combine(local.date(), self.ends, tzinfo=zone)
        if end <= local:
            end = dt.datetime.combine(local.date() + dt.timedelta(days=1), self.ends, tzinfo=zone)
        return end.astimezone(dt.UTC)


def quiet_hours_of(settings: Settings) -> QuietHours:
    return QuietHours(settings.quiet_hours.starts, settings.quiet_hours.ends, settings.municipality.time_zone)
