"""One execution environment of one function: what Lambda's Python runtime does, in a process of its own.

The local stack starts this file as a child process (``python local/runtime.py ...``) with exactly the
environment the template gives the function. It puts the function's code and the shared layer on the path as
Lambda does, imports the handler once (the cold start, timed and reported), then serves events one at a time
over a pair of pipes: the parent writes a frame, this process answers with a frame. Frames are a 4-byte
big-endian length followed by UTF-8 JSON. The function's own output (Powertools' JSON logs, tracebacks) goes
to stdout/stderr, which the parent reads and files under the function's name; the pipes carry only frames.

Standard library only: nothing of the stack is importable from here, as nothing of the local stack exists on
Lambda.

Frames:
- to the parent, once at start: ``{"ready": true, "initMs": 412.5}`` or ``{"ready": false, "error": "..."}``
- from the parent: ``{"event": ..., "requestId": "...", "timeoutMs": 30000}``
- to the parent: ``{"result": ...}`` or ``{"error": {"errorType": "...", "errorMessage": "..."}}``
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import struct
import sys
import time
import traceback
from typing import Any

_HEADER = struct.Struct(">I")


def read_frame(fd: int) -> Any:
    """The next frame's JSON value; EOFError when the other side closed the pipe."""
    header = _read_exactly(fd, _HEADER.size)
    (size,) = _HEADER.unpack(header)
    return json.loads(_read_exactly(fd, size))


def write_frame(fd: int, value: Any) -> None:
    data = json.dumps(value, separators=(",", ":"), default=str).encode()
    view = memoryview(_HEADER.pack(len(data)) + data)
    while view:
        written = os.write(fd, view)
        view = view[written:]


def _read_exactly(fd: int, size: int) -> bytes:
    chunks, remaining = [], size
    while remaining:
        chunk = os.read(fd, min(remaining, 1 << 20))
        if not chunk:
            raise EOFError("the pipe was closed")
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)


class LambdaContext:
    """The context object a Python handler receives."""

    def __init__(self, request_id: str, timeout_ms: int) -> None:
        self.function_name = os.environ.get("AWS_LAMBDA_FUNCTION_NAME", "local")
        self.function_version = os.environ.get("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
        self.memory_limit_in_mb = int(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128"))
        region = os.environ.get("AWS_REGION", "eu-north-1")
        self.invoked_function_arn = f"arn:aws:lambda:{region}:123456789012:function:{self.function_name}"
        self.aws_request_id = request_id
        self.log_group_name = os.environ.get("AWS_LAMBDA_LOG_GROUP_NAME", "")
        self.log_stream_name = os.environ.get("AWS_LAMBDA_LOG_STREAM_NAME", "")
        self._deadline = time.monotonic() + timeout_ms / 1000

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


def load_handler(code_dir: str, module_file: str, handler_name: str, layer_dirs: list[str]) -> Any:
    """Import the function's module as Lambda does: its code first on the path, then the layers."""
    here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [code_dir, *layer_dirs, *[p for p in sys.path if p and os.path.abspath(p) != here]]
    relative = os.path.relpath(module_file, code_dir)
    name = relative[:-3].replace(os.sep, ".") if relative.endswith(".py") else relative
    spec = importlib.util.spec_from_file_location(name, module_file)
    if spec is None or spec.loader is None:
        raise ImportError(f"cannot load {module_file}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    handler = getattr(module, handler_name, None)
    if not callable(handler):
        raise AttributeError(f"{module_file} has no handler {handler_name!r}")
    return handler


def serve(handler: Any, fd_in: int, fd_out: int) -> None:
    while True:
        try:
            frame = read_frame(fd_in)
        except EOFError:
            return
        context = LambdaContext(str(frame.get("requestId", "")), int(frame.get("timeoutMs", 3000)))
        try:
            result = handler(frame["event"], context)
            answer: dict[str, Any] = {"result": result}
        except Exception as exc:  # the runtime reports it to the invoker, as Lambda does
            print(f"[ERROR] {type(exc).__name__}: {exc}\n{traceback.format_exc()}", file=sys.stderr, flush=True)
            answer = {"error": {"errorType": type(exc).__name__, "errorMessage": str(exc)}}
        sys.stdout.flush()
        try:
            write_frame(fd_out, answer)
        except TypeError as exc:  # a result json cannot carry
            write_frame(fd_out, {"error": {"errorType": "Runtime.MarshalError", "errorMessage": str(exc)}})


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="local/runtime.py")
    parser.add_argument("--fd-in", type=int, required=True)
    parser.add_argument("--fd-out", type=int, required=True)
    parser.add_argument("--code-dir", required=True)
    parser.add_argument("--module-file", required=True)
    parser.add_argument("--handler", required=True)
    parser.add_argument("--layer", action="append", default=[])
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        handler = load_handler(args.code_dir, args.module_file, args.handler, args.layer)
    except BaseException as exc:
        print(f"[ERROR] init failed: {type(exc).__name__}: {exc}\n{traceback.format_exc()}", file=sys.stderr,
              flush=True)
        write_frame(args.fd_out, {"ready": False, "error": f"{type(exc).__name__}: {exc}"})
        return 1
    write_frame(args.fd_out, {"ready": True, "initMs": round((time.perf_counter() - started) * 1000, 1)})
    serve(handler, args.fd_in, args.fd_out)
    return 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.stdout.flush()
    sys.stderr.flush()
    # The environment ends as Lambda ends one: at once. Interpreter finalisation would wait for threads the
    # function's libraries left running (thread pools, connection keep-alive) and could hang the stack's stop.
    os._exit(code)
