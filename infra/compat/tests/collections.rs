//! Collections through the real Rekognition SDK client, on real photos:
//! create, index, search, list (paged), delete, and persistence across a
//! restart.
//!
//! Each test starts its own endpoint on 127.0.0.1:0 with a fresh data
//! directory and talks to it through the real `aws_sdk_rekognition::Client`.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;

use aws_sdk_rekognition::types::{Attribute, QualityFilter};
use support::endpoint::{Endpoint, image, inputs};

#[tokio::test(flavor = "multi_thread")]
async fn collections_index_search_list_delete_and_persist() {
    let Some((models, photos)) = inputs(&["obama.jpg", "obama2.jpg", "biden.jpg", "t1.jpg"]) else {
        return;
    };
    let [obama, obama2, biden, group] = <[Vec<u8>; 4]>::try_from(photos).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let endpoint = Endpoint::start(&models, dir.path()).await;
    let client = &endpoint.client;

    let created = client
        .create_collection()
        .collection_id("people")
        .send()
        .await
        .unwrap();
    assert_eq!(created.status_code(), Some(200));
    assert!(
        created
            .collection_arn()
            .unwrap()
            .ends_with(":collection/people")
    );
    assert!(created.face_model_version().is_some());
    let err = client
        .create_collection()
        .collection_id("people")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_already_exists_exception(), "{err:?}");
    let err = client
        .create_collection()
        .collection_id("bad/id")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_parameter_exception(), "{err:?}");

    let indexed = client
        .index_faces()
        .collection_id("people")
        .image(image(&obama))
        .external_image_id("obama")
        .max_faces(1)
        .quality_filter(QualityFilter::Auto)
        .detection_attributes(Attribute::Default)
        .send()
        .await
        .unwrap();
    assert_eq!(indexed.face_records().len(), 1, "{indexed:?}");
    let record = &indexed.face_records()[0];
    let face = record.face().unwrap();
    let obama_face_id = face.face_id().unwrap().to_owned();
    assert_eq!(face.external_image_id(), Some("obama"));
    assert!(face.image_id().is_some());
    assert!(record.face_detail().unwrap().bounding_box().is_some());

    let found = client
        .search_faces_by_image()
        .collection_id("people")
        .image(image(&obama2))
        .send()
        .await
        .unwrap();
    assert_eq!(found.face_matches().len(), 1, "{found:?}");
    let hit = &found.face_matches()[0];
    assert!(hit.similarity().unwrap() >= 80.0);
    assert_eq!(hit.face().unwrap().external_image_id(), Some("obama"));
    assert!(found.searched_face_bounding_box().is_some());
    assert!(found.searched_face_confidence().unwrap() > 90.0);

    let nobody = client
        .search_faces_by_image()
        .collection_id("people")
        .image(image(&biden))
        .face_match_threshold(80.0)
        .send()
        .await
        .unwrap();
    assert!(nobody.face_matches().is_empty(), "{nobody:?}");

    // Pagination over the group photo's six faces (and obama's).
    let group_indexed = client
        .index_faces()
        .collection_id("people")
        .image(image(&group))
        .external_image_id("group")
        .quality_filter(QualityFilter::None)
        .send()
        .await
        .unwrap();
    assert_eq!(group_indexed.face_records().len(), 6);
    let mut seen = Vec::new();
    let mut token: Option<String> = None;
    let mut pages = 0;
    loop {
        let page = client
            .list_faces()
            .collection_id("people")
            .max_results(3)
            .set_next_token(token.clone())
            .send()
            .await
            .unwrap();
        pages += 1;
        assert!(page.faces().len() <= 3);
        seen.extend(page.faces().iter().map(|f| f.face_id().unwrap().to_owned()));
        token = page.next_token().map(str::to_owned);
        if token.is_none() {
            break;
        }
    }
    assert_eq!(seen.len(), 7);
    assert_eq!(pages, 3);
    assert_eq!(seen[0], obama_face_id);
    let err = client
        .list_faces()
        .collection_id("people")
        .next_token("not-a-token")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_invalid_pagination_token_exception(), "{err:?}");

    // Persistence across a restart.
    endpoint.stop().await;
    let endpoint = Endpoint::start(&models, dir.path()).await;
    let client = &endpoint.client;
    let again = client
        .search_faces_by_image()
        .collection_id("people")
        .image(image(&obama2))
        .max_faces(1)
        .send()
        .await
        .unwrap();
    assert_eq!(
        again.face_matches()[0].face().unwrap().face_id(),
        Some(obama_face_id.as_str())
    );

    let deleted = client
        .delete_faces()
        .collection_id("people")
        .face_ids(&obama_face_id)
        .face_ids("11111111-1111-1111-1111-111111111111")
        .send()
        .await
        .unwrap();
    assert_eq!(
        deleted.deleted_faces(),
        std::slice::from_ref(&obama_face_id)
    );
    assert_eq!(deleted.unsuccessful_face_deletions().len(), 1);
    let gone = client
        .search_faces_by_image()
        .collection_id("people")
        .image(image(&obama2))
        .send()
        .await
        .unwrap();
    assert!(gone.face_matches().is_empty(), "{gone:?}");

    let dropped = client
        .delete_collection()
        .collection_id("people")
        .send()
        .await
        .unwrap();
    assert_eq!(dropped.status_code(), Some(200));
    let err = client
        .list_faces()
        .collection_id("people")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    let err = client
        .delete_collection()
        .collection_id("people")
        .send()
        .await
        .unwrap_err()
        .into_service_error();
    assert!(err.is_resource_not_found_exception(), "{err:?}");
    endpoint.stop().await;
}
