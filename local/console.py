"""What the local stack prints, and where the functions' own logs go.

The console is for people: one line per API request (time, method, path, status, function, milliseconds),
plus warnings and errors, from the stack and from the functions. Every line a function writes (Powertools'
JSON logs, tracebacks) is filed under the function's name in ``<log dir>/functions.log`` (rotated, so it stays
bounded); with ``--verbose`` the console shows them all too.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import threading
from pathlib import Path

LOUD_LEVELS = {"WARNING", "ERROR", "CRITICAL"}
LOG_FILE_BYTES = 20 * 1024 * 1024
LOG_FILE_BACKUPS = 3

requests = logging.getLogger("local.requests")


def setup(quiet: bool = False) -> None:
    """The console's format; library chatter only from warnings up."""
    logging.basicConfig(level=logging.WARNING if quiet else logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s", datefmt="%H:%M:%S")
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(message)s", datefmt="%H:%M:%S"))
    requests.addHandler(handler)
    requests.propagate = False
    requests.setLevel(logging.WARNING if quiet else logging.INFO)
    for noisy in ("werkzeug", "botocore", "httpx", "httpcore", "urllib3"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def request_line(method: str, uri: str, status: int, function: str, ms: float) -> None:
    requests.info("%s %s %d %s %.0f ms", method, uri, status, function, ms)


class FunctionOutput:
    """The sink of every function's output: the log file, and the console for what a person must see."""

    def __init__(self, log_dir: Path, verbose: bool = False) -> None:
        log_dir.mkdir(parents=True, exist_ok=True)
        self.path = log_dir / "functions.log"
        self._file = logging.handlers.RotatingFileHandler(self.path, maxBytes=LOG_FILE_BYTES,
                                                          backupCount=LOG_FILE_BACKUPS, encoding="utf-8")
        self._lock = threading.Lock()
        self.verbose = verbose
        self.console = logging.getLogger("local.functions")

    def __call__(self, function: str, line: str) -> None:
        record = logging.makeLogRecord({"msg": f"{function} {line}", "levelno": logging.INFO})
        with self._lock:
            self._file.emit(record)
        level, message = summarise(line)
        if self.verbose:
            self.console.info("[%s] %s", function, line)
        elif level in LOUD_LEVELS:
            self.console.log(logging.getLevelName(level), "[%s] %s", function, message)

    def close(self) -> None:
        with self._lock:
            self._file.close()


def summarise(line: str) -> tuple[str | None, str]:
    """(level, what to print) of one line of a function's output. A JSON log record gives its level and
    message (and the exception's last line); anything else (a traceback, a print) is a WARNING as it is."""
    if line.startswith("{"):
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if isinstance(record, dict):
            level = str(record.get("level", "INFO")).upper()
            message = str(record.get("message", ""))
            exception = str(record.get("exception", "") or "").strip().splitlines()
            if exception:
                message = f"{message} ({exception[-1]})"
            request_id = record.get("correlation_id") or record.get("function_request_id")
            if request_id:
                message = f"{message} [request {request_id}]"
            return level, message
    if line.startswith("[ERROR]"):
        return "ERROR", line
    return "WARNING", line
