"""The error of a refused dump or restore."""

from collections.abc import Sequence


class BackupError(Exception):
    """A dump or a restore refused: the message says why, ``problems`` lists the values at fault
    (one line each) when there are; nothing was written."""

    def __init__(self, message: str, problems: Sequence[str] = ()) -> None:
        super().__init__(message)
        self.message = message
        self.problems = list(problems)
