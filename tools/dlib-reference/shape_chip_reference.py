#!/usr/bin/env python3
"""Write dlib's 5-point landmarks and face-chip hashes for a few real photos.

Output: face-engine/tests/fixtures/shape_reference.json, numbers only (no
image data): per face the photo's relative path, the SHA-256 of its decoded
pixels, dlib's HOG box, the five landmarks dlib's shape predictor returns for
that box (integers, as dlib's Python API gives them) and the SHA-256 of
dlib.get_face_chip for two (size, padding) settings. riv's shape and chip
tests recompute all of it from the same box and compare.

Usage (inside the venv tools/dlib-reference/setup.sh makes):

  "$PY" tools/dlib-reference/shape_chip_reference.py [--testdata DIR]
      [--models DIR] [--out FILE] [--decoder riv|pillow]

Photos are decoded by riv's own decoder (default): JPEG decoders differ in
the last bit, and one differing pixel changes a chip's hash, so dlib is given
exactly the pixels riv's engine will see. The decoding runs through cargo
(the ignored test dump_decoded_pixels in face-engine/tests/decode_reference.rs)
into a temporary folder. `--decoder pillow` decodes with Pillow instead (what
a dlib user gets); riv's tests then only compare photos whose pixels agree.
The output is deterministic.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import dlib
import numpy as np
from PIL import Image, ImageOps

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_fixtures import REPO, RivDecoder, default_models, default_testdata  # noqa: E402

DEFAULT_OUT = REPO / "face-engine" / "tests" / "fixtures" / "shape_reference.json"
SHAPE_MODEL = "shape_predictor_5_face_landmarks.dat"

# (size, padding): dlib's face-recognition setting, and a small chip with a
# wide margin that needs several pyramid levels on large photos. Both
# paddings are exact in float32 (dlib's Python binding narrows padding).
CHIPS = ((150, 0.25), (80, 0.5))
# Photo sets: lfw-dev-mini is small and uniform (the first few suffice); the
# deepface photos are large, so their chips go through dlib's image pyramid;
# face-recognition-examples adds selfies and group photos.
SETS = (
    ("lfw-dev-mini", 24),
    ("deepface-unit-dataset", None),
    ("face-recognition-examples", None),
)
IMAGE_EXTS = {".jpg", ".jpeg", ".png"}
# Above this many pixels the detector runs without upsampling (HOG on an
# upsampled 12 MP photo costs minutes for no extra coverage).
UPSAMPLE_MAX_PIXELS = 4_000_000


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def photos(testdata: Path):
    for folder, limit in SETS:
        root = testdata / folder
        files = sorted(
            p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in IMAGE_EXTS
        )
        yield from files[:limit] if limit else files


DECODERS = {
    "riv": "riv_face_engine::image::decode, DecodeLimits::default() (EXIF orientation applied)",
    "pillow": "Pillow, EXIF orientation applied, convert('RGB')",
}


def decode_pillow(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im)
        return np.ascontiguousarray(np.asarray(im.convert("RGB"), dtype=np.uint8))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--testdata", type=Path, default=default_testdata())
    ap.add_argument("--models", type=Path, default=default_models())
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--decoder", choices=tuple(DECODERS), default="riv")
    args = ap.parse_args()

    detector = dlib.get_frontal_face_detector()
    predictor = dlib.shape_predictor(str(args.models / SHAPE_MODEL))
    model_sha = sha256((args.models / SHAPE_MODEL).read_bytes())

    faces = []
    files = list(photos(args.testdata))
    decoder = RivDecoder(files)
    for index, path in enumerate(files):
        rel = path.relative_to(args.testdata).as_posix()
        if args.decoder == "riv":
            img = decoder.load(index)
        else:
            img = decode_pillow(path)
        height, width = img.shape[:2]
        pixels_sha = sha256(img.tobytes())
        upsample = 1 if width * height <= UPSAMPLE_MAX_PIXELS else 0
        for rect in detector(img, upsample):
            shape = predictor(img, rect)
            record = {
                "path": rel,
                "pixels_sha256": pixels_sha,
                "width": width,
                "height": height,
                "upsample": upsample,
                "rect": [rect.left(), rect.top(), rect.right(), rect.bottom()],
                "landmarks": [[shape.part(i).x, shape.part(i).y] for i in range(5)],
                "chips": [
                    {
                        "size": size,
                        "padding": padding,
                        "sha256": sha256(
                            np.ascontiguousarray(
                                dlib.get_face_chip(img, shape, size=size, padding=padding)
                            ).tobytes()
                        ),
                    }
                    for size, padding in CHIPS
                ],
            }
            faces.append(record)
        print(f"{rel}: {width}x{height}", file=sys.stderr)

    out = {
        "header": {
            "generator": "tools/dlib-reference/shape_chip_reference.py",
            "dlib_version": dlib.__version__,
            "shape_model_sha256": model_sha,
            "decode": DECODERS[args.decoder],
            "detector": "dlib.get_frontal_face_detector()(img, upsample), every box",
            "landmarks": "dlib.shape_predictor(img, rect).part(i), i = 0..4, as [x, y]",
            "chips": "sha256 of dlib.get_face_chip(img, shape, size, padding), row-major RGB u8",
            "face_count": len(faces),
        },
        "faces": faces,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "w") as f:
        f.write("{\n\"header\": " + json.dumps(out["header"], sort_keys=True) + ",\n\"faces\": [\n")
        f.write(",\n".join(json.dumps(face, sort_keys=True) for face in faces))
        f.write("\n]\n}\n")
    print(f"wrote {len(faces)} faces to {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
