"""A real PostgreSQL server for the tests, started in a temporary directory with Debian's `initdb` and `pg_ctl`.

It listens on a unix socket (trusted: the tests' own databases) and on a free loopback port with TLS, whose
certificate a CA made here vouches for, and where a password is asked. As root, the server runs as the
unprivileged user `connmgr-pg` (PostgreSQL refuses to run as root), created if missing.
"""

from __future__ import annotations

import contextlib
import datetime
import glob
import ipaddress
import itertools
import os
import queue
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import psycopg
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

SERVER_USER = "connmgr-pg"
SUPERUSER = "connmgr"
PASSWORD_USER = "alice"  # a role that signs in with a password over TCP
PASSWORD = "pg-pass-9f3b7e"


def _bin(tool: str) -> str:
    found = shutil.which(tool) or next(iter(sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{tool}"), reverse=True)), None)
    if found is None:
        raise RuntimeError(f"{tool} was not found: install PostgreSQL (apt-get install postgresql)")
    return found


@dataclass
class PostgresServer:
    folder: Path
    socket_dir: Path
    port: int
    ca: Path  # the CA that signed the server's certificate (for 127.0.0.1 only)
    _spares: queue.Queue[str] | None = None
    _maker: threading.Thread | None = None
    _numbers = itertools.count(1)
    _stops = 0

    def uri(self, database: str = "postgres") -> str:
        """The trusted unix-socket address of `database`, as the superuser."""
        return f"postgresql:///{database}?host={self.socket_dir}&port={self.port}&user={SUPERUSER}"

    def tls_uri(self, database: str, *, host: str = "127.0.0.1", sslmode: str = "verify-full") -> str:
        return (
            f"postgresql://{PASSWORD_USER}@{host}:{self.port}/{database}"
            f"?sslmode={sslmode}&sslrootcert={self.ca}&hostaddr=127.0.0.1"
        )

    def new_database(self) -> str:
        """A new empty database's name. Creating one takes most of a second (PostgreSQL copies its template):
        a thread keeps a few made ahead while tests run."""
        if self._spares is None:
            self._spares = queue.Queue(maxsize=3)
        if self._maker is None or not self._maker.is_alive():  # not yet, or it ended with a restart
            self._maker = threading.Thread(target=self._make_spares, daemon=True)
            self._maker.start()
        return self._spares.get(timeout=60)

    def _make_spares(self) -> None:
        assert self._spares is not None
        stops = self._stops
        try:
            with psycopg.connect(self.uri(), autocommit=True) as db:
                for number in self._numbers:
                    name = f"workspace_{os.getpid()}_{number}"
                    db.execute(f'CREATE DATABASE "{name}"')
                    self._spares.put(name)
        except psycopg.OperationalError:
            if self._stops == stops:  # not the server stopping (a restart, the end of the run), which ends this too
                raise

    def psql(self, sql: str, database: str = "postgres") -> str:
        return subprocess.run(
            [_bin("psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", "-d", self.uri(database), "-c", sql],
            check=True, capture_output=True, text=True,
        ).stdout  # fmt: skip

    def stop(self) -> None:
        self._stops += 1
        _as_server([_bin("pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "-w", "stop"])

    def restart(self) -> None:
        """Stopped at once (as if it crashed: no session is told), then started again on the same port."""
        self.stop()
        self.start()

    def crash(self) -> None:
        """Every server process killed with SIGKILL at once: nothing is told or cleaned up, as in a power cut that
        spares the disk. Its lock files are removed as an admin would after one: where nobody reaps orphans (a
        container), the dead postmaster lingers as a zombie, whose PID the next start would take for a live one."""
        self._stops += 1
        postmaster = int((self.folder / "data" / "postmaster.pid").read_text().split()[0])
        os.killpg(postmaster, signal.SIGKILL)  # pg_ctl made it a group leader; the backends are in its group
        while _alive_in_group(postmaster):
            time.sleep(0.005)  # the kernel ends them in a moment; no event says when
        (self.folder / "data" / "postmaster.pid").unlink()
        (self.socket_dir / f".s.PGSQL.{self.port}.lock").unlink(missing_ok=True)

    def start(self) -> None:
        options = f"-k {self.socket_dir} -p {self.port} -h 127.0.0.1"
        log = self.folder / "server.log"
        _as_server([_bin("pg_ctl"), "-D", str(self.folder / "data"), "-l", str(log), "-o", options, "-w", "start"])


def start_server() -> PostgresServer:
    folder = Path(tempfile.mkdtemp(prefix="connmgr-pg-"))  # not under pytest's 0700 folder: the server user reads it
    socket_dir = folder / "socket"
    socket_dir.mkdir()
    data = folder / "data"
    ca = certificates(folder)
    if os.geteuid() == 0:
        _server_user()
        shutil.chown(folder, SERVER_USER)
        for path in folder.iterdir():
            shutil.chown(path, SERVER_USER)
    _as_server([_bin("initdb"), "-D", str(data), "-U", SUPERUSER, "--auth-local=trust", "--auth-host=scram-sha-256",
                "--encoding=UTF8", "--locale=C.UTF-8", "--no-sync"])  # fmt: skip
    with (data / "postgresql.conf").open("a") as conf:
        conf.write(
            f"ssl = on\nssl_cert_file = '{folder / 'server.crt'}'\nssl_key_file = '{folder / 'server.key'}'\n"
            "fsync = off\nmax_connections = 300\nunix_socket_permissions = 0777\n"
        )
    (data / "pg_hba.conf").write_text(
        "local all all trust\nhostssl all all 127.0.0.1/32 scram-sha-256\nhost all all 127.0.0.1/32 reject\n"
    )
    server = PostgresServer(folder, socket_dir, free_port(), ca)
    server.start()
    server.psql(f"CREATE ROLE {PASSWORD_USER} LOGIN PASSWORD '{PASSWORD}'")
    return server


def remove_server(server: PostgresServer) -> None:
    with contextlib.suppress(subprocess.CalledProcessError):
        server.stop()
    shutil.rmtree(server.folder, ignore_errors=True)


def _alive_in_group(group: int) -> bool:
    """Whether a process of the group still runs (a zombie does not)."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        with contextlib.suppress(OSError):
            fields = stat.read_text().rpartition(")")[2].split()  # after the command's name, which may hold spaces
            if int(fields[2]) == group and fields[0] != "Z":
                return True
    return False


def _as_server(command: list[str]) -> None:
    prefix = ["runuser", "-u", SERVER_USER, "--"] if os.geteuid() == 0 else []
    subprocess.run([*prefix, *command], check=True, capture_output=True, cwd="/")


def _server_user() -> None:
    if subprocess.run(["id", "-u", SERVER_USER], capture_output=True).returncode != 0:
        subprocess.run(
            ["useradd", "--system", "--no-create-home", "--home-dir", "/nonexistent", "--shell", "/usr/sbin/nologin",
             "--comment", "runs the PostgreSQL server of connmgr's tests", SERVER_USER],
            check=True,
        )  # fmt: skip


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def certificates(folder: Path, ca_common_name: str = "connmgr test CA") -> Path:
    """A CA, and a server certificate it signed for 127.0.0.1 alone; the CA's path."""
    now = datetime.datetime.now(datetime.UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, ca_common_name)])
    ca = (
        x509.CertificateBuilder().subject_name(ca_name).issuer_name(ca_name).public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name).public_key(key.public_key()).serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        .sign(ca_key, hashes.SHA256())
    )  # fmt: skip
    (folder / "ca.crt").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (folder / "server.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path = folder / "server.key"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    return folder / "ca.crt"
