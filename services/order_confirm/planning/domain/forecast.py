"""Forecast of one workload stream per half-hour interval, with the method chosen by backtest.

Method (the classic contact-centre top-down forecast): the daily totals carry the weekly seasonality and
the trend; each weekday's intraday profile (share of the day per interval, averaged over recent weeks)
carries the daily seasonality. Candidates:
- `seasonal_naive` — the baseline: every interval as it was one week earlier;
- `holt_winters` — daily totals by statsmodels' ExponentialSmoothing (additive damped trend, additive
  weekly season of 7 days), spread over the intervals by the weekday profile.
The backtest forecasts the last 14 days from the days before them; the method with the lower WAPE
(sum |forecast − actual| / sum actual) is kept and refitted on the whole history. Too little history says
so and falls back to the baseline. statsmodels and numpy are imported inside the functions that need them.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum

from services.order_confirm.planning.domain.intervals import INTERVALS_PER_DAY

BACKTEST_DAYS = 14
MIN_TRAINING_DAYS = 14  # two weekly seasons: the least Holt-Winters can initialise a 7-day season from
MIN_BACKTEST_DAYS = BACKTEST_DAYS + MIN_TRAINING_DAYS
WEEK = 7
PROFILE_WEEKS = 8


class Method(StrEnum):
    NONE = "none"  # no history at all: nothing is forecast
    DAILY_MEAN = "daily_mean"  # under a week of history: the average day, repeated
    SEASONAL_NAIVE = "seasonal_naive"
    HOLT_WINTERS = "holt_winters"


@dataclass(frozen=True)
class Backtest:
    first_day: date
    days: int
    wape: dict[str, float | None]  # method -> WAPE over the backtest days (None when nothing happened)
    daily_actual: list[float]
    daily_forecast: dict[str, list[float]]  # method -> forecast day totals


@dataclass(frozen=True)
class Forecast:
    method: Method
    values: list[float]  # INTERVALS_PER_DAY per day, from the day after the history
    history_days: int
    backtest: Backtest | None
    notes: list[str] = field(default_factory=list)


def wape(forecast: Sequence[float], actual: Sequence[float]) -> float | None:
    total = sum(actual)
    if total <= 0:
        return None
    return sum(abs(f - a) for f, a in zip(forecast, actual, strict=True)) / total


def daily_totals(series: Sequence[float]) -> list[float]:
    return [
        sum(series[d * INTERVALS_PER_DAY : (d + 1) * INTERVALS_PER_DAY])
        for d in range(len(series) // INTERVALS_PER_DAY)
    ]


def seasonal_naive(history: Sequence[float], horizon_days: int) -> list[float]:
    week = list(history[-WEEK * INTERVALS_PER_DAY :])
    return [week[n % len(week)] for n in range(horizon_days * INTERVALS_PER_DAY)]


def daily_mean(history: Sequence[float], horizon_days: int) -> list[float]:
    days = len(history) // INTERVALS_PER_DAY
    if days == 0:
        return [0.0] * (horizon_days * INTERVALS_PER_DAY)
    mean_day = [sum(history[d * INTERVALS_PER_DAY + i] for d in range(days)) / days for i in range(INTERVALS_PER_DAY)]
    return mean_day * horizon_days


def weekday_profiles(history: Sequence[float], first_day: date) -> dict[int, list[float]]:
    """Per weekday (0 = Monday): the share of the day's volume in each interval, over the last weeks."""
    days = len(history) // INTERVALS_PER_DAY
    start = max(0, days - PROFILE_WEEKS * WEEK)
    sums: dict[int, list[float]] = {}
    overall = [0.0] * INTERVALS_PER_DAY
    for d in range(start, days):
        weekday = (first_day + timedelta(days=d)).weekday()
        day = history[d * INTERVALS_PER_DAY : (d + 1) * INTERVALS_PER_DAY]
        bucket = sums.setdefault(weekday, [0.0] * INTERVALS_PER_DAY)
        for i, value in enumerate(day):
            bucket[i] += value
            overall[i] += value
    flat = [1 / INTERVALS_PER_DAY] * INTERVALS_PER_DAY
    overall_profile = [v / sum(overall) for v in overall] if sum(overall) > 0 else flat
    return {
        weekday: ([v / sum(bucket) for v in bucket] if sum(bucket) > 0 else overall_profile)
        for weekday, bucket in ((w, sums.get(w, [])) for w in range(WEEK))
    }


def holt_winters(history: Sequence[float], first_day: date, horizon_days: int) -> list[float]:
    totals = daily_totals(history)
    if not any(totals):
        return [0.0] * (horizon_days * INTERVALS_PER_DAY)
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    with warnings.catch_warnings():
        # Short or flat series make the optimiser warn about convergence; the backtest judges the result.
        warnings.simplefilter("ignore")
        model = ExponentialSmoothing(
            totals,
            trend="add",
            damped_trend=True,
            seasonal="add",
            seasonal_periods=WEEK,
            initialization_method="estimated",
        ).fit()
        predicted = [max(0.0, float(value)) for value in model.forecast(horizon_days)]
    profiles = weekday_profiles(history, first_day)
    start = first_day + timedelta(days=len(totals))
    values: list[float] = []
    for n, total in enumerate(predicted):
        values.extend(total * share for share in profiles[(start + timedelta(days=n)).weekday()])
    return values


def predict(method: Method, history: Sequence[float], first_day: date, horizon_days: int) -> list[float]:
    if method is Method.HOLT_WINTERS:
        return holt_winters(history, first_day, horizon_days)
    if method is Method.SEASONAL_NAIVE:
        return seasonal_naive(history, horizon_days)
    return daily_mean(history, horizon_days)


def backtest(history: Sequence[float], first_day: date) -> Backtest:
    """Forecast the last BACKTEST_DAYS of `history` from the days before them, with every method."""
    cut = len(history) - BACKTEST_DAYS * INTERVALS_PER_DAY
    training, actual = history[:cut], history[cut:]
    forecasts = {
        m.value: predict(m, training, first_day, BACKTEST_DAYS) for m in (Method.SEASONAL_NAIVE, Method.HOLT_WINTERS)
    }
    return Backtest(
        first_day=first_day + timedelta(days=cut // INTERVALS_PER_DAY),
        days=BACKTEST_DAYS,
        wape={name: wape(values, actual) for name, values in forecasts.items()},
        daily_actual=daily_totals(actual),
        daily_forecast={name: daily_totals(values) for name, values in forecasts.items()},
    )


def winner(result: Backtest) -> Method:
    """The method with the lower backtest WAPE; the baseline keeps a tie (or a history with no volume)."""
    naive, smooth = result.wape[Method.SEASONAL_NAIVE.value], result.wape[Method.HOLT_WINTERS.value]
    if naive is None or smooth is None or smooth >= naive:
        return Method.SEASONAL_NAIVE
    return Method.HOLT_WINTERS


def forecast(history: Sequence[float], first_day: date, horizon_days: int) -> Forecast:
    """The next `horizon_days` after a history of whole local days starting at `first_day`."""
    days = len(history) // INTERVALS_PER_DAY
    if days == 0 or not any(history):
        return Forecast(Method.NONE, [0.0] * (horizon_days * INTERVALS_PER_DAY), days, None, ["no history yet"])
    if days < WEEK:
        note = f"too little history ({days} days; a weekly pattern needs 7): the average day is repeated"
        return Forecast(Method.DAILY_MEAN, daily_mean(history, horizon_days), days, None, [note])
    if days < MIN_BACKTEST_DAYS:
        note = (
            f"too little history for a backtest ({days} days of {MIN_BACKTEST_DAYS}): "
            "the baseline (seasonal naive, last week repeated) is used"
        )
        return Forecast(Method.SEASONAL_NAIVE, seasonal_naive(history, horizon_days), days, None, [note])
    result = backtest(history, first_day)
    chosen = winner(result)
    return Forecast(chosen, predict(chosen, history, first_day, horizon_days), days, result)
