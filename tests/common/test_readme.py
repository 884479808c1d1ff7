"""The README is the user's entry point: it opens with the two set-up commands and documents every setting."""

from __future__ import annotations

import re
from pathlib import Path

from okno.settings_doc import environment_names

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
