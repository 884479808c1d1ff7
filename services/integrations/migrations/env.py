from services.common.migrations import run_env
from services.integrations.models import metadata

run_env(metadata, "integrations")
