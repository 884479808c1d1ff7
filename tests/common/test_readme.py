"""The README is the user's entry point: it opens with the two set-up commands and documents every setting."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from okno.settings_doc import environment_names
from tests.common.okno_process import RunningOkno

ROOT = Path(__file__).resolve().parents[2]


def test_readme_opens_with_exactly_the_two_set_up_commands() -> None:
    readme = (ROOT / "README.md").read_text()
    first_block = re.search(r"```bash\n(.*?)```", readme, re.S)
    assert first_block and readme.index("```bash") < readme.index("\n## "), "the commands come first"
    commands = [line.split("#")[0].strip() for line in first_block.group(1).splitlines() if line.strip()]
    assert commands == ["make run", "make test"]
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci, ".ci/run runs the README's test command"


def test_every_setting_is_in_the_readme_configuration_table() -> None:
    readme = (ROOT / "README.md").read_text()
    missing = [name for name, _, _ in environment_names() if f"`{name}`" not in readme]
    assert missing == [], f"document these in README.md (`okno settings` prints the table): {missing}"


# API version prefixes (`/api/v1`) and base URLs in tables name no page of their own.
LOCAL_URL = re.compile(r"(?:https?://)?(?:127\.0\.0\.1|localhost):8000(/[^\s`'\")>]*)?")
BACKTICKED_PATH = re.compile(r"`(/[^`\s]*)`")
PLACEHOLDER = re.compile(r"[{}<>|…*]")


def readme_local_paths() -> set[str]:
    """Every page of `okno run` the README sends a reader to: its full local URLs and backticked paths
    outside tables (the settings and command tables list base URLs and mount points, not pages)."""
    paths: set[str] = set()
    for line in (ROOT / "README.md").read_text().splitlines():
        if line.lstrip().startswith("|"):
            continue
        paths.update(match.group(1) or "/" for match in LOCAL_URL.finditer(line))
        paths.update(match.group(1) for match in BACKTICKED_PATH.finditer(line))
    return {
        path.split("#")[0]
        for path in paths
        if not PLACEHOLDER.search(path) and not re.search(r"/v\d+/?$", path.split("?")[0])
    }


def test_every_local_url_in_the_readme_answers_on_okno_run(okno_run: RunningOkno) -> None:
    paths = readme_local_paths()
    assert {"/console/", "/notify/simulator/", "/notify/sandbox/sms/"} <= paths, paths
    missing = {}
    for path in sorted(paths):
        answer = httpx.get(f"{okno_run.url}{path}", timeout=10)
        if answer.status_code == 404:
            missing[path] = answer.text[:200]
    assert missing == {}, f"README.md links to pages `okno run` does not have: {missing}"
