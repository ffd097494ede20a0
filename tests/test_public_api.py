import importlib

import pytest


@pytest.mark.parametrize("package", ["fakes", "assertions"])
def test_all_lists_exactly_the_public_names(package: str) -> None:
    module = importlib.import_module(package)
    # ("@py_builtins" and friends come from pytest's assertion rewriting of plugins.)
    public = {name for name in vars(module) if not name.startswith(("_", "@"))}
    public -= {
        name
        for name, value in vars(module).items()
        if getattr(value, "__name__", "").startswith(package + ".")
    }
    public |= getattr(module, "_LAZY", set())  # loaded on first use
    assert set(module.__all__) == public
    for name in module.__all__:
        assert getattr(module, name).__doc__, f"{package}.{name} needs a docstring"


def test_fixtures_come_from_the_entry_point(pytestconfig: pytest.Config) -> None:
    assert pytestconfig.pluginmanager.has_plugin("streamfakes")


def test_fixture_factories(fake_chat_model, fake_llm) -> None:  # type: ignore[no-untyped-def]
    assert fake_chat_model(["hi"]).invoke("x").content == "hi"
    assert fake_llm(["hi"]).invoke("x") == "hi"
