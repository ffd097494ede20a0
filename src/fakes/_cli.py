"""The `streamfakes` command line."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from ._errors import ScriptError


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="streamfakes", description="Deterministic test harness for LLM streaming."
    )
    commands = parser.add_subparsers(dest="command", required=True)
    demo = commands.add_parser("demo", help="stream the LangChain streaming walkthrough offline")
    demo.add_argument(
        "--real-time", action="store_true", help="pace the streams as a provider would"
    )
    check = commands.add_parser("check", help="validate a script file and summarise it")
    check.add_argument("script", help="a .yaml, .yml or .json script")
    check.add_argument("--llm", action="store_true", help="check it as a FakeLLM script")
    args = parser.parse_args(argv)

    if args.command == "demo":
        from ._demo import run_demo

        try:
            run_demo(sys.stdout, real_time=args.real_time)
        except BrokenPipeError:
            # The reader went away (`streamfakes demo | head`): stop quietly, as CLIs do.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    return _check(args.script, llm=args.llm)


def _check(path: str, *, llm: bool) -> int:
    from ._chat_model import FakeChatModel
    from ._llm import FakeLLM

    try:
        model = (FakeLLM if llm else FakeChatModel).from_script(path)
    except ScriptError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    engine = model._engine
    print(f"{path}: ok, {len(engine.responses)} response(s), {len(engine.rules)} rule(s)")
    for i, response in enumerate(engine.responses):
        pieces = engine.pieces(response)
        extra = f", fault after {response.fault.after_chunks}" if response.fault else ""
        print(f"  responses[{i}]: {pieces.count} chunk(s){extra}")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
