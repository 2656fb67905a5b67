"""The money after the decision, on the startups' side: the purchasing team's addresses of an
organisation, and the calendar of the orders ("bons de commande").

An order takes about a month, and none goes out while the order window is closed (by default
from 15 December, included, to 1 February, excluded: `PURCHASING_ORDER_WINDOW_CLOSES` and
`..._REOPENS`, "MM-DD"). The date logic is pure: the day is an input.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts.editing import StaleEdit, digest
from accounts.models import normalize_email

from .models import Organisation

# An order takes about a month: it should leave this long before the round starts.
ORDER_LEAD_DAYS = 30
MAX_ADDRESSES = 10
MAX_LENGTH = Organisation._meta.get_field("purchasing_emails").max_length


def month_day(text: str) -> tuple[int, int]:
    """(month, day) of "MM-DD"; a `ValueError` for anything else (31 February included)."""
    month, day = (int(part) for part in text.split("-"))
    datetime.date(2000, month, day)  # a leap year: 02-29 is a day
    return month, day


def on(year: int, month_and_day: tuple[int, int]) -> datetime.date:
    """The day in that year; 29 February becomes the 28th in other years."""
    month, day = month_and_day
    if (month, day) == (2, 29) and not (year % 4 == 0 and (year % 100 or year % 400 == 0)):
        day = 28
    return datetime.date(year, month, day)


@dataclass(frozen=True)
class OrderWindow:
    """The order window around a day: it `closes` on a day and `reopens` on another; `closed`
    when the day is between them, else the day is in the closing day's month, before it."""

    closes: datetime.date
    reopens: datetime.date
    closed: bool

    @property
    def message(self) -> str:
        if self.closed:
            return (
                f"La fenêtre des bons de commande est fermée jusqu’au {self.reopens:%d/%m/%Y} : "
                "aucun bon de commande ne part avant cette date."
            )
        return (
            f"La fenêtre des bons de commande ferme le {self.closes:%d/%m/%Y} : le bon de "
            f"commande doit partir avant, sinon il attendra sa réouverture le "
            f"{self.reopens:%d/%m/%Y}."
        )


def closed_period(
    day: datetime.date, *, closes: str | None = None, reopens: str | None = None
) -> tuple[datetime.date, datetime.date] | None:
    """(closing day, reopening day) of the closed period holding `day`, or None."""
    closing = month_day(closes or settings.PURCHASING_ORDER_WINDOW_CLOSES)
    reopening = month_day(reopens or settings.PURCHASING_ORDER_WINDOW_REOPENS)
    for year in (day.year - 1, day.year):
        start = on(year, closing)
        end = on(year + 1 if reopening <= closing else year, reopening)
        if start <= day < end:
            return start, end
    return None


def order_window(
    day: datetime.date, *, closes: str | None = None, reopens: str | None = None
) -> OrderWindow | None:
    """What to warn about for a decision taken on `day`: the window closes soon (`day` is in
    the closing day's month, before it), or it is closed; None the rest of the year."""
    if period := closed_period(day, closes=closes, reopens=reopens):
        return OrderWindow(closes=period[0], reopens=period[1], closed=True)
    closing = on(day.year, month_day(closes or settings.PURCHASING_ORDER_WINDOW_CLOSES))
    if closing.replace(day=1) <= day < closing:
        _, reopening = closed_period(closing, closes=closes, reopens=reopens)
        return OrderWindow(closes=closing, reopens=reopening, closed=False)
    return None


def order_deadline(
    *,
    start: datetime.date,
    today: datetime.date,
    closes: str | None = None,
    reopens: str | None = None,
) -> datetime.date:
    """When the order should leave: a month before the round starts, or at once if that is
    past; when that falls in the closed window, the day before it closes if that is still
    ahead, else the day it reopens."""
    deadline = max(start - datetime.timedelta(days=ORDER_LEAD_DAYS), today)
    if period := closed_period(deadline, closes=closes, reopens=reopens):
        closing, reopening = period
        before = closing - datetime.timedelta(days=1)
        return before if before >= today else reopening
    return deadline


def purchasing_emails_clean(text: str) -> str:
    """The addresses, one a line, checked and normalised; a `ValidationError` naming the first
    bad line (its number and its text)."""
    addresses: list[str] = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        address = normalize_email(line)
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                {
                    "purchasing_emails": f"Ligne {number} : « {line.strip()[:80]} » n’est pas "
                    "une adresse électronique valide."
                }
            ) from None
        if address not in addresses:
            addresses.append(address)
    cleaned = "\n".join(addresses)
    if len(addresses) > MAX_ADDRESSES or len(cleaned) > MAX_LENGTH:
        raise ValidationError(
            {"purchasing_emails": f"Au plus {MAX_ADDRESSES} adresses ({MAX_LENGTH} caractères)."}
        )
    return cleaned


@transaction.atomic
def purchasing_emails_loaded(organisation: Organisation) -> str:
    """What the form carries of the addresses it shows, to refuse a save over a colleague's."""
    return digest(organisation.purchasing_emails)


@transaction.atomic
def purchasing_emails_set(*, organisation: Organisation, text: str, loaded: str) -> Organisation:
    """Record the purchasing team's addresses of an organisation (checked, normalised), unless
    someone changed them since the form was shown (`loaded`): then nothing is saved."""
    emails = purchasing_emails_clean(text)
    current = Organisation.objects.select_for_update().get(pk=organisation.pk)
    if loaded != purchasing_emails_loaded(current):
        raise StaleEdit(
            "Quelqu’un a modifié ces adresses pendant que vous les éditiez : les vôtres n’ont "
            "pas été enregistrées. Voici les adresses enregistrées ; reprenez votre saisie."
        )
    current.purchasing_emails = emails
    current.save(update_fields=["purchasing_emails"])
    return current
