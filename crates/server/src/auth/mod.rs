//! Who is calling and what they may do: passwords, sessions, API tokens,
//! roles and the permission matrix every route is checked against.

mod credentials;
mod middleware;
mod permission;
mod rate_limit;
mod secret;
mod separation;
mod throttle;

pub use credentials::{Lockout, LoginError, check_credentials, login, logout, set_preferences};
pub use middleware::{Principal, authenticate, authorize, authorize_page, session_secret};
pub use permission::{Access, Permission};
pub use rate_limit::{Caller, RateLimits, RequestLimits, limit_rate};
pub use secret::{hash_password, new_api_token, verify_password};
pub use separation::{Grant, RefusedPermission, audit_refused_reidentification, check_grant};
pub use throttle::LoginThrottle;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "safecare_session";
/// Header carrying the session's CSRF token on requests that change state.
pub const CSRF_HEADER: &str = "x-csrf-token";
