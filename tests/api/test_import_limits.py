"""Issue 10, finding 4: import bombs — streamed reading, limits checked while reading.

Each hostile file is uploaded by a community user to ``POST /needs/import`` (dry
run and real) on the embedded store (the files never get as far as the store).
While the import runs, the service's resident memory (VmRSS of the uvicorn
process and its workers) is sampled and ``/health`` is probed. Wanted, for each:

* an answer, 413 or 422, with a Chinese message, within :data:`ANSWER_WITHIN` s;
* memory at most :data:`MAX_EXTRA_RSS` above the idle figure;
* ``/health`` answering within 100 ms (median of the probes; none over 500 ms).

A server that goes over the memory limit or does not answer in time is killed on
the spot (so that a failing run does not eat the machine) and started again for
the next test. A file of blank rows only is "no data rows", not "too many rows".
"""

from __future__ import annotations

import re
import statistics
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.api.attack import (
    HEADER,
    error_of,
    inline_row,
    raw_xlsx,
    server_rss,
    upload,
)
from tests.api.server import ApiServer, start_api

ANSWER_WITHIN = 10.0
MAX_EXTRA_RSS = 300 * 1024 * 1024
HEALTH_MEDIAN = 0.100
HEALTH_WORST = 0.500
CHINESE = re.compile(r"[\u4e00-\u9fff]")
MB = 1024 * 1024


@pytest.fixture(scope="module")
def bomb_api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ApiServer]:
    server = start_api(tmp_path_factory.mktemp("import-bombs"), "embedded")
    yield server
    server.stop()


def _alive(api: ApiServer) -> ApiServer:
    if api.proc is None or api.proc.poll() is not None:
        api.proc = None
        api.start()
    return api


@dataclass
class Outcome:
    status: int | None = None
    message: str = ""
    elapsed: float = 0.0
    extra_rss: int = 0
    health: list[float] = field(default_factory=list)
    killed: str = ""

    def figures(self) -> str:
        h = (
            f"median {statistics.median(self.health) * 1000:.0f} ms, worst {max(self.health) * 1000:.0f} ms"
            if self.health
            else "no probe"
        )
        return (
            f"status {self.status} in {self.elapsed:.1f}s, memory +{self.extra_rss / MB:.0f} MB,"
            f" /health {h}{', ' + self.killed if self.killed else ''}: {self.message[:160]}"
        )


def _attack(api: ApiServer, data: bytes, filename: str, *, dry_run: bool) -> Outcome:
    api = _alive(api)
    with api.client() as c:  # settle: the first requests warm the process up
        c.get("/health")
    time.sleep(0.3)
    idle = server_rss(api)
    out = Outcome()
    done = threading.Event()

    def send() -> None:
        try:
            with api.client("community:c01") as c:
                r = upload(c, data, filename, dry_run=dry_run, timeout=ANSWER_WITHIN + 30)
            out.status = r.status_code
            out.message = error_of(r).get("message", r.text[:300])
        except httpx.HTTPError as exc:
            out.message = f"no answer: {type(exc).__name__}"
        finally:
            done.set()

    start = time.monotonic()
    t = threading.Thread(target=send, daemon=True)
    t.start()
    with httpx.Client(base_url=api.base_url, timeout=5.0) as probe:
        while not done.is_set():
            now = time.monotonic() - start
            out.extra_rss = max(out.extra_rss, server_rss(api) - idle)
            if out.extra_rss > MAX_EXTRA_RSS:
                out.killed = f"killed at {now:.1f}s: over {MAX_EXTRA_RSS // MB} MB above idle"
                break
            if now > ANSWER_WITHIN:
                out.killed = f"killed: no answer in {ANSWER_WITHIN:.0f}s"
                break
            t0 = time.monotonic()
            try:
                probe.get("/health")
                out.health.append(time.monotonic() - t0)
            except httpx.HTTPError:
                out.health.append(5.0)
            done.wait(0.1)
    out.elapsed = time.monotonic() - start
    if out.killed:
        api.kill9()
        t.join(30)
    return out


def _assert_refused_quickly(out: Outcome, what: str) -> None:
    figures = f"{what}: {out.figures()}"
    print(figures)
    assert not out.killed, figures
    assert out.status in (413, 422), figures
    assert CHINESE.search(out.message), figures
    assert out.elapsed <= ANSWER_WITHIN, figures
    assert out.extra_rss <= MAX_EXTRA_RSS, figures
    if len(out.health) >= 3:  # a median of one or two probes is noise on a busy machine
        assert statistics.median(out.health) <= HEALTH_MEDIAN, figures
    if out.health:
        assert max(out.health) <= HEALTH_WORST, figures


# --------------------------------------------------------------------------- the bombs
def _empty_rows(millions: int = 30) -> bytes:
    """A header, then ``millions`` million ``<row/>`` elements: ~260 KB zipped."""

    def body() -> Iterator[bytes | str]:
        yield inline_row(1, HEADER)
        chunk = b"<row/>" * 100_000
        for _ in range(millions * 10):
            yield chunk

    return raw_xlsx(body())


def _dimension_lie() -> bytes:
    """A header, one cell in row 30,000,000 and a ``<dimension>`` saying so: ~2 KB."""
    rows = [inline_row(1, HEADER), inline_row(30_000_000, ["x"])]
    return raw_xlsx(rows, dimension="A1:G30000000")


def _shared_strings(millions: int = 8) -> bytes:
    """A header row and ``millions`` million one-letter shared strings: ~340 KB zipped."""

    def sst() -> Iterator[bytes]:
        chunk = b"<si><t>a</t></si>" * 100_000
        for _ in range(millions * 10):
            yield chunk

    return raw_xlsx([inline_row(1, HEADER)], shared_strings=sst())


def _huge_member() -> bytes:
    """A small workbook with an extra 1 GB part (zeros): under 1 MB zipped."""
    import io
    import zipfile

    buf = io.BytesIO(raw_xlsx([inline_row(1, HEADER)]))
    with (
        zipfile.ZipFile(buf, "a", zipfile.ZIP_DEFLATED) as z,
        z.open("xl/media/image1.bin", "w", force_zip64=True) as f,
    ):
        block = b"\0" * MB
        for _ in range(1024):
            f.write(block)
    return buf.getvalue()


def _huge_cell() -> bytes:
    """One data row whose title cell is 190 MB of text (under today's 200 MB unpacked cap)."""

    def body() -> Iterator[bytes | str]:
        yield inline_row(1, HEADER)
        yield '<row r="2"><c r="A2" t="inlineStr"><is><t>'
        block = b"a" * MB
        for _ in range(190):
            yield block
        yield "</t></is></c></row>"

    return raw_xlsx(body())


def _wide_csv() -> bytes:
    """The template's header plus a million more columns, and one good row: ~2 MB."""
    head = ",".join(HEADER) + ",x" * 1_000_000
    return (head + "\nwide-1,楼道灯不亮,repair,c01,,2026Q4,1\n").encode()


def _rows_within_size_caps() -> bytes:
    """1.2 million ``<row/>`` (7 MB unpacked): under the size caps, so the row count while
    streaming has to stop it."""
    return raw_xlsx([inline_row(1, HEADER), b"<row/>" * 1_200_000])


def _strings_within_size_caps() -> bytes:
    """300,000 shared strings (5 MB unpacked): under the size caps, so the count while
    streaming has to stop it."""
    return raw_xlsx([inline_row(1, HEADER)], shared_strings=[b"<si><t>a</t></si>" * 300_000])


def _cell_within_size_caps() -> bytes:
    """One 40 MB cell: under the size caps, so the characters of the cell while streaming
    have to stop it."""
    head = [inline_row(1, HEADER), '<row r="2"><c r="A2" t="inlineStr"><is><t>']
    return raw_xlsx([*head, b"a" * (40 * MB), "</t></is></c></row>"])


BOMBS = {
    "30M-empty-rows": (_empty_rows, "rows.xlsx"),
    "30M-rows-by-dimension": (_dimension_lie, "dimension.xlsx"),
    "8M-shared-strings": (_shared_strings, "strings.xlsx"),
    "1GB-unpacked-part": (_huge_member, "zip.xlsx"),
    "190MB-cell": (_huge_cell, "cell.xlsx"),
    "1M-columns-csv": (_wide_csv, "wide.csv"),
    "1.2M-rows-streamed": (_rows_within_size_caps, "rows2.xlsx"),
    "300k-strings-streamed": (_strings_within_size_caps, "strings2.xlsx"),
    "40MB-cell-streamed": (_cell_within_size_caps, "cell2.xlsx"),
}
_built: dict[str, bytes] = {}


def _bomb(name: str) -> tuple[bytes, str]:
    build, filename = BOMBS[name]
    if name not in _built:
        _built[name] = build()
    return _built[name], filename


@pytest.mark.slow
@pytest.mark.parametrize("dry_run", [True, False], ids=["dry-run", "real"])
@pytest.mark.parametrize("name", list(BOMBS))
def test_import_bomb_is_refused_quickly_in_bounded_memory(
    bomb_api: ApiServer, name: str, dry_run: bool
) -> None:
    data, filename = _bomb(name)
    assert len(data) <= 5 * MB, (name, len(data))  # under the upload limit: the reader must cope
    out = _attack(bomb_api, data, filename, dry_run=dry_run)
    _assert_refused_quickly(
        out, f"{name} ({len(data) // 1024} KB, {'dry run' if dry_run else 'real'})"
    )


# --------------------------------------------------------------------------- blank rows
@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_a_file_of_blank_rows_is_no_data_rows_not_too_many_rows(
    bomb_api: ApiServer, fmt: str
) -> None:
    """150,000 blank rows (more than the physical-row cap) and nothing else."""
    if fmt == "xlsx":
        data, filename = raw_xlsx([b"<row/>" * 150_000]), "blank.xlsx"
    else:
        data, filename = b",,,,\n" * 150_000, "blank.csv"
    api = _alive(bomb_api)
    with api.client("community:c01") as c:
        r = upload(c, data, filename, dry_run=True)
    err: dict[str, Any] = error_of(r)
    message = err.get("message", "")
    assert r.status_code == 422, (r.status_code, message)
    assert "20000" not in message and "行数据，请拆分" not in message, message
    assert "没有" in message, message
