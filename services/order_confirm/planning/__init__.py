"""Workforce planning: forecast the work per 30-minute interval, staff it to the tenant's service levels
(Erlang C), plan shifts, propose a roster (OR-Tools) and watch adherence and the live gap on the floor.

`domain/` is pure (the statistics and optimisation libraries are imported lazily inside it, so `okno run`
pays for numpy, pandas, statsmodels and OR-Tools only when a plan is computed); `history.py` is the one
place that reads workload history; `compute.py` loads, releases the session, computes and stores; `api/`
holds the routers. Guide for planners: docs/planning.md.
"""
