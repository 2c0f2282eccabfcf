"""Airflow's plugin manager imports every .py file under plugins/ as a top-level module named by
its file name (`secrets.py` became `secrets`, and the scheduler then failed to import Starlette,
which needs the standard library's `secrets`). No plugin file may share a name with a module
Python or an installed package provides."""

import importlib.util
import sys
from pathlib import Path

from tests.conftest import ROOT


def test_no_plugin_file_shadows_a_standard_or_installed_module():
    plugins = ROOT / "plugins"
    names = {p.stem for p in plugins.rglob("*.py") if p.stem != "__init__"}
    shadowing = set()
    saved = sys.path[:]
    try:
        sys.path[:] = [p for p in sys.path if p and not Path(p).resolve().is_relative_to(plugins.resolve())]
        for name in sorted(names):
            if name in sys.stdlib_module_names or (name not in sys.modules and importlib.util.find_spec(name)):
                shadowing.add(name)
            elif name in sys.modules and not str(getattr(sys.modules[name], "__file__", "")).startswith(str(plugins)):
                shadowing.add(name)
    finally:
        sys.path[:] = saved
    assert not shadowing, f"plugin files named like existing modules: {sorted(shadowing)}"
