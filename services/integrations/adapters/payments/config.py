"""Typed payment-provider configuration, parsed from `PaymentSetup.settings`."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field


class _Config(BaseModel):
    model_config = ConfigDict(extra="forbid")


class YooKassaConfig(_Config):
    provider: Literal["yookassa", "sandbox"] = "yookassa"
    base_url: str = "https://api.yookassa.ru"
    shop_id: str
    secret_key: str
    return_url: str = "https://okno.dev/paid"
    # 54-FZ: shops on the simplified regime with online cash registers must send receipt data.
    receipts: bool = False
    vat_code: int = Field(default=1, ge=1, le=10)
    tax_system_code: int | None = Field(default=None, ge=1, le=6)
    # YooKassa documents the addresses its notifications come from; checking them is an extra fence.
    check_source_ip: bool = False


class StripeConfig(_Config):
    provider: Literal["stripe"] = "stripe"
    base_url: str = "https://api.stripe.com"
    api_key: str
    webhook_secret: str
    success_url: str = "https://okno.dev/paid"


PaymentConfig = Annotated[YooKassaConfig | StripeConfig, Field(discriminator="provider")]
