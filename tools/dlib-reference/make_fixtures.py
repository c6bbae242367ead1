#!/usr/bin/env python3
"""Run dlib itself on real photos and write numbers-only reference fixtures.

Writes into face-engine/tests/fixtures/dlib/ (never any image data):

  descriptors.json  one record per image: the decoded pixels' SHA-256, dlib's
                    HOG box (largest face at upsample 1), its score and filter
                    index, the 5 landmarks dlib's shape predictor puts on that
                    box, the SHA-256 of dlib's 150x150 face chip (padding 0.25,
                    row-major RGB u8) and dlib's 128-d descriptor. Images where
                    dlib finds no face are kept with "faces": [].
  pairs_mini.json   every pair of lfw-dev-mini/pairs_mini.tsv with dlib's
                    Euclidean distance and its decision at threshold 0.6.

Usage (inside the venv that setup.sh makes):

  PY="$(tools/dlib-reference/setup.sh)"
  "$PY" tools/dlib-reference/make_fixtures.py [--testdata DIR] [--models DIR] [--out DIR]

Defaults: --testdata $RIV_TESTDATA or ../shared/testdata next to the workspace,
--models $RIV_MODEL_DIR or ${XDG_CACHE_HOME:-~/.cache}/riv/models, --out the
fixture folder above. The output is deterministic: same inputs, same bytes.

Photos are decoded by riv's own decoder (default `--decoder riv`: the ignored
test dump_decoded_pixels in face-engine/tests/decode_reference.rs, run through
cargo), so dlib and riv's engine are compared on identical pixels: JPEG
decoders differ in the last bit, and one pixel changes a chip's hash.
`pixels_sha256` records those pixels; the test decoded_pixels_match_the_fixtures
fails when riv's decoder starts producing different ones. `--decoder pillow`
uses Pillow instead (what a dlib/face_recognition user gets).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import dlib
import numpy as np
import PIL
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parents[2]
DEFAULT_OUT = REPO / "face-engine" / "tests" / "fixtures" / "dlib"

UPSAMPLE = 1
CHIP_SIZE = 150
CHIP_PADDING = 0.25
THRESHOLD = 0.6
IMAGE_EXTS = {".jpg", ".jpeg", ".png"}
# Sets beyond lfw-dev-mini whose photos are worth a reference (all images,
# recursively; videos and tables are ignored). compreface's sample_images adds
# group photos and a real no-face photo.
EXTRA_SETS = (
    "face-recognition-examples",
    "deepface-unit-dataset",
    "compreface-sample-images/sample_images",
)
# Photos above this many pixels are left out: HOG at upsample 1 on a 30 MP
# photo costs minutes and gigabytes for no extra coverage.
MAX_PIXELS = 8_000_000
PUBLIC_PREFIX = "public-photos/"
DECODERS = {
    "riv": "riv_face_engine::image::decode, DecodeLimits::default() (EXIF orientation "
    "applied, alpha dropped); pixels_sha256 is riv's decoded RGB",
    "pillow": "Pillow, EXIF orientation applied, convert('RGB') (alpha dropped)",
}

RECOGNITION_MODEL = "dlib_face_recognition_resnet_model_v1.dat"
SHAPE_MODEL = "shape_predictor_5_face_landmarks.dat"


def default_testdata() -> Path:
    env = os.environ.get("RIV_TESTDATA")
    return Path(env) if env else REPO.parent / "shared" / "testdata"


def default_models() -> Path:
    env = os.environ.get("RIV_MODEL_DIR")
    if env:
        return Path(env)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "riv" / "models"


def sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_rgb(path: Path) -> np.ndarray:
    """Pillow's decode (libjpeg-turbo for JPEG), EXIF orientation applied."""
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im)
        rgb = im.convert("RGB")
        return np.ascontiguousarray(np.asarray(rgb, dtype=np.uint8))


class RivDecoder:
    """Decode with riv's own decoder, so dlib sees exactly riv's pixels.

    JPEG decoders differ in the last bit (IDCT, chroma upsampling), and one
    differing pixel changes a chip's hash. The decoding is done by the
    ignored test `dump_decoded_pixels` in face-engine/tests/decode_reference.rs,
    in chunks, through binary PPM files in a temporary folder.
    """

    CHUNK = 48

    def __init__(self, files: list[Path]):
        self.files = files
        self.cache: dict[Path, Path] = {}
        self.tmp = tempfile.TemporaryDirectory(prefix="riv-decoded-")

    def _decode_chunk(self, start: int) -> None:
        for old in self.cache.values():
            old.unlink(missing_ok=True)
        self.cache.clear()
        chunk = self.files[start : start + self.CHUNK]
        lines = []
        for i, f in enumerate(chunk):
            out = Path(self.tmp.name) / f"{start + i:05d}.ppm"
            self.cache[f] = out
            lines.append(f"{f.resolve()}\t{out}")
        listing = Path(self.tmp.name) / "list.tsv"
        listing.write_text("\n".join(lines) + "\n", encoding="utf-8")
        cmd = ["cargo", "test", "--quiet", "--locked", "-p", "riv-face-engine"]
        cmd += ["--test", "decode_reference", "--", "--ignored", "--exact"]
        cmd += ["dump_decoded_pixels"]
        env = dict(os.environ, RIV_DECODE_LIST=str(listing))
        subprocess.run(cmd, cwd=REPO, env=env, check=True, stdout=sys.stderr)

    def load(self, index: int) -> np.ndarray:
        f = self.files[index]
        if f not in self.cache:
            self._decode_chunk(index)
        with Image.open(self.cache[f]) as im:
            assert im.mode == "RGB", f"{f}: PPM mode {im.mode}"
            return np.ascontiguousarray(np.asarray(im, dtype=np.uint8))


def g9(x: float) -> float:
    """Round to 9 significant digits (what a float32 needs to round-trip)."""
    return float(f"{x:.9g}")


def default_public_photos() -> Path:
    env = os.environ.get("RIV_PUBLIC_PHOTOS")
    if env:
        return Path(env)
    cache = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(cache) / "riv" / "public-photos"


def public_photo_names() -> list[str]:
    """The photo names tools/public-photos/checksums.txt pins."""
    names = []
    for raw in (REPO / "tools" / "public-photos" / "checksums.txt").read_text().splitlines():
        fields = raw.split("#", 1)[0].split()
        if fields and fields[0] == "photo":
            names.append(fields[2])
    return sorted(names)


def list_images(testdata: Path) -> list[str]:
    mini = testdata / "lfw-dev-mini"
    paths = sorted(p for p in mini.rglob("*") if p.suffix.lower() in IMAGE_EXTS)
    if len(paths) != 270:
        raise SystemExit(f"expected 270 images in lfw-dev-mini, found {len(paths)}")
    for name in EXTRA_SETS:
        folder = testdata / name
        if folder.is_dir():
            for p in sorted(folder.rglob("*")):
                if p.suffix.lower() not in IMAGE_EXTS:
                    continue
                with Image.open(p) as im:
                    if im.width * im.height > MAX_PIXELS:
                        continue
                paths.append(p)
        else:
            print(f"note: {name}/ not found, skipped", file=sys.stderr)
    rel = sorted({p.relative_to(testdata).as_posix() for p in paths})
    return rel


class Dlib:
    def __init__(self, models: Path):
        self.detector = dlib.get_frontal_face_detector()
        self.shape = dlib.shape_predictor(str(models / SHAPE_MODEL))
        self.net = dlib.face_recognition_model_v1(str(models / RECOGNITION_MODEL))

    def analyse(self, img: np.ndarray) -> dict:
        rects, scores, filters = self.detector.run(img, UPSAMPLE, 0.0)
        plain = self.detector(img, UPSAMPLE)
        # run() with threshold 0 must be exactly what detector(img, 1) returns.
        assert [(r.left(), r.top(), r.right(), r.bottom()) for r in rects] == [
            (r.left(), r.top(), r.right(), r.bottom()) for r in plain
        ], "detector.run and detector() disagree"
        record: dict = {"detections": len(rects), "faces": []}
        if not rects:
            return record
        # Largest box; ties (never seen) broken by position for determinism.
        order = sorted(
            range(len(rects)),
            key=lambda i: (-rects[i].area(), rects[i].top(), rects[i].left()),
        )
        i = order[0]
        rect = rects[i]
        shape = self.shape(img, rect)
        parts = [[shape.part(k).x, shape.part(k).y] for k in range(shape.num_parts)]
        chip = dlib.get_face_chip(img, shape, size=CHIP_SIZE, padding=CHIP_PADDING)
        assert chip.shape == (CHIP_SIZE, CHIP_SIZE, 3) and chip.dtype == np.uint8
        chip_bytes = np.ascontiguousarray(chip).tobytes()
        desc = np.array(self.net.compute_face_descriptor(img, shape), dtype=np.float64)
        # The descriptor is the network run on exactly that chip (150 px,
        # padding 0.25, no jitter): check it, so the fixture's chip hash and
        # descriptor describe the same input.
        from_chip = np.array(self.net.compute_face_descriptor(chip), dtype=np.float64)
        assert np.max(np.abs(desc - from_chip)) < 1e-6, "descriptor is not net(chip)"
        assert desc.shape == (128,) and np.all(np.isfinite(desc))
        record["faces"].append(
            {
                "box": [rect.left(), rect.top(), rect.right(), rect.bottom()],
                "score": g9(scores[i]),
                "filter": int(filters[i]),
                "landmarks": parts,
                "chip_sha256": hashlib.sha256(chip_bytes).hexdigest(),
                "descriptor": [g9(v) for v in desc],
            }
        )
        return record


def dumps_compact(obj) -> str:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def write_lines(path: Path, header: dict, key: str, rows: list[dict]) -> None:
    """One JSON document; header first, then one row per line (diff-friendly)."""
    lines = ["{", f'"header":{dumps_compact(header)},', f'"{key}":[']
    lines += [dumps_compact(r) + ("," if i + 1 < len(rows) else "") for i, r in enumerate(rows)]
    lines += ["]", "}"]
    text = "\n".join(lines) + "\n"
    json.loads(text)  # must stay valid JSON
    path.write_text(text, encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--testdata", type=Path, default=default_testdata())
    ap.add_argument("--models", type=Path, default=default_models())
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument(
        "--public-photos",
        type=Path,
        default=default_public_photos(),
        help="folder filled by tools/public-photos/fetch.py",
    )
    ap.add_argument("--no-public-photos", action="store_true", help="leave the public photos out")
    ap.add_argument(
        "--decoder",
        choices=("riv", "pillow"),
        default="riv",
        help="who decodes the photos (default riv: builds face-engine's tests with cargo)",
    )
    args = ap.parse_args()

    testdata, models, out = args.testdata, args.models, args.out
    for f in (RECOGNITION_MODEL, SHAPE_MODEL):
        if not (models / f).is_file():
            raise SystemExit(f"model {f} not found in {models} (set RIV_MODEL_DIR)")
    if not (testdata / "lfw-dev-mini").is_dir():
        raise SystemExit(f"lfw-dev-mini/ not found in {testdata} (set RIV_TESTDATA)")

    engine = Dlib(models)
    header = {
        "generator": "tools/dlib-reference/make_fixtures.py",
        "command": "tools/dlib-reference/make_fixtures.py",
        "dlib_version": dlib.__version__,
        "numpy_version": np.__version__,
        "pillow_version": PIL.__version__,
        "models": {
            RECOGNITION_MODEL: sha256_file(models / RECOGNITION_MODEL),
            SHAPE_MODEL: sha256_file(models / SHAPE_MODEL),
        },
        "decode": DECODERS[args.decoder],
        "detector": f"dlib.get_frontal_face_detector()(img, {UPSAMPLE}); largest box kept",
        "box": "[left, top, right, bottom], dlib rectangle (inclusive corners)",
        "landmarks": "shape_predictor_5_face_landmarks on the box, parts 0..4 as [x, y]",
        "chip": f"dlib.get_face_chip(img, shape, size={CHIP_SIZE}, padding={CHIP_PADDING}); "
        "sha256 of row-major RGB u8 bytes",
        "descriptor": "face_recognition_model_v1.compute_face_descriptor(img, shape) "
        f"(num_jitters=0, padding={CHIP_PADDING}; checked equal to net(chip)); "
        "9 significant digits",
        "paths": "relative to the shared test data folder, except 'public-photos/NAME': "
        "NAME in the folder tools/public-photos/fetch.py fills; every image is also "
        "findable by file_sha256 (public photos identical to a test data file are "
        "listed once, under the test data path)",
        "skipped": f"photos above {MAX_PIXELS} pixels outside lfw-dev-mini",
    }

    # (fixture path, file on disk): shared test data first, then the public
    # photos a fresh clone can fetch, unless the same bytes are already in.
    files = [(rel, testdata / rel) for rel in list_images(testdata)]
    if not args.no_public_photos:
        seen = {sha256_file(f) for _, f in files}
        for name in public_photo_names():
            f = args.public_photos / name
            if not f.is_file():
                raise SystemExit(
                    f"public photo {name} not in {args.public_photos}: run "
                    "tools/public-photos/fetch.py (or pass --no-public-photos)"
                )
            if sha256_file(f) not in seen:
                files.append((f"{PUBLIC_PREFIX}{name}", f))
    files.sort()

    images = []
    by_path: dict[str, np.ndarray | None] = {}
    riv = RivDecoder([f for _, f in files]) if args.decoder == "riv" else None
    pillow_differs = 0
    for n, (rel, file) in enumerate(files, 1):
        img = load_rgb(file)
        if riv is not None:
            ours = riv.load(n - 1)
            pillow_differs += int(ours.shape != img.shape or not np.array_equal(ours, img))
            img = ours
        rec = {
            "path": rel,
            "file_sha256": sha256_file(file),
            "width": int(img.shape[1]),
            "height": int(img.shape[0]),
            "pixels_sha256": hashlib.sha256(img.tobytes()).hexdigest(),
        }
        rec.update(engine.analyse(img))
        images.append(rec)
        faces = rec["faces"]
        by_path[rel] = np.array(faces[0]["descriptor"]) if faces else None
        if n % 50 == 0 or n == len(files):
            print(f"{n}/{len(files)} images", file=sys.stderr)

    n_faces = sum(len(r["faces"]) for r in images)
    n_none = sum(1 for r in images if not r["faces"])
    header_d = dict(
        header, image_count=len(images), face_count=n_faces, no_face_count=n_none
    )
    if riv is not None:
        # How many photos Pillow (libjpeg-turbo) would have decoded differently.
        header_d["pillow_decodes_differently"] = pillow_differs
    out.mkdir(parents=True, exist_ok=True)
    write_lines(out / "descriptors.json", header_d, "images", images)

    pairs = []
    tsv = (testdata / "lfw-dev-mini" / "pairs_mini.tsv").read_text(encoding="utf-8")
    for line in tsv.splitlines()[1:]:
        if not line.strip():
            continue
        a, b, same = line.split("\t")
        pa, pb = f"lfw-dev-mini/{a}", f"lfw-dev-mini/{b}"
        da, db = by_path[pa], by_path[pb]
        row: dict = {"a": pa, "b": pb, "same": same.strip() == "1"}
        if da is None or db is None:
            row.update(distance=None, dlib_same=None)
        else:
            # Distance from the recorded (9-digit) descriptors, so a reader
            # recomputing it from descriptors.json gets the same number.
            dist = float(math.sqrt(float(np.sum((da - db) ** 2))))
            row.update(distance=g9(dist), dlib_same=bool(dist <= THRESHOLD))
        pairs.append(row)
    decided = [p for p in pairs if p["dlib_same"] is not None]
    correct = sum(1 for p in decided if p["dlib_same"] == p["same"])
    header_p = dict(
        header,
        threshold=THRESHOLD,
        rule="dlib_same = distance <= threshold (face_recognition's compare_faces); "
        "distance and dlib_same are null when dlib found no face in either image",
        pair_count=len(pairs),
        undecided=len(pairs) - len(decided),
        correct=correct,
        accuracy=g9(correct / len(pairs)),
    )
    write_lines(out / "pairs_mini.json", header_p, "pairs", pairs)

    size = sum((out / f).stat().st_size for f in ("descriptors.json", "pairs_mini.json"))
    print(
        f"{len(images)} images, {n_faces} faces, {n_none} without a face; "
        f"pairs: {correct}/{len(pairs)} correct ({len(pairs) - len(decided)} undecided); "
        f"{size} bytes written to {out}",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
