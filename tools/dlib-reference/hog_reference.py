#!/usr/bin/env python3
"""Run dlib's HOG face detector on a few chosen photos and write every box.

Writes face-engine/tests/fixtures/hog_reference.json (numbers only, never
image data): for each case, the photo's path relative to the test data
folder, the SHA-256 of the pixels dlib was given, the colour mode, the
upsampling and threshold adjustment, and every detection of
`dlib.get_frontal_face_detector().run(img, upsample, adjust_threshold)` as
[left, top, right, bottom, score, detector_index] in dlib's order.

The cases cover what riv's HOG port must reproduce exactly: group photos
with several faces, a photo without faces, upsampling 0 to 2, grey and RGB
input (dlib takes the strongest colour channel's gradient), and negative
threshold adjustments, which produce many overlapping windows with equal
scores and so exercise dlib's sort and non-max suppression.

Photos are decoded by riv's own decoder (see make_fixtures.py), so both
sides see the same pixels; grey images are riv's `to_gray` of those pixels
(the truncated mean of R, G and B).

Usage (inside the venv that setup.sh makes):

  PY="$(tools/dlib-reference/setup.sh)"
  "$PY" tools/dlib-reference/hog_reference.py [--testdata DIR] [--out FILE]

The output is deterministic: same inputs, same bytes.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import dlib
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_fixtures import REPO, RivDecoder, default_testdata  # noqa: E402

DEFAULT_OUT = REPO / "face-engine" / "tests" / "fixtures" / "hog_reference.json"

# (path relative to the test data folder, colour, upsample, adjust_threshold)
CASES = [
    ("compreface-sample-images/sample_images/016_8.jpg", "rgb", 1, 0.0),
    ("compreface-sample-images/sample_images/015_6.jpg", "rgb", 1, 0.0),
    ("compreface-sample-images/sample_images/000_5.jpg", "rgb", 0, 0.0),
    ("compreface-sample-images/sample_images/000_5.jpg", "gray", 1, 0.0),
    ("compreface-sample-images/sample_images/013_4.jpg", "rgb", 0, -0.5),
    ("compreface-sample-images/sample_images/017_0.jpg", "rgb", 0, 0.0),
    ("compreface-sample-images/sample_images/017_0.jpg", "rgb", 1, 0.0),
    ("compreface-sample-images/sample_images/017_0.jpg", "gray", 0, -1.0),
    ("face-recognition-examples/obama-480p.jpg", "rgb", 0, 0.0),
    ("face-recognition-examples/obama-480p.jpg", "gray", 0, 0.0),
    ("face-recognition-examples/two_people.jpg", "rgb", 1, 0.0),
    ("face-recognition-examples/knn_examples/test/obama_and_biden.jpg", "rgb", 0, 0.0),
    ("face-recognition-examples/obama_small.jpg", "rgb", 2, 0.0),
    ("face-recognition-examples/tests/test_images/obama_partial_face.jpg", "rgb", 0, 0.0),
    ("lfw-dev-mini/lfw-deepfunneled/Abdullah_al-Attiyah/Abdullah_al-Attiyah_0001.jpg", "rgb", 1, 0.0),
    ("lfw-dev-mini/lfw-deepfunneled/Abdullah_al-Attiyah/Abdullah_al-Attiyah_0001.jpg", "gray", 1, -1.5),
    ("deepface-unit-dataset/img1.jpg", "rgb", 0, 0.0),
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--testdata", type=Path, default=default_testdata())
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()

    files = sorted({args.testdata / path for path, *_ in CASES})
    decoder = RivDecoder(files)
    detector = dlib.get_frontal_face_detector()
    cases = []
    for path, colour, upsample, adjust in CASES:
        rgb = decoder.load(files.index(args.testdata / path))
        if colour == "gray":
            img = (rgb.astype(np.uint32).sum(axis=2) // 3).astype(np.uint8)
        else:
            img = rgb
        img = np.ascontiguousarray(img)
        rects, scores, indices = detector.run(img, upsample, adjust)
        detections = [
            [r.left(), r.top(), r.right(), r.bottom(), float(s), int(k)]
            for r, s, k in zip(rects, scores, indices)
        ]
        cases.append(
            {
                "path": path,
                "pixels_sha256": hashlib.sha256(img.tobytes()).hexdigest(),
                "width": int(img.shape[1]),
                "height": int(img.shape[0]),
                "color": colour,
                "upsample": upsample,
                "adjust_threshold": adjust,
                "detections": detections,
            }
        )
        print(f"{path} {colour} up={upsample} adj={adjust}: {len(detections)}", file=sys.stderr)

    header = {
        "generator": "tools/dlib-reference/hog_reference.py",
        "dlib_version": dlib.__version__,
        "numpy_version": np.__version__,
        "call": "dlib.get_frontal_face_detector().run(img, upsample, adjust_threshold)",
        "detection": "[left, top, right, bottom, score, detector_index], dlib's order",
        "decode": "riv_face_engine::image::decode (default limits); gray = (r + g + b) // 3",
        "paths": "relative to the shared test data folder",
    }
    lines = ['{"header":' + json.dumps(header, sort_keys=True) + ',', '"cases":[']
    lines += [json.dumps(case, sort_keys=True) + ("," if i + 1 < len(cases) else "") for i, case in enumerate(cases)]
    lines += ["]}"]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(cases)} cases)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
