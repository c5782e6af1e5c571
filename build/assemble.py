"""Assemble the static site in build/site/: the web app, Pyodide, our wheels, the examples.

Run it with the project's Python (`scripts/build-site` does): standard library only,
plus `packaging` (from the venv, or pip's vendored copy). Every step is skipped when
its inputs have not changed, so a second run takes a second or two.

Steps (build/README.md explains each decision):

  a. npm ci --prefix build            the pinned npm package `pyodide` (core runtime only)
  b. our wheel                        pip wheel of a clean copy of the repo, reproducible
  c. the browser wheels               pip download, pure-Python only, --require-hashes
  d. the web app                      npm ci + npm run build in web/, copy web/dist/*
  e. Pyodide core + wheels            into site/pyodide/ (pyodide.mjs patched: no CDN default)
  f. site/pyodide/pyodide-lock.json   entries written by micropip.freeze() in Pyodide under Node
     site/pyodide/snapshot*.json/.bin the memory snapshot the worker restores (engine imported)
  g. site/examples/                   examples/ (the spec's and the project's own), with index.json
  h. the offline check                no text file may point the page at a non-local URL

The site is staged in build/cache/site.new and only replaces build/site when every
step and check has passed.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = ROOT / "build"
CACHE = BUILD / "cache"
SITE = BUILD / "site"
STAGE = CACHE / "site.new"
WEB = Path(os.environ.get("NODEFOX_WEB_DIR") or ROOT / "web")  # override: for testing the recipe
OWN_EXAMPLES = ROOT / "examples"

PYODIDE_VERSION = "314.0.7"
PYODIDE_PKG = BUILD / "node_modules" / "pyodide"
# What the loader fetches (pyodide.mjs imports pyodide.asm.mjs, which fetches the wasm
# and the stdlib; the lockfile is ours). Type declarations, maps, the UMD pyodide.js
# (classic workers only; ours is a module worker) and the consoles are not served.
CORE_FILES = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip"]
# The one non-local URL in the core: the default `cdnUrl`, used only under Node to
# download packages missing from the cache. In the served copy it defaults to the
# indexURL instead, so no code path can reach the CDN (build/README.md).
CDN_DEFAULT = "e.cdnUrl=k(e.packageBaseUrl??`https://cdn.jsdelivr.net/pyodide/v${U}/full/`)"
CDN_PATCHED = "e.cdnUrl=k(e.packageBaseUrl??t)"
SOURCE_MAP_LINE = "//# sourceMappingURL=pyodide.mjs.map"

# 1980-01-01: the wheel's zip timestamps, so the same source gives the same bytes
SOURCE_DATE_EPOCH = "315532800"
PIP_PURE = ["--only-binary=:all:", "--no-deps", "--python-version", "3.14",
            "--implementation", "py", "--abi", "none", "--platform", "any"]  # fmt: skip

# Strings that look like URLs in the served text files but are never fetched.
# Each needs a reason; hosts in DENY_HOSTS can never be allowed.
URL_ALLOWLIST = {
    "http://www.w3.org/2000/svg": "SVG namespace URI (an identifier in createElementNS)",
    "http://www.w3.org/1999/xhtml": "XHTML namespace URI (an identifier)",
    "http://www.w3.org/1999/xlink": "XLink namespace URI (an identifier)",
    "http://www.w3.org/XML/1998/namespace": "XML namespace URI (an identifier)",
    "http://www.w3.org/1998/Math/MathML": "MathML namespace URI (an identifier)",
    "http://www.w3.org/2000/xmlns/": "XMLNS namespace URI (an identifier)",
    "https://react.dev/errors/": "text of React's minified error messages, never fetched",
    "https://reactjs.org/docs/error-decoder.html": "text of React's minified error messages",
    "https://json-schema.org/draft/": "JSON Schema $schema identifiers, never fetched",
    "http://json-schema.org/": "JSON Schema $schema identifiers, never fetched",
    "https://reactflow.dev": "React Flow's attribution link and error-message text: a link, never fetched",
}
DENY_HOSTS = {
    "cdn.jsdelivr.net", "fastly.jsdelivr.net", "unpkg.com", "cdnjs.cloudflare.com",
    "esm.sh", "cdn.skypack.dev", "ga.jspm.io", "jspm.dev", "fonts.googleapis.com",
    "fonts.gstatic.com", "ajax.googleapis.com", "files.pythonhosted.org", "pypi.org",
    "pyodide-cdn2.iodide.io", "cdn.pyodide.org",
}  # fmt: skip
LOCAL_HOSTS = {"localhost", "127.0.0.1", "0.0.0.0", "[::1]"}
TEXT_SUFFIXES = {".html", ".htm", ".js", ".mjs", ".cjs", ".css", ".json", ".map", ".svg",
                 ".xml", ".txt", ".webmanifest"}  # fmt: skip


class BuildError(Exception):
    pass


def say(message: str) -> None:
    print(f"[build-site] {message}", flush=True)


def rel(path: Path) -> str:
    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def tree_digest(root: Path, skip_dirs: set[str], skip_suffixes: tuple[str, ...] = ()) -> str:
    """sha256 over the relative paths and contents of every file under root."""
    h = hashlib.sha256()
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(
            d for d in dirnames if d not in skip_dirs and not d.endswith(".egg-info")
        )
        for name in sorted(filenames):
            if name.endswith(skip_suffixes):
                continue
            path = Path(dirpath) / name
            h.update(str(path.relative_to(root)).encode() + b"\0")
            h.update(sha256_file(path).encode() + b"\n")
    return h.hexdigest()


def run(cmd: list[str], cwd: Path | None = None, env: dict | None = None, quiet=False) -> str:
    shown = " ".join(str(c) for c in cmd)
    say(f"$ {shown}")
    try:
        proc = subprocess.run(
            [str(c) for c in cmd], cwd=cwd, env={**os.environ, **(env or {})},
            stdout=subprocess.PIPE if quiet else None, stderr=subprocess.PIPE, text=True,
        )  # fmt: skip
    except FileNotFoundError as exc:
        raise BuildError(f"{cmd[0]} is not installed ({exc})") from None
    for line in (proc.stderr or "").splitlines():
        # this machine's pip config names local indexes that may not exist; npm's config too
        if not line.startswith(("WARNING: Location 'file:", "npm warn Unknown user config")):
            print(line, file=sys.stderr)
    if proc.returncode != 0:
        raise BuildError(f"command failed with exit code {proc.returncode}: {shown}")
    return proc.stdout or ""


def read_stamp(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def write_stamp(path: Path, data: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")


# --- a. npm -----------------------------------------------------------------------


def npm_ci(prefix: Path, ignore_scripts: bool) -> None:
    """`npm ci` when node_modules is missing or package(-lock).json changed."""
    lock = prefix / "package-lock.json"
    if not lock.exists():
        raise BuildError(f"{rel(lock)} is missing: `npm ci` needs a lockfile")
    key = hashlib.sha256(lock.read_bytes() + (prefix / "package.json").read_bytes()).hexdigest()
    stamp = prefix / "node_modules" / ".nodefox-npm-ci.json"
    if read_stamp(stamp).get("lock") == key:
        say(f"{rel(prefix)}/node_modules is up to date")
        return
    cmd = ["npm", "ci", "--prefix", prefix, "--no-audit", "--no-fund"]
    run(cmd + (["--ignore-scripts"] if ignore_scripts else []))
    write_stamp(stamp, {"lock": key})


def check_pyodide_package() -> dict:
    meta = json.loads((PYODIDE_PKG / "package.json").read_text())
    if meta.get("version") != PYODIDE_VERSION:
        raise BuildError(
            f"build/node_modules/pyodide is {meta.get('version')}, expected {PYODIDE_VERSION}: "
            "remove build/node_modules and run again"
        )
    for name in CORE_FILES + ["pyodide-lock.json"]:
        if not (PYODIDE_PKG / name).is_file():
            raise BuildError(f"the pyodide package has no {name}")
    return json.loads((PYODIDE_PKG / "pyodide-lock.json").read_text())


def runtime_abi() -> str:
    """The ABI the runtime checks lockfiles against (`API.abiVersion` in pyodide.asm.mjs)."""
    text = (PYODIDE_PKG / "pyodide.asm.mjs").read_text(encoding="utf-8", errors="replace")
    found = set(re.findall(r'API\.abiVersion="([^"]+)"', text))
    if len(found) != 1:
        raise BuildError(f"cannot read the runtime's ABI version from pyodide.asm.mjs: {found}")
    return found.pop()


# --- b. our wheel -----------------------------------------------------------------

SOURCE_FILES = ["pyproject.toml", "README.md", "LICENSE", "LICENSE.txt", "LICENSE.md",
                "setup.cfg", "setup.py", "MANIFEST.in"]  # fmt: skip
# engine/nodefox/site would hold a copy of the built site for `nodefox serve` from a
# wheel; the browser's wheel never needs it (and it would contain the wheel itself)
SKIP_SOURCE_DIRS = {"__pycache__", ".pytest_cache", ".ruff_cache", ".mypy_cache", "site"}


def build_own_wheel() -> Path:
    dist = CACHE / "dist"
    h = hashlib.sha256(SOURCE_DATE_EPOCH.encode())
    for name in SOURCE_FILES:
        if (ROOT / name).is_file():
            h.update(name.encode() + b"\0" + sha256_file(ROOT / name).encode())
    h.update(tree_digest(ROOT / "engine", SKIP_SOURCE_DIRS, (".pyc",)).encode())
    key = h.hexdigest()
    stamp = read_stamp(dist / "stamp.json")
    if stamp.get("source") == key and (dist / stamp.get("wheel", "-")).is_file():
        say(f"our wheel is up to date: {stamp['wheel']}")
        return dist / stamp["wheel"]

    # Build from a clean copy: setuptools writes build/lib and build/bdist.* next to
    # pyproject.toml, which would land in this folder, and egg-info in engine/.
    src = CACHE / "src"
    shutil.rmtree(src, ignore_errors=True)
    src.mkdir(parents=True)
    for name in SOURCE_FILES:
        if (ROOT / name).is_file():
            shutil.copy2(ROOT / name, src / name)
    shutil.copytree(
        ROOT / "engine", src / "engine",
        ignore=lambda d, names: [
            n for n in names
            if n in SKIP_SOURCE_DIRS or n.endswith((".egg-info", ".pyc"))
        ],
    )  # fmt: skip
    out = CACHE / "dist.new"
    shutil.rmtree(out, ignore_errors=True)
    run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", out, src],
        env={"SOURCE_DATE_EPOCH": SOURCE_DATE_EPOCH, "PIP_DISABLE_PIP_VERSION_CHECK": "1"},
    )
    wheels = sorted(out.glob("nodefox-*.whl"))
    if len(wheels) != 1 or not wheels[0].name.endswith("-py3-none-any.whl"):
        raise BuildError(f"expected one nodefox-*-py3-none-any.whl, got {[w.name for w in wheels]}")
    shutil.rmtree(dist, ignore_errors=True)
    out.rename(dist)
    wheel = dist / wheels[0].name
    write_stamp(dist / "stamp.json", {"source": key, "wheel": wheel.name})
    shutil.rmtree(src, ignore_errors=True)
    say(f"built {wheel.name} ({wheel.stat().st_size} bytes, sha256 {sha256_file(wheel)[:12]}…)")
    return wheel


# --- c. the browser wheels --------------------------------------------------------


def canonical_name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def parse_requirements(path: Path) -> list[tuple[str, str, set[str]]]:
    """[(name, version, {sha256, ...})] from a pip requirements file with --hash."""
    text = re.sub(r"\\\n", " ", path.read_text())
    pins = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        m = re.match(r"([A-Za-z0-9_.-]+)==([^\s;]+)\s*(.*)$", line)
        hashes = set(re.findall(r"--hash=sha256:([0-9a-f]{64})", line))
        if not m or not hashes:
            raise BuildError(
                f"{path.name}: every line must be NAME==VERSION --hash=sha256:…: {line}"
            )
        pins.append((m.group(1), m.group(2), hashes))
    return pins


def wheel_name_version(filename: str) -> tuple[str, str]:
    parts = filename[: -len(".whl")].split("-")
    return canonical_name(parts[0]), parts[1]


def browser_wheels() -> list[Path]:
    reqs = BUILD / "requirements-browser.txt"
    pins = parse_requirements(reqs)
    cache = CACHE / "wheels"

    def find() -> tuple[list[Path], list[str]]:
        found, missing = [], []
        have = sorted(cache.glob("*.whl")) if cache.is_dir() else []
        for name, version, hashes in pins:
            match = [
                w for w in have
                if wheel_name_version(w.name) == (canonical_name(name), version)
                and sha256_file(w) in hashes
            ]  # fmt: skip
            if match:
                found.append(match[0])
            else:
                missing.append(f"{name}=={version}")
        return found, missing

    found, missing = find()
    if missing:
        say(f"downloading {', '.join(missing)}")
        cache.mkdir(parents=True, exist_ok=True)
        run(
            [sys.executable, "-m", "pip", "download", *PIP_PURE, "--require-hashes",
             "--quiet", "-r", reqs, "-d", cache],
            env={"PIP_DISABLE_PIP_VERSION_CHECK": "1"},
        )  # fmt: skip
        found, missing = find()
        if missing:
            raise BuildError(f"pip download did not produce the pinned wheels: {missing}")
    else:
        say(f"the {len(found)} browser wheels are in build/cache/wheels")
    for w in found:
        python_tags = w.name[: -len(".whl")].split("-")[-3].split(".")
        if not (w.name.endswith("-none-any.whl") and any(t.startswith("py3") for t in python_tags)):
            raise BuildError(f"{w.name} is not a pure-Python (py3-none-any) wheel")
    return found


# Wheels a page loads only when a workflow needs them (docs/files.md), served with the
# bytecode Pyodide would otherwise compile on every page: openpyxl's first import
# drops from about 0.7 s to 0.3 s (under Node), for 0.5 MB more to fetch; pypdf's likewise.
WITH_BYTECODE = {"openpyxl", "et-xmlfile", "pypdf"}


def with_bytecode(wheel: Path) -> Path:
    """The wheel plus CPython 3.14 bytecode compiled in Pyodide (build/pycompile.mjs), cached
    by the wheel's sha256, the script and the Pyodide version."""
    script = BUILD / "pycompile.mjs"
    key = hashlib.sha256(script.read_bytes() + PYODIDE_VERSION.encode() + sha256_file(wheel).encode())
    folder = CACHE / "compiled" / key.hexdigest()[:16]
    out = folder / wheel.name
    if out.is_file():
        return out
    for old in (CACHE / "compiled").glob(f"*/{wheel.name}"):  # an earlier key's copy
        shutil.rmtree(old.parent, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    result = json.loads(run(["node", script, PYODIDE_PKG, wheel, out], quiet=True).strip().splitlines()[-1])
    if result.get("pyodide") != PYODIDE_VERSION:
        raise BuildError(f"pycompile.mjs ran Pyodide {result.get('pyodide')}, not {PYODIDE_VERSION}")
    say(f"{wheel.name}: bytecode of {result['modules']} modules added ({wheel.stat().st_size:,} -> "
        f"{result['bytes']:,} bytes) in {time.monotonic() - t0:.1f}s")  # fmt: skip
    return out


# --- wheel metadata -----------------------------------------------------------------


def _packaging():
    try:
        from packaging.markers import Marker  # noqa: F401
        from packaging.requirements import Requirement
    except ImportError:  # pip vendors it
        from pip._vendor.packaging.requirements import Requirement
    return Requirement


def wheel_metadata(wheel: Path) -> tuple[str, str, list[str], list[str]]:
    """(name, version, Requires-Dist lines, top-level import names) of a wheel."""
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        meta_path = next(
            n for n in names if n.count("/") == 1 and n.endswith(".dist-info/METADATA")
        )
        meta = z.read(meta_path).decode("utf-8")
    header = meta.split("\n\n", 1)[0]
    fields: dict[str, list[str]] = {}
    for line in re.sub(r"\n[ \t]+", " ", header).splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip().lower(), []).append(value.strip())
    tops = set()
    for n in names:
        first, _, rest = n.partition("/")
        if first.endswith((".dist-info", ".data")):
            continue
        if not rest and first.endswith(".py"):
            tops.add(first[:-3])
        elif rest.endswith(".py") or rest.endswith(".so"):
            tops.add(first)
    return fields["name"][0], fields["version"][0], fields.get("requires-dist", []), sorted(tops)


def runtime_deps(requires: list[str], python: str) -> list[tuple[str, object]]:
    """The requirements that apply inside Pyodide (emscripten, wasm32, CPython `python`)."""
    Requirement = _packaging()
    env = {
        "sys_platform": "emscripten", "platform_system": "Emscripten", "os_name": "posix",
        "platform_machine": "wasm32", "implementation_name": "cpython",
        "platform_python_implementation": "CPython", "python_version": ".".join(python.split(".")[:2]),
        "python_full_version": python, "implementation_version": python, "extra": "",
    }  # fmt: skip
    out = []
    for line in requires:
        req = Requirement(line)
        if req.marker is None or req.marker.evaluate(env):
            out.append((canonical_name(req.name), req))
    return out


def install_order(wheels: list[Path], python: str) -> tuple[list[Path], dict[str, list[str]]]:
    """Wheels ordered dependencies first; fails when a dependency is not in the bundle."""
    info = {}
    for w in wheels:
        name, version, requires, _ = wheel_metadata(w)
        info[canonical_name(name)] = (w, version, runtime_deps(requires, python))
    for w, _, deps in info.values():
        for dep, req in deps:
            if dep not in info:
                raise BuildError(
                    f"{w.name} needs {req} in the browser, and the bundle has no wheel for it: "
                    f"add a pure-Python wheel for {dep} to build/requirements-browser.txt"
                )
            if not req.specifier.contains(info[dep][1], prereleases=True):
                raise BuildError(
                    f"{w.name} needs {req}, but build/requirements-browser.txt pins {dep} "
                    f"{info[dep][1]}"
                )
    order: list[str] = []

    def visit(name: str, path: tuple[str, ...]) -> None:
        if name in order:
            return
        if name in path:
            raise BuildError(f"dependency cycle: {' -> '.join(path + (name,))}")
        for dep, _ in info[name][2]:
            visit(dep, path + (name,))
        order.append(name)

    for name in sorted(info):
        visit(name, ())
    return [info[n][0] for n in order], {n: sorted({d for d, _ in info[n][2]}) for n in info}


# --- d. the web app -----------------------------------------------------------------


def build_web() -> Path | None:
    if not (WEB / "package.json").is_file():
        say("web/ has no package.json yet: skipping the web app (the site will have no index.html)")
        return None
    npm_ci(WEB, ignore_scripts=False)
    key = tree_digest(WEB, {"node_modules", "dist", ".vite", ".cache", "coverage"})
    stamp_path = CACHE / "web-build.json"
    if read_stamp(stamp_path).get("source") == key and (WEB / "dist").is_dir():
        say("web/dist is up to date")
    else:
        run(["npm", "run", "--prefix", WEB, "build"])
        if not (WEB / "dist").is_dir():
            raise BuildError("`npm run --prefix web build` did not write web/dist/")
        write_stamp(stamp_path, {"source": key})
    return WEB / "dist"


# --- e. f. Pyodide and the lockfile ---------------------------------------------------


def served_pyodide_mjs() -> bytes:
    text = (PYODIDE_PKG / "pyodide.mjs").read_text(encoding="utf-8")
    if text.count(CDN_DEFAULT) != 1:
        raise BuildError(
            "pyodide.mjs does not hold the expected CDN default exactly once; the pin changed? "
            "Re-derive CDN_DEFAULT/CDN_PATCHED in build/assemble.py (see build/README.md)"
        )
    text = text.replace(CDN_DEFAULT, CDN_PATCHED).replace(SOURCE_MAP_LINE, "")
    return text.encode("utf-8")


def lockgen(wheel_dir: Path, order: list[Path], micropip: Path) -> dict:
    """micropip.freeze() after installing every wheel in Pyodide under Node (cached)."""
    script = BUILD / "lockgen.mjs"
    h = hashlib.sha256(script.read_bytes() + PYODIDE_VERSION.encode())
    for w in [micropip, *order]:
        h.update(w.name.encode() + b"\0" + sha256_file(w).encode())
    key = h.hexdigest()
    cached = read_stamp(CACHE / "lockgen.json")
    if cached.get("key") == key:
        say("lockfile entries are up to date")
        return cached["output"]
    t0 = time.monotonic()
    rest = [w.name for w in order if w != micropip]
    out = run(["node", script, PYODIDE_PKG, wheel_dir, micropip.name, *rest], quiet=True)
    output = json.loads(out.strip().splitlines()[-1])
    say(f"micropip.freeze() in Pyodide {output['pyodide']} took {time.monotonic() - t0:.1f}s")
    write_stamp(CACHE / "lockgen.json", {"key": key, "output": output})
    return output


def write_lockfile(pyodir: Path, wheels: list[Path], deps: dict[str, list[str]],
                   core: dict, generated: dict, abi: str) -> dict:  # fmt: skip
    info = core["info"]
    if info.get("abi_version") != abi or generated.get("abiVersion") not in (None, abi):
        raise BuildError(
            f"ABI mismatch: core lockfile {info.get('abi_version')}, runtime {abi}, "
            f"Pyodide under Node {generated.get('abiVersion')}"
        )
    frozen = generated["freeze"]
    if frozen["info"] != info:
        raise BuildError(f"micropip.freeze() info {frozen['info']} differs from the core's {info}")
    template_keys = set(next(iter(core["packages"].values())))
    packages = {}
    for w in wheels:
        name, version, _, tops = wheel_metadata(w)
        key = canonical_name(name)
        entry = frozen["packages"].get(key)
        if entry is None or not str(entry.get("file_name", "")).endswith("/" + w.name):
            raise BuildError(f"micropip.freeze() has no entry for {w.name}: {entry}")
        sha = sha256_file(pyodir / w.name)
        if entry["sha256"] != sha:
            raise BuildError(f"{w.name}: freeze saw sha256 {entry['sha256']}, served file is {sha}")
        depends = sorted(canonical_name(d) for d in entry["depends"])
        if depends != deps[key]:
            raise BuildError(f"{w.name}: freeze gives depends {depends}, METADATA {deps[key]}")
        packages[key] = {
            "name": key,
            "version": entry["version"],
            "file_name": w.name,
            "install_dir": "site",
            "sha256": sha,
            "package_type": "package",
            # freeze reads top_level.txt, which flit/hatch wheels do not have
            "imports": entry["imports"] or tops,
            "depends": depends,
            "unvendored_tests": False,
            "tool": {},
        }
        extra = set(packages[key]) - template_keys
        if extra:
            raise BuildError(f"lockfile keys {extra} are not in the core's schema")
    for key, entry in packages.items():
        for dep in entry["depends"]:
            if dep not in packages:
                raise BuildError(f"{key} depends on {dep}, which the lockfile does not have")
    lock = {"info": info, "packages": dict(sorted(packages.items()))}
    (pyodir / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True) + "\n")
    return lock


SNAPSHOT_MANIFEST = "snapshot.json"


def snapshot(pyodir: Path, lock: dict, order: list[Path]) -> dict:
    """The memory snapshot (build/snapshot.mjs) of Pyodide with the engine imported (cached).

    Keyed by the served runtime, the wheels it imports and the script, so a changed byte
    in any of them makes a new one; its file name carries the key, the manifest does not.
    """
    script = BUILD / "snapshot.mjs"
    needed: set[str] = set()

    def visit(name: str) -> None:
        if name not in needed:
            needed.add(name)
            for dep in lock["packages"][name]["depends"]:
                visit(dep)

    visit("nodefox")
    names = {entry["file_name"]: key for key, entry in lock["packages"].items() if key in needed}
    wheels = [w.name for w in order if w.name in names]  # dependencies first
    h = hashlib.sha256(script.read_bytes() + PYODIDE_VERSION.encode())
    for name in [*CORE_FILES, *wheels]:
        h.update(name.encode() + b"\0" + sha256_file(pyodir / name).encode())
    key = h.hexdigest()
    file_name = f"snapshot-{key[:16]}.bin"
    cache = CACHE / "snapshot"
    cached = read_stamp(cache / "stamp.json")
    if cached.get("key") == key and (cache / file_name).is_file():
        say(f"memory snapshot is up to date: {file_name}")
        output = cached["output"]
    else:
        shutil.rmtree(cache, ignore_errors=True)
        cache.mkdir(parents=True)
        t0 = time.monotonic()
        out = run(["node", script, pyodir, cache / file_name, *wheels], quiet=True)
        output = json.loads(out.strip().splitlines()[-1])
        if output.get("pyodide") != PYODIDE_VERSION:
            raise BuildError(f"snapshot.mjs ran Pyodide {output.get('pyodide')}, not {PYODIDE_VERSION}")
        say(f"memory snapshot ({output['bytes'] / 1e6:.1f} MB, {output['modules']} modules) "
            f"took {time.monotonic() - t0:.1f}s")  # fmt: skip
        write_stamp(cache / "stamp.json", {"key": key, "output": output})
    shutil.copyfile(cache / file_name, pyodir / file_name)
    manifest = {
        "file": file_name,
        "bytes": output["bytes"],
        "pyodide": PYODIDE_VERSION,
        "wheelDir": output["wheelDir"],
        "wheels": [{"file_name": w, "sha256": lock["packages"][names[w]]["sha256"]} for w in wheels],
    }
    (pyodir / SNAPSHOT_MANIFEST).write_text(json.dumps(manifest, indent=1) + "\n")
    return manifest


# --- g. examples ----------------------------------------------------------------------


def copy_examples(dest: Path) -> list[dict]:
    dest.mkdir(parents=True)
    index, seen = [], {}
    # examples/ holds the project's example workflows
    for source in (OWN_EXAMPLES,):
        if not source.is_dir():
            say(f"no examples in {source} (skipped)")
            continue
        for path in sorted(source.glob("*.json")):
            if path.name.endswith((".expected.json", ".input.json")) or path.name == "index.json":
                continue
            name = path.stem
            if name in seen:
                raise BuildError(f"two examples are called {name}: {seen[name]} and {path}")
            seen[name] = path
            try:
                doc = json.loads(path.read_text(encoding="utf-8"))
            except ValueError as exc:
                raise BuildError(f"example {path} is not JSON: {exc}") from None
            title = doc.get("name") if isinstance(doc, dict) else None
            entry = {"name": name, "title": title if isinstance(title, str) and title else name,
                     "file": path.name}  # fmt: skip
            shutil.copyfile(path, dest / path.name)
            extra_input = path.with_name(name + ".input.json")
            if extra_input.is_file():
                shutil.copyfile(extra_input, dest / extra_input.name)
                entry["input"] = extra_input.name
            index.append(entry)
    (dest / "index.json").write_text(json.dumps(index, indent=2, ensure_ascii=False) + "\n")
    return index


# --- h. the offline check ---------------------------------------------------------------

URL_RE = re.compile(r"https?://([A-Za-z0-9.\-]+|\[[0-9a-fA-F:.]+\])(?::\d+)?[^\s\"'`<>()\\]*")
RELATIVE_FETCH_RES = [
    re.compile(r"""\b(?:src|href|action|poster|data|srcset)\s*=\s*["']?//[^/\s]""", re.I),
    re.compile(r"""url\(\s*["']?//[^/\s]""", re.I),
    re.compile(r"""@import\s+(?:url\()?\s*["']//[^/\s]""", re.I),
    re.compile(r"""\b(?:import|from)\s*\(?\s*["']//[^/\s]"""),
]


def offline_problems(site: Path) -> list[str]:
    problems = []
    for path in sorted(site.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in TEXT_SUFFIXES:
            continue
        rel = path.relative_to(site)
        text = path.read_text(encoding="utf-8", errors="replace")
        for m in URL_RE.finditer(text):
            url, host = m.group(0), m.group(1).lower()
            if host in LOCAL_HOSTS or host.startswith("127."):
                continue
            allowed = any(url.startswith(p) for p in URL_ALLOWLIST)
            if host in DENY_HOSTS or host.endswith(".jsdelivr.net") or not allowed:
                snippet = text[max(0, m.start() - 40) : m.end() + 20].replace("\n", " ")
                problems.append(f"{rel}: {url}  (…{snippet}…)")
        if path.suffix.lower() in {".html", ".htm", ".css", ".svg", ".js", ".mjs", ".cjs"}:
            for rx in RELATIVE_FETCH_RES:
                for m in rx.finditer(text):
                    problems.append(f"{rel}: protocol-relative URL {m.group(0)!r}")
    lock = site / "pyodide" / "pyodide-lock.json"
    if lock.is_file():
        for key, entry in json.loads(lock.read_text())["packages"].items():
            if "/" in entry["file_name"] or ":" in entry["file_name"]:
                problems.append(f"pyodide/pyodide-lock.json: {key} is not served from /pyodide/")
    return problems


# --- the recipe -------------------------------------------------------------------------


def copy_tree_contents(src: Path, dest: Path) -> None:
    for item in sorted(src.iterdir()):
        if item.is_dir():
            shutil.copytree(item, dest / item.name, dirs_exist_ok=True)
        else:
            shutil.copy2(item, dest / item.name)


def assemble() -> None:
    t0 = time.monotonic()
    CACHE.mkdir(parents=True, exist_ok=True)

    npm_ci(BUILD, ignore_scripts=True)  # a
    core = check_pyodide_package()
    abi = runtime_abi()
    own = build_own_wheel()  # b
    pinned = browser_wheels()  # c
    pinned = [with_bytecode(w) if wheel_name_version(w.name)[0] in WITH_BYTECODE else w for w in pinned]
    web_dist = build_web()  # d

    shutil.rmtree(STAGE, ignore_errors=True)
    STAGE.mkdir(parents=True)
    if web_dist is not None:
        copy_tree_contents(web_dist, STAGE)
        for ours in ("pyodide", "examples"):
            if (STAGE / ours).exists():
                say(f"note: web/dist/{ours}/ is replaced by the bundle's own {ours}/")
                shutil.rmtree(STAGE / ours)

    pyodir = STAGE / "pyodide"  # e
    pyodir.mkdir()
    for name in CORE_FILES:
        if name == "pyodide.mjs":
            (pyodir / name).write_bytes(served_pyodide_mjs())
        else:
            shutil.copyfile(PYODIDE_PKG / name, pyodir / name)
    wheels = [own, *pinned]
    for w in wheels:
        shutil.copyfile(w, pyodir / w.name)

    order, deps = install_order(wheels, core["info"]["python"])  # f
    micropip = next((w for w in pinned if w.name.startswith("micropip-")), None)
    if micropip is None:
        raise BuildError("build/requirements-browser.txt must pin micropip")
    generated = lockgen(pyodir, order, micropip)
    lock = write_lockfile(pyodir, order, deps, core, generated, abi)
    if "nodefox" not in lock["packages"]:
        raise BuildError("the lockfile has no nodefox entry")
    if os.environ.get("NODEFOX_SNAPSHOT", "1") != "0":  # NODEFOX_SNAPSHOT=0: a site without one
        snapshot(pyodir, lock, order)
    else:
        say("no memory snapshot (NODEFOX_SNAPSHOT=0): the worker starts Python from scratch")

    examples = copy_examples(STAGE / "examples")  # g
    # the node catalogue of the engine being served, so the palette and the inspector
    # work while the engine loads (the worker's own catalogue replaces it when ready)
    (STAGE / "catalogue.json").write_text(run(
        [sys.executable, "-m", "nodefox", "nodes"], env={"PYTHONPATH": str(ROOT / "engine")}, quiet=True))

    problems = offline_problems(STAGE)  # h
    if problems:
        raise BuildError(
            "the site would load files from outside its own server:\n  "
            + "\n  ".join(problems)
            + "\n(fix the source, or if a string is provably never fetched, add it with a "
            "reason to URL_ALLOWLIST in build/assemble.py)"
        )

    old = CACHE / "site.old"
    shutil.rmtree(old, ignore_errors=True)
    if SITE.exists():
        SITE.rename(old)
    STAGE.rename(SITE)
    shutil.rmtree(old, ignore_errors=True)
    say(
        f"build/site is ready in {time.monotonic() - t0:.1f}s: Pyodide {PYODIDE_VERSION} "
        f"(ABI {abi}), {len(wheels)} wheels, {len(examples)} examples"
        + ("" if web_dist else ", no web app yet")
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check-only", action="store_true",
                        help="only run the offline check on the existing build/site")  # fmt: skip
    args = parser.parse_args(argv)
    try:
        if args.check_only:
            problems = offline_problems(SITE)
            for p in problems:
                print(p)
            return 1 if problems else 0
        assemble()
    except BuildError as exc:
        print(f"[build-site] FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
