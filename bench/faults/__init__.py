"""Fault campaign (issue 12): 500 signed webhooks while workers and the API are SIGKILLed, Redis is down 30 s,
PostgreSQL is down 20 s and the ERP hangs 20 s; prints acknowledged vs present vs duplicated orders and the
time from the last fault until every acknowledged order was present.

It builds its own production-mode installation — a private PostgreSQL cluster (initdb in a temporary
directory; as root, run as the `postgres` system user), a private Redis with its append-only file, a local
1C — so it never touches the shared servers. Run on demand, not in CI (it takes ~3 minutes):

    .venv/bin/python -m bench.faults
    .venv/bin/python -m bench.faults --redis-loses-data     # Redis comes back empty: settlement re-sends
    .venv/bin/python -m bench.faults --webhooks 100 --rate 4 # a quick look
"""
