"""The layout maps each top-level folder into the ``gongjian`` namespace, for the wheel
and for the editable install alike.

Builds the wheel, installs it into a fresh venv (without dependencies: they are the
project venv's, reached through a ``.pth`` file) and imports every package from
there; checks that nothing but ``gongjian`` lands in site-packages.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
TOP = ["core", "graph", "matching", "seeds", "service", "cli"]


def _packages_on_disk() -> list[str]:
    names = []
    for top in TOP:
        for init in sorted((REPO / top).rglob("__init__.py")):
            rel = init.parent.relative_to(REPO)
            names.append("gongjian." + ".".join(rel.parts))
    return names


def _source_copy(dest: Path) -> Path:
    """The files git would ship (tracked and new, not ignored) plus the npm-built vendor
    folders, copied into ``dest``: a build in the repo itself would reuse a stale
    ``build/`` folder, where removed modules linger."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "-co", "--exclude-standard", "-z"],
            cwd=REPO,
            check=True,
            capture_output=True,
        )
        .stdout.decode()
        .split("\0")
    )
    vendor = [p.relative_to(REPO).as_posix() for p in REPO.glob("service/*/static/vendor/*")]
    for rel in [*filter(None, listed), *vendor]:
        src = REPO / rel
        if src.is_file():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dest / rel)
    return dest


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    src = _source_copy(tmp_path_factory.mktemp("src"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)],
        check=True,
        cwd=out,
    )
    (whl,) = out.glob("gongjian-*.whl")
    return whl


@pytest.mark.slow
def test_wheel_holds_only_the_gongjian_namespace(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        tops = {n.split("/")[0] for n in zf.namelist()}
        names = set(zf.namelist())
    assert tops == {
        "gongjian",
        wheel.name.split("-")[0] + "-" + wheel.name.split("-")[1] + ".dist-info",
    }
    assert "gongjian/__init__.py" not in names  # a namespace package
    assert "gongjian/service/console/static/index.html" in names
    assert "gongjian/seeds/xingcheng/units.csv" in names
    assert "gongjian/service/console/static/vendor/echarts.min.js" in names
    assert not any("devserver" in n for n in names)  # development helpers stay out
    for pkg in _packages_on_disk():
        assert pkg.replace(".", "/") + "/__init__.py" in names, f"{pkg} missing from the wheel"


@pytest.mark.slow
def test_wheel_installs_and_imports_every_package(wheel: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    py = venv / "bin" / "python"
    site = Path(
        subprocess.run(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.strip()
    )
    # install the wheel by unpacking it (what pip does for a pure wheel), dependencies
    # from the project venv appended after it on sys.path
    with zipfile.ZipFile(wheel) as zf:
        zf.extractall(site)
    deps = [p for p in sys.path if p.endswith("site-packages")]
    (site / "zz_project_deps.pth").write_text("\n".join(deps) + "\n")
    packages = _packages_on_disk()
    code = (
        "import importlib, sys\n"
        f"names = {packages!r}\n"
        "for n in names:\n"
        "    m = importlib.import_module(n)\n"
        f"    assert m.__file__.startswith({str(site)!r}), (n, m.__file__)\n"
        "import gongjian.service.app as a; a.create_app\n"
        "from gongjian.cli.main import app\n"
        "print(len(names))\n"
    )
    run = subprocess.run([str(py), "-c", code], capture_output=True, text=True, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    assert int(run.stdout.strip()) == len(packages)
    generic = {p.name for p in site.iterdir()} & {*TOP, "web", "tests"}
    assert not generic, f"generic names in site-packages: {generic}"


def test_editable_install_maps_the_same_packages() -> None:
    import importlib

    for pkg in _packages_on_disk():
        mod = importlib.import_module(pkg)
        assert Path(mod.__file__).resolve().is_relative_to(REPO), pkg
    assert not any(
        (Path(p) / "graph" / "store.py").exists() for p in sys.path if "site-packages" in p
    ), "a generic 'graph' package is installed"
