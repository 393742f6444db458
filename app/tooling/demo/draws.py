"""Reproducible random draws (one stream per purpose) and moments of the simulated clock."""

import random
from datetime import UTC, date, datetime, timedelta


def random_stream(seed: int, *parts: object) -> random.Random:
    """An independent, reproducible stream per purpose (string seeds hash with SHA-512)."""
    return random.Random(":".join(map(str, (seed, *parts))))  # noqa: S311 (not for secrets)


def simulated_moment(day: date, rng: random.Random) -> datetime:
    return datetime(day.year, day.month, day.day, 8, tzinfo=UTC) + timedelta(
        minutes=rng.randrange(10 * 60)
    )
