"""The public API contracts are committed; an unreviewed change to any of them fails here."""

from __future__ import annotations

import json

import pytest

from okno.openapi import OPENAPI_DIR, current_documents, render


@pytest.mark.parametrize("service", ["order_confirm", "integrations", "notify"])
def test_served_openapi_matches_the_committed_copy(service: str) -> None:
    committed = OPENAPI_DIR / f"{service}.json"
    assert committed.exists(), "run `okno openapi write` and commit contracts/openapi/"
    served = current_documents()[service]
    assert render(served) == committed.read_text(encoding="utf-8"), (
        f"the {service} API changed: review it, then run `okno openapi write` and commit the new copy"
    )
    assert json.loads(committed.read_text())["openapi"].startswith("3.")


def test_every_twilio_webhook_documents_its_signature_refusal_and_its_twiml() -> None:
    """Twilio's webhooks are public URLs: each says it answers 403 to an unsigned or forged request, and each
    200 names its TwiML media type with an example (the survey steps once lacked both)."""
    paths = json.loads((OPENAPI_DIR / "notify.json").read_text())["paths"]
    webhooks = {
        path: operation for path, item in paths.items() if path.startswith("/twilio/") for operation in item.values()
    }
    assert len(webhooks) > 10
    unsigned = sorted(path for path, operation in webhooks.items() if "403" not in operation["responses"])
    assert unsigned == []
    for path, operation in webhooks.items():
        if "200" in operation["responses"]:
            twiml = operation["responses"]["200"].get("content", {}).get("application/xml", {})
            assert twiml.get("example") or twiml.get("examples"), path
