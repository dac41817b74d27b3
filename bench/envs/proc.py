"""The one way jwtbench starts child processes: env builds, rounds, lockstep children.

Why one helper: every child (an installer, a ``jwtbench run`` round, a
lockstep side) needs the same care, and two copies of it drifted apart: a
clean environment (no leaked ``PYTHONPATH``, unbuffered output), its output
kept (streamed to a log file or a callback) so a failure can show its last
lines, pinning to a CPU, and never leaving a child running when the parent
fails or is interrupted (:meth:`Child.stop` in ``finally``).
"""

from __future__ import annotations

import collections
import contextlib
import os
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

#: Lines of child output shown when something fails.
TAIL_LINES = 15
#: Seconds a child gets to exit after SIGTERM before it is killed.
GRACE_SECONDS = 10.0


class ProcError(RuntimeError):
    """A child could not be started, or exited with an error; the message has its last lines."""


def child_environ(
    base: Mapping[str, str] | None = None, *, venv: Path | None = None, bin_dir: Path | None = None
) -> dict[str, str]:
    """The environment for a child: no leaked PYTHONPATH/PYTHONHOME, unbuffered output.

    With ``venv``/``bin_dir``, the child runs inside that virtualenv (as if activated).
    """
    source = os.environ if base is None else base
    environ = {k: v for k, v in source.items() if k not in ("PYTHONPATH", "PYTHONHOME")}
    environ["PYTHONUNBUFFERED"] = "1"
    if venv is not None and bin_dir is not None:
        environ["VIRTUAL_ENV"] = str(venv)
        environ["PATH"] = os.pathsep.join([str(bin_dir), environ.get("PATH", "")])
    return environ


def tail(text: str, lines: int = TAIL_LINES) -> str:
    """The last non-blank lines of ``text``, indented, for error messages."""
    kept = [line for line in text.strip().splitlines() if line.strip()][-lines:]
    return "\n".join(f"    {line}" for line in kept)


def log_tail(path: Path, lines: int = TAIL_LINES) -> str:
    """The last lines of a child's log file, indented ("" if it cannot be read)."""
    try:
        return tail(path.read_text(encoding="utf-8", errors="replace"), lines)
    except OSError:
        return ""


@dataclass
class Child:
    """A started child process and where its output went."""

    command: tuple[str, ...]
    proc: subprocess.Popen[str]
    log: Path | None = None
    last: collections.deque[str] = field(default_factory=lambda: collections.deque(maxlen=60))

    def lines(self) -> Iterator[str]:
        """The child's output lines as they come (only when started with ``stream=True``)."""
        if self.proc.stdout is None:
            return
        for line in self.proc.stdout:
            line = line.rstrip()
            self.last.append(line)
            yield line

    def wait(self) -> int:
        return int(self.proc.wait())

    def stop(self) -> None:
        """Terminate the child if it still runs (then kill it after a grace period)."""
        if self.proc.poll() is not None:
            return
        self.proc.terminate()
        try:
            self.proc.wait(timeout=GRACE_SECONDS)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()

    def output_tail(self) -> str:
        """The last lines the child wrote (from its log, or from the streamed lines)."""
        return log_tail(self.log) if self.log is not None else tail("\n".join(self.last))

    def failure(self, what: str, code: int | None) -> ProcError:
        return ProcError(
            f"{what} failed (exit {code}): {' '.join(self.command)}\n{self.output_tail()}"
        )


def start(
    command: Sequence[str],
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    log: Path | None = None,
    pass_fds: Sequence[int] = (),
    cpu: int | None = None,
    what: str = "",
) -> Child:
    """Start ``command``: output to ``log`` if given, else streamed (``Child.lines``).

    ``cpu``: pin the child to that CPU (where the platform supports affinity).
    """
    cmd = tuple(str(part) for part in command)
    env = dict(environ) if environ is not None else child_environ()
    out = log.open("w", encoding="utf-8") if log is not None else None
    try:
        proc = subprocess.Popen(
            cmd,
            stdout=out if out is not None else subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=env,
            cwd=cwd,
            pass_fds=tuple(pass_fds),
        )
    except OSError as exc:
        raise ProcError(f"{what or cmd[0]}: cannot run {cmd[0]} ({exc.strerror})") from None
    finally:
        if out is not None:
            out.close()  # the child has its own copy of the descriptor
    child = Child(cmd, proc, log)
    if cpu is not None and hasattr(os, "sched_setaffinity"):
        # OSError: it exited already, and its exit code tells the rest
        with contextlib.suppress(OSError):
            os.sched_setaffinity(proc.pid, {cpu})
    return child


@contextmanager
def running(
    command: Sequence[str],
    *,
    environ: Mapping[str, str] | None = None,
    cwd: Path | None = None,
    what: str = "",
) -> Iterator[Child]:
    """``start`` (output streamed) as a context: the child is stopped on any error or interrupt."""
    child = start(command, environ=environ, cwd=cwd, what=what)
    try:
        yield child
    finally:
        child.stop()


def run_checked(
    command: Sequence[str],
    *,
    what: str,
    environ: Mapping[str, str] | None = None,
    echo: Callable[[str], None] | None = None,
) -> str:
    """Run ``command`` to the end and return its output; ``ProcError`` naming ``what``."""
    with running(command, environ=environ, what=what) as child:
        out = []
        for line in child.lines():
            out.append(line)
            if echo is not None:
                echo(line)
        code = child.wait()
    if code != 0:
        raise child.failure(what, code)
    return "\n".join(out)


def shared_cpu() -> int | None:
    """One CPU this process may use, for children that must share it; None if unsupported.

    Measured here (two processes alternating 5 ms HMAC bursts, 400 pairs): the
    ratio of paired bursts fell between 0.98 and 1.03 (10th-90th percentile)
    pinned to one CPU, and between 0.57 and 1.42 unpinned, where each process
    sits on whichever of the two vCPUs it was given and their speeds differ
    from moment to moment.
    """
    if not hasattr(os, "sched_getaffinity"):
        return None
    return min(os.sched_getaffinity(0))
