"""Why a schedule cannot be made: each error carries the text a user sees and FlexMeasures' exception name."""
from __future__ import annotations


class SchedulingError(Exception):
    """Base class. `fm_name` is the exception name FlexMeasures reports for the same failure
    ("Scheduling job failed with <fm_name>: <message>.")."""

    fm_name = "ValueError"

    @property
    def reason(self) -> str:
        return f"{self.fm_name}: {self}"


class FlexConfigError(SchedulingError):
    """A flex-model or flex-context value that is wrong given the sensors it refers to.

    `field` is the flex-config key (e.g. "soc-max"); a trigger maps it to a 422 under that key.
    """

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message


def unknown_sensor_message(sensor_id: int) -> str:
    return f"No sensor found with ID {sensor_id}."


class UnknownSensorError(FlexConfigError):
    def __init__(self, field: str, sensor_id: int):
        super().__init__(field, unknown_sensor_message(sensor_id))
        self.sensor_id = sensor_id


class WindowError(SchedulingError):
    """The scheduling window cannot be built (start after end, too many steps)."""


class UnknownPricesException(SchedulingError):
    fm_name = "UnknownPricesException"


class ConstraintValidationError(SchedulingError):
    """Pre-solve validation found constraints that cannot all hold."""


class InfeasibleProblemException(SchedulingError):
    fm_name = "InfeasibleProblemException"


class UnboundedProblemException(SchedulingError):
    fm_name = "UnboundedProblemException"


class SolverError(SchedulingError):
    """The solver stopped without an optimal solution for another reason."""

    fm_name = "SolverError"


class ProcessAllocationError(SchedulingError):
    """The time restrictions leave no room for the process (FlexMeasures raises a ValueError)."""
