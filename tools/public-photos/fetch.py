#!/usr/bin/env python3
"""Fetch the public photos that riv's tests and demos use on a fresh clone.

The photos ship inside ordinary registry packages, so they are fetched with
the ordinary package clients only (pip and cargo), checked against
checksums.txt, and extracted under flat names into the cache folder:

  ${RIV_PUBLIC_PHOTOS:-${XDG_CACHE_HOME:-~/.cache}/riv/public-photos}/

  package                                photos
  face_recognition 1.3.0 (sdist)         obama.jpg obama2.jpg obama3.jpg biden.jpg
                                         obama_partial_face.jpg obama_partial_face2.jpg 32bit.png
  scikit-image 0.26.0 (wheel)            astronaut.png camera.png
  insightface 2.1 (wheel)                t1.jpg Tom_Hanks_54745.png mask_black.jpg
  rustface 0.1.7 (crate)                 rustface_test.png

Usage:
  fetch.py                 fetch whatever is missing or corrupt (idempotent)
  fetch.py --path NAME     make sure NAME is there, print its absolute path
  fetch.py --check         verify only, download nothing (exit 1 if incomplete)
  fetch.py --list          print the photo names

The package files are kept in <cache>/.archives so that re-extracting needs no
network. The photos are for tests only: never commit them.
Python 3 standard library only; needs `pip` (this interpreter's) and `cargo`.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHECKSUMS = HERE / "checksums.txt"

# How each package file is obtained. Pins are exact; the wheel of
# scikit-image is platform specific, so its tags are pinned too (the file is
# only unzipped, never installed, so any machine can use it).
ARCHIVES = {
    "face_recognition-1.3.0.tar.gz": {
        "pip": ["face_recognition==1.3.0", "--no-binary", ":all:"],
    },
    "scikit_image-0.26.0-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl": {
        "pip": [
            "scikit-image==0.26.0",
            "--only-binary",
            ":all:",
            "--platform",
            "manylinux_2_28_x86_64",
            "--python-version",
            "3.11",
            "--implementation",
            "cp",
            "--abi",
            "cp311",
        ],
    },
    "insightface-2.1-py3-none-any.whl": {
        "pip": ["insightface==2.1", "--only-binary", ":all:"],
    },
    "rustface-0.1.7.crate": {"crate": ("rustface", "0.1.7")},
}
# Which archive holds a member: by the member's first path component.
MEMBER_PREFIX = {
    "face_recognition-1.3.0": "face_recognition-1.3.0.tar.gz",
    "skimage": "scikit_image-0.26.0-cp311-cp311-manylinux_2_24_x86_64.manylinux_2_28_x86_64.whl",
    "insightface": "insightface-2.1-py3-none-any.whl",
    "rustface-0.1.7": "rustface-0.1.7.crate",
}


def log(msg: str) -> None:
    print(f"public-photos: {msg}", file=sys.stderr)


def cache_dir() -> Path:
    env = os.environ.get("RIV_PUBLIC_PHOTOS")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "riv" / "public-photos"


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str | None:
    try:
        return sha256_bytes(path.read_bytes())
    except OSError:
        return None


def read_checksums() -> tuple[dict[str, str], dict[str, tuple[str, str]]]:
    """-> (archive name -> sha, photo name -> (sha, member))."""
    archives: dict[str, str] = {}
    photos: dict[str, tuple[str, str]] = {}
    for raw in CHECKSUMS.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        fields = line.split()
        if fields[0] == "archive" and len(fields) == 3:
            archives[fields[2]] = fields[1]
        elif fields[0] == "photo" and len(fields) == 4:
            photos[fields[2]] = (fields[1], fields[3])
        else:
            raise SystemExit(f"checksums.txt: bad line: {raw!r}")
    for name in archives:
        if name not in ARCHIVES:
            raise SystemExit(f"checksums.txt: no recipe for archive {name}")
    return archives, photos


def archive_of(member: str) -> str:
    return MEMBER_PREFIX[member.split("/", 1)[0]]


def download_pip(name: str, args: list[str], dest: Path) -> Path:
    with tempfile.TemporaryDirectory(prefix="riv-photos-") as tmp:
        cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--quiet"]
        cmd += ["--disable-pip-version-check", "--dest", tmp, *args]
        log(f"pip download {args[0]}")
        subprocess.run(cmd, check=True, stdout=sys.stderr)
        got = Path(tmp) / name
        if not got.is_file():
            found = ", ".join(sorted(p.name for p in Path(tmp).iterdir()))
            raise SystemExit(f"pip download gave {found or 'nothing'}, expected {name}")
        target = dest / name
        shutil.copyfile(got, target)
        return target


def cargo_home() -> Path:
    return Path(os.environ.get("CARGO_HOME") or Path.home() / ".cargo")


def find_crate_file(crate: str, version: str) -> Path | None:
    hits = sorted((cargo_home() / "registry" / "cache").glob(f"*/{crate}-{version}.crate"))
    return hits[0] if hits else None


def download_crate(name: str, crate: str, version: str, dest: Path) -> Path:
    found = find_crate_file(crate, version)
    if found is None:
        # `cargo fetch` in a scratch project puts the .crate file into
        # $CARGO_HOME/registry/cache/<registry>/ (and its dependencies, which
        # are small and simply ignored).
        with tempfile.TemporaryDirectory(prefix="riv-photos-crate-") as tmp:
            (Path(tmp) / "src").mkdir()
            (Path(tmp) / "src" / "lib.rs").write_text("")
            (Path(tmp) / "Cargo.toml").write_text(
                '[package]\nname = "riv-photo-scratch"\nversion = "0.0.0"\n'
                'edition = "2021"\n\n[dependencies]\n'
                f'{crate} = {{ version = "={version}", default-features = false }}\n'
            )
            log(f"cargo fetch {crate} {version}")
            subprocess.run(["cargo", "fetch", "--quiet"], cwd=tmp, check=True, stdout=sys.stderr)
        found = find_crate_file(crate, version)
        if found is None:
            raise SystemExit(f"cargo fetch did not leave {crate}-{version}.crate in the registry cache")
    target = dest / name
    shutil.copyfile(found, target)
    return target


def ensure_archive(name: str, want: str, store: Path) -> Path:
    path = store / name
    if sha256_file(path) == want:
        return path
    store.mkdir(parents=True, exist_ok=True)
    recipe = ARCHIVES[name]
    if "pip" in recipe:
        path = download_pip(name, recipe["pip"], store)
    else:
        crate, version = recipe["crate"]
        path = download_crate(name, crate, version, store)
    got = sha256_file(path)
    if got != want:
        path.unlink(missing_ok=True)
        raise SystemExit(f"{name}: sha256 {got} does not match checksums.txt ({want})")
    return path


def read_member(archive: Path, member: str) -> bytes:
    if archive.name.endswith(".whl"):
        with zipfile.ZipFile(archive) as z:
            return z.read(member)
    with tarfile.open(archive, "r:gz") as t:  # sdist and .crate are both .tar.gz
        f = t.extractfile(member)
        if f is None:
            raise SystemExit(f"{archive.name}: {member} is not a file")
        return f.read()


def write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_bytes(data)
    os.replace(tmp, path)


def fetch(names: list[str], dest: Path, check_only: bool) -> list[str]:
    """Make sure each photo is in dest with the right checksum; -> missing names."""
    archives, photos = read_checksums()
    missing = [n for n in names if sha256_file(dest / n) != photos[n][0]]
    if not missing or check_only:
        return missing
    dest.mkdir(parents=True, exist_ok=True)
    store = dest / ".archives"
    by_archive: dict[str, list[str]] = {}
    for n in missing:
        by_archive.setdefault(archive_of(photos[n][1]), []).append(n)
    for archive_name, wanted in sorted(by_archive.items()):
        archive = ensure_archive(archive_name, archives[archive_name], store)
        for n in wanted:
            sha, member = photos[n]
            data = read_member(archive, member)
            if sha256_bytes(data) != sha:
                raise SystemExit(f"{n}: {member} in {archive_name} does not match checksums.txt")
            write_atomic(dest / n, data)
            log(f"{n} ok")
    return []


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--path", metavar="NAME", help="ensure NAME is there and print its path")
    ap.add_argument("--check", action="store_true", help="verify only, download nothing")
    ap.add_argument("--list", action="store_true", help="print the photo names")
    ap.add_argument("--dest", type=Path, default=None, help="folder (default: the cache folder)")
    args = ap.parse_args()

    dest = (args.dest or cache_dir()).resolve()
    _, photos = read_checksums()
    if args.list:
        print("\n".join(photos))
        return 0
    if args.path:
        if args.path not in photos:
            raise SystemExit(f"unknown photo {args.path!r}; known: {', '.join(photos)}")
        names = [args.path]
    else:
        names = list(photos)
    try:
        missing = fetch(names, dest, args.check)
    except subprocess.CalledProcessError as e:
        raise SystemExit(f"download failed: {e}") from e
    if missing:
        log(f"missing or corrupt in {dest}: {', '.join(missing)}")
        return 1
    if args.path:
        print(dest / args.path)
    else:
        log(f"{len(names)} photos verified in {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
