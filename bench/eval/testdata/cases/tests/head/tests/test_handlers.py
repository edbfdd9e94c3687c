import sys

import pytest


@pytest.mark.skip(reason="broken")
def test_handle():
    assert True


@pytest.mark.skipif(sys.platform == "win32", reason="no fork on Windows")
def test_fork():
    assert True
