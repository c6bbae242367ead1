//! Pyramid tests on generated images. The expected sizes and FNV-1a hashes
//! of the output bytes were produced by dlib 20.0.1 (`dlib.pyramid_down(n)`
//! and `dlib.resize_image`) on the same generated images.

use super::*;

/// Noise: the bytes of a 32-bit LCG, row-major, channels interleaved.
fn noise(w: usize, h: usize, ch: usize) -> Vec<u8> {
    (0..(w * h * ch) as u64)
        .map(|i| (((i.wrapping_mul(1103515245) + 12345) & 0xffff_ffff) >> 16) as u8)
        .collect()
}

/// Gradients alternating with flat blocks: flat areas are where bilinear
/// rounding quirks show.
fn smooth(w: usize, h: usize, ch: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(w * h * ch);
    for y in 0..h {
        for x in 0..w {
            let base = ((x * 7 + y * 3) / 5) % 256;
            let flat = ((x / 6 + y / 4) % 3) * 100;
            let v = if (x / 9 + y / 7) % 2 == 0 { base } else { flat } as u8;
            if ch == 3 {
                out.extend_from_slice(&[v, (u32::from(v) * 3 % 256) as u8, 255 - v]);
            } else {
                out.push(v);
            }
        }
    }
    out
}

fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325u64, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x100000001b3)
    })
}

/// (pattern, rows, cols, channels, N or -1 for a resize, out rows, out cols, hash)
type Case = (&'static str, usize, usize, usize, i32, u32, u32, u64);

#[rustfmt::skip]
const DLIB: &[Case] = &[
    ("noise", 11, 13, 1, 2, 4, 5, 0x1756e3e94dda13e5),
    ("noise", 11, 13, 1, 3, 6, 7, 0x2f1e6941fee35e0d),
    ("noise", 11, 13, 1, 6, 9, 10, 0x43a10fb60d351074),
    ("noise", 11, 13, 1, -1, 23, 28, 0xc54028f6715b8825),
    ("noise", 11, 13, 1, -1, 7, 9, 0xe38981dd3765bf24),
    ("noise", 11, 13, 1, -1, 11, 18, 0xd6f8b9e9db15a2eb),
    ("noise", 11, 13, 3, 2, 4, 5, 0x302044d631b0a7dc),
    ("noise", 11, 13, 3, 3, 6, 7, 0xfebfd7ba5302d228),
    ("noise", 11, 13, 3, 6, 9, 10, 0x57c7e1aa62750762),
    ("noise", 11, 13, 3, -1, 23, 28, 0x99adb3e6c2ae46bc),
    ("noise", 11, 13, 3, -1, 7, 9, 0xf65fde675b0a7f4c),
    ("noise", 11, 13, 3, -1, 11, 18, 0xc7cf2cd83a318719),
    ("noise", 40, 57, 1, 2, 18, 27, 0xc4862c0636e6a904),
    ("noise", 40, 57, 1, 3, 25, 36, 0xdbb781eed3b507e8),
    ("noise", 40, 57, 1, 6, 33, 47, 0xe8ce183126b182fa),
    ("noise", 40, 57, 1, -1, 81, 116, 0x8f433e3dbbbccef7),
    ("noise", 40, 57, 1, -1, 7, 9, 0xb8d5fd0fd789c388),
    ("noise", 40, 57, 1, -1, 40, 62, 0xcb95cd407dc31eb9),
    ("noise", 40, 57, 3, 2, 18, 27, 0x15dc374b4c651c94),
    ("noise", 40, 57, 3, 3, 25, 36, 0x108f2278a3ebdba4),
    ("noise", 40, 57, 3, 6, 33, 47, 0xb6f52ee6f228ac24),
    ("noise", 40, 57, 3, -1, 81, 116, 0x215bd0491883216c),
    ("noise", 40, 57, 3, -1, 7, 9, 0xe1be0ab3e7f455c0),
    ("noise", 40, 57, 3, -1, 40, 62, 0x3460d8713b2b7f07),
    ("noise", 97, 130, 1, 2, 47, 63, 0x54776fd31f3b41a8),
    ("noise", 97, 130, 1, 3, 63, 85, 0x29611601328b63a8),
    ("noise", 97, 130, 1, 6, 80, 108, 0xf055657bc8007835),
    ("noise", 97, 130, 1, -1, 195, 262, 0x0c15cfeea14c40df),
    ("noise", 97, 130, 1, -1, 7, 9, 0x79909d648d33f5e7),
    ("noise", 97, 130, 1, -1, 97, 135, 0x54cb4b0589bb249c),
    ("noise", 97, 130, 3, 2, 47, 63, 0x4b9baf420345eeab),
    ("noise", 97, 130, 3, 3, 63, 85, 0xf29c9af4471bf45a),
    ("noise", 97, 130, 3, 6, 80, 108, 0x7543559faa641175),
    ("noise", 97, 130, 3, -1, 195, 262, 0x41d2ec8427064638),
    ("noise", 97, 130, 3, -1, 7, 9, 0xcf1a7648e2ebf2cb),
    ("noise", 97, 130, 3, -1, 97, 135, 0x20c174a3663c557a),
    ("smooth", 11, 13, 1, 2, 4, 5, 0xdfd1a5ad01302cf2),
    ("smooth", 11, 13, 1, 3, 6, 7, 0x7be8180ded96b82c),
    ("smooth", 11, 13, 1, 6, 9, 10, 0xd2075474d74dcf4f),
    ("smooth", 11, 13, 1, -1, 23, 28, 0xb94e4702a4d46a2d),
    ("smooth", 11, 13, 1, -1, 7, 9, 0x4efd6263d96f99e0),
    ("smooth", 11, 13, 1, -1, 11, 18, 0x8b40ab5961fb3798),
    ("smooth", 11, 13, 3, 2, 4, 5, 0x2e4d05468c61c8da),
    ("smooth", 11, 13, 3, 3, 6, 7, 0x308b14a02d0dd157),
    ("smooth", 11, 13, 3, 6, 9, 10, 0x97df40244a512490),
    ("smooth", 11, 13, 3, -1, 23, 28, 0xc1352febb25d0711),
    ("smooth", 11, 13, 3, -1, 7, 9, 0x9dea15d773c84127),
    ("smooth", 11, 13, 3, -1, 11, 18, 0xe36674191cba2d0a),
    ("smooth", 40, 57, 1, 2, 18, 27, 0x3ff009da569bb490),
    ("smooth", 40, 57, 1, 3, 25, 36, 0xdd5150293f3c6f42),
    ("smooth", 40, 57, 1, 6, 33, 47, 0xaaf7a6bf2bdf82c6),
    ("smooth", 40, 57, 1, -1, 81, 116, 0xf9deb41aa0c3934c),
    ("smooth", 40, 57, 1, -1, 7, 9, 0xc4405fc1e7cae12d),
    ("smooth", 40, 57, 1, -1, 40, 62, 0xed72c51149e33169),
    ("smooth", 40, 57, 3, 2, 18, 27, 0x76b6cf558b2d42bf),
    ("smooth", 40, 57, 3, 3, 25, 36, 0x59863d0ade185f62),
    ("smooth", 40, 57, 3, 6, 33, 47, 0x10b553ee856d8eaf),
    ("smooth", 40, 57, 3, -1, 81, 116, 0x9a611f278c41355d),
    ("smooth", 40, 57, 3, -1, 7, 9, 0xb778fb5c0588c287),
    ("smooth", 40, 57, 3, -1, 40, 62, 0xad4afd88acdaaa2a),
    ("smooth", 97, 130, 1, 2, 47, 63, 0xaaeb22c14d8f48d1),
    ("smooth", 97, 130, 1, 3, 63, 85, 0x23b3b290ab263dc6),
    ("smooth", 97, 130, 1, 6, 80, 108, 0x8ec93d7cb4bc22fc),
    ("smooth", 97, 130, 1, -1, 195, 262, 0x702ba85bdda2a473),
    ("smooth", 97, 130, 1, -1, 7, 9, 0xa524078da670b4fd),
    ("smooth", 97, 130, 1, -1, 97, 135, 0x1497f42c89cebc40),
    ("smooth", 97, 130, 3, 2, 47, 63, 0x310bdd3f8669f2d1),
    ("smooth", 97, 130, 3, 3, 63, 85, 0xddb938ebe9d8e52c),
    ("smooth", 97, 130, 3, 6, 80, 108, 0x95f97bab6428cc3d),
    ("smooth", 97, 130, 3, -1, 195, 262, 0xde5723ffb31cef3b),
    ("smooth", 97, 130, 3, -1, 7, 9, 0xf7282d69770d8c64),
    ("smooth", 97, 130, 3, -1, 97, 135, 0x0bdbc5e5b4c7ac68),
];

#[test]
fn matches_dlib_on_generated_images() {
    let mut resize_sizes: std::collections::HashMap<(usize, usize), Vec<(u32, u32)>> =
        std::collections::HashMap::new();
    for &(_, h, w, _, n, oh, ow, _) in DLIB {
        if n < 0 {
            resize_sizes.entry((h, w)).or_default().push((ow, oh));
        }
    }
    for &(kind, h, w, ch, n, oh, ow, hash) in DLIB {
        let px = if kind == "noise" {
            noise(w, h, ch)
        } else {
            smooth(w, h, ch)
        };
        let (got_w, got_h, bytes) = if ch == 3 {
            let img = RgbImage::from_raw(w as u32, h as u32, px).unwrap();
            let out = if n > 0 {
                PyramidDown::new(n as u32).unwrap().down_rgb(&img)
            } else {
                resize_rgb(&img, ow, oh)
            };
            (out.width(), out.height(), out.pixels().to_vec())
        } else {
            let img = GrayImage::from_raw(w as u32, h as u32, px).unwrap();
            let out = if n > 0 {
                PyramidDown::new(n as u32).unwrap().down_gray(&img)
            } else {
                resize_gray(&img, ow, oh)
            };
            (out.width(), out.height(), out.pixels().to_vec())
        };
        let case = format!("{kind} {w}x{h}x{ch} n={n}");
        assert_eq!((got_w, got_h), (ow, oh), "{case}");
        assert_eq!(fnv1a(&bytes), hash, "{case}");
    }
}

#[test]
fn pyramid_up_size_is_rect_up_of_the_image() {
    let img = RgbImage::new(13, 11);
    let up = pyramid_up_rgb(&img);
    assert_eq!((up.width(), up.height()), (28, 23));
    // The dlib reference table above resizes to these sizes too.
    let gray = pyramid_up_gray(&img.to_gray());
    assert_eq!((gray.width(), gray.height()), (28, 23));
    assert_eq!(pyramid_up_rgb(&RgbImage::new(0, 0)).width(), 0);
}

#[test]
fn constant_images_stay_constant() {
    for n in [2, 3, 4, 6] {
        let pyr = PyramidDown::new(n).unwrap();
        let img = RgbImage::from_raw(40, 30, vec![77; 40 * 30 * 3]).unwrap();
        let down = pyr.down_rgb(&img);
        assert!(down.width() > 0);
        // Integer kernels are exact on flat input; the bilinear resize may
        // land one level low where dlib's float sum falls just under 77.
        assert!(
            down.pixels()
                .iter()
                .all(|p| *p == 77 || (n > 3 && *p == 76))
        );
    }
}

#[test]
fn sizes_follow_dlib() {
    let half = PyramidDown::HALF;
    assert_eq!(half.down_gray(&RgbImage::new(9, 9).to_gray()).width(), 3);
    // Sides of 8 pixels or less give an empty image.
    assert_eq!(half.down_rgb(&RgbImage::new(8, 100)).width(), 0);
    assert_eq!(half.output_size(100, 51), (48, 24));
    let six = PyramidDown::new(6).unwrap();
    assert_eq!(six.output_size(100, 51), (83, 42));
    let down = six.down_rgb(&RgbImage::new(100, 51));
    assert_eq!((down.width(), down.height()), (83, 42));
    assert!(PyramidDown::new(1).is_none());
    assert!(PyramidDown::new(21).is_none());
}

#[test]
fn point_and_rect_maps_invert_each_other() {
    for n in [2, 3, 6] {
        let pyr = PyramidDown::new(n).unwrap();
        let p = Point::new(123.25, 45.5);
        let q = pyr.point_up(pyr.point_down(p, 3), 3);
        assert!(p.distance(&q) < 1e-9, "n={n}");
        let r = DRect::new(10.0, 20.0, 110.0, 90.0);
        let back = pyr.rect_up(pyr.rect_down(r, 2), 2);
        assert!((back.left - r.left).abs() < 1e-9 && (back.bottom - r.bottom).abs() < 1e-9);
    }
    let half = PyramidDown::HALF;
    assert_eq!(
        half.point_down(Point::new(10.0, 10.0), 1),
        Point::new(3.75, 4.25)
    );
    let six = PyramidDown::new(6).unwrap();
    let p = six.point_down(Point::new(60.3, 0.3), 1);
    assert!((p.x - 50.0).abs() < 1e-12 && p.y.abs() < 1e-12);
}

#[test]
fn drect_rounds_half_away_from_zero() {
    let r = DRect::new(0.5, -0.5, 2.49, 3.5).round();
    assert_eq!(r, Rect::new(1, -1, 2, 4));
    assert_eq!(DRect::new(0.0, 0.0, -1.0, -1.0).area(), 0.0);
    assert_eq!(DRect::from(Rect::new(0, 0, 9, 4)).area(), 50.0);
}

/// dlib 20.0.1's `compute_tiled_image_pyramid_details` with
/// `pyramid_down<6>`, padding 10 and outer padding 11 (the MMOD detector's
/// settings): image size, packed size, level rectangles.
type TiledCase = (u32, u32, u32, u32, &'static [(i64, i64, i64, i64)]);

#[rustfmt::skip]
const DLIB_TILED: &[TiledCase] = &[
    (640, 480, 662, 1782, &[(11, 11, 650, 490), (11, 501, 543, 900), (11, 911, 454, 1243), (11, 1254, 380, 1530), (11, 1541, 318, 1770), (395, 1580, 650, 1770), (438, 1411, 650, 1569), (474, 1269, 650, 1400), (504, 1149, 650, 1258), (529, 1048, 650, 1138), (550, 963, 650, 1037), (567, 891, 650, 952), (581, 830, 650, 880), (593, 778, 650, 819), (603, 733, 650, 767), (611, 694, 650, 722), (618, 660, 650, 683), (624, 630, 650, 649), (629, 604, 650, 619), (633, 581, 650, 593), (636, 561, 650, 570), (639, 543, 650, 550), (641, 527, 650, 532), (643, 512, 650, 516)]),
    (480, 640, 502, 2357, &[(11, 11, 490, 650), (11, 661, 410, 1193), (11, 1204, 343, 1647), (11, 1658, 287, 2027), (11, 2038, 240, 2345), (300, 2090, 490, 2345), (332, 1867, 490, 2079), (359, 1680, 490, 1856), (381, 1523, 490, 1669), (400, 1391, 490, 1512), (416, 1280, 490, 1380), (429, 1186, 490, 1269), (440, 1106, 490, 1175), (449, 1038, 490, 1095), (456, 980, 490, 1027), (462, 930, 490, 969), (467, 887, 490, 919), (471, 850, 490, 876), (475, 818, 490, 839), (478, 790, 490, 807), (481, 765, 490, 779), (483, 743, 490, 754), (485, 723, 490, 732), (486, 705, 490, 712), (487, 689, 490, 694), (488, 674, 490, 678)]),
    (250, 250, 272, 957, &[(11, 11, 260, 260), (11, 271, 218, 478), (11, 489, 183, 661), (11, 672, 154, 815), (11, 826, 130, 945), (161, 846, 260, 945), (178, 753, 260, 835), (192, 674, 260, 742), (204, 607, 260, 663), (214, 550, 260, 596), (222, 501, 260, 539), (229, 459, 260, 490), (235, 423, 260, 448), (240, 392, 260, 412), (244, 365, 260, 381), (247, 341, 260, 354), (250, 320, 260, 330), (252, 301, 260, 309), (254, 284, 260, 290), (256, 269, 260, 273)]),
    (1000, 300, 1022, 1137, &[(11, 11, 1010, 310), (11, 321, 843, 570), (11, 581, 704, 788), (11, 799, 588, 971), (11, 982, 491, 1125), (611, 1006, 1010, 1125), (678, 896, 1010, 995), (734, 803, 1010, 885), (781, 724, 1010, 792), (820, 657, 1010, 713), (852, 600, 1010, 646), (879, 551, 1010, 589), (901, 509, 1010, 540), (920, 473, 1010, 498), (936, 442, 1010, 462), (949, 415, 1010, 431), (960, 391, 1010, 404), (969, 370, 1010, 380), (976, 351, 1010, 359), (982, 334, 1010, 340), (987, 319, 1010, 323)]),
    (100, 30, 122, 166, &[(11, 11, 110, 40), (11, 51, 93, 75), (11, 86, 79, 105), (11, 116, 67, 131), (11, 142, 57, 154), (72, 145, 110, 154), (79, 127, 110, 134), (85, 111, 110, 116), (90, 96, 110, 100)]),
];

#[test]
fn tiled_layout_matches_dlib() {
    let pyr = PyramidDown::new(6).unwrap();
    for &(w, h, ow, oh, rects) in DLIB_TILED {
        let tiled = TiledPyramid::layout(pyr, w, h, 10, 11);
        assert_eq!((tiled.width, tiled.height), (ow, oh), "{w}x{h}");
        let want: Vec<Rect> = rects
            .iter()
            .map(|&(l, t, r, b)| Rect::new(l, t, r, b))
            .collect();
        assert_eq!(tiled.rects, want, "{w}x{h}");
    }
    let tiled = TiledPyramid::layout(pyr, 640, 480, 10, 11);
    let (img, same) = TiledPyramid::build_rgb(&RgbImage::new(640, 480), pyr, 10, 11);
    assert_eq!(same, tiled);
    assert_eq!((img.width(), img.height()), (tiled.width, tiled.height));
    let p = tiled.image_to_tiled(1.0, Point::new(5.0, 7.0));
    assert_eq!(p, Point::new(16.0, 18.0));
    let back = tiled.tiled_to_image(p);
    assert!(back.distance(&Point::new(5.0, 7.0)) < 1e-9);
}

#[test]
fn pyramid_up_and_tiled_build_match_dlib() {
    // dlib 20.0.1: pyramid_up(img, out, pyramid_down<2>()) and
    // create_tiled_pyramid<pyramid_down<6>>(img, out, rects, 10, 11) on the
    // 57x40 noise image.
    let rgb = RgbImage::from_raw(57, 40, noise(57, 40, 3)).unwrap();
    let up = pyramid_up_rgb(&rgb);
    assert_eq!((up.width(), up.height()), (116, 81));
    assert_eq!(fnv1a(up.pixels()), 2403743838494728556);
    let gray = GrayImage::from_raw(57, 40, noise(57, 40, 1)).unwrap();
    let up = pyramid_up_gray(&gray);
    assert_eq!(fnv1a(up.pixels()), 10323163205726949111);
    let (tiled, _) = TiledPyramid::build_rgb(&rgb, PyramidDown::new(6).unwrap(), 10, 11);
    assert_eq!((tiled.width(), tiled.height()), (79, 202));
    assert_eq!(fnv1a(tiled.pixels()), 13192137621535547399);
}
