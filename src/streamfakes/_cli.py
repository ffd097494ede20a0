"""The `streamfakes` command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from fakes._errors import FakesError, ScriptError

from ._show import add_show_command, run_show

if TYPE_CHECKING:
    from fakes._wire._loopback import LoopbackServer


def _port(text: str) -> int:
    """A port number for argparse: 0 (any free one) to 65535, or a usage error."""
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a port: give 0 to 65535 (0: any free one)"
        )
    return port


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="streamfakes", description="Deterministic test harness for LLM streaming."
    )
    parser.add_argument("--version", action="version", version=f"streamfakes {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="stream the LangChain streaming walkthrough offline")
    demo.add_argument(
        "--real-time", action="store_true", help="pace the streams as a provider would"
    )
    serve = commands.add_parser("serve", help="serve a script over providers' HTTP APIs")
    serve.add_argument("--script", required=True, help="a .yaml, .yml or .json script")
    serve.add_argument("--port", type=_port, default=0, help="port (default: any free one)")
    serve.add_argument(
        "--cycle",
        action="store_true",
        help="start the script over when its responses run out (serve forever)",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address (default 127.0.0.1: this machine only)"
    )
    record = commands.add_parser(
        "record", help="proxy a real provider and record its answers as a script"
    )
    record.add_argument(
        "--upstream", required=True, help="the provider's base URL, e.g. https://api.openai.com"
    )
    record.add_argument("--out", required=True, help="the script to write (.yaml, .yml, .json)")
    record.add_argument("--answers", type=int, default=0, help="stop after N answers")
    record.add_argument("--force", action="store_true", help="replace --out if it exists")
    record.add_argument("--port", type=_port, default=0, help="port (default: any free one)")
    record.add_argument(
        "--host", default="127.0.0.1", help="address (default 127.0.0.1: this machine only)"
    )
    check = commands.add_parser("check", help="validate a script file and summarise it")
    check.add_argument("script", help="a .yaml, .yml or .json script")
    check.add_argument("--llm", action="store_true", help="check it as a FakeLLM script")
    add_show_command(commands)
    args = parser.parse_args(argv)

    if args.command == "demo":
        from ._demo import run_demo

        try:
            run_demo(sys.stdout, real_time=args.real_time)
        except BrokenPipeError:
            # The reader went away (`streamfakes demo | head`): stop quietly, as CLIs do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    if args.command == "serve":
        return _serve(args.script, port=args.port, host=args.host, cycle=args.cycle)
    if args.command == "show":
        return run_show(args)
    if args.command == "record":
        return _record(
            args.upstream, args.out, args.answers, port=args.port, host=args.host, force=args.force
        )
    return _check(args.script, llm=args.llm)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("streamfakes")
    except PackageNotFoundError:  # run from a source tree that was never installed
        return "(not installed)"


def _serve(path: str, *, port: int, host: str, cycle: bool) -> int:
    import time

    from fakes._models._chat_model import FakeChatModel
    from fakes._wire._server import FakeProviderServer

    try:
        model = FakeChatModel.from_script(path, **({"cycle": True} if cycle else {}))
    except ScriptError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    try:
        server = FakeProviderServer(model, host=host, port=port).start()
    except FakesError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    with server:
        print(f"serving {path} (Ctrl-C stops)", flush=True)
        _print_base_urls(server)
        try:
            while True:
                time.sleep(0.5)
        except KeyboardInterrupt:
            pass
    return 0


def _record(
    upstream: str, out: str, answers: int, *, port: int, host: str, force: bool = False
) -> int:
    import signal

    from fakes._recording._proxy import RecordingProxy
    from fakes._script._writing import unused_path
    from fakes._secrets import shown_url

    try:
        replaced = unused_path(out, force=force)  # before recording: a bad --out loses nothing
        proxy = RecordingProxy(upstream, host=host, port=port).start()
    except FakesError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt  # SIGTERM and SIGHUP save the recording, as Ctrl-C does

    stops = [s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]
    before = {s: signal.signal(s, stop) for s in stops}
    try:
        with proxy:
            until = f"after {answers} answer(s)" if answers else "on Ctrl-C or SIGTERM"
            print(f"recording {shown_url(upstream)} to {out} (stops {until})", flush=True)
            _print_base_urls(proxy)
            try:
                while not proxy.wait_for(answers or 10**9, timeout=0.5):
                    pass
            except KeyboardInterrupt:
                pass
    finally:
        for number, handler in before.items():
            signal.signal(number, handler)
    if not proxy.recorded:
        print("error: nothing recorded; no file written", file=sys.stderr)
        return 1
    return _save(proxy, out, replaced)


def _save(proxy: Any, out: str, replaced: str) -> int:
    """Write the recording; if `out` cannot be written now, write it beside the temporary
    files instead, and say where: a recording is never lost."""
    import tempfile

    try:
        proxy.save(out)
    except (OSError, FakesError) as error:
        fallback = os.path.join(tempfile.gettempdir(), f"streamfakes-recording-{os.getpid()}.yaml")
        proxy.save(fallback)
        print(f"error: cannot write {out} ({error}); saved to {fallback}", file=sys.stderr)
        return 1
    print(f"recorded {len(proxy.recorded)} answer(s) to {out}")
    if replaced:
        print(f"  (replaced {replaced})")
    return 0


def _print_base_urls(server: LoopbackServer) -> None:
    print(f"  OpenAI (openai SDK, ChatOpenAI, OpenAI): base_url={server.openai_base_url}")
    print(f"  Anthropic (anthropic SDK, ChatAnthropic): base_url={server.anthropic_base_url}")
    print(f"  Ollama (ollama client, ChatOllama): base_url={server.ollama_base_url}")
    print(f"  Gemini (google-genai, ChatGoogleGenerativeAI): base_url={server.gemini_base_url}")
    print(
        f"  Bedrock Converse (boto3, ChatBedrockConverse): "
        f"endpoint_url={server.bedrock_endpoint_url}",
        flush=True,
    )


def _check(path: str, *, llm: bool) -> int:
    from fakes._models._chat_model import FakeChatModel
    from fakes._models._llm import FakeLLM
    from fakes._script._cutting import chunk_count

    try:
        model = (FakeLLM if llm else FakeChatModel).from_script(path)
    except ScriptError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    engine = model._engine
    print(f"{path}: ok, {len(engine.responses)} response(s), {len(engine.rules)} rule(s)")
    for i, response in enumerate(engine.responses):
        count = chunk_count(response, engine.splitter_for(response))
        extra = f", fault after {response.fault.after_chunks}" if response.fault else ""
        print(f"  responses[{i}]: {count} chunk(s){extra}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
