#!/usr/bin/env python3
"""Fetch, start and stop a real Neo4j 5.26 Community server without Docker.

Length: ~830 lines: a standalone script (run before the package is installed), so
the fetch, the JVM launch, the readiness wait and the stop all live in this one file.

The server jars come from Maven Central (``scripts/neo4j/pom.xml`` +
``mvn dependency:copy-dependencies``) into the git-ignored cache ``.neo4j/lib``.
The server is started with the Community entry point found in those jars
(``org.neo4j.server.CommunityEntryPoint``), listening for Bolt on 127.0.0.1 only.

CLI::

    python scripts/neo4j_local.py fetch
    python scripts/neo4j_local.py start [--port P] [--data-dir D] [--no-auth] [--keep]
    eval "$(python scripts/neo4j_local.py start)"     # exports GONGJIAN_NEO4J_*
    python scripts/neo4j_local.py status
    python scripts/neo4j_local.py stop [--keep]

Python API (pytest fixtures put ``scripts/`` on ``sys.path``)::

    from neo4j_local import ensure_jars, start_server, stop_server
    server = start_server()            # -> Neo4jServer(uri, user, password, pid, ...)
    ...
    stop_server(server)

Only the standard library and the official ``neo4j`` Python driver are used.
One file of ~800 lines on purpose: it runs as a plain script (``python
scripts/neo4j_local.py …``, no package to import from) before anything is installed.
"""

from __future__ import annotations

import argparse
import contextlib
import ctypes
import fcntl
import hashlib
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

# --------------------------------------------------------------------------- constants

REPO_ROOT = Path(__file__).resolve().parent.parent
POM_PATH = Path(__file__).resolve().parent / "neo4j" / "pom.xml"
CACHE_DIR = Path(os.environ.get("GONGJIAN_NEO4J_CACHE_DIR", REPO_ROOT / ".neo4j")).resolve()
LIB_DIR = CACHE_DIR / "lib"
STATE_FILE = CACHE_DIR / "state.json"

NEO4J_VERSION = "5.26.30"  # keep in sync with <neo4j.version> in scripts/neo4j/pom.xml
MAIN_CLASS = "org.neo4j.server.CommunityEntryPoint"
_AUTH_HASH_ITERATIONS = 1024

DEFAULT_USER = "neo4j"
DEFAULT_PASSWORD = "gongjian-test"
PASSWORD_ENV = "GONGJIAN_NEO4J_PASSWORD"

DEFAULT_HEAP = "768m"
DEFAULT_PAGECACHE = "128m"
DEFAULT_START_TIMEOUT = 120.0
DEFAULT_STOP_TIMEOUT = 60.0

_COMPLETE_MARKER = ".complete"  # written into LIB_DIR after a successful copy
_LAUNCHER_PID = "launcher.pid"  # in a server home while the JVM should be running
_CDS_DUMP = "neo4j-classes.jsa"  # AppCDS archive a first run dumps into its home at exit

# JVM flags tuned for a small test box (2 cores): small serial-GC heap (the full
# JIT is kept: C1-only starts a little faster but halves bulk-load throughput),
# the --add-opens the official distribution sets for Java 17.
_JVM_FLAGS = (
    "-XX:+UseSerialGC",
    "-XX:+ExitOnOutOfMemoryError",
    "-XX:-OmitStackTraceInFastThrow",
    "-XX:+DisableExplicitGC",
    "-Djdk.nio.maxCachedBufferSize=1024",
    "-Dio.netty.tryReflectionSetAccessible=true",
    "-Dlog4j2.disable.jmx=true",
    "-Dfile.encoding=UTF-8",
    "--add-opens=java.base/java.nio=ALL-UNNAMED",
    "--add-opens=java.base/java.io=ALL-UNNAMED",
    "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED",
    "--add-opens=java.base/java.lang=ALL-UNNAMED",
)

# Child processes started by this interpreter (pid -> Popen) so that we can reap them.
_CHILDREN: dict[int, subprocess.Popen[bytes]] = {}


class Neo4jLocalError(RuntimeError):
    """Anything that went wrong fetching, starting or stopping the local server."""


@dataclass
class Neo4jServer:
    """A running (or recently running) local Neo4j server."""

    uri: str
    user: str
    password: str
    pid: int
    port: int
    data_dir: Path  # the server home: conf/, data/, logs/, run/ live below it
    log_path: Path  # neo4j.log (user log); debug.log and console.log sit next to it
    auth: bool = True
    temporary: bool = True  # True: data_dir was created by us and is removed on stop
    startup_seconds: float = 0.0
    version: str = NEO4J_VERSION
    cds: str = "off"  # AppCDS: "use" an archive, "dump" one at exit, or "off"
    cds_archive: str = ""  # where a dumped archive is moved to by stop_server

    @property
    def env(self) -> dict[str, str]:
        """The GONGJIAN_NEO4J_* variables pointing at this server."""
        return {
            "GONGJIAN_NEO4J_URI": self.uri,
            "GONGJIAN_NEO4J_USER": self.user,
            "GONGJIAN_NEO4J_PASSWORD": self.password,
        }

    def to_json(self) -> dict[str, object]:
        data = asdict(self)
        data["data_dir"] = str(self.data_dir)
        data["log_path"] = str(self.log_path)
        return data

    @classmethod
    def from_json(cls, data: dict[str, object]) -> Neo4jServer:
        kwargs = dict(data)
        kwargs["data_dir"] = Path(str(kwargs["data_dir"]))
        kwargs["log_path"] = Path(str(kwargs["log_path"]))
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in kwargs.items() if k in known})  # type: ignore[arg-type]


# --------------------------------------------------------------------------- helpers


def _log(msg: str) -> None:
    print(f"[neo4j_local] {msg}", file=sys.stderr, flush=True)


def _tail(path: Path, lines: int = 40) -> str:
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        return f"<cannot read {path}: {exc}>"
    return "\n".join(text.splitlines()[-lines:])


def _java() -> str:
    java_home = os.environ.get("JAVA_HOME")
    if java_home and (Path(java_home) / "bin" / "java").exists():
        return str(Path(java_home) / "bin" / "java")
    java = shutil.which("java")
    if not java:
        raise Neo4jLocalError("no `java` on PATH (Neo4j 5.26 needs Java 17 or 21)")
    return java


def _classpath(lib_dir: Path) -> str:
    return f"{lib_dir}{os.sep}*"


def _pom_digest() -> str:
    return hashlib.sha256(POM_PATH.read_bytes()).hexdigest()


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def jars_present(lib_dir: Path = LIB_DIR) -> bool:
    """True when ``lib_dir`` holds a complete copy for the current pom.xml."""
    marker = lib_dir / _COMPLETE_MARKER
    try:
        recorded = marker.read_text().strip()
    except OSError:
        return False
    return recorded == _pom_digest() and any(lib_dir.glob(f"neo4j-{NEO4J_VERSION}.jar"))


def ensure_jars(lib_dir: Path = LIB_DIR, *, force: bool = False, verbose: bool = False) -> Path:
    """Download the Neo4j server jars with Maven into ``lib_dir`` (no-op when cached).

    Returns ``lib_dir``. Raises :class:`Neo4jLocalError` with Maven's output when it fails.
    """
    lib_dir = Path(lib_dir).resolve()
    if not force and jars_present(lib_dir):
        return lib_dir
    with _file_lock(lib_dir.parent / "fetch.lock"):
        if not force and jars_present(lib_dir):  # somebody else fetched meanwhile
            return lib_dir
        mvn = os.environ.get("MVN") or shutil.which("mvn")
        if not mvn:
            raise Neo4jLocalError("no `mvn` on PATH: Maven 3 is needed to fetch the Neo4j jars")
        tmp_dir = lib_dir.with_name(lib_dir.name + ".partial")
        shutil.rmtree(tmp_dir, ignore_errors=True)
        cmd = [
            mvn,
            "-B",
            "-f",
            str(POM_PATH),
            "dependency:copy-dependencies",
            f"-DoutputDirectory={tmp_dir}",
        ]
        _log("fetching Neo4j jars: " + " ".join(cmd))
        started = time.monotonic()
        fetch_log = lib_dir.parent / "fetch.log"
        proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, check=False)
        output = proc.stdout.decode("utf-8", errors="replace")
        fetch_log.write_text(output, encoding="utf-8")
        if verbose:
            print(output, file=sys.stderr)
        if proc.returncode != 0:
            shutil.rmtree(tmp_dir, ignore_errors=True)
            tail = "\n".join(output.splitlines()[-40:])
            raise Neo4jLocalError(
                f"`{' '.join(cmd)}` failed with exit code {proc.returncode} "
                f"(full output in {fetch_log}):\n{tail}"
            )
        if not (tmp_dir / f"neo4j-{NEO4J_VERSION}.jar").exists():
            raise Neo4jLocalError(f"Maven succeeded but neo4j-{NEO4J_VERSION}.jar is missing")
        (tmp_dir / _COMPLETE_MARKER).write_text(_pom_digest() + "\n")
        shutil.rmtree(lib_dir, ignore_errors=True)
        tmp_dir.rename(lib_dir)
        count = len(list(lib_dir.glob("*.jar")))
        _log(f"fetched {count} jars into {lib_dir} in {time.monotonic() - started:.1f}s")
    return lib_dir


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port that was free a moment ago (bind to port 0 and let the kernel pick)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def _port_is_free(port: int, host: str = "127.0.0.1") -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # as Neo4j's own listener does: connections of a stopped server lingering in
        # TIME_WAIT do not keep a restarted one off its port
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            return False
        return True


def _port_accepts(port: int, host: str = "127.0.0.1") -> bool:
    try:
        with socket.create_connection((host, port), timeout=0.5):
            return True
    except OSError:
        return False


def pid_alive(pid: int) -> bool:
    """True if ``pid`` exists and is not a zombie."""
    if pid <= 0:
        return False
    child = _CHILDREN.get(pid)
    if child is not None:
        return child.poll() is None
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except (OSError, IndexError):
        return True


def _is_our_server(pid: int, data_dir: Path) -> bool:
    """Best-effort guard against pid reuse: the process must be our Neo4j JVM."""
    if not pid_alive(pid):
        return False
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return True  # no /proc: trust the pid
    args = [a.decode(errors="replace") for a in cmdline]
    return MAIN_CLASS in args and any(str(data_dir) in a for a in args)


def _write_conf(home: Path, port: int, *, auth: bool, pagecache: str, heap: str) -> Path:
    conf_dir = home / "conf"
    conf_dir.mkdir(parents=True, exist_ok=True)
    for sub in ("data", "logs", "plugins", "import", "run", "licenses"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    lines = [
        "# Written by scripts/neo4j_local.py - local test server, do not use in production",
        "server.default_listen_address=127.0.0.1",
        "server.default_advertised_address=127.0.0.1",
        "server.bolt.enabled=true",
        f"server.bolt.listen_address=127.0.0.1:{port}",
        f"server.bolt.advertised_address=127.0.0.1:{port}",
        "server.bolt.tls_level=DISABLED",
        "server.http.enabled=false",
        "server.https.enabled=false",
        f"server.memory.heap.initial_size={heap}",
        f"server.memory.heap.max_size={heap}",
        f"server.memory.pagecache.size={pagecache}",
        f"dbms.security.auth_enabled={'true' if auth else 'false'}",
        f"server.directories.data={home / 'data'}",
        f"server.directories.logs={home / 'logs'}",
        f"server.directories.plugins={home / 'plugins'}",
        f"server.directories.import={home / 'import'}",
        f"server.directories.run={home / 'run'}",
        f"server.directories.licenses={home / 'licenses'}",
        "dbms.usage_report.enabled=false",
        "db.tx_log.preallocate=false",
        # keep transaction logs small: repeated benchmark loads grew them past 1 GB
        "db.tx_log.rotation.retention_policy=256M size",
        # Shut down quickly: the defaults wait 5 s twice for Bolt connections to drain.
        "internal.server.bolt.connection_shutdown_wait_time=1s",
        "internal.server.bolt.thread_pool_shutdown_wait_time=0s",
    ]
    conf = conf_dir / "neo4j.conf"
    conf.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return conf


def _set_initial_password(home: Path, user: str, password: str) -> None:
    """Do what ``neo4j-admin dbms set-initial-password`` does, without a second JVM.

    It writes ``data/dbms/auth.ini`` (``user:SHA-256,<hash>,<salt>,1024:``: Shiro's
    iterated, salted SHA-256), which Neo4j imports into the system database on its very
    first start. Running ``org.neo4j.cli.AdminTool dbms set-initial-password`` from the
    same jars produces the same file but costs ~1.5 s. Only the readiness check (a real
    login) proves it worked, and start_server does that.
    """
    if (home / "data" / "databases" / "system").exists():
        _log(f"{home} already has a system database; keeping its existing password")
        return
    salt = secrets.token_bytes(32)
    digest = hashlib.sha256(salt + password.encode("utf-8")).digest()
    for _ in range(_AUTH_HASH_ITERATIONS - 1):
        digest = hashlib.sha256(digest).digest()
    auth_ini = home / "data" / "dbms" / "auth.ini"
    auth_ini.parent.mkdir(parents=True, exist_ok=True)
    auth_ini.write_text(
        f"{user}:SHA-256,{digest.hex()},{salt.hex()},{_AUTH_HASH_ITERATIONS}:\n",
        encoding="utf-8",
    )


def _cds_archive_path(java: str, lib_dir: Path) -> Path:
    """Where the AppCDS archive for this JDK + jar set lives (keyed so it never mismatches)."""
    java_real = Path(java).resolve()
    marker = lib_dir / _COMPLETE_MARKER
    key_src = "|".join(
        [
            str(java_real),
            str(java_real.stat().st_mtime_ns),
            str(lib_dir),
            marker.read_text().strip() if marker.exists() else "",
            str(marker.stat().st_mtime_ns) if marker.exists() else "",
        ]
    )
    key = hashlib.sha256(key_src.encode()).hexdigest()[:16]
    return lib_dir.parent / "cds" / f"neo4j-{NEO4J_VERSION}-{key}.jsa"


def _promote_cds_archive(dump: Path, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.{os.getpid()}.tmp")
    shutil.move(str(dump), tmp)
    tmp.replace(target)
    for old in target.parent.glob("*.jsa"):  # archives of older jar sets / JDKs
        if old != target:
            old.unlink(missing_ok=True)


def _die_with_parent() -> None:  # runs in the child between fork and exec
    with contextlib.suppress(Exception):
        libc = ctypes.CDLL(None, use_errno=True)
        pr_set_pdeathsig = 1
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)


def _failure_report(server_home: Path, why: str) -> str:
    logs = server_home / "logs"
    parts = [why]
    for name in ("console.log", "neo4j.log", "debug.log"):
        path = logs / name
        if path.exists() and path.stat().st_size:
            parts.append(f"--- tail of {path} ---\n{_tail(path)}")
    return "\n".join(parts)


def _server_says_started(server: Neo4jServer, log_offset: int) -> bool:
    """Our JVM (not some other process on the port) logged Bolt on our port + Started."""
    try:
        with server.log_path.open("rb") as fh:
            fh.seek(log_offset)
            text = fh.read().decode("utf-8", errors="replace")
    except OSError:
        return False
    bolt_line = f"Bolt enabled on 127.0.0.1:{server.port}." in text or (
        f"Bolt enabled on localhost:{server.port}." in text
    )
    return bolt_line and "INFO  Started." in text


def _wait_until_ready(server: Neo4jServer, deadline: float, log_offset: int) -> None:
    from neo4j import GraphDatabase  # imported lazily: `fetch` works without the driver
    from neo4j.exceptions import AuthError

    auth = (server.user, server.password) if server.auth else None
    last_error: BaseException | None = None
    while time.monotonic() < deadline:
        if not pid_alive(server.pid):
            raise Neo4jLocalError(
                _failure_report(server.data_dir, f"Neo4j (pid {server.pid}) exited during start")
            )
        if _server_says_started(server, log_offset):
            try:
                # a plain auto-commit query: execute_query would retry for 30 s
                with (
                    GraphDatabase.driver(server.uri, auth=auth, connection_timeout=5.0) as driver,
                    driver.session() as session,
                ):
                    record = session.run("RETURN 1 AS ok").single()
                    if record is not None and record["ok"] == 1:
                        return
            except AuthError as exc:  # do not hammer: repeated failures lock the account
                raise Neo4jLocalError(
                    _failure_report(server.data_dir, f"authentication failed: {exc}")
                ) from exc
            except Exception as exc:  # ServiceUnavailable, SessionExpired, ... while booting
                last_error = exc
        time.sleep(0.25)
    raise Neo4jLocalError(
        _failure_report(
            server.data_dir,
            f"Neo4j on {server.uri} not ready after timeout (last error: {last_error!r})",
        )
    )


# --------------------------------------------------------------------------- public API


def start_server(
    port: int | None = None,
    data_dir: str | os.PathLike[str] | None = None,
    *,
    user: str = DEFAULT_USER,
    password: str | None = None,
    auth: bool = True,
    heap: str = DEFAULT_HEAP,
    pagecache: str = DEFAULT_PAGECACHE,
    timeout: float = DEFAULT_START_TIMEOUT,
    lib_dir: Path = LIB_DIR,
    die_with_parent: bool = False,
    state_file: Path | None = None,
    cds: bool | None = None,
) -> Neo4jServer:
    """Start a Neo4j 5.26 Community server on 127.0.0.1 and wait until Bolt answers.

    ``port``: Bolt port (default: a free one). ``data_dir``: server home holding
    conf/, data/, logs/ (default: ``.neo4j/run-<port>``, removed again by
    :func:`stop_server`; a directory given here is kept, its conf/neo4j.conf is
    rewritten). ``password`` defaults to ``$GONGJIAN_NEO4J_PASSWORD`` or
    "gongjian-test"; with ``auth=False`` authentication is disabled.
    ``die_with_parent`` sends the JVM SIGTERM when this Python process dies (Linux).
    ``state_file``: if given, the server description is written there as JSON.
    ``cds``: use a cached AppCDS class archive (halves JVM start-up; the first run dumps
    it when stopped). Default on unless ``$GONGJIAN_NEO4J_CDS`` is "0".
    Raises :class:`Neo4jLocalError` (with the tail of the server logs) on failure.
    """
    attempts = 3 if port is None else 1  # a free port can be taken before Neo4j binds it
    for attempt in range(1, attempts + 1):
        try:
            return _start_once(
                port if port is not None else free_port(),
                data_dir,
                user=user,
                password=password,
                auth=auth,
                heap=heap,
                pagecache=pagecache,
                timeout=timeout,
                lib_dir=lib_dir,
                die_with_parent=die_with_parent,
                state_file=state_file,
                cds=cds,
            )
        except Neo4jLocalError as exc:
            if attempt == attempts or "already in use" not in str(exc):
                raise
            _log("the chosen port was taken meanwhile; retrying with another one")
    raise AssertionError("unreachable")


def _start_once(
    port: int,
    data_dir: str | os.PathLike[str] | None,
    *,
    # no defaults: they are :func:`start_server`'s, the one caller
    user: str,
    password: str | None,
    auth: bool,
    heap: str,
    pagecache: str,
    timeout: float,
    lib_dir: Path,
    die_with_parent: bool,
    state_file: Path | None,
    cds: bool | None,
) -> Neo4jServer:
    if user != DEFAULT_USER:
        raise Neo4jLocalError("only the built-in 'neo4j' user is supported")
    if password is None:
        password = os.environ.get(PASSWORD_ENV) or DEFAULT_PASSWORD
    if auth and len(password) < 8:
        raise Neo4jLocalError("Neo4j requires passwords of at least 8 characters")
    lib_dir = ensure_jars(lib_dir)
    java = _java()
    for orphan in reap_orphans():
        _log(f"removed orphaned server home {orphan}")

    if not _port_is_free(port):
        raise Neo4jLocalError(f"port 127.0.0.1:{port} is already in use")

    temporary = data_dir is None
    home = (CACHE_DIR / f"run-{port}") if data_dir is None else Path(data_dir)
    home = home.resolve()
    if temporary and home.exists():
        shutil.rmtree(home)  # leftover of a killed earlier run on the same port
    home.mkdir(parents=True, exist_ok=True)
    _write_conf(home, port, auth=auth, pagecache=pagecache, heap=heap)
    if auth:
        _set_initial_password(home, user, password)

    log_dir = home / "logs"
    console_log = log_dir / "console.log"
    server_log = log_dir / "neo4j.log"
    if cds is None:
        cds = os.environ.get("GONGJIAN_NEO4J_CDS", "1") != "0"
    archive = _cds_archive_path(java, lib_dir)
    cds_mode, cds_flags = "off", list[str]()
    if cds and archive.is_file():
        cds_mode, cds_flags = "use", [f"-XX:SharedArchiveFile={archive}"]
    elif cds:
        cds_mode, cds_flags = "dump", [f"-XX:ArchiveClassesAtExit={home / _CDS_DUMP}"]
    cmd = [
        java,
        f"-Xms{heap}",
        f"-Xmx{heap}",
        *cds_flags,
        *_JVM_FLAGS,
        "-cp",
        _classpath(lib_dir),
        MAIN_CLASS,
        f"--home-dir={home}",
        f"--config-dir={home / 'conf'}",
    ]
    env = dict(os.environ, NEO4J_HOME=str(home), NEO4J_CONF=str(home / "conf"))
    log_offset = server_log.stat().st_size if server_log.exists() else 0
    started = time.monotonic()
    with console_log.open("ab") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=home,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # not killed by Ctrl-C in the calling shell/pytest
            preexec_fn=_die_with_parent if die_with_parent else None,
        )
    _CHILDREN[proc.pid] = proc
    (home / _LAUNCHER_PID).write_text(f"{proc.pid}\n")
    server = Neo4jServer(
        uri=f"bolt://127.0.0.1:{port}",
        user=user,
        password=password if auth else "",
        pid=proc.pid,
        port=port,
        data_dir=home,
        log_path=server_log,
        auth=auth,
        temporary=temporary,
        cds=cds_mode,
        cds_archive=str(archive) if cds_mode == "dump" else "",
    )
    try:
        _wait_until_ready(server, started + timeout, log_offset)
    except BaseException:
        server.cds_archive = ""  # a failed run's class archive is not worth keeping
        stop_server(server, keep_data=True, quiet=True)
        if temporary:  # keep the logs for now; the next start_server reaps the home
            (home / _LAUNCHER_PID).write_text(f"{server.pid}\n")
        raise
    server.startup_seconds = round(time.monotonic() - started, 2)
    if state_file is not None:
        write_state(server, state_file)
    return server


def stop_server(
    server: Neo4jServer,
    *,
    keep_data: bool | None = None,
    timeout: float = DEFAULT_STOP_TIMEOUT,
    quiet: bool = False,
) -> None:
    """Stop the server (SIGTERM, then SIGKILL after ``timeout`` s) and clean up.

    The server home is removed when it was created by :func:`start_server` (temporary)
    unless ``keep_data`` is true; a user-supplied ``data_dir`` is only removed when
    ``keep_data`` is explicitly ``False``.
    """
    pid = server.pid
    exited_cleanly = True
    if _is_our_server(pid, server.data_dir):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while pid_alive(pid) and time.monotonic() < deadline:
            time.sleep(0.1)
        if pid_alive(pid):
            if not quiet:
                _log(f"Neo4j pid {pid} ignored SIGTERM for {timeout:.0f}s; sending SIGKILL")
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            exited_cleanly = False
            kill_deadline = time.monotonic() + 10
            while pid_alive(pid) and time.monotonic() < kill_deadline:
                time.sleep(0.1)
    elif not quiet:
        _log(f"Neo4j pid {pid} is not running")
    child = _CHILDREN.pop(pid, None)
    if child is not None:
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=5)
    dump = server.data_dir / _CDS_DUMP
    if server.cds_archive and dump.is_file():
        if exited_cleanly and dump.stat().st_size > 0:
            _promote_cds_archive(dump, Path(server.cds_archive))
        else:
            dump.unlink(missing_ok=True)
    remove = (not keep_data) if keep_data is not None else server.temporary
    if remove and server.data_dir.exists():
        shutil.rmtree(server.data_dir, ignore_errors=True)
    else:
        (server.data_dir / _LAUNCHER_PID).unlink(missing_ok=True)


def reap_orphans(cache_dir: Path = CACHE_DIR) -> list[Path]:
    """Remove ``run-*`` homes under ``cache_dir`` whose JVM died without stop_server.

    Only homes holding a ``launcher.pid`` of a process that is no longer our Neo4j are
    removed; homes of running servers and homes kept by stop_server are left alone.
    """
    removed = []
    for home in sorted(cache_dir.glob("run-*")):
        try:
            pid = int((home / _LAUNCHER_PID).read_text().strip())
        except (OSError, ValueError):
            continue
        if not _is_our_server(pid, home.resolve()):
            shutil.rmtree(home, ignore_errors=True)
            removed.append(home)
    return removed


def write_state(server: Neo4jServer, state_file: Path = STATE_FILE) -> None:
    """Record ``server`` as JSON (atomically) for the CLI's ``status`` and ``stop``."""
    state_file.parent.mkdir(parents=True, exist_ok=True)
    tmp = state_file.with_suffix(".tmp")
    tmp.write_text(json.dumps(server.to_json(), indent=2, ensure_ascii=False) + "\n")
    tmp.replace(state_file)


def read_state(state_file: Path = STATE_FILE) -> Neo4jServer | None:
    """The server recorded in ``state_file``, or None (missing or unreadable file)."""
    try:
        return Neo4jServer.from_json(json.loads(state_file.read_text()))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def server_status(server: Neo4jServer) -> str:
    """'running' (Bolt answers), 'starting' (JVM alive, port closed) or 'stopped'."""
    if not _is_our_server(server.pid, server.data_dir):
        return "stopped"
    return "running" if _port_accepts(server.port) else "starting"


# --------------------------------------------------------------------------- CLI


def _exports(server: Neo4jServer) -> str:
    import shlex

    return "\n".join(f"export {k}={shlex.quote(v)}" for k, v in server.env.items())


def _cmd_fetch(args: argparse.Namespace) -> int:
    lib = ensure_jars(force=args.force, verbose=args.verbose)
    print(f"{len(list(lib.glob('*.jar')))} jars for Neo4j {NEO4J_VERSION} in {lib}")
    return 0


def _cmd_start(args: argparse.Namespace) -> int:
    old = read_state()
    if old is not None:
        if _is_our_server(old.pid, old.data_dir):
            _log(f"already running: pid {old.pid} on {old.uri} (state {STATE_FILE})")
            print(_exports(old))
            return 0
        _log(f"removing stale state for dead pid {old.pid}")
        if old.temporary and old.data_dir.exists():
            shutil.rmtree(old.data_dir, ignore_errors=True)
        STATE_FILE.unlink(missing_ok=True)
    server = start_server(
        port=args.port,
        data_dir=args.data_dir,
        auth=not args.no_auth,
        heap=args.heap,
        pagecache=args.pagecache,
        timeout=args.timeout,
    )
    if args.keep:
        server.temporary = False
    write_state(server)
    _log(
        f"Neo4j {NEO4J_VERSION} Community pid {server.pid} ready on {server.uri} "
        f"in {server.startup_seconds:.1f}s (home {server.data_dir}, log {server.log_path})"
    )
    print(_exports(server))
    return 0


def _cmd_stop(args: argparse.Namespace) -> int:
    server = read_state()
    if server is None:
        _log(f"nothing to stop: no state file {STATE_FILE}")
        return 0
    started = time.monotonic()
    stop_server(server, keep_data=True if args.keep else None, timeout=args.timeout)
    STATE_FILE.unlink(missing_ok=True)
    _log(f"stopped pid {server.pid} in {time.monotonic() - started:.1f}s")
    return 0


def _cmd_status(args: argparse.Namespace) -> int:
    server = read_state()
    if server is None:
        print("stopped (no state file)")
        return 3
    status = server_status(server)
    print(f"{status}: pid {server.pid} {server.uri} home {server.data_dir}")
    if args.query and status == "running":
        from neo4j import GraphDatabase

        auth = (server.user, server.password) if server.auth else None
        with GraphDatabase.driver(server.uri, auth=auth) as driver:
            records, _, _ = driver.execute_query(
                "CALL dbms.components() YIELD name, versions, edition RETURN *"
            )
            for rec in records:
                print(f"  {rec['name']} {rec['versions']} {rec['edition']}")
    return 0 if status == "running" else 3


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("fetch", help="download the Neo4j jars into .neo4j/lib (cached)")
    p.add_argument("--force", action="store_true", help="download again even if cached")
    p.add_argument("--verbose", action="store_true", help="show Maven's output")
    p.set_defaults(func=_cmd_fetch)

    p = sub.add_parser("start", help="start a server, print export lines, write state.json")
    p.add_argument("--port", type=int, default=None, help="Bolt port (default: a free one)")
    p.add_argument("--data-dir", default=None, help="server home (default .neo4j/run-<port>)")
    p.add_argument("--no-auth", action="store_true", help="disable authentication")
    p.add_argument("--keep", action="store_true", help="keep the data dir on stop")
    p.add_argument("--heap", default=DEFAULT_HEAP)
    p.add_argument("--pagecache", default=DEFAULT_PAGECACHE)
    p.add_argument("--timeout", type=float, default=DEFAULT_START_TIMEOUT)
    p.set_defaults(func=_cmd_start)

    p = sub.add_parser("stop", help="stop the server recorded in .neo4j/state.json")
    p.add_argument("--keep", action="store_true", help="keep the data dir")
    p.add_argument("--timeout", type=float, default=DEFAULT_STOP_TIMEOUT)
    p.set_defaults(func=_cmd_stop)

    p = sub.add_parser("status", help="exit 0 if the recorded server is running")
    p.add_argument("--query", action="store_true", help="also print dbms.components()")
    p.set_defaults(func=_cmd_status)

    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except Neo4jLocalError as exc:
        print(f"neo4j_local: error: {exc}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
