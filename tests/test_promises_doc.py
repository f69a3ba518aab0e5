"""docs/promises.md names, for each promise, the test that proves it: every test it names
exists, so a renamed or deleted test cannot leave a promise unproved without notice."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAMED_TEST = re.compile(r"`([\w/]+\.py)::(\w+)`")


def test_every_test_named_in_the_promises_exists():
    promises = (ROOT / "docs" / "promises.md").read_text(encoding="utf-8")
    named = NAMED_TEST.findall(promises)
    assert len(named) > 100
    missing = [
        f"{path}::{function}"
        for path, function in named
        if not (ROOT / "tests" / path).exists()
        or not re.search(rf"^def {function}\(", (ROOT / "tests" / path).read_text(), re.M)
    ]
    assert not missing, missing
