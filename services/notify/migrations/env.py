from services.common.migrations import run_env
from services.notify.models import metadata

run_env(metadata, "notify")
