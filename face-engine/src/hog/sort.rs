//! The ordering of GNU libstdc++'s `std::sort`, reproduced step for step.
//!
//! dlib orders detections with `std::sort`, which is not stable: when two
//! windows score exactly the same (flat image regions do), the order it
//! leaves them in decides which one non-max suppression keeps. Reproducing
//! the introsort of the C++ library dlib's Python wheel is built with makes
//! those ties come out as dlib's do.
//!
//! The algorithm: quicksort with a median-of-three pivot moved to the front
//! and an unguarded Hoare partition, recursing on the right part and looping
//! on the left, until parts have at most 16 elements; heapsort when the
//! recursion depth passes `2 log2(n)`; then one insertion sort pass.

/// Parts at most this long are left to the final insertion sort.
const THRESHOLD: usize = 16;

/// Sorts `items` so that `less` holds between no later and earlier pair,
/// leaving equal elements where libstdc++'s `std::sort` would.
pub fn libstdcxx_sort<T: Copy>(items: &mut [T], less: &impl Fn(&T, &T) -> bool) {
    let n = items.len();
    if n < 2 {
        return;
    }
    let depth_limit = 2 * (usize::BITS - 1 - n.leading_zeros()) as usize;
    introsort_loop(items, depth_limit, less);
    final_insertion_sort(items, less);
}

/// `std::sort(v.rbegin(), v.rend(), less)`: the same algorithm run on the
/// reversed sequence, which dlib uses to sort in descending order.
pub fn libstdcxx_sort_reversed<T: Copy>(items: &mut [T], less: &impl Fn(&T, &T) -> bool) {
    items.reverse();
    libstdcxx_sort(items, less);
    items.reverse();
}

fn introsort_loop<T: Copy>(
    items: &mut [T],
    mut depth_limit: usize,
    less: &impl Fn(&T, &T) -> bool,
) {
    let mut len = items.len();
    while len > THRESHOLD {
        if depth_limit == 0 {
            heap_sort(&mut items[..len], less);
            return;
        }
        depth_limit -= 1;
        let cut = partition_around_pivot(&mut items[..len], less);
        introsort_loop(&mut items[cut..len], depth_limit, less);
        len = cut;
    }
}

/// Moves the median of elements 1, middle and last to the front, then
/// partitions the rest around it; returns where the right part starts.
fn partition_around_pivot<T: Copy>(items: &mut [T], less: &impl Fn(&T, &T) -> bool) -> usize {
    let len = items.len();
    let mid = len / 2;
    let (a, b, c) = (1, mid, len - 1);
    let median = if less(&items[a], &items[b]) {
        if less(&items[b], &items[c]) {
            b
        } else if less(&items[a], &items[c]) {
            c
        } else {
            a
        }
    } else if less(&items[a], &items[c]) {
        a
    } else if less(&items[b], &items[c]) {
        c
    } else {
        b
    };
    items.swap(0, median);

    // Unguarded Hoare partition of items[1..len] around items[0]: the
    // median-of-three guarantees both scans stop inside the slice.
    let mut first = 1;
    let mut last = len;
    loop {
        while first < len && less(&items[first], &items[0]) {
            first += 1;
        }
        last -= 1;
        while last > 0 && less(&items[0], &items[last]) {
            last -= 1;
        }
        if first >= last {
            return first;
        }
        items.swap(first, last);
        first += 1;
    }
}

fn final_insertion_sort<T: Copy>(items: &mut [T], less: &impl Fn(&T, &T) -> bool) {
    if items.len() > THRESHOLD {
        insertion_sort(&mut items[..THRESHOLD], less);
        for i in THRESHOLD..items.len() {
            linear_insert(items, i, less);
        }
    } else {
        insertion_sort(items, less);
    }
}

fn insertion_sort<T: Copy>(items: &mut [T], less: &impl Fn(&T, &T) -> bool) {
    for i in 1..items.len() {
        if less(&items[i], &items[0]) {
            let value = items[i];
            items.copy_within(0..i, 1);
            items[0] = value;
        } else {
            linear_insert(items, i, less);
        }
    }
}

/// Shifts `items[i]` left past every element it is less than. Some
/// element to its left is not greater, so the scan stays in bounds.
fn linear_insert<T: Copy>(items: &mut [T], mut i: usize, less: &impl Fn(&T, &T) -> bool) {
    let value = items[i];
    while i > 0 && less(&value, &items[i - 1]) {
        items[i] = items[i - 1];
        i -= 1;
    }
    items[i] = value;
}

/// libstdc++'s `make_heap` followed by `sort_heap`.
fn heap_sort<T: Copy>(items: &mut [T], less: &impl Fn(&T, &T) -> bool) {
    let len = items.len();
    if len < 2 {
        return;
    }
    let mut parent = (len - 2) / 2;
    loop {
        let value = items[parent];
        adjust_heap(items, parent, len, value, less);
        if parent == 0 {
            break;
        }
        parent -= 1;
    }
    let mut end = len;
    while end > 1 {
        end -= 1;
        let value = items[end];
        items[end] = items[0];
        adjust_heap(items, 0, end, value, less);
    }
}

/// Sinks a hole from `hole` to a leaf along the larger children, then
/// pushes `value` back up from there.
fn adjust_heap<T: Copy>(
    items: &mut [T],
    mut hole: usize,
    len: usize,
    value: T,
    less: &impl Fn(&T, &T) -> bool,
) {
    let top = hole;
    let mut child = hole;
    while child < (len - 1) / 2 {
        child = 2 * (child + 1);
        if less(&items[child], &items[child - 1]) {
            child -= 1;
        }
        items[hole] = items[child];
        hole = child;
    }
    if len & 1 == 0 && child == (len - 2) / 2 {
        child = 2 * (child + 1);
        items[hole] = items[child - 1];
        hole = child - 1;
    }
    while hole > top {
        let parent = (hole - 1) / 2;
        if !less(&items[parent], &value) {
            break;
        }
        items[hole] = items[parent];
        hole = parent;
    }
    items[hole] = value;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lcg(seed: &mut u64) -> u64 {
        *seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        *seed >> 33
    }

    #[test]
    fn sorts_like_a_sort() {
        let mut seed = 7;
        for len in [0, 1, 2, 3, 15, 16, 17, 33, 100, 1000, 5000] {
            for modulus in [3, 1000, 1 << 30] {
                let mut items: Vec<u64> = (0..len).map(|_| lcg(&mut seed) % modulus).collect();
                let mut expected = items.clone();
                expected.sort();
                libstdcxx_sort(&mut items, &|a, b| a < b);
                assert_eq!(items, expected, "len {len} modulus {modulus}");
            }
        }
    }

    #[test]
    fn heap_sort_sorts() {
        let mut seed = 11;
        for len in 0..70 {
            let mut items: Vec<u64> = (0..len).map(|_| lcg(&mut seed) % 20).collect();
            let mut expected = items.clone();
            expected.sort();
            heap_sort(&mut items, &|a, b| a < b);
            assert_eq!(items, expected);
        }
    }

    #[test]
    fn equal_keys_land_where_libstdcxx_puts_them() {
        // (key, original index) sorted by key only. The expected orders were
        // produced by g++'s std::sort on the same input.
        let keys = [2, 1, 2, 0, 1, 2, 0, 0, 1, 2, 1, 0, 2, 1, 0, 2, 1, 2, 0, 1];
        let mut items: Vec<(u32, usize)> = keys.iter().copied().zip(0..).collect();
        libstdcxx_sort(&mut items, &|a, b| a.0 < b.0);
        let order: Vec<usize> = items.iter().map(|p| p.1).collect();
        assert_eq!(order, LIBSTDCXX_ORDER_20);

        let mut items: Vec<(u32, usize)> = keys.iter().copied().zip(0..).collect();
        libstdcxx_sort_reversed(&mut items, &|a, b| a.0 < b.0);
        let order: Vec<usize> = items.iter().map(|p| p.1).collect();
        assert_eq!(order, LIBSTDCXX_REVERSED_ORDER_20);
    }

    const LIBSTDCXX_ORDER_20: [usize; 20] = [
        18, 3, 14, 6, 7, 11, 10, 19, 16, 13, 8, 4, 1, 0, 9, 12, 5, 15, 17, 2,
    ];
    const LIBSTDCXX_REVERSED_ORDER_20: [usize; 20] = [
        17, 15, 12, 9, 5, 2, 0, 4, 8, 10, 13, 1, 16, 19, 6, 7, 3, 11, 14, 18,
    ];

    /// Orders of longer inputs with many ties, as a hash of the resulting
    /// index sequence: (length, key modulus, forward hash, reversed hash),
    /// from g++'s std::sort on the same generated keys.
    #[test]
    fn long_inputs_with_ties_match_libstdcxx() {
        let cases: [(u64, u64, u64, u64); 9] = [
            (100, 2, 13111286595563784548, 9248814491789702980),
            (100, 5, 15522118087034280306, 9295376812441936104),
            (100, 1000, 7956562617580042678, 11966370812174763054),
            (1000, 2, 9056586547256859216, 8566539409934925392),
            (1000, 5, 8937563983471059866, 11195665942520804642),
            (1000, 1000, 176052630443335486, 15450875884660144830),
            (5000, 2, 5451469198282075428, 8101899315744652986),
            (5000, 5, 4326002895716892010, 10666530630706594784),
            (5000, 1000, 1774458221375591922, 3495751128952717366),
        ];
        for (len, modulus, forward, reversed) in cases {
            let mut seed = len * 31 + modulus;
            let keys: Vec<u64> = (0..len).map(|_| lcg(&mut seed) % modulus).collect();
            let hash = |reverse: bool| {
                let mut items: Vec<(u64, u64)> = keys.iter().copied().zip(0..).collect();
                if reverse {
                    libstdcxx_sort_reversed(&mut items, &|a, b| a.0 < b.0);
                } else {
                    libstdcxx_sort(&mut items, &|a, b| a.0 < b.0);
                }
                items
                    .iter()
                    .fold(0u64, |h, p| h.wrapping_mul(1_000_003).wrapping_add(p.1))
            };
            assert_eq!(hash(false), forward, "len {len} modulus {modulus}");
            assert_eq!(hash(true), reversed, "len {len} modulus {modulus} reversed");
        }
    }
}
