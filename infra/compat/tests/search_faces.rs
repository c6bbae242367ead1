//! SearchFaces through the real Rekognition SDK client, on real photos: a
//! stored face searched against the rest of its collection.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use aws_sdk_rekognition::Client;
use aws_sdk_rekognition::types::QualityFilter;
use support::endpoint::{Endpoint, image, inputs};

async fn index(client: &Client, bytes: &[u8], label: &str) -> String {
    let indexed = client
        .index_faces()
        .collection_id("people")
        .image(image(bytes))
        .external_image_id(label)
        .max_faces(1)
        .quality_filter(QualityFilter::None)
        .send()
        .await
        .unwrap();
    assert_eq!(indexed.face_records().len(), 1, "{indexed:?}");
    indexed.face_records()[0]
        .face()
        .unwrap()
        .face_id()
        .unwrap()
        .to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn search_faces_finds_the_same_person_and_never_the_face_itself() {
    let Some((models, photos)) = inputs(&["obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg"])
    else {
        return;
    };
    let [obama, obama2, obama3, biden] = <[Vec<u8>; 4]>::try_from(photos).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let endpoint = Endpoint::start(&models, dir.path()).await;
    let client = &endpoint.client;
    client
        .create_collection()
        .collection_id("people")
        .send()
        .await
        .unwrap();
    let first = index(client, &obama, "obama").await;
    let second = index(client, &obama2, "obama2").await;
    let third = index(client, &obama3, "obama3").await;
    let other = index(client, &biden, "biden").await;

    let found = client
        .search_faces()
        .collection_id("people")
        .face_id(&first)
        .face_match_threshold(80.0)
        .send()
        .await
        .unwrap();
    assert_eq!(found.searched_face_id(), Some(first.as_str()));
    assert!(found.face_model_version().is_some());
    let ids: Vec<&str> = found
        .face_matches()
        .iter()
        .map(|m| m.face().unwrap().face_id().unwrap())
        .collect();
    assert!(!ids.contains(&first.as_str()), "never itself: {found:?}");
    assert!(!ids.contains(&other.as_str()), "not biden: {found:?}");
    let mut sorted = ids.clone();
    sorted.sort_unstable();
    let mut want = vec![second.as_str(), third.as_str()];
    want.sort_unstable();
    assert_eq!(sorted, want, "{found:?}");
    let similarities: Vec<f32> = found
        .face_matches()
        .iter()
        .map(|m| m.similarity().unwrap())
        .collect();
    assert!(similarities.windows(2).all(|w| w[0] >= w[1]), "best first");
    assert!(similarities.iter().all(|s| *s >= 80.0));
    let labels: Vec<&str> = found
        .face_matches()
        .iter()
        .map(|m| m.face().unwrap().external_image_id().unwrap())
        .collect();
    assert!(labels.iter().all(|l| l.starts_with("obama")), "{labels:?}");

    // MaxFaces keeps the best; a threshold of 0 lets biden in, itself never.
    let one = client
        .search_faces()
        .collection_id("people")
        .face_id(&first)
        .max_faces(1)
        .send()
        .await
        .unwrap();
    assert_eq!(one.face_matches().len(), 1);
    assert_eq!(
        one.face_matches()[0].similarity(),
        Some(similarities[0]),
        "{one:?}"
    );
    let everyone = client
        .search_faces()
        .collection_id("people")
        .face_id(&first)
        .face_match_threshold(0.0)
        .send()
        .await
        .unwrap();
    assert_eq!(everyone.face_matches().len(), 3, "{everyone:?}");

    // A deleted face, a face id never issued and a malformed one are
    // InvalidParameterException; an unknown collection ResourceNotFound.
    client
        .delete_faces()
        .collection_id("people")
        .face_ids(&third)
        .send()
        .await
        .unwrap();
    for face in [
        third.as_str(),
        "11111111-1111-1111-1111-111111111111",
        "not-a-face-id",
    ] {
        let err = client
            .search_faces()
            .collection_id("people")
            .face_id(face)
            .send()
            .await
            .unwrap_err()
            .into_service_error();
        assert!(err.is_invalid_parameter_exception(), "{face}: {err:?}");
    }
    let err = client
        .search_faces()
        .collection_id("nobody")
        .face_id(&first)
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    let remaining = client
        .search_faces()
        .collection_id("people")
        .face_id(&first)
        .send()
        .await
        .unwrap();
    let ids: Vec<&str> = remaining
        .face_matches()
        .iter()
        .map(|m| m.face().unwrap().face_id().unwrap())
        .collect();
    assert_eq!(ids, [second.as_str()], "the deleted face is gone");
    endpoint.stop().await;
}
