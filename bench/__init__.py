"""Benchmarks: each module runs on its own (`python -m bench.<name>`) and prints its figures.

Stored credentials are sealed (services/common/encryption): a benchmark run without OKNO_SECRET_KEYS gets a
throwaway key of its own, shared with the servers and workers it starts (they inherit the environment).
"""

import os

from cryptography.fernet import Fernet

os.environ.setdefault("OKNO_SECRET_KEYS", Fernet.generate_key().decode("ascii"))
