//! Two registrations of one face under two user ids at once: exactly one
//! wins; the other fails `duplicate_face` and its face is rolled back.

use std::path::PathBuf;
use std::time::Duration;

use riv_client::backfill::read_source;
use riv_events::{OutcomeKind, ReasonCode, UserId};
use riv_tests::inputs::{extra_testdata, require_models, require_photos};
use riv_tests::riv::{TestRiv, config, verdict};

/// LFW people raced with two of their photos, when the shared data is there.
const LFW_PEOPLE: usize = 3;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_registrations_of_one_face_leave_one_user() {
    let Some(models) = require_models() else {
        return;
    };
    let Some([obama, obama2, biden]) = require_photos(["obama.jpg", "obama2.jpg", "biden.jpg"])
    else {
        return;
    };
    let mut rounds: Vec<(String, PathBuf, PathBuf)> = vec![
        ("obama".into(), obama, obama2),
        ("biden".into(), biden.clone(), biden),
    ];
    if let Some(gallery) = extra_testdata("lfw-dev-mini/gallery_20x5.tsv") {
        let gallery = read_source(&gallery).unwrap();
        for (person, entries) in gallery.users.iter().take(LFW_PEOPLE) {
            rounds.push((
                person.to_string(),
                entries[0].path.clone(),
                entries[1].path.clone(),
            ));
        }
    }

    let dir = tempfile::tempdir().unwrap();
    let mut config = config(dir.path(), &models);
    config.file.queues.workers_per_stage = 2;
    let riv = TestRiv::start(config).await;
    let mut raced_past_search = 0;
    for (round, (person, a, b)) in rounds.iter().enumerate() {
        let (ua, ub) = (format!("race{round}-a"), format!("race{round}-b"));
        let (oa, ob) = tokio::join!(riv.register(&ua, a), riv.register(&ub, b));
        let verdicts = [verdict(&oa), verdict(&ob)];
        let winners: Vec<_> = verdicts
            .iter()
            .filter(|v| **v == (OutcomeKind::Registered, None))
            .collect();
        let losers: Vec<_> = verdicts
            .iter()
            .filter(|v| **v == (OutcomeKind::Failed, Some(ReasonCode::DuplicateFace)))
            .collect();
        assert_eq!(
            (winners.len(), losers.len()),
            (1, 1),
            "round {round} ({person}): {verdicts:?}\n{oa:?}\n{ob:?}"
        );
        // A loser that got as far as indexing lost the race there.
        let loser = if verdicts[0].0 == OutcomeKind::Failed {
            &oa
        } else {
            &ob
        };
        if loser.outcome().findings.indexed.is_some() {
            raced_past_search += 1;
        }
        riv.wait_drained("rollback", Duration::from_secs(30)).await;
        assert_eq!(
            riv.face_count(),
            round + 1,
            "round {round} ({person}): one face per round after the rollback"
        );
        let (winner_id, loser_id) = if verdicts[0].0 == OutcomeKind::Registered {
            (&ua, &ub)
        } else {
            (&ub, &ua)
        };
        let loser_id = UserId::parse(loser_id.as_str()).unwrap();
        assert!(riv.client.get_user(&loser_id).await.unwrap().is_none());
        let winner_id = UserId::parse(winner_id.as_str()).unwrap();
        let winner = riv.client.get_user(&winner_id).await.unwrap().unwrap();
        assert_eq!(winner.faces.len(), 1);
    }
    eprintln!(
        "{} rounds; in {raced_past_search} both passed the duplicate search and the index settled it",
        rounds.len()
    );
    riv.stop().await;
}
