"""Two evaluators saving at once never lose either evaluation; two tabs of one never overwrite each other.
Real HTTP against a real server, requests really at the same time, on both databases."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

import httpx

from services.order_confirm import app as order_confirm_app
from tests.order_confirm.qa.test_evaluation_story import GOOD
from tests.order_confirm.qa.world import World
from tests.support import live_server

SAVES = 6
FLIP = ("yes", "partly", "no")


def _together(*actions: Callable[[], Any]) -> list[Any]:
    barrier = threading.Barrier(len(actions))
    results: list[Any] = [None] * len(actions)

    def run(n: int) -> None:
        barrier.wait()
        results[n] = actions[n]()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(len(actions))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_evaluators_and_two_tabs_saving_at_once(world: World) -> None:
    call = world.calls[0]
    with live_server(order_confirm_app.create_app(world.runtime)) as base:
        http = httpx.Client(base_url=base + world.url(""), timeout=30)

        def start(who: str) -> httpx.Response:
            return http.post("/evaluations", json={"attempt_id": call}, headers=world.headers(who))

        starts = _together(lambda: start("kira"), lambda: start("kira"), lambda: start("lev"))
        kira_ids = {starts[0].json()["id"], starts[1].json()["id"]}
        assert len(kira_ids) == 1 and sorted(r.status_code for r in starts[:2]) == [200, 201]  # one evaluation each
        kira_id, lev_id = kira_ids.pop(), starts[2].json()["id"]
        assert kira_id != lev_id

        def saves(who: str, evaluation_id: int) -> list[int]:
            codes = []
            for n in range(SAVES):
                answers = {**GOOD, "greeting": FLIP[n % 3], "closing": "no" if who == "lev" else "yes"}
                body = {"revision": n + 1, "answers": answers}
                codes.append(
                    http.put(f"/evaluations/{evaluation_id}", json=body, headers=world.headers(who)).status_code
                )
            return codes

        assert _together(lambda: saves("kira", kira_id), lambda: saves("lev", lev_id)) == [[200] * SAVES] * 2
        kira = http.get(f"/evaluations/{kira_id}", headers=world.headers("kira")).json()
        lev = http.get(f"/evaluations/{lev_id}", headers=world.headers("lev")).json()
        last = FLIP[(SAVES - 1) % 3]
        assert (kira["revision"], kira["answers"]["greeting"], kira["answers"]["closing"]) == (SAVES + 1, last, "yes")
        assert (lev["revision"], lev["answers"]["greeting"], lev["answers"]["closing"]) == (SAVES + 1, last, "no")

        def tab(answer: str) -> httpx.Response:
            body = {"revision": SAVES + 1, "answers": {**GOOD, "greeting": answer}}
            return http.put(f"/evaluations/{kira_id}", json=body, headers=world.headers("kira"))

        tabs = _together(lambda: tab("yes"), lambda: tab("no"))
        assert sorted(r.status_code for r in tabs) == [200, 412]
        winner = next(r for r in tabs if r.status_code == 200).json()
        stored = http.get(f"/evaluations/{kira_id}", headers=world.headers("kira")).json()
        assert (stored["revision"], stored["answers"]) == (SAVES + 2, winner["answers"])
        http.close()
