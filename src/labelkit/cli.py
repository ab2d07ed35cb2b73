"""The `labelkit` command line.

Each subcommand is a `Command` in `COMMANDS`; `register()` adds one. Commands import what
they need when they run, so `labelkit --help` works without the optional extras.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["COMMANDS", "Command", "main", "register"]

DATABASE_URL_ENV = "LABELKIT_DATABASE_URL"


@dataclass(frozen=True, slots=True)
class Command:
    name: str
    help: str
    configure: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace], int]


COMMANDS: dict[str, Command] = {}


def register(command: Command) -> Command:
    COMMANDS[command.name] = command
    return command


def default_database_url() -> str:
    return f"sqlite+aiosqlite:///{Path('labelkit.db').resolve()}"


def _configure_serve(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--db",
        metavar="URL",
        help=(
            "SQLAlchemy async database URL, e.g. postgresql+asyncpg://user@host/db "
            f"(default: ${DATABASE_URL_ENV}, else a SQLite file ./labelkit.db)"
        ),
    )
    parser.add_argument(
        "--host", default="127.0.0.1", help="interface to bind (default: %(default)s)"
    )
    parser.add_argument(
        "--port", type=int, default=8080, help="port to bind (default: %(default)s)"
    )
    parser.add_argument(
        "--dev-key",
        metavar="KEY",
        help="use this API key for the admin instead of generating one (added if missing)",
    )
    parser.add_argument(
        "--data-dir",
        metavar="DIR",
        type=Path,
        help="where uploaded files go (default: beside the SQLite file, else a temporary directory)",
    )
    parser.add_argument(
        "--faults",
        metavar="SPEC",
        help=(
            "inject failures into POST /graphql for testing, e.g. "
            "'429=0.1,503=0.05,reset=0.05,commit_then_drop=0.05' (probabilities; default: none)"
        ),
    )
    parser.add_argument(
        "--fault-seed",
        metavar="N",
        type=int,
        default=0,
        help="seed of the fault draws, for reproducible runs (default: %(default)s)",
    )
    parser.add_argument(
        "--fault-retry-after",
        metavar="SECONDS",
        type=float,
        default=1.0,
        help="Retry-After of injected 429 responses (default: %(default)s)",
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug", "trace"],
        help="(default: %(default)s)",
    )


def _run_serve(args: argparse.Namespace) -> int:
    try:
        import uvicorn
        from sqlalchemy.engine import make_url

        from .server import FaultPlan, create_app
    except ImportError as error:
        print(
            f"labelkit serve needs the server extra: pip install 'labelkit[server]' ({error})",
            file=sys.stderr,
        )
        return 2

    faults = None
    if args.faults is not None:
        try:
            faults = FaultPlan.parse(
                args.faults, seed=args.fault_seed, retry_after=args.fault_retry_after
            )
        except ValueError as error:
            print(f"labelkit serve: invalid --faults: {error}", file=sys.stderr)
            return 2
    database_url = args.db or os.environ.get(DATABASE_URL_ENV) or default_database_url()
    level = "DEBUG" if args.log_level == "trace" else args.log_level.upper()
    logging.basicConfig(level=level, format="%(levelname)s:     %(name)s: %(message)s")

    async def serve() -> None:
        app = create_app(database_url, dev_key=args.dev_key, data_dir=args.data_dir, faults=faults)
        state = app.state.labelkit
        await state.ensure_started()
        shown_url = make_url(database_url).render_as_string(hide_password=True)
        banner = (
            f"labelkit server on http://{args.host}:{args.port}/graphql (database: {shown_url})"
        )
        if state.generated_key:
            banner += f"; admin API key (shown once): {state.generated_key}"
        print(banner, flush=True)
        config = uvicorn.Config(
            app, host=args.host, port=args.port, log_level=args.log_level, lifespan="on"
        )
        await uvicorn.Server(config).serve()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
    return 0


register(
    Command(
        name="serve",
        help="run the labelkit reference server",
        configure=_configure_serve,
        run=_run_serve,
    )
)


def _run_ingest(args: argparse.Namespace) -> int:
    from . import ingest

    return ingest.run(args)


def _configure_ingest(parser: argparse.ArgumentParser) -> None:
    from . import ingest

    ingest.configure(parser)


register(
    Command(
        name="ingest",
        help="create data rows from a .jsonl, .ndjson or .csv file",
        configure=_configure_ingest,
        run=_run_ingest,
    )
)


def _run_export(args: argparse.Namespace) -> int:
    from . import export_cli

    return export_cli.run(args)


def _configure_export(parser: argparse.ArgumentParser) -> None:
    from . import export_cli

    export_cli.configure(parser)


register(
    Command(
        name="export",
        help="write a project's or a dataset's rows to a file (NDJSON, Label Studio, COCO)",
        configure=_configure_export,
        run=_run_export,
    )
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="labelkit", description="labelkit command line")
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for command in COMMANDS.values():
        subparser = subparsers.add_parser(command.name, help=command.help, description=command.help)
        command.configure(subparser)
        subparser.set_defaults(run=command.run)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    run: Callable[[argparse.Namespace], int] = args.run
    return run(args)
