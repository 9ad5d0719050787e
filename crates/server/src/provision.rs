//! Creating accounts outside the API: the first admin of a new
//! installation, users from the command line, and tokens for sensors and
//! scripts.

use jiff::Timestamp;
use safecare_i18n::{InvalidTimeZone, time_zone};
use safecare_model::{ApiToken, Language, Preferences, Role, User};
use safecare_store::AccountStore;

use crate::auth::{hash_password, new_api_token};

/// The shortest password accepted.
pub const MIN_PASSWORD_LEN: usize = 12;

/// Why an account could not be provisioned.
#[derive(Debug, thiserror::Error)]
pub enum ProvisionError {
    /// The password is shorter than [`MIN_PASSWORD_LEN`].
    #[error("password too short: at least {MIN_PASSWORD_LEN} characters")]
    ShortPassword,
    /// A user of that name exists already.
    #[error("user {0} already exists")]
    Exists(String),
    /// No user has that name.
    #[error("no user {0}")]
    NoSuchUser(String),
    /// Password hashing failed.
    #[error("cannot hash the password: {0}")]
    Hash(#[source] argon2::password_hash::Error),
    /// No randomness for a token.
    #[error("cannot draw a random token: {0}")]
    Random(#[from] getrandom::Error),
    /// The time zone is not an IANA name the time zone database knows.
    #[error(transparent)]
    TimeZone(#[from] InvalidTimeZone),
    /// The account store failed.
    #[error(transparent)]
    Store(#[from] safecare_store::StoreError),
}

/// Checks a new password's length and hashes it.
pub(crate) fn password_hash(password: &str) -> Result<String, ProvisionError> {
    if password.chars().count() < MIN_PASSWORD_LEN {
        return Err(ProvisionError::ShortPassword);
    }
    hash_password(password).map_err(ProvisionError::Hash)
}

/// Adds a user; refuses an existing name.
pub async fn add_user(
    accounts: &dyn AccountStore,
    name: &str,
    role: Role,
    password: &str,
) -> Result<(), ProvisionError> {
    if accounts.get_user(name).await?.is_some() {
        return Err(ProvisionError::Exists(name.to_owned()));
    }
    let user = User {
        name: name.to_owned(),
        role,
        password_hash: password_hash(password)?,
        disabled: false,
        failed_logins: 0,
        locked_until: None,
        created: Timestamp::now(),
        preferences: Default::default(),
    };
    Ok(accounts.put_user(user).await?)
}

/// Sets a new password, lifts any lockout and ends the user's sessions.
pub async fn set_password(accounts: &dyn AccountStore, name: &str, password: &str) -> Result<(), ProvisionError> {
    let mut user = accounts.get_user(name).await?.ok_or_else(|| ProvisionError::NoSuchUser(name.to_owned()))?;
    user.password_hash = password_hash(password)?;
    user.failed_logins = 0;
    user.locked_until = None;
    accounts.put_user(user).await?;
    Ok(accounts.delete_sessions_of(name).await?)
}

/// Checks a time zone name before anything is stored.
pub fn check_time_zone(name: &str) -> Result<(), ProvisionError> {
    time_zone(name).map(drop).map_err(ProvisionError::from)
}

/// Changes a user's language, time zone or both (the fields given); their
/// open sessions keep the old choices until they log in again. Returns the
/// choices as stored.
pub async fn set_preferences(
    accounts: &dyn AccountStore,
    name: &str,
    language: Option<Language>,
    zone: Option<&str>,
) -> Result<Preferences, ProvisionError> {
    let mut user = accounts.get_user(name).await?.ok_or_else(|| ProvisionError::NoSuchUser(name.to_owned()))?;
    if let Some(zone) = zone {
        time_zone(zone)?;
        user.preferences.time_zone = Some(zone.to_owned());
    }
    if let Some(language) = language {
        user.preferences.language = Some(language);
    }
    let preferences = user.preferences.clone();
    accounts.put_user(user).await?;
    Ok(preferences)
}

/// Disables a user and ends their sessions.
pub async fn disable_user(accounts: &dyn AccountStore, name: &str) -> Result<(), ProvisionError> {
    let mut user = accounts.get_user(name).await?.ok_or_else(|| ProvisionError::NoSuchUser(name.to_owned()))?;
    user.disabled = true;
    accounts.put_user(user).await?;
    Ok(accounts.delete_sessions_of(name).await?)
}

/// Issues an API token and returns its bearer string (shown once).
pub async fn issue_token(
    accounts: &dyn AccountStore,
    name: &str,
    role: Role,
    source: Option<&str>,
    owner: &str,
) -> Result<String, ProvisionError> {
    let (id, bearer, hash) = new_api_token()?;
    let token = ApiToken {
        id,
        name: name.to_owned(),
        token_hash: hash,
        role,
        owner: owner.to_owned(),
        source: source.map(str::to_owned),
        created: Timestamp::now(),
        expires: None,
        revoked: false,
    };
    accounts.put_api_token(token).await?;
    Ok(bearer)
}
