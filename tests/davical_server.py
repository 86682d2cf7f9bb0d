"""DAViCal (Debian's `davical`, on PostgreSQL), run by the tests on 127.0.0.1.

`make davical` installs davical, php-pgsql and postgresql (it removes nothing). Each
server is a PostgreSQL cluster of its own in a temporary folder and `php -S` with
tests/davical/router.php. The cluster is copied from a template made once per test run
(initdb, DAViCal's create-database.sh, the users alex and sam), which starts in well
under a second. PostgreSQL refuses to run as root: as root it runs as `postgres`.

DAViCal stores each time zone the first time an event brings it, and parallel PUTs that
bring one it has not stored race (some are answered 500, docs/sync.md). A DAViCal in use
has seen its users' zones: `zones_seen` (the default) gives the server the zones the
tests and examples name, as earlier events would have; `zones_seen=False` is a server
on its first day.
"""

from __future__ import annotations

import atexit
import os
import pwd
import re
import shutil
import subprocess
import time
from pathlib import Path

from caldav_servers import (
    OTHER_PASSWORD,
    OTHER_USER,
    PASSWORD,
    USER,
    Server,
    free_port,
    memory_folder,
    wait_for_port,
)

HTDOCS = Path("/usr/share/davical/htdocs")
CREATE_DATABASE = Path("/usr/share/davical/dba/create-database.sh")
ROUTER = Path(__file__).parent / "davical" / "router.php"
PGPORT = "5432"  # the socket is in the server's own folder: no clash between servers
# The parallel PUTs of a sync are served by several php workers at once, as Apache would.
WORKERS = "8"
# A test database: nothing of it needs to survive a crash.
FAST = ["-c", "fsync=off", "-c", "full_page_writes=off", "-c", "synchronous_commit=off"]
USERS_SQL = """
INSERT INTO usr (username, password, fullname, email) VALUES
  ('{user}', '**{password}', 'Alex', '{user}@example.com'),
  ('{other}', '**{other_password}', 'Sam', '{other}@example.com');
INSERT INTO principal (type_id, user_no, displayname)
  SELECT 1, user_no, fullname FROM usr WHERE username IN ('{user}', '{other}');
"""


ZONE_NAME = re.compile(r"[A-Z][A-Za-z_]+/[A-Za-z_+-]+(?:/[A-Za-z_+-]+)?")
REPOSITORY = Path(__file__).parent.parent


def _zones_the_tests_name() -> list[str]:
    """The IANA zones named anywhere in tests/ and examples/, and UTC."""
    from zoneinfo import available_timezones

    named = {"UTC"}
    for folder in ("tests", "examples"):
        for path in (REPOSITORY / folder).rglob("*"):
            if path.suffix in (".py", ".yaml", ".ics", ".eml", ".json") and path.is_file():
                named.update(ZONE_NAME.findall(path.read_text("utf-8", errors="replace")))
    return sorted(named & available_timezones())


def _seen_zones_sql() -> str:
    """The rows DAViCal's PUT would have written for each zone (caldav-PUT-functions.php)."""
    from icalendar import Timezone

    rows = []
    for zone in _zones_the_tests_name():
        text = Timezone.from_tzid(zone).to_ical().decode()
        rows.append(f"('{zone}', '{zone}', false, $tz${text}$tz$, '20260101T000000Z')")
    return (
        "INSERT INTO timezones (tzid, olson_name, active, vtimezone, last_modified) VALUES "
        + ",\n".join(rows)
        + ";"
    )


def _pg_bin() -> Path | None:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    return found[-1].parent if found else None


def davical_available() -> bool:
    if not ((HTDOCS / "caldav.php").exists() and _pg_bin() and shutil.which("php")):
        return False
    check = ["php", "-r", 'exit(extension_loaded("pgsql") ? 0 : 1);']
    return subprocess.run(check, capture_output=True).returncode == 0


def _as_owner() -> dict:
    """PostgreSQL will not run as root: Popen arguments to run it as `postgres` then."""
    return {"user": "postgres", "group": "postgres"} if os.geteuid() == 0 else {}


def _folder(prefix: str) -> Path:
    """Where postgres can enter."""
    root = memory_folder(prefix)
    root.chmod(0o755)
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    return root


def _postgres(root: Path) -> subprocess.Popen:
    pg = _pg_bin()
    command = [str(pg / "postgres"), "-D", str(root / "data"), "-p", PGPORT, "-k", str(root),
               "-c", "listen_addresses=", *FAST]  # fmt: skip
    log = (root / "postgres.log").open("ab")
    process = subprocess.Popen(command, stdout=log, stderr=log, **_as_owner())
    log.close()
    deadline = time.monotonic() + 30
    while not (root / f".s.PGSQL.{PGPORT}").exists():
        if process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"postgres did not start: {(root / 'postgres.log').read_text()}")
        time.sleep(0.02)
    return process


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(30)


_TEMPLATES: dict[bool, Path] = {}


def _template(zones_seen: bool) -> Path:
    """A cluster with DAViCal's database and the two users, made once per test run."""
    if zones_seen in _TEMPLATES:
        return _TEMPLATES[zones_seen]
    root = _folder("followup-davical-template-")
    atexit.register(shutil.rmtree, root, True)
    pg = _pg_bin()
    initdb = [str(pg / "initdb"), "-A", "trust", "-U", "postgres", "-D", str(root / "data"),
              "--no-sync", "-E", "UTF8", "--locale=C.UTF-8"]  # fmt: skip
    subprocess.run(initdb, check=True, capture_output=True, **_as_owner())
    process = _postgres(root)
    try:
        env = {**os.environ, "PATH": f"{pg}:{os.environ['PATH']}", "PGHOST": str(root),
               "PGPORT": PGPORT, "PGUSER": "postgres"}  # fmt: skip
        made = subprocess.run(["sh", str(CREATE_DATABASE), "davical", PASSWORD + "-admin"],
                              env=env, capture_output=True, cwd=root, **_as_owner())  # fmt: skip
        if made.returncode != 0 or b"ERROR" in made.stdout + made.stderr:
            raise RuntimeError(f"DAViCal's create-database.sh failed: {made.stdout + made.stderr}")
        sql = USERS_SQL.format(user=USER, password=PASSWORD, other=OTHER_USER,
                               other_password=OTHER_PASSWORD)  # fmt: skip
        if zones_seen:
            sql += _seen_zones_sql()
        psql = [str(pg / "psql"), "-qX", "-v", "ON_ERROR_STOP=1", "davical"]
        subprocess.run(psql, input=sql.encode(), env=env, check=True, capture_output=True,
                       **_as_owner())  # fmt: skip
    finally:
        _stop(process)
    _TEMPLATES[zones_seen] = root
    return root


def start_davical(_tmp: Path | None = None, zones_seen: bool = True) -> Server:
    """DAViCal with its own database: users alex and sam, no calendar yet."""
    if not davical_available():
        raise RuntimeError("DAViCal is missing: `make davical` installs it")
    template = _template(zones_seen)
    root = _folder("followup-davical-")
    shutil.copytree(template / "data", root / "data", symlinks=True)
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        for path in [root / "data", *(root / "data").rglob("*")]:
            os.chown(path, owner.pw_uid, owner.pw_gid, follow_symlinks=False)
    postgres = _postgres(root)
    port = free_port()
    env = {**os.environ, "DAVICAL_PGHOST": str(root), "DAVICAL_PGPORT": PGPORT,
           "PHP_CLI_SERVER_WORKERS": WORKERS}  # fmt: skip
    log = (root / "php.log").open("ab")
    php = subprocess.Popen(["php", "-S", f"127.0.0.1:{port}", str(ROUTER)], cwd=root, env=env,
                           stdout=log, stderr=log, start_new_session=True)  # fmt: skip
    log.close()
    # Discovery starts at caldav.php/, as on Debian's site (https://HOST/davical/caldav.php/).
    home = f"/caldav.php/{USER}/"
    server = Server("davical", php, port, "/caldav.php/", home + "calendar/", USER, PASSWORD,
                    others=[postgres], folders=[root])  # fmt: skip
    try:
        wait_for_port(port, php)
    except BaseException:
        server.stop()
        raise
    return server
