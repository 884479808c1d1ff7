"""Forecast backtest on a generated history with a known weekly and daily seasonality.

`python -m bench.forecast [--weeks 8] [--seed 7]`: makes `weeks` weeks of half-hourly order arrivals
(Poisson around a known weekday × time-of-day pattern with a slight trend), runs the planner's backtest (the
last 14 days forecast from the weeks before) and prints each method's WAPE, the winner, and the seconds the
whole forecast takes. The chosen method's WAPE must beat seasonal naive; exits 1 when it does not.
"""

from __future__ import annotations

import argparse
import math
import random
import time
from datetime import date

from services.order_confirm.planning.domain.forecast import Method, forecast
from services.order_confirm.planning.domain.intervals import INTERVALS_PER_DAY

FIRST_DAY = date(2026, 9, 7)  # a Monday
WEEKDAY_FACTOR = (1.0, 1.1, 1.05, 0.95, 1.3, 0.6, 0.45)  # Monday … Sunday: Friday busiest, Sunday quietest


def expected(day: int, interval: int, *, peak_per_interval: float = 6.0, trend_per_week: float = 0.02) -> float:
    """The known mean arrivals: a midday bump (peak 13:00), scaled by weekday and a slow trend."""
    hour = interval / 2
    daily_shape = math.exp(-(((hour - 13) / 4) ** 2))
    return peak_per_interval * WEEKDAY_FACTOR[day % 7] * daily_shape * (1 + trend_per_week * day / 7)


def _poisson(rng: random.Random, mean: float) -> int:
    limit, k, product = math.exp(-mean), 0, 1.0
    while True:
        product *= rng.random()
        if product < limit:
            return k
        k += 1


def generated_history(weeks: int = 8, seed: int = 7) -> list[float]:
    rng = random.Random(seed)
    return [float(_poisson(rng, expected(d, i))) for d in range(weeks * 7) for i in range(INTERVALS_PER_DAY)]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--weeks", type=int, default=8)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    history = generated_history(args.weeks, args.seed)
    started = time.perf_counter()
    result = forecast(history, FIRST_DAY, 14)
    seconds = time.perf_counter() - started
    assert result.backtest is not None
    naive = result.backtest.wape[Method.SEASONAL_NAIVE.value]
    chosen = result.backtest.wape[result.method.value]
    print(
        f"history: {args.weeks} weeks × {INTERVALS_PER_DAY} intervals/day, "
        f"{int(sum(history))} orders (seed {args.seed})"
    )
    for method, value in result.backtest.wape.items():
        print(f"  backtest WAPE {method:15s} {value:.3f}" if value is not None else f"  {method}: no volume")
    print(f"chosen: {result.method.value}  WAPE {chosen:.3f} vs seasonal naive {naive:.3f}")
    print(f"forecast of 14 days (backtest + refit): {seconds:.2f} s (statsmodels import included)")
    beats = chosen is not None and naive is not None and chosen < naive
    print("chosen method beats seasonal naive" if beats else "FAIL: chosen method does not beat seasonal naive")
    return 0 if beats else 1


if __name__ == "__main__":
    raise SystemExit(main())
