//! Logging in and out, with lockout after repeated failures.

use std::sync::OnceLock;

use jiff::{SignedDuration, Timestamp};
use safecare_model::{Preferences, Session, User};
use safecare_store::AccountStore;
use serde::{Deserialize, Serialize};

use super::secret::{hash_password, random_token, token_hash, verify_password};

/// When repeated failures lock an account, and for how long.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Lockout {
    /// Consecutive failures that lock the account.
    pub after_failures: u32,
    /// First lock, in seconds; each further failure doubles it.
    pub initial_seconds: u64,
    /// The longest lock, in seconds.
    pub max_seconds: u64,
}

impl Default for Lockout {
    fn default() -> Self {
        Lockout { after_failures: 5, initial_seconds: 60, max_seconds: 3600 }
    }
}

impl Lockout {
    fn duration(&self, failures: u32) -> SignedDuration {
        let doublings = failures.saturating_sub(self.after_failures).min(20);
        let secs = self.initial_seconds.saturating_mul(1 << doublings).min(self.max_seconds);
        SignedDuration::from_secs(i64::try_from(secs).unwrap_or(i64::MAX))
    }
}

/// Why a login failed.
#[derive(Debug, thiserror::Error)]
pub enum LoginError {
    /// Unknown user, wrong password or disabled account: deliberately one
    /// answer, so the login form does not reveal which accounts exist.
    #[error("invalid username or password")]
    Invalid,
    /// The account is locked after too many failures, until the given time.
    #[error("too many failed attempts; try again after {0}")]
    Locked(Timestamp),
    /// This address made too many attempts lately.
    #[error("too many login attempts from this address; wait a minute")]
    Throttled,
    /// The account store failed.
    #[error("account storage unavailable: {0}")]
    Store(#[from] safecare_store::StoreError),
    /// No randomness for a session token.
    #[error("cannot create a session: {0}")]
    Random(#[from] getrandom::Error),
}

/// Checks the password and opens a session. Returns the session and the
/// cookie secret (only its hash is stored).
pub async fn login(
    accounts: &dyn AccountStore,
    lockout: &Lockout,
    session_lifetime: SignedDuration,
    username: &str,
    password: &str,
) -> Result<(Session, String), LoginError> {
    let now = Timestamp::now();
    let user = check_credentials(accounts, lockout, username, password).await?;
    let secret = random_token(32)?;
    let session = Session {
        token_hash: token_hash(&secret),
        user: user.name.clone(),
        role: user.role,
        csrf: random_token(16)?,
        created: now,
        expires: now + session_lifetime,
        preferences: user.preferences.clone(),
    };
    accounts.put_session(session.clone()).await?;
    Ok((session, secret))
}

/// Checks a user's password under the lockout rules, as every password
/// check must (the login, a re-identification approver): a failure counts
/// towards the lock, a locked account is refused before its password is
/// looked at, and unknown, wrong and disabled get one answer.
pub async fn check_credentials(
    accounts: &dyn AccountStore,
    lockout: &Lockout,
    username: &str,
    password: &str,
) -> Result<User, LoginError> {
    let now = Timestamp::now();
    let Some(mut user) = accounts.get_user(username).await? else {
        // Spend the same time as a real check so timing does not reveal
        // which names exist.
        verify_password(password, dummy_hash());
        return Err(LoginError::Invalid);
    };
    if let Some(until) = user.locked_until.filter(|until| *until > now) {
        return Err(LoginError::Locked(until));
    }
    if user.disabled || !verify_password(password, &user.password_hash) {
        record_failure(accounts, lockout, &mut user, now).await?;
        return Err(LoginError::Invalid);
    }
    if user.failed_logins > 0 || user.locked_until.is_some() {
        user.failed_logins = 0;
        user.locked_until = None;
        accounts.put_user(user.clone()).await?;
    }
    Ok(user)
}

async fn record_failure(
    accounts: &dyn AccountStore,
    lockout: &Lockout,
    user: &mut User,
    now: Timestamp,
) -> Result<(), LoginError> {
    user.failed_logins = user.failed_logins.saturating_add(1);
    if user.failed_logins >= lockout.after_failures {
        user.locked_until = Some(now + lockout.duration(user.failed_logins));
        tracing::warn!(user = %user.name, failures = user.failed_logins, "account locked after failed logins");
    }
    accounts.put_user(user.clone()).await?;
    Ok(())
}

/// Ends the session whose cookie secret is given.
pub async fn logout(accounts: &dyn AccountStore, cookie_secret: &str) -> Result<(), safecare_store::StoreError> {
    accounts.delete_session(&token_hash(cookie_secret)).await
}

/// Stores a person's display choices on their record and on the session
/// whose cookie secret is given, so that the very next page follows them
/// (other sessions take them at their next login). `None` when the user
/// does not exist.
pub async fn set_preferences(
    accounts: &dyn AccountStore,
    user: &str,
    cookie_secret: Option<&str>,
    preferences: Preferences,
) -> Result<Option<User>, safecare_store::StoreError> {
    let Some(mut record) = accounts.get_user(user).await? else {
        return Ok(None);
    };
    record.preferences = preferences.clone();
    accounts.put_user(record.clone()).await?;
    if let Some(secret) = cookie_secret
        && let Some(mut session) = accounts.get_session(&token_hash(secret)).await?
        && session.user == user
    {
        session.preferences = preferences;
        accounts.put_session(session).await?;
    }
    Ok(Some(record))
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_password("no such user").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_doubles_from_the_threshold_and_is_capped() {
        let lockout = Lockout::default();
        assert_eq!(lockout.duration(5), SignedDuration::from_secs(60));
        assert_eq!(lockout.duration(6), SignedDuration::from_secs(120));
        assert_eq!(lockout.duration(8), SignedDuration::from_secs(480));
        assert_eq!(lockout.duration(40), SignedDuration::from_secs(3600));
    }
}
