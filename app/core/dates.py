"""Dates as people in France read them, shared by the pages (app.web.format) and the mails
(app.campaigns.reminders)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

#: Where the people of the plan live: the pages show times and the reminders count days there.
PARIS = ZoneInfo("Europe/Paris")

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)


def french_day(value: date) -> str:
    """``date(2023, 10, 16)`` → ``"16 octobre 2023"``; the first of a month is "1er"."""
    number_of_day = "1er" if value.day == 1 else str(value.day)
    return f"{number_of_day} {MONTHS[value.month - 1]} {value.year}"


def paris_today() -> date:
    """Today's date in Paris."""
    return datetime.now(PARIS).date()
