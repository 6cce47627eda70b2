"""Flex-context schema: prices, site limits, breach and peak prices, inflexible devices, relaxation."""
from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError

from chalicelib.scheduling import quantities as q
from chalicelib.scheduling.flex_model import field

# Price fields in the order FlexMeasures reads them: the first one sets the shared currency.
PRICE_FIELDS = (
    "consumption_price", "production_price",
    "site_consumption_breach_price", "site_production_breach_price",
    "site_peak_consumption_price", "site_peak_production_price",
    "consumption_breach_price", "production_breach_price",
    "soc_minima_breach_price", "soc_maxima_breach_price",
)
# Fields that cannot be combined with the deprecated *-price-sensor keys.
NEW_STYLE_FIELDS = PRICE_FIELDS[2:] + (
    "relax_constraints", "relax_soc_constraints", "relax_capacity_constraints",
    "relax_site_capacity_constraints",
)


def _sensor_ids(raw: Any) -> list[int]:
    # flexmeasures-client 0.9.6 sends a single id when given one; FlexMeasures wants a list.
    items = [raw] if isinstance(raw, int) and not isinstance(raw, bool) else raw
    if not isinstance(items, list):
        raise ValueError("Not a valid list.")
    for item in items:
        if isinstance(item, bool) or not isinstance(item, int):
            raise ValueError("Not a valid integer.")
    return items


def _sensor_id(raw: Any) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise ValueError("Not a valid integer.")
    return raw


class FlexContext(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=False, frozen=True, defer_build=True)

    consumption_price: field(q.ENERGY_PRICE) | None = Field(None, alias="consumption-price")
    production_price: field(q.ENERGY_PRICE) | None = Field(None, alias="production-price")
    consumption_price_sensor: Annotated[int, BeforeValidator(_sensor_id)] | None = Field(
        None, alias="consumption-price-sensor")
    production_price_sensor: Annotated[int, BeforeValidator(_sensor_id)] | None = Field(
        None, alias="production-price-sensor")
    inflexible_device_sensors: Annotated[list[int], BeforeValidator(_sensor_ids)] = Field(
        default_factory=list, alias="inflexible-device-sensors")
    site_power_capacity: field(q.POWER_NON_NEGATIVE) | None = Field(None, alias="site-power-capacity")
    site_consumption_capacity: field(q.POWER_NON_NEGATIVE) | None = Field(
        None, alias="site-consumption-capacity")
    site_production_capacity: field(q.POWER_NON_NEGATIVE) | None = Field(None, alias="site-production-capacity")
    site_consumption_breach_price: field(q.POWER_PRICE) | None = Field(
        None, alias="site-consumption-breach-price")
    site_production_breach_price: field(q.POWER_PRICE) | None = Field(
        None, alias="site-production-breach-price")
    site_peak_consumption: field(q.POWER_NON_NEGATIVE) | None = Field(None, alias="site-peak-consumption")
    site_peak_production: field(q.POWER_NON_NEGATIVE) | None = Field(None, alias="site-peak-production")
    site_peak_consumption_price: field(q.POWER_PRICE) | None = Field(None, alias="site-peak-consumption-price")
    site_peak_production_price: field(q.POWER_PRICE) | None = Field(None, alias="site-peak-production-price")
    consumption_breach_price: field(q.POWER_PRICE) | None = Field(None, alias="consumption-breach-price")
    production_breach_price: field(q.POWER_PRICE) | None = Field(None, alias="production-breach-price")
    soc_minima_breach_price: field(q.ENERGY_PRICE_NON_NEGATIVE) | None = Field(
        None, alias="soc-minima-breach-price")
    soc_maxima_breach_price: field(q.ENERGY_PRICE_NON_NEGATIVE) | None = Field(
        None, alias="soc-maxima-breach-price")
    relax_constraints: bool = Field(False, alias="relax-constraints")
    relax_soc_constraints: bool = Field(False, alias="relax-soc-constraints")
    relax_capacity_constraints: bool = Field(False, alias="relax-capacity-constraints")
    relax_site_capacity_constraints: bool = Field(False, alias="relax-site-capacity-constraints")

    @classmethod
    def model_validate(cls, obj: Any, **kwargs) -> "FlexContext":
        """Field checks, then the cross-field rules, reported under the field they concern."""
        context = super().model_validate(obj, **kwargs)
        errors = context.cross_field_errors(set(obj) if isinstance(obj, dict) else set())
        if errors:
            raise ValidationError.from_exception_data(cls.__name__, [
                {"type": "value_error", "loc": (alias,), "input": None, "ctx": {"error": ValueError(message)}}
                for alias, message in errors
            ])
        return context

    def cross_field_errors(self, given: set[str]) -> list[tuple[str, str]]:
        errors = []
        for old, new in (("consumption_price_sensor", "consumption_price"),
                         ("production_price_sensor", "production_price")):
            sensor_id = getattr(self, old)
            if sensor_id is None:
                continue
            old_alias, new_alias = alias_of(old), alias_of(new)
            if getattr(self, new) is not None:
                errors.append((old_alias, f"Must pass either {new_alias} or {old_alias}."))
            elif any(alias_of(name) in given for name in NEW_STYLE_FIELDS):
                errors.append((old_alias, f'Please switch to using `{new_alias}: {{"sensor": {sensor_id}}}`.'))
        currency_error = self.currency_error()
        if currency_error:
            errors.append(currency_error)
        return errors

    def currency_error(self) -> tuple[str, str] | None:
        first = None
        for name in PRICE_FIELDS:
            currency = value_currency(getattr(self, name))
            if currency is None:
                continue
            if first is None:
                first = (name, currency)
            elif currency != first[1]:
                return (alias_of(name), f"Prices must share the same monetary unit. '{alias_of(name)}' uses "
                                        f"'{currency}', but '{alias_of(first[0])}' used '{first[1]}'.")
        return None

    def currency(self) -> str | None:
        """The shared currency of the priced fields given as quantities or series (None if none are)."""
        for name in PRICE_FIELDS:
            currency = value_currency(getattr(self, name))
            if currency is not None:
                return currency
        return None


def value_currency(value: Any) -> str | None:
    unit = value.unit if isinstance(value, (q.Constant, q.Series)) else None
    return unit.split("/")[0] if unit else None


def alias_of(name: str) -> str:
    return FlexContext.model_fields[name].alias


def merge_flex_contexts(*contexts: dict | None) -> dict:
    """Nearest first: the request's flex-context, then the asset's stored one, then its ancestors'."""
    merged: dict = {}
    for context in reversed(contexts):
        merged.update(context or {})
    return merged
