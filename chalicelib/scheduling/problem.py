"""Flex-model + flex-context + sensor data -> the optimisation problem: bounds, stock, commitments (§5)."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import cached_property
from typing import Sequence

import numpy as np

from chalicelib.scheduling import quantities as q
from chalicelib.scheduling.errors import FlexConfigError, UnknownPricesException
from chalicelib.scheduling.flex_context import FlexContext
from chalicelib.scheduling.flex_model import StorageFlexModel
from chalicelib.scheduling.grid import Window, to_ns
from chalicelib.scheduling.resolve import Resolver
from chalicelib.scheduling.sources import SensorData, SensorInfo
from chalicelib.scheduling.storage import SocSettings, StockColumns, soc_settings, validate_stock
from chalicelib.timeseries import units

# Default breach prices of v0.28's relaxation, in <cur>/MWh (SoC) and <cur>/MW (capacities).
SOC_BREACH_PRICE = 1000 * 1000.0
DEVICE_BREACH_PRICE = 100 * 1000.0
SITE_BREACH_PRICE = 10_000 * 1000.0
TIE_BREAK_SCALE = 1e-4


@dataclass
class Stock:
    s0: float  # stock units (MWh·σ)
    s_min: np.ndarray  # relative to s0, stock units; −inf where free
    s_max: np.ndarray
    eta_c: np.ndarray
    eta_d: np.ndarray
    eta_s: np.ndarray
    gain: np.ndarray  # MW (= stock units per step)
    settings: SocSettings


@dataclass
class Device:
    """A flexible device: power bounds in MW (consumption positive), optional stock."""

    sensor: SensorInfo
    p_min: np.ndarray
    p_max: np.ndarray
    stock: Stock | None = None
    soc_sensor: SensorInfo | None = None
    # The flex-model's soc-minima / soc-maxima on t_1 … t_N in MWh (NaN where unset), for the job's constraint
    # analysis; None when the flex-model has none.
    soc_minima: np.ndarray | None = None
    soc_maxima: np.ndarray | None = None


@dataclass
class Commitment:
    """A priced deviation from a baseline q (§6.7).

    kind: "each" (one group per row) or "any" (one group over all rows: the worst deviation counts).
    target: "ems" (site net power), "flow" (device power) or "stock" (device stock minus s0).
    u/v: up/down prices per row (None: no such price).
    """

    name: str
    kind: str
    target: str
    q: np.ndarray
    u: np.ndarray | None = None
    v: np.ndarray | None = None
    device: int | None = None


@dataclass
class Problem:
    window: Window
    devices: list[Device]
    inflexible: list[np.ndarray]  # MW per inflexible device, consumption positive
    ems_min: np.ndarray
    ems_max: np.ndarray
    commitments: list[Commitment]
    currency: str
    warnings: list[str] = field(default_factory=list)

    @cached_property
    def inflexible_total(self) -> np.ndarray:
        return np.sum(self.inflexible, axis=0) if self.inflexible else np.zeros(self.window.n)


@dataclass(frozen=True)
class DeviceRequest:
    sensor_id: int
    model: StorageFlexModel


def build_problem(devices: Sequence[DeviceRequest], context: FlexContext, window: Window, data: SensorData, *,
                  prior: datetime | None = None, sensor_trigger: bool = False, validate: bool = True) -> Problem:
    """Raise FlexConfigError, UnknownPricesException or ConstraintValidationError when it cannot be built."""
    resolver = Resolver(window, data, prior, context.currency())
    n, h = window.n, window.hours
    energy = _energy_prices(context, resolver)
    breach = _breach_prices(context, resolver)
    site_min, site_max, site_commitments = _site(context, resolver, breach)
    currency = resolver.currency or "dimensionless"

    built, commitments = [], []
    for index, request in enumerate(devices):
        sensor = resolver.sensor(request.sensor_id, "sensor")
        device, device_commitments = _device(index, sensor, request.model, context, resolver, breach,
                                             sensor_trigger, validate)
        built.append(device)
        commitments += device_commitments

    consumption, production = energy
    if any(request.model.prefer_charging_sooner for request in devices):
        consumption, production = consumption + _slope(consumption), production + _slope(production)
    all_commitments = [Commitment("energy", "each", "ems", np.zeros(n), consumption * h, production * h)]
    all_commitments += site_commitments + commitments
    tie_slope = _slope(consumption)
    for index, request in enumerate(devices):
        if request.model.prefer_curtailing_later:
            all_commitments.append(Commitment(f"prefer curtailing device {index} later", "each", "flow",
                                              np.zeros(n), tie_slope / 2, -tie_slope / 2, device=index))
    inflexible = [_inflexible(sensor_id, resolver) for sensor_id in context.inflexible_device_sensors]
    return Problem(window, built, inflexible, site_min, site_max, all_commitments, currency,
                   list(window.warnings) + resolver.warnings)


def _slope(prices: np.ndarray) -> np.ndarray:
    """0 … 10⁻⁴·(price spread), or 0 … 10⁻⁴ for flat prices (as FlexMeasures' tiny price slope)."""
    spread = float(np.nanmax(prices) - np.nanmin(prices)) if len(prices) else 0.0
    top = TIE_BREAK_SCALE * spread if spread > 0 else TIE_BREAK_SCALE
    return np.linspace(0, top, len(prices))


# --- prices ------------------------------------------------------------------------------------------
def _energy_prices(context: FlexContext, resolver: Resolver) -> tuple[np.ndarray, np.ndarray]:
    consumption = consumption_prices(context, resolver)
    production_value = _either_spelling(context.production_price, context.production_price_sensor)
    production = consumption if production_value is None else _known_prices(resolver, production_value,
                                                                            "production-price")
    return consumption, production


def consumption_prices(context: FlexContext, resolver: Resolver) -> np.ndarray:
    """<cur>/MWh on the slots, from either spelling; UnknownPricesException when there are none."""
    value = _either_spelling(context.consumption_price, context.consumption_price_sensor)
    return _known_prices(resolver, value, "consumption-price")


def _either_spelling(value: q.Value | None, legacy_sensor: int | None) -> q.Value | None:
    """The price field, else its older `*-price-sensor` spelling as a sensor reference."""
    if value is None and legacy_sensor is not None:
        return q.SensorRef(legacy_sensor)
    return value


def _known_prices(resolver: Resolver, value: q.Value | None, name: str) -> np.ndarray:
    prices = resolver.price(value, name, "MWh")
    if prices is None or np.all(np.isnan(prices)):
        where = f" (sensor {value.sensor})" if isinstance(value, q.SensorRef) else ""
        raise UnknownPricesException(f"Prices unknown for planning window.{where}")
    return np.nan_to_num(prices, nan=0.0)  # interior gaps count as price 0


@dataclass
class BreachPrices:
    """Breach prices as arrays (<cur>/MW or <cur>/MWh), None where no price applies (hard constraints)."""

    site_consumption: np.ndarray | None
    site_production: np.ndarray | None
    device_consumption: np.ndarray | None
    device_production: np.ndarray | None
    soc_minima: np.ndarray | None
    soc_maxima: np.ndarray | None


def _breach_prices(context: FlexContext, resolver: Resolver) -> BreachPrices:
    def read(name: str, per: str) -> np.ndarray | None:
        prices = resolver.price(getattr(context, name), name.replace("_", "-"), per)
        return None if prices is None else np.nan_to_num(prices, nan=0.0)

    prices = {
        "site_consumption": read("site_consumption_breach_price", "MW"),
        "site_production": read("site_production_breach_price", "MW"),
        "device_consumption": read("consumption_breach_price", "MW"),
        "device_production": read("production_breach_price", "MW"),
        "soc_minima": read("soc_minima_breach_price", "MWh"),
        "soc_maxima": read("soc_maxima_breach_price", "MWh"),
    }
    n = resolver.window.n
    for pair, specific, default in (
        (("soc_minima", "soc_maxima"), context.relax_soc_constraints, SOC_BREACH_PRICE),
        (("device_consumption", "device_production"), context.relax_capacity_constraints, DEVICE_BREACH_PRICE),
        (("site_consumption", "site_production"), context.relax_site_capacity_constraints, SITE_BREACH_PRICE),
    ):
        # v0.28: the specific flag overwrites explicit prices; the umbrella only fills an unpriced pair.
        if specific or (context.relax_constraints and all(prices[key] is None for key in pair)):
            for key in pair:
                prices[key] = np.full(n, default)
    return BreachPrices(**prices)


# --- site --------------------------------------------------------------------------------------------
def _site(context: FlexContext, resolver: Resolver, breach: BreachPrices):
    n = resolver.window.n
    sp = np.nan_to_num(resolver.flow(context.site_power_capacity, "site-power-capacity", overlap="min"), nan=np.inf)
    sc = np.fmin(resolver.flow(context.site_consumption_capacity, "site-consumption-capacity", overlap="min"), sp)
    spr = np.fmin(resolver.flow(context.site_production_capacity, "site-production-capacity", overlap="min"), sp)
    sc, spr = np.where(np.isnan(sc), sp, sc), np.where(np.isnan(spr), sp, spr)
    h = resolver.window.hours
    commitments = []
    upper = sp if breach.site_consumption is not None else sc
    lower = -sp if breach.site_production is not None else -spr
    if breach.site_consumption is not None:
        commitments += breach_pair("consumption", "ems", sc, breach.site_consumption, h)
    if breach.site_production is not None:
        commitments += breach_pair("production", "ems", -spr, breach.site_production, h)
    for direction, sign in (("consumption", 1), ("production", -1)):
        price = resolver.price(getattr(context, f"site_peak_{direction}_price"), f"site-peak-{direction}-price",
                               "MW")
        if price is None:
            continue
        baseline_value = getattr(context, f"site_peak_{direction}")
        baseline = np.zeros(n) if baseline_value is None else np.nan_to_num(
            resolver.flow(baseline_value, f"site-peak-{direction}", overlap="min"), nan=np.inf)
        price = np.nan_to_num(price, nan=0.0)
        commitments.append(Commitment(f"{direction} peak", "any", "ems", sign * baseline,
                                      **({"u": price} if sign > 0 else {"v": -price})))
    return lower, upper, commitments


def breach_pair(direction: str, target: str, limit: np.ndarray, price: np.ndarray, h: float,
                device: int | None = None) -> list[Commitment]:
    """§5.6: the worst breach paid once per MW ("any"), and the breach energy paid per MW·h ("all")."""
    suffix = "" if device is None else f" device {device}"

    def priced(value: np.ndarray) -> dict:
        return {"u": value} if direction == "consumption" else {"v": -value}

    return [Commitment(f"any {direction} breach{suffix}", "any", target, limit, device=device, **priced(price)),
            Commitment(f"all {direction} breaches{suffix}", "each", target, limit, device=device,
                       **priced(price * h))]


def _inflexible(sensor_id: int, resolver: Resolver) -> np.ndarray:
    field_name = "inflexible-device-sensors"
    sensor = resolver.sensor(sensor_id, field_name)
    values = resolver.sensor_flow(sensor_id, "MW", field_name)
    if np.isnan(values).any():
        resolver.warnings.append(f"Inflexible device sensor {sensor_id} has no data for "
                                 f"{int(np.isnan(values).sum())} of {len(values)} steps; counting them as 0.")
    values = np.nan_to_num(values, nan=0.0)
    return values if sensor.attribute("consumption_is_positive", False) else -values


# --- devices -----------------------------------------------------------------------------------------
def _device(index: int, sensor: SensorInfo, model: StorageFlexModel, context: FlexContext, resolver: Resolver,
            breach: BreachPrices, sensor_trigger: bool, validate: bool) -> tuple[Device, list[Commitment]]:
    n, h = resolver.window.n, resolver.window.hours
    message = power_sensor_error(sensor)
    if message:
        raise FlexConfigError("sensor", message)
    capacity = _power_capacity(sensor, model, context, resolver)
    commitments = []
    p_min, p_max = -capacity, capacity.copy()
    for direction, sign in (("production", -1), ("consumption", 1)):
        value = getattr(model, f"{direction}_capacity")
        limit = resolver.flow(value, f"{direction}-capacity", overlap="min")
        limit = np.clip(np.where(np.isnan(limit), capacity, limit), 0, capacity)
        price = getattr(breach, f"device_{direction}")
        if price is not None and value is not None:
            commitments += breach_pair(direction, "flow", sign * limit, price, h, device=index)
        elif sign < 0:
            p_min = -limit
        else:
            p_max = limit
    if sensor.attribute("is_strictly_non_positive"):
        p_min = np.zeros(n)
    if sensor.attribute("is_strictly_non_negative"):
        p_max = np.zeros(n)
    device = Device(sensor, p_min, p_max)
    if model.state_of_charge is not None:
        device.soc_sensor = _soc_sensor(model.state_of_charge.sensor, resolver)
        if model.soc_at_start is None:
            model = _soc_at_start_from_sensor(model, device.soc_sensor, resolver)
    settings = soc_settings(model, sensor, sensor_trigger=sensor_trigger, start=resolver.window.start)
    if settings.s0 is not None:
        device.stock, stock_commitments = _stock(index, model, settings, device, resolver, breach, validate)
        commitments += stock_commitments
    return device, commitments


def _power_capacity(sensor: SensorInfo, model: StorageFlexModel, context: FlexContext,
                    resolver: Resolver) -> np.ndarray:
    capacity = resolver.flow(model.power_capacity, "power-capacity", overlap="min")
    fallback = sensor.attribute("capacity_in_mw")
    if fallback is None and isinstance(context.site_power_capacity, q.Constant):
        fallback = context.site_power_capacity.value
        if model.power_capacity is None:
            resolver.warnings.append(f"Using the site-power-capacity as the power capacity of sensor {sensor.id}.")
    if fallback is not None:
        capacity = np.where(np.isnan(capacity), float(fallback), capacity)
    if np.isnan(capacity).any():
        raise FlexConfigError("power-capacity",
                              "Power capacity is not defined in the sensor attributes or the flex-model.")
    return np.maximum(capacity, 0)


def _soc_at_start_from_sensor(model: StorageFlexModel, soc_sensor: SensorInfo, resolver: Resolver) -> StorageFlexModel:
    """FlexMeasures 1.0.1: without soc-at-start, the state-of-charge sensor's value at the start (what a stored
    flex-model relies on, as it cannot hold soc-at-start). No value there: no soc-at-start, as before."""
    start = resolver.window.start
    times, values = resolver.data.events(soc_sensor.id, start, start + resolver.window.resolution, resolver.prior)
    at_start = values[times == to_ns(start)] if len(times) else values
    if len(at_start) == 0 or np.isnan(at_start[-1]):
        return model
    try:
        mwh = float(at_start[-1]) * units.conversion_factor(soc_sensor.unit, "MWh")
    except units.UnitError:  # e.g. a % sensor: needs a capacity to mean MWh; left to soc-at-start
        return model
    return model.model_copy(update={"soc_at_start": q.Constant(mwh, "MWh")})


def _soc_sensor(sensor_id: int, resolver: Resolver) -> SensorInfo:
    sensor = resolver.sensor(sensor_id, "state-of-charge")
    message = soc_sensor_error(sensor)
    if message:
        raise FlexConfigError("state-of-charge", message)
    return sensor


def power_sensor_error(sensor: SensorInfo) -> str | None:
    """Why a sensor cannot take a power schedule (it needs a power or energy unit), or None."""

    if not (units.is_power_unit(sensor.unit) or units.is_energy_unit(sensor.unit)):
        return f"Sensor {sensor.id} cannot hold a power schedule: cannot convert MW to {sensor.unit}"
    return None


def soc_sensor_error(sensor: SensorInfo) -> str | None:
    """Why a sensor cannot take the SoC schedule (v0.28: instantaneous, energy unit), or None."""

    if sensor.resolution.total_seconds() != 0:
        return (f"The state-of-charge field points to a sensor with a non-instantaneous event resolution "
                f"(sensor {sensor.id}); use an instantaneous sensor.")
    if not units.is_energy_unit(sensor.unit):
        return f"Cannot convert MWh to {sensor.unit}"
    return None


def _stock(index: int, model: StorageFlexModel, settings: SocSettings, device: Device, resolver: Resolver,
           breach: BreachPrices, validate: bool) -> tuple[Stock, list[Commitment]]:
    window = resolver.window
    n, h = window.n, window.hours
    sigma = 1 / h
    s0 = settings.s0

    def relative(values: np.ndarray) -> np.ndarray:
        return (values - s0) * sigma

    factor = settings.number_factor
    soft_minima = breach.soc_minima is not None and model.soc_minima is not None
    soft_maxima = breach.soc_maxima is not None and model.soc_maxima is not None
    # Overlapping segments: v0.28 writes hard SoC constraints in order (the last wins); soft ones combine.
    absolute_minima = resolver.state(model.soc_minima, "soc-minima", factor, "max" if soft_minima else "last")
    absolute_maxima = resolver.state(model.soc_maxima, "soc-maxima", factor, "min" if soft_maxima else "last")
    device.soc_minima = absolute_minima if model.soc_minima is not None else None
    device.soc_maxima = absolute_maxima if model.soc_maxima is not None else None
    minima, maxima = relative(absolute_minima), relative(absolute_maxima)
    targets = relative(resolver.state(model.soc_targets, "soc-targets", factor, "last"))
    m_min, m_max = (settings.soc_min - s0) * sigma, (settings.soc_max - s0) * sigma
    commitments = []
    if soft_minima:
        commitments += _soft_soc("minima", minima, breach.soc_minima, h, index)
        minima = np.full(n, np.nan)  # soft now: the hard minimum is only soc-min
    if soft_maxima:
        commitments += _soft_soc("maxima", maxima, breach.soc_maxima, h, index)
        maxima = np.full(n, np.nan)
    columns = StockColumns(np.where(np.isnan(minima), m_min, minima), np.where(np.isnan(maxima), m_max, maxima),
                           targets, m_min, m_max)
    if model.roundtrip_efficiency is not None:
        eta_c = eta_d = np.full(n, np.sqrt(model.roundtrip_efficiency))
    else:
        eta_c = np.nan_to_num(resolver.flow(model.charging_efficiency, "charging-efficiency", unit=""), nan=1.0)
        eta_d = np.nan_to_num(resolver.flow(model.discharging_efficiency, "discharging-efficiency", unit=""),
                              nan=1.0)
    eta_s = np.clip(np.nan_to_num(resolver.flow(model.storage_efficiency, "storage-efficiency", unit=""),
                                  nan=1.0), 0, 1)
    gain = resolver.summed_flows(model.soc_gain, "soc-gain") - resolver.summed_flows(model.soc_usage, "soc-usage")
    if np.any(eta_d <= 0):
        raise FlexConfigError("discharging-efficiency", "The discharging efficiency must be greater than 0.")
    if validate:
        validate_stock(columns, device.p_min, device.p_max, eta_c, eta_d, eta_s, gain,
                       lambda j: (window.start + (j + 1) * window.resolution).isoformat(), sigma, s0)
    s_min, s_max = columns.lp_bounds()
    return Stock(s0 * sigma, s_min, s_max, eta_c, eta_d, eta_s, gain, settings), commitments


def _soft_soc(kind: str, baseline: np.ndarray, price: np.ndarray, h: float, device: int) -> list[Commitment]:
    """§5.7: the worst shortfall (minima) or surplus (maxima) once, and the sum of them per step."""
    key, signed = ("v", -price) if kind == "minima" else ("u", price)
    return [Commitment(f"any soc {kind}", "any", "stock", baseline, device=device, **{key: signed}),
            Commitment(f"all soc {kind}", "each", "stock", baseline, device=device, **{key: signed * h})]


def target_ends(models: Sequence[StorageFlexModel]) -> list[datetime]:
    """The latest soc-targets time of each device whose targets are a list (these extend the window)."""
    ends = [q.series_end(model.soc_targets) for model in models]
    return [end for end in ends if end is not None]
