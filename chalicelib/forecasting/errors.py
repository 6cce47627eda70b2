"""Why a forecast cannot be made from the data it was given."""
from __future__ import annotations


class ForecastError(Exception):
    """The data cannot be forecast (too little history, too many gaps, a regressor missing over the horizon).

    The message says what is wrong in terms a user can act on. `fm_name` is the exception name FlexMeasures
    reports for the same failure, so a failed job can read "<fm_name>: <message>".
    """

    fm_name = "NotEnoughDataException"

    @property
    def reason(self) -> str:
        return f"{self.fm_name}: {self}"
