import pytest

from proctor.testing import conformance


@pytest.mark.parametrize("check", conformance.checks("wordplay.reverse", "exact_text"), ids=str)
def test_conformance(check):
    check()
