from services.common.migrations import run_env
from services.order_confirm.models import metadata

run_env(metadata, "order_confirm")
