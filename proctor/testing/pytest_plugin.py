"""`pytest --proctor-conformance=NAME[,NAME...]`: proctor's conformance kit as pytest items.

Loaded by pytest in every session of an environment where proctor is installed
(the `pytest11` entry point), so it stays cheap: the kit is imported only when
the option is given. One item per check, `proctor-conformance::NAME:CHECK`,
selectable with `-k` like any test.
"""
from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("proctor")
    group.addoption("--proctor-conformance", action="append", default=[], metavar="NAMES",
                    help="run proctor's conformance checks on these registered tasks and graders "
                         "(comma-separated; may be repeated)")


class ConformanceItem(pytest.Item):
    def __init__(self, *, check, **kwargs):
        super().__init__(**kwargs)
        self.check = check

    def runtest(self) -> None:
        self.check()

    def repr_failure(self, excinfo, style=None):
        from proctor.testing.conformance import ConformanceError

        if isinstance(excinfo.value, ConformanceError):
            return str(excinfo.value)  # one line says where and what; the kit's traceback would not help
        return super().repr_failure(excinfo, style=style)

    def reportinfo(self):
        return self.path, None, f"proctor conformance {self.check}"


@pytest.hookimpl(tryfirst=True)  # before -k and -m deselect
def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list) -> None:
    names = [n.strip() for option in config.getoption("proctor_conformance") for n in option.split(",") if n.strip()]
    if not names:
        return
    from proctor.testing.conformance import ConformanceError, checks

    try:
        found = checks(*names)
    except ConformanceError as exc:
        raise pytest.UsageError(f"--proctor-conformance: {exc}") from None
    for check in found:
        items.append(ConformanceItem.from_parent(session, name=str(check), nodeid=f"proctor-conformance::{check}",
                                                 check=check))
