"""Installing streamfakes changes nothing for a project that does not use it, and a
project whose own module shadows one of our libraries gets one clear message."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

pytest_plugins = ["pytester"]

HEAVY = ("fakes", "assertions", "langchain_core", "hypothesis", "starlette", "uvicorn", "httpx")


@pytest.fixture
def project(pytester: pytest.Pytester) -> pytest.Pytester:
    pytester.makeini("[pytest]\nasyncio_default_fixture_loop_scope = function\n")
    return pytester


def python_m_pytest(project: pytest.Pytester, *args: str) -> pytest.RunResult:
    """`python -m pytest` in the project: its rootdir comes first on sys.path."""
    return project.run(sys.executable, "-m", "pytest", "-p", "no:randomly", *args)


@pytest.mark.parametrize("name", ["fakes", "assertions"])
def test_a_project_with_its_own_module_of_our_name_runs_unchanged(
    project: pytest.Pytester, name: str
) -> None:
    project.makepyfile(**{name: "class FakeRetriever:\n    answer = 'local'\n"})
    project.makepyfile(
        test_local=f"""
        import sys

        from {name} import FakeRetriever

        def test_the_local_module_is_imported():
            assert FakeRetriever.answer == "local"
            assert sys.modules["{name}"].__file__.endswith("{name}.py")
        """
    )
    result = python_m_pytest(project)
    assert result.ret == 0, result.stdout.str() + result.stderr.str()
    result.assert_outcomes(passed=1)
    assert "streamfakes" in result.stdout.str()  # the plugin was loaded, and kept out of the way


@pytest.mark.parametrize("name", ["fakes", "assertions"])
def test_a_shadowing_module_fails_the_first_use_with_one_clear_message(
    project: pytest.Pytester, name: str
) -> None:
    local = project.makepyfile(**{name: "X = 1\n"})
    project.makepyfile(
        test_uses_fixture="""
        def test_model(fake_chat_model):
            fake_chat_model(["hi"]).invoke("x")
        """
    )
    result = python_m_pytest(project)
    result.assert_outcomes(errors=1)
    output = result.stdout.str()
    message = [line for line in output.splitlines() if "shadows it" in line]
    assert len(message) == 1, output
    assert f"streamfakes needs its library '{name}'" in message[0]
    assert f"finds this project's {local}" in message[0]
    assert f"Rename the local module (e.g. {name}.py -> test_{name}.py)" in message[0]
    assert "ImportError" not in output and "Traceback" not in output


def test_loading_the_plugin_imports_neither_library_nor_anything_heavy() -> None:
    check = textwrap.dedent(
        f"""
        import sys
        import pytest, syrupy, pytest_asyncio
        before = set(sys.modules)
        import streamfakes.pytest_plugin
        added = sorted(set(sys.modules) - before)
        heavy = [m for m in added if m.split(".")[0] in {HEAVY!r}]
        ours = [m for m in added if not m.startswith("streamfakes")]
        assert not heavy and not ours, (heavy, ours)
        """
    )
    subprocess.run([sys.executable, "-c", check], check=True)


def test_importing_the_libraries_leaves_the_heavy_parts_for_later() -> None:
    check = textwrap.dedent(
        """
        import sys
        # fireworks-ai (the [test] extra's langchain-fireworks) installs httpx-aiohttp,
        # which langsmith, under langchain-core, imports at load, and it imports httpx:
        # not ours to defer. Hidden, what is left is what our own imports load.
        sys.modules["httpx_aiohttp"] = None
        import assertions, fakes
        loaded = [m for m in ("starlette", "uvicorn", "httpx", "hypothesis", "syrupy",
                              "assertions.conformance", "pytest") if m in sys.modules]
        assert loaded == [], loaded
        assert {"FakeProviderServer", "RecordingProxy"} <= set(dir(fakes))
        assert {"parse_sse", "assert_chunking_invariant"} <= set(dir(assertions))
        fakes.FakeProviderServer, assertions.parse_sse, assertions.assert_chunking_invariant
        assert {"uvicorn", "httpx", "hypothesis"} <= set(sys.modules)
        """
    )
    subprocess.run([sys.executable, "-c", check], check=True)


SHARED_SERVER_TESTS = """
import httpx

PORTS = []

def ask(server):
    body = {"model": "m", "messages": [{"role": "user", "content": "hi"}]}
    answer = httpx.post(f"{server.openai_base_url}/chat/completions", json=body).json()
    return answer["choices"][0]["message"]["content"]

def test_first(fake_provider):
    server = fake_provider(["one"])
    PORTS.append(server.port)
    assert ask(server) == "one"
    assert len(server.journal) == 1

def test_second(fake_provider):
    server = fake_provider(["two"])
    PORTS.append(server.port)
    assert len(server.journal) == 0  # a fresh journal for this test
    assert ask(server) == "two"
    assert PORTS[0] == PORTS[1]  # the same server, already running

def test_unused(fake_provider):
    fake_provider(["never asked"])
"""


def test_a_session_scoped_server_gives_each_test_its_script_and_checks(
    project: pytest.Pytester,
) -> None:
    project.makepyfile(test_shared=SHARED_SERVER_TESTS)
    result = project.runpytest("-p", "no:randomly", "--streamfakes-server-scope=session")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at teardown of test_unused*",
            "these scripted responses were never requested:",
            "*: responses?0?: 'never asked'",
        ]
    )


def test_the_server_scope_can_be_set_in_the_ini_file(project: pytest.Pytester) -> None:
    project.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        "streamfakes_server_scope = session\n"
    )
    project.makepyfile(test_shared=SHARED_SERVER_TESTS.split("def test_unused")[0])
    project.runpytest("-p", "no:randomly").assert_outcomes(passed=2)


def test_a_wrong_server_scope_is_a_usage_error(project: pytest.Pytester) -> None:
    project.makeini(
        "[pytest]\nasyncio_default_fixture_loop_scope = function\n"
        "streamfakes_server_scope = module\n"
    )
    result = project.runpytest()
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines(
        ["*streamfakes_server_scope = 'module' in the ini file; use one of test, session*"]
    )
