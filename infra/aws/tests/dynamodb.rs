#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! Profiles and idempotency records against DynamoDB as the moto server
//! emulates it on 127.0.0.1.

mod support;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::types::{
    AttributeDefinition, BillingMode, KeySchemaElement, KeyType, ScalarAttributeType,
};
use chrono::{DateTime, TimeZone, Utc};
use riv_aws::dynamodb::idempotency::DynamoIdempotency;
use riv_aws::dynamodb::profiles::DynamoProfiles;
use riv_consumers::ports::{
    Begin, Clock, CreateResult, IdempotencyKey, IdempotencyStore, Profile, ProfileStore,
};
use riv_events::{RequestId, Stage, UserId};

async fn table(key: &str) -> Option<(Client, String)> {
    let server = support::moto_server()?;
    let client = Client::new(&support::sdk_config(&server.endpoint).await);
    let name = support::unique_bucket("riv-table");
    client
        .create_table()
        .table_name(&name)
        .key_schema(
            KeySchemaElement::builder()
                .attribute_name(key)
                .key_type(KeyType::Hash)
                .build()
                .unwrap(),
        )
        .attribute_definitions(
            AttributeDefinition::builder()
                .attribute_name(key)
                .attribute_type(ScalarAttributeType::S)
                .build()
                .unwrap(),
        )
        .billing_mode(BillingMode::PayPerRequest)
        .send()
        .await
        .unwrap();
    Some((client, name))
}

fn profile(user: &str, request: &str, version: u64) -> Profile {
    let at = Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap();
    Profile {
        user_id: UserId::parse(user).unwrap(),
        properties: [("name".to_owned(), "Ana".to_owned())].into(),
        property_sources: [("name".to_owned(), riv_events::ValueSource::Mrz)].into(),
        faces: Vec::new(),
        created_by: RequestId::parse(request).unwrap(),
        created_at: at,
        updated_at: at,
        version,
    }
}

#[tokio::test]
async fn profiles_are_created_once_and_replaced_conditionally() {
    let Some((client, name)) = table("user_id").await else {
        return;
    };
    let store = DynamoProfiles::new(client, name);
    let user = UserId::parse("ana@example.org").unwrap();
    assert_eq!(store.get(&user).await.unwrap(), None);
    let first = profile("ana@example.org", "r1", 1);
    assert_eq!(store.create(&first).await.unwrap(), CreateResult::Created);
    assert_eq!(
        store.create(&first).await.unwrap(),
        CreateResult::AlreadyCreatedByThisRequest
    );
    assert_eq!(
        store
            .create(&profile("ana@example.org", "r2", 1))
            .await
            .unwrap(),
        CreateResult::Taken
    );
    assert_eq!(store.get(&user).await.unwrap(), Some(first.clone()));

    let mut next = first.clone();
    next.version = 2;
    next.properties.insert("city".into(), "Porto".into());
    assert!(store.replace(&next, 1).await.unwrap());
    // A writer that read version 1 too loses.
    assert!(!store.replace(&next, 1).await.unwrap());
    assert_eq!(store.get(&user).await.unwrap().unwrap().version, 2);

    // Only the creating request's rollback may delete it; anyone's admin delete may.
    store
        .delete(&user, Some(&RequestId::parse("r2").unwrap()))
        .await
        .unwrap();
    assert!(store.get(&user).await.unwrap().is_some());
    store
        .delete(&user, Some(&RequestId::parse("r1").unwrap()))
        .await
        .unwrap();
    assert!(store.get(&user).await.unwrap().is_none());
    store.delete(&user, None).await.unwrap();
}

struct ManualClock(Mutex<DateTime<Utc>>);

impl ManualClock {
    fn advance(&self, by: Duration) {
        let mut now = self.0.lock().unwrap();
        *now += chrono::Duration::from_std(by).unwrap();
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().unwrap()
    }
}

#[tokio::test]
async fn idempotency_records_follow_the_lease_and_first_completion_wins() {
    let Some((client, name)) = table("key").await else {
        return;
    };
    let clock = Arc::new(ManualClock(Mutex::new(Utc::now())));
    let store = DynamoIdempotency::new(client, name, clock.clone());
    let lease = Duration::from_secs(30);
    let key = IdempotencyKey {
        stage: Stage::Quality,
        input: "event-1".into(),
    };

    assert_eq!(store.begin(&key, lease).await.unwrap(), Begin::Started);
    assert_eq!(store.begin(&key, lease).await.unwrap(), Begin::InProgress);
    // The first worker dies; its lease runs out; another takes over.
    clock.advance(Duration::from_secs(31));
    assert_eq!(store.begin(&key, lease).await.unwrap(), Begin::Started);
    assert_eq!(store.complete(&key, b"outputs").await.unwrap(), b"outputs");
    assert_eq!(
        store.begin(&key, lease).await.unwrap(),
        Begin::Completed(b"outputs".to_vec())
    );
    // The first worker comes back late: the first completion stands.
    assert_eq!(store.complete(&key, b"late").await.unwrap(), b"outputs");
    // Release touches only in-progress records.
    store.release(&key).await.unwrap();
    assert!(matches!(
        store.begin(&key, lease).await.unwrap(),
        Begin::Completed(_)
    ));

    let other = IdempotencyKey {
        stage: Stage::Index,
        input: "event-1".into(),
    };
    assert_eq!(store.begin(&other, lease).await.unwrap(), Begin::Started);
    store.release(&other).await.unwrap();
    assert_eq!(store.begin(&other, lease).await.unwrap(), Begin::Started);

    // Completed records expire with their TTL.
    let short = IdempotencyKey {
        stage: Stage::Rollback,
        input: "event-2".into(),
    };
    let store = store.with_ttl(Duration::from_secs(60));
    assert_eq!(store.begin(&short, lease).await.unwrap(), Begin::Started);
    store.complete(&short, b"done").await.unwrap();
    clock.advance(Duration::from_secs(120));
    assert_eq!(store.begin(&short, lease).await.unwrap(), Begin::Started);
}
