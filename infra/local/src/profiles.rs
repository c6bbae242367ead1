//! User profiles in the [`Db`]: the profile as JSON, beside the columns the
//! conditional writes test (`version`, `created_by`). Error contexts never
//! name the user: a user id may be an e-mail address.

use async_trait::async_trait;
use riv_consumers::PortError;
use riv_consumers::ports::{CreateResult, Profile, ProfileStore};
use riv_events::{RequestId, UserId};
use rusqlite::{OptionalExtension, TransactionBehavior, params};

use crate::db::{Db, DbError, to_i64, to_u64};

/// [`ProfileStore`] over the local database.
#[derive(Debug, Clone)]
pub struct SqliteProfiles {
    /// Where the profiles live.
    db: Db,
}

impl SqliteProfiles {
    /// Profiles in `db`.
    pub fn new(db: Db) -> Self {
        Self { db }
    }

    /// Up to `limit` user ids after `after` (exclusive), in order: a page of
    /// a scan, for admin tools and backfills.
    pub async fn list(&self, limit: usize, after: Option<&UserId>) -> Result<Vec<UserId>, DbError> {
        let after = after.map(|user| user.as_str().to_owned());
        let limit = to_i64(u64::try_from(limit).unwrap_or(u64::MAX), "limit")?;
        self.db
            .call(move |conn| {
                let mut stmt = conn.prepare(
                    "SELECT user_id FROM profiles WHERE ?1 IS NULL OR user_id > ?1
                     ORDER BY user_id LIMIT ?2",
                )?;
                let ids = stmt
                    .query_map(params![after, limit], |row| row.get::<_, String>(0))?
                    .collect::<Result<Vec<_>, _>>()?;
                ids.into_iter()
                    .map(|id| UserId::parse(id).map_err(|e| DbError::Invalid(e.to_string())))
                    .collect()
            })
            .await
    }

    /// How many profiles there are.
    pub async fn count(&self) -> Result<u64, DbError> {
        self.db
            .call(|conn| {
                let n: i64 =
                    conn.query_row("SELECT COUNT(*) FROM profiles", [], |row| row.get(0))?;
                to_u64(n, "count")
            })
            .await
    }
}

/// The columns of a profile as stored.
fn columns(profile: &Profile) -> Result<(String, i64, String, String), DbError> {
    Ok((
        profile.user_id.as_str().to_owned(),
        to_i64(profile.version, "profile version")?,
        profile.created_by.as_str().to_owned(),
        serde_json::to_string(profile)?,
    ))
}

#[async_trait]
impl ProfileStore for SqliteProfiles {
    async fn get(&self, user: &UserId) -> Result<Option<Profile>, PortError> {
        let id = user.as_str().to_owned();
        let context = "reading a profile".to_owned();
        self.db
            .call(move |conn| {
                let body: Option<String> = conn
                    .query_row(
                        "SELECT body FROM profiles WHERE user_id = ?1",
                        [id],
                        |row| row.get(0),
                    )
                    .optional()?;
                Ok(body.map(|body| serde_json::from_str(&body)).transpose()?)
            })
            .await
            .map_err(|e| e.into_port(context))
    }

    async fn create(&self, profile: &Profile) -> Result<CreateResult, PortError> {
        let context = "creating a profile".to_owned();
        let row = columns(profile).map_err(|e| e.into_port(context.clone()))?;
        self.db
            .call(move |conn| {
                let (user_id, version, created_by, body) = row;
                let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
                let inserted = tx.execute(
                    "INSERT INTO profiles (user_id, version, created_by, body)
                     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (user_id) DO NOTHING",
                    params![user_id, version, created_by, body],
                )? == 1;
                let result = if inserted {
                    CreateResult::Created
                } else {
                    let owner: String = tx.query_row(
                        "SELECT created_by FROM profiles WHERE user_id = ?1",
                        [&user_id],
                        |row| row.get(0),
                    )?;
                    if owner == created_by {
                        CreateResult::AlreadyCreatedByThisRequest
                    } else {
                        CreateResult::Taken
                    }
                };
                tx.commit()?;
                Ok(result)
            })
            .await
            .map_err(|e| e.into_port(context))
    }

    async fn replace(&self, profile: &Profile, expected_version: u64) -> Result<bool, PortError> {
        let context = "replacing a profile".to_owned();
        let row = columns(profile).map_err(|e| e.into_port(context.clone()))?;
        let expected = to_i64(expected_version, "expected version")
            .map_err(|e| e.into_port(context.clone()))?;
        self.db
            .call(move |conn| {
                let (user_id, version, created_by, body) = row;
                let changed = conn.execute(
                    "UPDATE profiles SET version = ?2, created_by = ?3, body = ?4
                     WHERE user_id = ?1 AND version = ?5",
                    params![user_id, version, created_by, body, expected],
                )?;
                Ok(changed == 1)
            })
            .await
            .map_err(|e| e.into_port(context))
    }

    async fn delete(&self, user: &UserId, created_by: Option<&RequestId>) -> Result<(), PortError> {
        let id = user.as_str().to_owned();
        let created_by = created_by.map(|request| request.as_str().to_owned());
        let context = "deleting a profile".to_owned();
        self.db
            .call(move |conn| {
                conn.execute(
                    "DELETE FROM profiles WHERE user_id = ?1 AND (?2 IS NULL OR created_by = ?2)",
                    params![id, created_by],
                )?;
                Ok(())
            })
            .await
            .map_err(|e| e.into_port(context))
    }
}
