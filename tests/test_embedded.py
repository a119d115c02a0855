"""The embedded engine keeps its promises: durable writes, crash-tolerant start, clear errors."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pandas as pd
import psutil
import pytest

import engine
from engine.embedded import ServerFiles, server_pid, stop_server
from jejak.errors import EngineUnavailable
from jejak.settings import Settings


def _count(settings: Settings) -> int:
    with engine.connect(settings) as eng:
        return eng.read("MATCH (w:Worker) RETURN count(w) AS n")[0]["n"]


def _kill(pid: int) -> None:
    os.kill(pid, signal.SIGKILL)
    psutil.Process(pid).wait(timeout=10) if psutil.pid_exists(pid) else None


def test_every_acknowledged_write_survives_sigkill_of_the_server(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "g", graph_name="durable")
    eng = engine.connect(settings)
    acknowledged = 0
    for i in range(300):  # one acknowledged write at a time, as a loader's batches are
        eng.write("CREATE (:Worker {id: $id})", {"id": f"w{i}"})
        acknowledged += 1
    eng.write("UNWIND range(1, 5000) AS i CREATE (:Worker {id: 'b' + toString(i)})")
    acknowledged += 5000
    pid = server_pid(ServerFiles(settings.data_dir.resolve()))
    assert pid is not None
    _kill(pid)  # no snapshot, no shutdown: only the append-only log can bring these back
    assert _count(settings) == acknowledged
    eng2 = engine.connect(settings)
    eng2.close()


def test_a_crashed_client_leaves_an_orphan_server_that_the_next_start_reuses(tmp_path: Path) -> None:
    data = tmp_path / "g"
    script = textwrap.dedent(
        f"""
        import os, signal, engine
        from jejak.settings import Settings
        eng = engine.connect(Settings(data_dir={str(data)!r}, graph_name="orphan"))
        eng.write("UNWIND range(1, 100) AS i CREATE (:Worker {{id: toString(i)}})")
        os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], check=False, cwd=Path(__file__).parents[1])
    assert done.returncode == -signal.SIGKILL
    orphan = server_pid(ServerFiles(data.resolve()))
    assert orphan is not None, "the killed client's server should still be running"
    settings = Settings(data_dir=data, graph_name="orphan")
    assert _count(settings) == 100
    assert server_pid(ServerFiles(data.resolve())) is None, "the last client out stops the server"


def test_stale_pid_and_socket_files_do_not_stop_the_next_start(tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "g", graph_name="stale")
    with engine.connect(settings) as eng:
        eng.write("CREATE (:Worker {id: 'kept'})")
    files = ServerFiles(settings.data_dir.resolve())
    # What a crash leaves: a pid file naming a process that is not our server, and a dead socket.
    files.pidfile.write_text(str(os.getpid()))
    files.socket.write_text("")
    assert _count(settings) == 1


def test_two_processes_starting_the_same_graph_share_one_server(tmp_path: Path) -> None:
    data = tmp_path / "g"
    script = textwrap.dedent(
        f"""
        import sys, time, engine
        from jejak.settings import Settings
        eng = engine.connect(Settings(data_dir={str(data)!r}, graph_name="shared"))
        eng.write("CREATE (:Worker {{id: $id}})", {{"id": sys.argv[1]}})
        time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # both leave at the same moment
        print(eng.read("MATCH (w:Worker) RETURN count(w) AS n")[0]["n"])
        eng.close()
        """
    )
    root = Path(__file__).parents[1]
    leave_at = str(time.time() + 4.0)  # after both have started and written
    procs = [
        subprocess.Popen([sys.executable, "-c", script, name, leave_at], cwd=root, stdout=subprocess.PIPE, text=True)
        for name in ("a", "b")
    ]
    outs = [p.communicate(timeout=60)[0].strip() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    assert "2" in outs, "both writes landed in one graph"
    assert server_pid(ServerFiles(data.resolve())) is None, "the last process to leave stopped the server"


@pytest.mark.parametrize("make_bad", ["file_in_the_way", "under_a_file"])
def test_unusable_data_directory_is_a_clear_error(tmp_path: Path, make_bad: str) -> None:
    blocker = tmp_path / "blocker"
    blocker.write_text("not a directory")
    data = blocker if make_bad == "file_in_the_way" else blocker / "data"
    with pytest.raises(EngineUnavailable) as err:
        engine.connect(Settings(data_dir=data))
    assert str(data) in str(err.value) and "\n" not in str(err.value)


def test_the_last_engine_out_stops_the_server_after_parallel_reads(tmp_path: Path) -> None:
    import threading
    from concurrent.futures import ThreadPoolExecutor

    data = tmp_path / "g"
    eng = engine.connect(Settings(data_dir=data, graph_name="pool"))
    other = engine.connect(Settings(data_dir=data, graph_name="pool"))
    together = threading.Barrier(4)

    def read(_: int) -> int:
        together.wait()  # four reads at once: the connection pool opens several connections
        return eng.read("UNWIND range(1, 300000) AS i RETURN count(i) AS n")[0]["n"]

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert list(pool.map(read, range(4))) == [300000] * 4
    other.close()
    assert server_pid(ServerFiles(data.resolve())) is not None, "an engine is still attached"
    eng.close()
    assert server_pid(ServerFiles(data.resolve())) is None, "the last engine out stops the server"


def test_a_bulk_load_waits_out_a_log_rewrite_the_server_started_itself(tmp_path: Path) -> None:
    """The server rewrites its append-only log on its own when the log has doubled; a bulk load
    that ends during such a rewrite still persists its graph (it used to fail at 1 M workers)."""
    settings = Settings(data_dir=tmp_path / "g", graph_name="bulk")
    eng = engine.connect(settings)
    conn = eng._connection  # type: ignore[attr-defined]
    eng.clear()
    conn.config_set("rdb-key-save-delay", 10_000)  # microseconds per key, read by the child at fork
    conn.bgrewriteaof()
    conn.config_set("rdb-key-save-delay", 0)
    assert conn.info("persistence")["aof_rewrite_in_progress"]
    workers = pd.DataFrame({"id": [f"w{i}" for i in range(100)], "name": "X"})
    eng.bulk_create({"Worker": workers}, {})
    assert conn.info("persistence")["aof_last_bgrewrite_status"] == "ok"
    pid = server_pid(ServerFiles(settings.data_dir.resolve()))
    assert pid is not None
    _kill(pid)  # only the rewritten log can bring the bulk-built graph back
    assert _count(settings) == 100
    stop_server(ServerFiles(settings.data_dir.resolve()))


def test_compact_leaves_a_snapshot_and_no_queries_to_replay(tmp_path: Path) -> None:
    """The append-only log records writes as queries, replayed at every start: after a full
    resolution at 1 M workers that took over ten minutes. ``compact`` rewrites it into a snapshot."""
    settings = Settings(data_dir=tmp_path / "g", graph_name="compact")
    eng = engine.connect(settings)
    for i in range(20):
        eng.write("UNWIND range(1, 500) AS i MERGE (:Worker {id: $prefix + toString(i)})", {"prefix": f"b{i}-"})

    def logged_queries() -> int:
        return sum(f.stat().st_size for f in (settings.data_dir / "aof").glob("*.incr.aof"))

    before = logged_queries()
    assert before > 1000
    eng.compact()
    assert logged_queries() < 100
    pid = server_pid(ServerFiles(settings.data_dir.resolve()))
    assert pid is not None
    _kill(pid)  # the snapshot alone brings the graph back
    assert _count(settings) == 10_000
    stop_server(ServerFiles(settings.data_dir.resolve()))


def test_the_last_engine_out_compacts_a_grown_log(tmp_path: Path) -> None:
    """Queries replay before the indexes are back (each id look-up scans its label), so a server
    restarted after a batch of writes took minutes to start at 200,000 nodes: the last engine out
    of the embedded server leaves a snapshot instead. A few small writes are left as they are."""
    settings = Settings(data_dir=tmp_path / "g", graph_name="leaving")

    def logged_queries() -> int:
        return sum(f.stat().st_size for f in (settings.data_dir / "aof").glob("*.incr.aof"))

    with engine.connect(settings) as eng:
        eng.write("CREATE (:Worker {id: 'one'})")
    small = logged_queries()
    assert 0 < small < 1000  # one small write: kept as a query
    with engine.connect(settings) as eng:
        for i in range(100):  # batches as the loaders write them: rows travel as parameters
            rows = [{"id": f"b{i}-{k}", "name": f"Worker {i} {k}"} for k in range(200)]
            eng.write("UNWIND $rows AS r MERGE (w:Worker {id: r.id}) SET w.name = r.name", {"rows": rows})
    assert logged_queries() < small + 1000  # compacted on the way out
    assert _count(settings) == 20_001
