"""When a broadcast goes out: the Schedule kinds and their UTC instants, DST-correct.

- NOW: at the next sweep.
- AT: a local date-time in a consulate's zone -> one UTC instant. A local time that does not
  exist (the spring-forward gap) is refused with a clear message; an ambiguous one (the hour
  repeated when clocks go back) is resolved explicitly to its *first* occurrence (fold=0, the
  earlier UTC instant), and ``ambiguity_note`` says so.
- LOCAL_TIME: a date and hh:mm in each recipient's own zone. A recipient's zone is their
  consulate's zone, so the broadcast becomes one schedule row per distinct zone (with the
  consulates in that zone as an extra filter), each due at that zone's local time. Members
  with no consulate have no zone and are not reached by a LOCAL_TIME broadcast. Nothing is
  ever sent late: where that time has already passed when the broadcast is planned, the
  author must have chosen (``PastZones``) to send there the next day at that time, or to skip
  those zones; until then ``plan`` raises ``ZonesPassed``, naming every zone and the passed.
- RECURRING: daily, weekly (on the first date's weekday) or monthly (on the first date's day
  of month; months without that day are skipped) at hh:mm in a consulate's zone. Next fire
  times come from APScheduler 3's CronTrigger, which follows the zone's DST rules.

Schedules are stored as rows with ``next_due_at`` in UTC (broadcasts/repository.py); a JobQueue
job sweeps the due ones (``BroadcastService.sweep``). Pure functions here, no I/O.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from apscheduler.triggers.cron import CronTrigger


class ScheduleError(ValueError):
    """A schedule that cannot be used; the message says why (shown to staff and operators)."""


class TimePassed(ScheduleError):
    """The time asked for has passed everywhere it would be sent."""


class ScheduleKind(StrEnum):
    NOW = "now"
    AT = "at"
    LOCAL_TIME = "local_time"
    RECURRING = "recurring"


class Recurrence(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"


class PastZones(StrEnum):
    """LOCAL_TIME: what to do where the time has already passed."""

    NEXT_DAY = "next_day"
    SKIP = "skip"


@dataclass(frozen=True)
class Schedule:
    """What the author asked for. ``local`` is a naive local date-time; ``zone`` an IANA zone
    (AT and RECURRING; LOCAL_TIME uses each recipient's zone); ``past_zones`` what LOCAL_TIME
    does where the time has passed (None: not decided, so nothing may be planned there)."""

    kind: ScheduleKind
    local: datetime | None = None
    zone: str | None = None
    recurrence: Recurrence | None = None
    past_zones: PastZones | None = None

    @classmethod
    def now(cls) -> Schedule:
        return cls(ScheduleKind.NOW)

    @classmethod
    def at(cls, local: datetime, zone: str) -> Schedule:
        return cls(ScheduleKind.AT, local.replace(tzinfo=None, second=0, microsecond=0), zone)

    @classmethod
    def local_time(cls, local: datetime, past_zones: PastZones | None = None) -> Schedule:
        naive = local.replace(tzinfo=None, second=0, microsecond=0)
        return cls(ScheduleKind.LOCAL_TIME, naive, past_zones=past_zones)

    @classmethod
    def recurring(cls, recurrence: Recurrence, first: datetime, zone: str) -> Schedule:
        return cls(
            ScheduleKind.RECURRING,
            first.replace(tzinfo=None, second=0, microsecond=0),
            zone,
            recurrence,
        )

    def check(self) -> None:
        """Raise ScheduleError when a field the kind needs is missing or wrong."""
        if self.kind is ScheduleKind.NOW:
            return
        if self.local is None:
            raise ScheduleError("a date and time are needed")
        if self.kind is ScheduleKind.LOCAL_TIME:
            return
        if self.zone is None:
            raise ScheduleError("a time zone is needed")
        zone_of(self.zone)
        if self.kind is ScheduleKind.RECURRING and self.recurrence is None:
            raise ScheduleError("a recurrence (daily, weekly or monthly) is needed")

    def to_json(self) -> str:
        return json.dumps(
            {
                "kind": self.kind.value,
                "local": self.local.isoformat() if self.local else None,
                "zone": self.zone,
                "recurrence": self.recurrence.value if self.recurrence else None,
                "past_zones": self.past_zones.value if self.past_zones else None,
            },
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> Schedule:
        data = json.loads(text)
        return cls(
            ScheduleKind(data["kind"]),
            datetime.fromisoformat(data["local"]) if data.get("local") else None,
            data.get("zone"),
            Recurrence(data["recurrence"]) if data.get("recurrence") else None,
            PastZones(data["past_zones"]) if data.get("past_zones") else None,
        )


def zone_of(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ValueError, KeyError) as exc:  # ZoneInfoNotFoundError is a KeyError
        raise ScheduleError(f"unknown time zone {name!r}") from exc


def exists_locally(local: datetime, zone: ZoneInfo) -> bool:
    """False for a wall-clock time skipped when clocks go forward."""
    aware = local.replace(tzinfo=zone, fold=0)
    return aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) == local


def is_ambiguous(local: datetime, zone: ZoneInfo) -> bool:
    """True for a wall-clock time that happens twice when clocks go back."""
    first = local.replace(tzinfo=zone, fold=0).utcoffset()
    second = local.replace(tzinfo=zone, fold=1).utcoffset()
    return exists_locally(local, zone) and first != second


def to_utc(local: datetime, zone: ZoneInfo) -> datetime:
    """The UTC instant of a local wall-clock time; the first one if it is ambiguous (fold=0).

    Raises ScheduleError for a time inside the spring-forward gap."""
    naive = local.replace(tzinfo=None)
    if not exists_locally(naive, zone):
        raise ScheduleError(
            f"{naive:%Y-%m-%d %H:%M} does not exist in {zone.key}: the clocks go forward "
            "then; choose another time"
        )
    return naive.replace(tzinfo=zone, fold=0).astimezone(UTC)


def ambiguity_note(local: datetime, zone: ZoneInfo) -> str | None:
    """A sentence for the author when the local time happens twice, else None."""
    if not is_ambiguous(local, zone):
        return None
    instant = to_utc(local, zone)
    return (
        f"{local:%Y-%m-%d %H:%M} happens twice in {zone.key} (the clocks go back); "
        f"the first one is used ({instant:%H:%M} UTC)"
    )


def cron_trigger(recurrence: Recurrence, first: datetime, zone: ZoneInfo) -> CronTrigger:
    """The APScheduler trigger firing at ``first``'s time of day in ``zone``, from ``first``."""
    fields: dict[str, int | str] = {"hour": first.hour, "minute": first.minute}
    if recurrence is Recurrence.WEEKLY:
        fields["day_of_week"] = first.weekday()
    elif recurrence is Recurrence.MONTHLY:
        fields["day"] = first.day
    start = first.replace(hour=0, minute=0, tzinfo=zone)
    return CronTrigger(timezone=zone, start_date=start, **fields)


def next_occurrence(
    recurrence: Recurrence, first: datetime, zone: ZoneInfo, after: datetime | None
) -> datetime | None:
    """The next fire time in UTC strictly after ``after`` (or the first one when None)."""
    trigger = cron_trigger(recurrence, first.replace(tzinfo=None), zone)
    start = first.replace(hour=0, minute=0, tzinfo=zone)
    moment = start if after is None else max(start, after + timedelta(microseconds=1))
    fire = trigger.get_next_fire_time(None, moment)
    return fire.astimezone(UTC) if fire is not None else None


@dataclass(frozen=True)
class PlannedRun:
    """One schedule row to store: due at ``due_at`` (UTC) for members of ``consulates``
    (empty: no extra filter)."""

    zone: str
    due_at: datetime
    consulates: frozenset[str] = frozenset()


class ZonesPassed(ScheduleError):
    """LOCAL_TIME: the time has already passed in some zones and the author has not chosen
    what to do there. ``runs`` is every zone's run as asked, ``passed`` those already past."""

    def __init__(self, local: datetime, runs: list[PlannedRun], passed: list[PlannedRun]) -> None:
        self.runs = runs
        self.passed = passed
        zones = ", ".join(run.zone for run in passed)
        super().__init__(
            f"{local:%Y-%m-%d %H:%M} has already passed in {zones}: choose whether it goes"
            ' there the next day at that time or not at all (past_zones = "next_day" or "skip")'
        )


def plan(schedule: Schedule, now: datetime, zones_by_consulate: dict[str, str]) -> list[PlannedRun]:
    """The schedule rows for ``schedule``. ``zones_by_consulate`` maps the audience's
    consulates (all of them when the audience names none) to their zones."""
    schedule.check()
    if schedule.kind is ScheduleKind.NOW:
        return [PlannedRun("UTC", now)]
    assert schedule.local is not None
    if schedule.kind is ScheduleKind.LOCAL_TIME:
        return _plan_local_time(schedule, now, zones_by_consulate)
    assert schedule.zone is not None
    zone = zone_of(schedule.zone)
    if schedule.kind is ScheduleKind.AT:
        return [PlannedRun(schedule.zone, to_utc(schedule.local, zone))]
    assert schedule.recurrence is not None
    first = next_occurrence(schedule.recurrence, schedule.local, zone, None)
    if first is None:
        raise ScheduleError("this recurrence never fires")
    return [PlannedRun(schedule.zone, first)]


def _plan_local_time(
    schedule: Schedule, now: datetime, zones_by_consulate: dict[str, str]
) -> list[PlannedRun]:
    """One run per zone; where the time has passed, the next day or none, as the author chose."""
    assert schedule.local is not None
    runs = local_time_runs(schedule.local, zones_by_consulate)
    passed = [run for run in runs if run.due_at < now]
    if not passed:
        return runs
    if len(passed) == len(runs):
        raise TimePassed("that time has already passed in every recipient's time zone")
    if schedule.past_zones is None:
        raise ZonesPassed(schedule.local, runs, passed)
    if schedule.past_zones is PastZones.SKIP:
        return [run for run in runs if run not in passed]
    return [_next_day_there(schedule.local, run, now) if run in passed else run for run in runs]


def _next_day_there(local: datetime, run: PlannedRun, now: datetime) -> PlannedRun:
    """The run at the same local time on the first later day on which it is still ahead."""
    zone = zone_of(run.zone)
    day = local
    for _ in range(DAYS_TO_TRY):
        day += timedelta(days=1)
        if exists_locally(day, zone) and to_utc(day, zone) >= now:
            return replace(run, due_at=to_utc(day, zone))
    raise ScheduleError(f"{local:%Y-%m-%d %H:%M} is too long ago for {run.zone}")


#: Zones are at most 26 hours apart, so a time passed in one zone is ahead within two days.
DAYS_TO_TRY = 3


def moved_to_next_day(schedule: Schedule, due_at: datetime, zone: str) -> bool:
    """True when a LOCAL_TIME run goes out on a later day than asked (its time had passed)."""
    if schedule.kind is not ScheduleKind.LOCAL_TIME or schedule.local is None:
        return False
    return due_at.astimezone(zone_of(zone)).date() > schedule.local.date()


def local_time_runs(local: datetime, zones_by_consulate: dict[str, str]) -> list[PlannedRun]:
    """One run per distinct zone at ``local`` there, whether or not it has passed."""
    by_zone: dict[str, set[str]] = {}
    for consulate, zone in zones_by_consulate.items():
        by_zone.setdefault(zone, set()).add(consulate)
    if not by_zone:
        raise ScheduleError("no consulate in the audience, so no recipient time zone is known")
    return [
        PlannedRun(zone, to_utc(local, zone_of(zone)), frozenset(consulates))
        for zone, consulates in sorted(by_zone.items())
    ]
