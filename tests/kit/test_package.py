"""The top-level package: every advertised name resolves, and importing it is cheap."""
import subprocess
import sys

import imbalance_kit


def test_every_exported_name_resolves():
    for name in imbalance_kit.__all__:
        assert getattr(imbalance_kit, name) is not None, name


def test_unknown_name_is_a_clear_attribute_error():
    import pytest

    with pytest.raises(AttributeError, match="no attribute 'nope'"):
        imbalance_kit.nope


def test_import_does_not_pull_heavy_libraries():
    code = "import sys, imbalance_kit; print(any(m.split('.')[0] in {'sklearn', 'imblearn', 'matplotlib'} for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
