import calendar
import datetime
from dataclasses import dataclass


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, clamped to the month's last day (31 Aug + 6 → 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return day.replace(
        year=year, month=month, day=min(day.day, calendar.monthrange(year, month)[1])
    )


def round_end(start: datetime.date, months: int) -> datetime.date:
    """The last day of a round of `months` from `start`: the day before the same date
    `months` later (1 January + 6 → 30 June, never 1 July), or the end of that month when it
    has no such date (31 August + 6 → 28 or 29 February), so that the next round starts on the
    1st."""
    following = add_months(start, months)
    if following.day < start.day:
        following = add_months(following.replace(day=1), 1)
    return following - datetime.timedelta(days=1)


@dataclass(frozen=True, order=True)
class Semester:
    """A half year: S1 is January to June, S2 July to December."""

    year: int
    half: int

    def __post_init__(self):
        if self.half not in (1, 2):
            raise ValueError(f"Un semestre est 1 ou 2, pas {self.half}.")

    @classmethod
    def of(cls, day: datetime.date) -> "Semester":
        return cls(day.year, 1 if day.month <= 6 else 2)

    @classmethod
    def parse(cls, text: str) -> "Semester":
        """`2026-S1` (as in URLs and files)."""
        year, _, half = text.partition("-S")
        return cls(int(year), int(half))

    def __str__(self) -> str:
        return f"S{self.half} {self.year}"

    @property
    def key(self) -> str:
        return f"{self.year}-S{self.half}"

    @property
    def start(self) -> datetime.date:
        return datetime.date(self.year, 1 if self.half == 1 else 7, 1)

    @property
    def end(self) -> datetime.date:
        """The last day of the semester."""
        return (
            datetime.date(self.year, 6, 30) if self.half == 1 else datetime.date(self.year, 12, 31)
        )

    @property
    def months(self) -> list[datetime.date]:
        # The first days of its six months, all in its year (lists compute it per startup).
        first = 1 if self.half == 1 else 7
        return [datetime.date(self.year, month, 1) for month in range(first, first + 6)]

    @property
    def previous(self) -> "Semester":
        return self - 1

    def __sub__(self, n: int) -> "Semester":
        index = self.year * 2 + self.half - 1 - n
        return Semester(index // 2, index % 2 + 1)

    def __add__(self, n: int) -> "Semester":
        return self - (-n)


# A committee due more than this long ago is a stale record ("à régulariser": years-old backlog
# for most), not today's work.
STALE_AFTER_MONTHS = 6


def stale_before(today: datetime.date) -> datetime.date:
    return add_months(today, -STALE_AFTER_MONTHS)
