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
Each figure is the wall-clock median and min over --repeat runs after one
warm-up, plus the median CPU time of the calling thread (robust on a busy
machine; dlib runs all of these on one thread).

Without IMAGE arguments it times the two standard inputs, both made from
public photos (tools/public-photos/fetch.py), so every machine times the same
pixels:
  512x512  astronaut.png as is (one frontal face)
  640x480  t1.jpg (a group photo) centre-cropped to 4:3 and resized to 640x480
           with Pillow's bilinear filter
--save-inputs DIR writes the exact RGB inputs as PNG (bench_512x512.png,
bench_640x480.png) so the Rust benchmarks can time the same pixels.
"""

from __future__ import annotations

import argparse
import hashlib
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

def cache_root() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "riv"


def models_dir() -> Path:
    env = os.environ.get("RIV_MODEL_DIR")
    return Path(env) if env else cache_root() / "models"


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


def default_images() -> list[tuple[str, str, np.ndarray]]:
    """-> (label, short name, pixels) of the two standard inputs."""
    photos = public_photos_dir()
    for name in ("astronaut.png", "t1.jpg"):
        if not (photos / name).is_file():
            raise SystemExit(f"{photos / name} missing: run tools/public-photos/fetch.py")
    return [
        ("public-photos/astronaut.png", "bench_512x512", load(photos / "astronaut.png")),
        (
            "public-photos/t1.jpg fit to 640x480 (bilinear)",
            "bench_640x480",
            crop_resize(photos / "t1.jpg", 640, 480),
        ),
    ]


def timed(fn, repeat: int) -> tuple[dict, object]:
    """Wall-clock median/min, plus the median CPU time of this thread (which a
    busy machine inflates far less than the wall clock)."""
    result = fn()  # warm-up (and the value returned)
    wall, cpu = [], []
    for _ in range(repeat):
        c0, t0 = time.thread_time(), time.perf_counter()
        fn()
        wall.append((time.perf_counter() - t0) * 1e3)
        cpu.append((time.thread_time() - c0) * 1e3)
    stats = {
        "median": round(statistics.median(wall), 3),
        "min": round(min(wall), 3),
        "cpu_median": round(statistics.median(cpu), 3),
    }
    return stats, result


def per(stats: dict, n: int) -> dict:
    return {k: round(v / n, 3) for k, v in stats.items()}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("images", nargs="*", type=Path)
    ap.add_argument("--repeat", type=int, default=10)
    ap.add_argument("--batch", type=int, default=8, help="faces per batched descriptor call")
    ap.add_argument("--models", type=Path, default=models_dir())
    ap.add_argument("--save-inputs", type=Path, metavar="DIR", help="write the inputs as PNG")
    args = ap.parse_args()

    detector = dlib.get_frontal_face_detector()
    sp = dlib.shape_predictor(str(args.models / "shape_predictor_5_face_landmarks.dat"))
    net = dlib.face_recognition_model_v1(
        str(args.models / "dlib_face_recognition_resnet_model_v1.dat")
    )

    if args.images:
        images = [(str(p), p.stem, load(p)) for p in args.images]
    else:
        images = default_images()
    if args.save_inputs:
        args.save_inputs.mkdir(parents=True, exist_ok=True)
        for _, short, img in images:
            Image.fromarray(img).save(args.save_inputs / f"{short}.png")

    results = []
    for name, _, img in images:
        rec: dict = {
            "image": name,
            "width": int(img.shape[1]),
            "height": int(img.shape[0]),
            "pixels_sha256": hashlib.sha256(img.tobytes()).hexdigest(),
        }
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
            for k in ("USE_AVX_INSTRUCTIONS", "DLIB_USE_BLAS", "DLIB_USE_LAPACK", "DLIB_USE_CUDA")
        },
        "python": platform.python_version(),
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "repeat": args.repeat,
        "note": "ms; wall-clock median and min, and thread CPU-time median, after one "
        "warm-up run; dlib runs these calls on one thread",
        "results": results,
    }
    json.dump(report, sys.stdout, indent=1)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
