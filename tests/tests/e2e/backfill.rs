//! A gallery backfilled through the client (4 photos per person), then
//! every person authenticated with their unseen 5th photo.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use riv_client::backfill::{BackfillOptions, backfill, read_source};
use riv_events::{OutcomeKind, ReasonCode};
use riv_tests::inputs::{require_models, require_testdata};
use riv_tests::riv::{TestRiv, config, verdict};

/// Photos per person registered (the first through register, the rest
/// through update); the next one is the probe.
const PER_USER: usize = 4;
/// The share of probes that must verify.
const MIN_VERIFIED: f64 = 0.95;
/// Impostor probes: person i's probe claiming person i + 1.
const IMPOSTOR_PAIRS: usize = 6;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backfilled_gallery_verifies_unseen_photos() {
    let Some(models) = require_models() else {
        return;
    };
    let Some(source) = require_testdata("lfw-dev-mini/gallery_20x5.tsv") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let riv = TestRiv::start(config(dir.path(), &models)).await;

    let started = Instant::now();
    let options = BackfillOptions {
        per_user: Some(PER_USER),
        concurrency: 4,
        // Never beside the shared data.
        state_path: Some(dir.path().join("backfill-state.jsonl")),
        timeout: Duration::from_secs(120),
        ..BackfillOptions::default()
    };
    let report = backfill(&riv.client, &source, &options).await.unwrap();
    let backfill_secs = started.elapsed().as_secs_f64();
    let count = |kind: &str| report.by_outcome.get(kind).copied().unwrap_or(0);
    println!(
        "backfill: {} users, {} images in {backfill_secs:.1} s: {} registered, {} updated, {} failed; \
         failed by reason {:?}; errors {:?}",
        report.users,
        report.images,
        count("registered"),
        count("updated"),
        report.failed,
        report.by_reason,
        report.errors,
    );
    assert!(report.aborted.is_none(), "{report:?}");
    assert_eq!(report.attempted, report.images, "{report:?}");
    assert!(report.errors.is_empty(), "{report:?}");

    // Each person's 5th photo, claiming to be them.
    let gallery = read_source(&source).unwrap();
    let people: Vec<_> = gallery
        .users
        .iter()
        .filter_map(|(user, entries)| Some((user.to_string(), entries.get(PER_USER)?.path.clone())))
        .collect();
    assert_eq!(people.len(), report.users);
    let started = Instant::now();
    let genuine: Vec<_> = futures_util::stream::iter(people.iter())
        .map(|(user, probe)| {
            let riv = &riv;
            async move { (user.clone(), riv.auth(user, probe).await) }
        })
        .buffer_unordered(4)
        .collect()
        .await;
    let mut kinds: BTreeMap<String, usize> = BTreeMap::new();
    let mut not_verified = Vec::new();
    for (user, outcome) in &genuine {
        let (kind, reason) = verdict(outcome);
        let label = match reason {
            Some(reason) => format!("{kind} {reason}"),
            None => kind.to_string(),
        };
        *kinds.entry(label.clone()).or_default() += 1;
        if kind != OutcomeKind::Verified {
            not_verified.push(format!("{user}: {label}"));
        }
    }
    let verified = kinds.get("verified").copied().unwrap_or(0);
    let share = verified as f64 / genuine.len() as f64;
    println!(
        "verify: {verified}/{} probes verified ({:.1} %) in {:.1} s; {kinds:?}; not verified: {not_verified:?}",
        genuine.len(),
        share * 100.0,
        started.elapsed().as_secs_f64(),
    );
    assert!(
        share >= MIN_VERIFIED,
        "{:.1} % verified, under {:.0} %: {not_verified:?}",
        share * 100.0,
        MIN_VERIFIED * 100.0
    );

    // No one's photo opens another's account (among the people whose own
    // probe verified, so each claimed user exists).
    let enrolled: Vec<_> = people
        .iter()
        .filter(|(user, _)| {
            !not_verified
                .iter()
                .any(|n| n.starts_with(&format!("{user}:")))
        })
        .collect();
    let pairs = IMPOSTOR_PAIRS.min(enrolled.len().saturating_sub(1));
    for i in 0..pairs {
        let (owner, probe) = enrolled[i];
        let (claimed, _) = enrolled[(i + 1) % enrolled.len()];
        let o = riv.auth(claimed, probe).await;
        assert_eq!(
            verdict(&o),
            (OutcomeKind::Denied, Some(ReasonCode::FaceMismatch)),
            "{owner}'s photo claiming {claimed}: {o:?}"
        );
    }
    println!("impostors: {pairs} of {pairs} denied face_mismatch");
    riv.stop().await;
}
