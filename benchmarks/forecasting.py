"""Forecasting benchmark: day-ahead accuracy on measured weather shipped with pvlib, cost per run, dependency sizes.

    .venv/bin/python benchmarks/forecasting.py [--every 4] [--models median-ridge,ridge,lightgbm] [--no-sizes]

Data: pvlib's TMY3 file for Greensboro, NC (723170TYA.CSV): 8,760 hourly values. Its dry-bulb temperature is
measured at the station; its irradiance (GHI) was modelled by NREL's NSRDB from measured cloud cover and
weather. A TMY year is 12 typical months from different years, so a month boundary is a jump in the weather.
Two day-ahead tasks, each forecast at local midnight for the next 24 hours, trained on all hours before it:
- GHI, with pvlib's clear-sky GHI as a future regressor (it is known ahead) and temperature as a past one;
- temperature, with clear-sky GHI as a future regressor and GHI as a past one.
No future regressor here is a weather forecast, so cloudiness a day ahead is barely predictable.
Rolling: every `--every` days after the first `--warmup-days` (default 76 forecast days across the year).
Baselines: seasonal naive (the same hour yesterday), persistence (the last value, held) and, for GHI,
clear-sky-index persistence (yesterday's GHI / clear-sky ratio times today's clear sky).

Cost: train and predict seconds per run, and for one year of history at PT1H (48 steps ahead, FlexMeasures'
default planning horizon) and at PT15M (192 steps, the TMY data interpolated), with tracemalloc's peak and the
process's peak RSS. OpenBLAS is held to one thread, as on a Lambda of up to 1,769 MB (one vCPU); set
OPENBLAS_NUM_THREADS yourself to measure otherwise. Sizes: wheels fetched with `pip download` (pip's cache
serves repeats), read as zipped bytes (what a deployment zip adds) and unzipped bytes (the 250 MiB limit).
"""
from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy loads OpenBLAS

import argparse  # noqa: E402
import importlib.metadata as metadata  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import tracemalloc  # noqa: E402
import zipfile  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pvlib  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chalicelib.forecasting.forecaster import forecast  # noqa: E402
from chalicelib.forecasting.ridge import fit_median_ridge, fit_ridge  # noqa: E402

SITE_FILE = "723170TYA.CSV"
SITE_TIMEZONE = "America/New_York"
HOUR = pd.Timedelta(hours=1)
DAY = pd.Timedelta(days=1)
MiB = 2**20
# Already in the Lambda bundle (requirements.txt), so a forecaster needing them adds nothing for them.
BUNDLED = {"numpy", "pandas", "python-dateutil", "six", "tzdata", "pytz", "packaging", "requests", "urllib3",
           "idna", "certifi", "charset-normalizer", "typing-extensions"}


def fit_lightgbm(features: np.ndarray, target: np.ndarray):
    """LightGBM with FlexMeasures' CustomLGBM settings (median, depth 3, 50 rows a leaf, 100 rounds)."""
    import lightgbm

    params = {"objective": "quantile", "alpha": 0.5, "max_depth": 3, "min_child_samples": 50,
              "verbose": -1, "num_threads": 1, "seed": 42}
    return lightgbm.train(params, lightgbm.Dataset(features, target), num_boost_round=100).predict


MODELS = {"median-ridge": fit_median_ridge, "ridge": fit_ridge, "lightgbm": fit_lightgbm}


@dataclass
class Task:
    name: str
    unit: str
    target: pd.Series
    future: dict[str, pd.Series]
    past: dict[str, pd.Series]
    lower: float | None = None
    clear_sky: pd.Series | None = None  # for clear-sky-index persistence


@dataclass
class Timer:
    """Wraps a model's fit so training and prediction seconds are told apart within a forecast call."""

    fit: object
    training: float = 0.0
    predicting: float = 0.0

    def __call__(self, features, target):
        began = time.perf_counter()
        predict = self.fit(features, target)
        self.training += time.perf_counter() - began

        def timed(rows):
            began = time.perf_counter()
            out = predict(rows)
            self.predicting += time.perf_counter() - began
            return out

        return timed


@dataclass
class Scores:
    errors: list[np.ndarray] = field(default_factory=list)
    train_seconds: list[float] = field(default_factory=list)
    total_seconds: list[float] = field(default_factory=list)

    def add(self, forecast_values, truth, timer: Timer | None = None, total: float | None = None):
        self.errors.append(np.asarray(forecast_values, dtype=float) - truth)
        if timer is not None:
            self.train_seconds.append(timer.training)
            self.total_seconds.append(total)

    @property
    def mae(self) -> float:
        return float(np.abs(np.concatenate(self.errors)).mean())

    @property
    def rmse(self) -> float:
        return float(np.sqrt((np.concatenate(self.errors) ** 2).mean()))


def load_site(file_name: str = SITE_FILE) -> tuple[pd.DataFrame, dict]:
    """Hourly GHI, temperature and clear-sky GHI, indexed by event start in UTC."""
    path = Path(pvlib.__file__).parent / "data" / file_name
    weather, meta = pvlib.iotools.read_tmy3(str(path), coerce_year=2021, map_variables=True)
    weather.index = (weather.index - HOUR).tz_convert("UTC")  # TMY3 labels the hour by its end
    site = pvlib.location.Location(meta["latitude"], meta["longitude"], altitude=meta["altitude"])
    clear_sky = site.get_clearsky(weather.index + HOUR / 2, model="ineichen")["ghi"].to_numpy()
    frame = pd.DataFrame({"ghi": weather["ghi"].astype(float), "temperature": weather["temp_air"].astype(float),
                          "clear_sky_ghi": clear_sky}, index=weather.index)
    return frame, meta


def tasks(frame: pd.DataFrame) -> list[Task]:
    ghi, temperature, clear_sky = (frame[c].rename(c) for c in ("ghi", "temperature", "clear_sky_ghi"))
    return [Task("GHI", "W/m²", ghi, {"clear_sky_ghi": clear_sky}, {"temperature": temperature}, lower=0.0,
                 clear_sky=clear_sky),
            Task("temperature", "°C", temperature, {"clear_sky_ghi": clear_sky}, {"ghi": ghi})]


def forecast_days(index: pd.DatetimeIndex, warmup_days: int, every: int) -> list[pd.Timestamp]:
    local = index.tz_convert(SITE_TIMEZONE)
    midnights = index[(local.hour == 0) & (local.minute == 0)]
    return [day for day in midnights[warmup_days::every] if day + DAY - HOUR <= index[-1]]


def evaluate(task: Task, days: list[pd.Timestamp], models: list[str]) -> dict[str, Scores]:
    scores = {name: Scores() for name in [*models, "seasonal naive", "persistence"]}
    if task.clear_sky is not None:
        scores["clear-sky-index persistence"] = Scores()
    target = task.target
    for day in days:
        events = pd.date_range(day, periods=24, freq=HOUR)
        truth = target[events].to_numpy()
        for name in models:
            timer = Timer(MODELS[name])
            began = time.perf_counter()
            predicted = forecast(target, start=day, horizon_steps=24, resolution=HOUR, timezone=SITE_TIMEZONE,
                                 future_regressors=task.future, past_regressors=task.past, lower=task.lower,
                                 fit=timer)
            scores[name].add(predicted, truth, timer, time.perf_counter() - began)
        yesterday = events - DAY
        scores["seasonal naive"].add(target[yesterday].to_numpy(), truth)
        scores["persistence"].add(np.full(24, target[day - HOUR]), truth)
        if task.clear_sky is not None:
            index = target[yesterday].sum() / max(task.clear_sky[yesterday].sum(), 1e-9)
            scores["clear-sky-index persistence"].add(index * task.clear_sky[events].to_numpy(), truth)
    return scores


def print_accuracy(task: Task, scores: dict[str, Scores], days: int) -> None:
    naive = scores["seasonal naive"].mae
    print(f"\n{task.name} ({task.unit}), day-ahead, {days} forecasts of 24 h (aim: MAE at least 20% below naive)")
    print(f"  {'forecast':30} {'MAE':>8} {'RMSE':>8} {'MAE vs naive':>13} {'fit s/run':>12} {'features+predict':>16}")
    for name, score in scores.items():
        cost = ""
        if score.total_seconds:
            train = np.mean(score.train_seconds)
            cost = f"{train:12.3f} {np.mean(score.total_seconds) - train:16.3f}"
        change = (score.mae - naive) / naive
        print(f"  {name:30} {score.mae:8.2f} {score.rmse:8.2f} {change:+12.1%} {cost}")


def year_cost(frame: pd.DataFrame, model: str, resolution: pd.Timedelta, horizon_steps: int) -> None:
    """One forecast from a whole year of history: seconds and peak memory."""
    if resolution != HOUR:
        fine = pd.date_range(frame.index[0], frame.index[-1] + HOUR - resolution, freq=resolution)
        frame = frame.reindex(fine).interpolate(limit_direction="both")
    task = tasks(frame)[0]
    start = frame.index[-1] + resolution
    clear_sky_ahead = _clear_sky_after(task.future["clear_sky_ghi"], start, resolution, horizon_steps)
    timer = Timer(MODELS[model])
    tracemalloc.start()
    began = time.perf_counter()
    forecast(task.target, start=start, horizon_steps=horizon_steps, resolution=resolution,
             timezone=SITE_TIMEZONE, future_regressors={"clear_sky_ghi": clear_sky_ahead},
             past_regressors=task.past, lower=0.0, fit=timer)
    total = time.perf_counter() - began
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"  {model:13} {len(frame):>7} x {_iso(resolution):6} -> {horizon_steps:3} steps: "
          f"train {timer.training:6.2f} s, predict {total - timer.training:5.2f} s, total {total:6.2f} s; "
          f"tracemalloc peak {peak / MiB:6.1f} MiB; process peak RSS so far {_max_rss_mib():6.0f} MiB")


def _clear_sky_after(clear_sky: pd.Series, start, resolution, steps) -> pd.Series:
    """The history's clear sky, continued over the horizon a year later (the sun's path repeats yearly)."""
    ahead = pd.date_range(start, periods=steps, freq=resolution)
    repeat = clear_sky.reindex(ahead - pd.Timedelta(days=365)).to_numpy()
    return pd.concat([clear_sky, pd.Series(repeat, index=ahead)])


def _iso(step: pd.Timedelta) -> str:
    minutes = int(step.total_seconds() // 60)
    return f"PT{minutes // 60}H" if minutes % 60 == 0 else f"PT{minutes}M"


def _max_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def print_sizes() -> None:
    own = sum(p.stat().st_size for p in (ROOT / "chalicelib" / "forecasting").glob("*.py"))
    print("\nDependency sizes (wheels from `pip download`, this Python and platform; zipped = wheel bytes):")
    print(f"  this core (chalicelib/forecasting): {own / 1024:.0f} KiB of Python; runs on numpy + pandas, which "
          "the Lambda bundle already has: adds 0 MiB of dependencies")
    bundle = _bundle_unzipped()
    if bundle:
        print(f"  for scale: the Lambda's runtime dependencies (requirements.txt, installed here, untrimmed) take "
              f"{bundle / MiB:.0f} MiB unzipped; the limits are 50 MiB zipped and 250 MiB unzipped")
    for label, requirements in (("lightgbm on its own", ["lightgbm"]),
                                ("FlexMeasures' pipeline (darts + lightgbm)", ["darts", "lightgbm"])):
        wheels = _download(requirements)
        if wheels is None:
            continue
        extra = [w for w in wheels if _normalise(w[0]) not in BUNDLED]
        print(f"  {label}: {len(wheels)} wheels, {_total(wheels, 2):.1f} MiB zipped / {_total(wheels, 3):.1f} MiB "
              f"unzipped; beyond the bundle's packages {_total(extra, 2):.1f} / {_total(extra, 3):.1f} MiB")
        for name, version, zipped, unzipped in sorted(extra, key=lambda w: -w[3])[:8]:
            print(f"      {zipped / MiB:6.1f} / {unzipped / MiB:6.1f} MiB  {name} {version}")


def _download(requirements: list[str]) -> list[tuple[str, str, int, int]] | None:
    with tempfile.TemporaryDirectory() as folder:
        command = [sys.executable, "-m", "pip", "download", "--quiet", "--only-binary=:all:", "-d", folder,
                   *requirements]
        done = subprocess.run(command, capture_output=True, text=True)
        if done.returncode:
            print(f"  pip download {' '.join(requirements)} failed: {done.stderr.strip().splitlines()[-1:]}")
            return None
        wheels = []
        for wheel in sorted(Path(folder).glob("*.whl")):
            name, version = wheel.name.split("-")[:2]
            with zipfile.ZipFile(wheel) as archive:
                unzipped = sum(info.file_size for info in archive.infolist())
            wheels.append((name, version, wheel.stat().st_size, unzipped))
        return wheels


def _bundle_unzipped() -> int:
    """Installed bytes of requirements.txt's packages and everything they require, in this environment."""
    names = [re.split(r"[<>=!~\[; ]", line.strip())[0] for line in (ROOT / "requirements.txt").read_text().splitlines()
             if line.strip() and not line.startswith(("#", "-"))]
    seen, total = set(), 0
    while names:
        name = _normalise(names.pop())
        if name in seen:
            continue
        seen.add(name)
        try:
            dist = metadata.distribution(name)
        except metadata.PackageNotFoundError:
            continue
        total += sum((f.size or 0) for f in dist.files or [])
        names += [re.split(r"[<>=!~\[; (]", r)[0] for r in dist.requires or [] if "extra ==" not in r]
    return total


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def _total(wheels, column: int) -> float:
    return sum(w[column] for w in wheels) / MiB


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--every", type=int, default=4, help="forecast every N-th day (1 = every day)")
    parser.add_argument("--warmup-days", type=int, default=60, help="days of history before the first forecast")
    parser.add_argument("--models", default="median-ridge,ridge,lightgbm")
    parser.add_argument("--no-sizes", action="store_true", help="skip the pip downloads for dependency sizes")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # progress shows when the output goes to a file
    models = args.models.split(",")
    frame, meta = load_site()
    days = forecast_days(frame.index, args.warmup_days, args.every)
    print(f"pvlib {pvlib.__version__} TMY3 {meta['Name'].strip(chr(34))} ({SITE_FILE}), timezone {SITE_TIMEZONE}; "
          f"{days[0].date()} to {days[-1].date()}, every {args.every} day(s); OpenBLAS threads: "
          f"{os.environ['OPENBLAS_NUM_THREADS']}")
    for task in tasks(frame):
        print_accuracy(task, evaluate(task, days, models), len(days))
    print("\nOne forecast from a year of history (GHI task; train = the per-step model fits, predict = the features "
          "and predictions):")
    for model in models:
        year_cost(frame, model, HOUR, 48)
    year_cost(frame, "median-ridge", pd.Timedelta(minutes=15), 192)
    if not args.no_sizes:
        print_sizes()
    return 0


if __name__ == "__main__":
    sys.exit(main())
