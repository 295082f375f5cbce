"""``python -m local`` (what ``make dev`` runs): the whole stack on http://127.0.0.1:${PORT:-3000}/api.

Options: --port (default $PORT or 3000; 0 = a free port), --moto-port (default $MOTO_PORT or a free port),
--no-seed, --fragment <template.yaml> (merge more resources, e.g. the e2e probes), --ready-file <path>
(written as JSON {baseUrl, motoUrl} once ready: every function loaded and the demo organisation seeded),
--parent-pid <pid> (stop when that process is gone), --log-dir <dir> (the functions' logs; default
.local/logs), --verbose (the functions' logs on the console too), --max-environments <n> (execution
environments per function when the template reserves no concurrency; default 2), --aws-latency-ms <ms>
(a modelled network round trip on each of the functions' DynamoDB and EventBridge calls; default 0).
Ctrl-C stops everything and exits 0.
"""

from __future__ import annotations

import argparse
import errno
import faulthandler
import json
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any


def _args(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m local", description="Urbaneta API local stack")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "3000")))
    parser.add_argument("--moto-port", type=int, default=int(os.environ.get("MOTO_PORT", "0")))
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--no-seed", action="store_true", help="do not create the demo organisation")
    parser.add_argument("--fragment", action="append", default=[], help="extra template resources to merge")
    parser.add_argument("--ready-file", help="write {baseUrl, motoUrl} here once ready")
    parser.add_argument("--quiet", action="store_true", help="log warnings only")
    parser.add_argument("--parent-pid", type=int, help="stop when this process is gone (the e2e harness)")
    parser.add_argument("--log-dir", type=Path, help="where the functions' logs go (default .local/logs)")
    parser.add_argument("--verbose", action="store_true", help="show the functions' logs on the console too")
    parser.add_argument("--max-environments", type=int, default=int(os.environ.get("MAX_ENVIRONMENTS", "2")),
                        help="execution environments per function where the template reserves no concurrency")
    parser.add_argument("--aws-latency-ms", type=float, default=0,
                        help="a modelled round trip added to each DynamoDB/EventBridge call of the functions")
    parser.add_argument("--idle-seconds", type=float, default=60,
                        help="stop an environment idle this long (one per function stays warm)")
    return parser.parse_args(argv)


def _banner(stack: Any, seeded: str | None, started: float) -> str:
    from local.seed import DEMO_EMAIL, DEMO_PASSWORD

    lines = [
        "",
        f"Urbaneta API local stack ready in {time.monotonic() - started:.1f} s",
        f"  API            {stack.api_url}",
        f"  docs           {stack.api_url}/docs   (OpenAPI: {stack.api_url}/openapi.json)",
        f"  AWS (moto)     {stack.moto_url}",
        f"  function logs  {stack.function_log}" + ("" if stack.function_log is None else "   (--verbose: here too)"),
    ]
    if seeded is not None:
        lines += [f"  demo login     {DEMO_EMAIL} / {DEMO_PASSWORD}", f"  {seeded}"]
    lines += [
        "  local only     GET    /_local/mail               sent e-mail, oldest first",
        "                 DELETE /_local/mail               empty the mailbox",
        "                 GET    /_local/schedules          schedules and their names",
        "                 POST   /_local/schedules/{name}   run one now; body {\"time\": \"<RFC 3339>\"} optional",
        "                 GET    /_local/ready              200 once ready (503 while starting)",
        "                 GET    /_local/stats              AWS calls, invocations, environments, memory",
        "Ctrl-C stops the stack.",
        "",
    ]
    lines += [f"  WARNING {w}" for w in stack.warnings]
    return "\n".join(lines)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _watch_parent(pid: int, stop: threading.Event) -> None:
    """A stack started for a test session must not outlive it (a killed pytest worker leaves no orphan)."""
    while not stop.wait(1.0):
        if not _alive(pid) or os.getppid() != pid:
            logging.getLogger("local").warning("the parent process %d is gone: stopping", pid)
            stop.set()


def main(argv: list[str]) -> int:
    started = time.monotonic()
    args = _args(argv)
    from local.console import setup

    setup(quiet=args.quiet)
    if args.quiet:
        os.environ.setdefault("POWERTOOLS_LOG_LEVEL", "WARNING")

    from local.stack import start_stack

    stop = threading.Event()

    def on_signal(_sig: int, _frame: Any) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # kill -USR1 <pid>: every thread's stack
    if args.parent_pid:
        threading.Thread(target=_watch_parent, args=(args.parent_pid, stop), name="parent-watch",
                         daemon=True).start()

    try:
        stack = start_stack(args.port, seed=not args.no_seed, moto_port=args.moto_port, host=args.host,
                            fragments=args.fragment, log_dir=args.log_dir, verbose=args.verbose,
                            max_environments=max(1, args.max_environments), aws_latency_ms=args.aws_latency_ms,
                            idle_seconds=max(1.0, args.idle_seconds))
    except OSError as exc:
        if exc.errno != errno.EADDRINUSE:
            raise
        print(f"A port is taken ({exc}); choose others: PORT=3001 MOTO_PORT=5001 make dev", file=sys.stderr)
        return 2
    try:
        from local.seed import describe

        seeded = describe(stack.seed_report) if stack.seed_report is not None else None
        print(_banner(stack, seeded, started), flush=True)
        if args.ready_file:  # after the banner: whoever waits for it may read the console
            tmp = Path(f"{args.ready_file}.tmp")
            tmp.write_text(json.dumps({"baseUrl": stack.base_url, "motoUrl": stack.moto_url,
                                       "environments": stack.functions.environments()}))
            tmp.replace(args.ready_file)
        while not stop.wait(0.2):
            pass
    finally:
        print("stopping the local stack ...", flush=True)
        stack.stop()
        print("stopped.", flush=True)
    return 0


def _exit(code: int) -> None:
    """Leave without the interpreter's finalisation: everything is stopped and joined by then, and the
    garbage collector's finalisers can deadlock on locks held by daemon threads it has frozen (the emulator's
    request threads), which kept a stopped stack from exiting."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(code)


if __name__ == "__main__":
    _exit(main(sys.argv[1:]))
