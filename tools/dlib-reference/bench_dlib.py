#!/usr/bin/env python3
"""Time dlib itself on given photos and print JSON, for side-by-side
benchmarks against riv's engine.

  PY="$(tools/dlib-reference/setup.sh)"
  "$PY" tools/dlib-reference/bench_dlib.py [IMAGE ...] [--repeat N] [--batch N]

For each image (decoded like riv decodes: Pillow, EXIF orientation, RGB):
  detect_ms      HOG frontal face detector, upsample 0 (and upsample 1)
  shape_ms       5-point shape predictor, per face
  chip_ms        get_face_chip (150 px, padding 0.25), per face
  descriptor_ms  compute_face_descriptor(img, shape), one face per call
  batched_ms     compute_face_descriptor(img, [shapes]) on --batch faces
                 (the image's faces repeated), total and per face
Each figure is the median (and min) over --repeat runs after one warm-up.

Without IMAGE arguments it times the two standard sizes:
  512x512  public photo astronaut.png (tools/public-photos/fetch.py)
  640x480  shared test photo spoof-samples/silent-face/image_F1.jpg, or, on a
           fresh clone, public photo t1.jpg centre-cropped to 4:3 and
           resized to 640x480 (bilinear; reported as such).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

import dlib
import numpy as np
from PIL import Image, ImageOps

REPO = Path(__file__).resolve().parents[2]


def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "riv"


def models_dir() -> Path:
    env = os.environ.get("RIV_MODEL_DIR")
    return Path(env) if env else cache_root() / "models"


def testdata_dir() -> Path:
    env = os.environ.get("RIV_TESTDATA")
    return Path(env) if env else REPO.parent / "shared" / "testdata"


def public_photos_dir() -> Path:
    env = os.environ.get("RIV_PUBLIC_PHOTOS")
    return Path(env) if env else cache_root() / "public-photos"


def to_rgb(im: Image.Image) -> np.ndarray:
    im = ImageOps.exif_transpose(im).convert("RGB")
    return np.ascontiguousarray(np.asarray(im, dtype=np.uint8))


def load(path: Path) -> np.ndarray:
    with Image.open(path) as im:
        return to_rgb(im)


def crop_resize(path: Path, w: int, h: int) -> np.ndarray:
    with Image.open(path) as im:
        im = ImageOps.exif_transpose(im).convert("RGB")
        return to_rgb(ImageOps.fit(im, (w, h), method=Image.Resampling.BILINEAR))


def default_images() -> list[tuple[str, np.ndarray]]:
    out = []
    photos = public_photos_dir()
    astronaut = photos / "astronaut.png"
    if not astronaut.is_file():
        raise SystemExit(f"{astronaut} missing: run tools/public-photos/fetch.py")
    out.append(("public-photos/astronaut.png", load(astronaut)))
    shared = testdata_dir() / "spoof-samples" / "silent-face" / "image_F1.jpg"
    if shared.is_file():
        out.append(("spoof-samples/silent-face/image_F1.jpg", load(shared)))
    else:
        t1 = photos / "t1.jpg"
        out.append(("public-photos/t1.jpg fit to 640x480 (bilinear)", crop_resize(t1, 640, 480)))
    return out


def timed(fn, repeat: int) -> tuple[dict, object]:
    result = fn()  # warm-up (and the value returned)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return {"median": round(statistics.median(times), 3), "min": round(min(times), 3)}, result


def per(stats: dict, n: int) -> dict:
    return {k: round(v / n, 3) for k, v in stats.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("images", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--batch", type=int, default=8, help="faces per batched descriptor call")
    ap.add_argument("--models", type=Path, default=models_dir())
    args = ap.parse_args()

    detector = dlib.get_frontal_face_detector()
    sp = dlib.shape_predictor(str(args.models / "shape_predictor_5_face_landmarks.dat"))
    net = dlib.face_recognition_model_v1(
        str(args.models / "dlib_face_recognition_resnet_model_v1.dat")
    )

    if args.images:
        images = [(str(p), load(p)) for p in args.images]
    else:
        images = default_images()

    results = []
    for name, img in images:
        rec: dict = {"image": name, "width": int(img.shape[1]), "height": int(img.shape[0])}
        rec["detect_ms_upsample0"], rects0 = timed(lambda: detector(img, 0), args.repeat)
        rec["faces_upsample0"] = len(rects0)
        rec["detect_ms_upsample1"], rects1 = timed(
            lambda: detector(img, 1), max(1, args.repeat // 2)
        )
        rec["faces_upsample1"] = len(rects1)
        rects = list(rects0) or list(rects1)
        if rects:
            rect = max(rects, key=lambda r: r.area())
            rec["shape_ms"], shape = timed(lambda: sp(img, rect), args.repeat * 10)
            rec["chip_ms"], _ = timed(
                lambda: dlib.get_face_chip(img, shape, size=150, padding=0.25), args.repeat
            )
            rec["descriptor_ms"], _ = timed(
                lambda: net.compute_face_descriptor(img, shape), args.repeat
            )
            all_shapes = [sp(img, r) for r in rects]
            batch = dlib.full_object_detections()
            for i in range(max(args.batch, 1)):
                batch.append(all_shapes[i % len(all_shapes)])
            total, _ = timed(lambda: net.compute_face_descriptor(img, batch), args.repeat)
            rec["batched"] = {
                "faces": len(batch),
                "total_ms": total,
                "per_face_ms": per(total, len(batch)),
            }
        results.append(rec)

    report = {
        "tool": "dlib",
        "dlib_version": dlib.__version__,
        "dlib_build": {
            k: bool(getattr(dlib, k, False))
            for k in ("DLIB_USE_AVX", "DLIB_USE_BLAS", "DLIB_USE_LAPACK", "DLIB_USE_CUDA")
        },
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "repeat": args.repeat,
        "note": "ms; median and min after one warm-up run; single-threaded calls",
        "results": results,
    }
    json.dump(report, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
