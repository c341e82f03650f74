//! The second step of signing in (decision 0018): a code from an authenticator app (TOTP,
//! RFC 6238: SHA-1, six digits, 30-second steps, one step of drift either way), or one of ten
//! single-use recovery codes. Where the deployment requires it, admins and coordinators cannot
//! sign in, hold a session or get an API token until they have enrolled.

use pacesetter_domain::{Role, Scope, Timestamp, UserId, audit::sha256_hex, password::constant_time_eq, user::User};
use pacesetter_store::{
    grants, second_factor as store,
    second_factor::{Purpose, TotpSecret},
    sessions, tokens,
};
use rand::Rng;
use totp_rs::{Algorithm, Secret, TOTP};

use super::{NewSession, open_session, random_token};
use crate::{Actor, App, AppError, Origin, Result, audit};

pub const STEP_SECS: i64 = 30;
const DIGITS: usize = 6;
const SECRET_BYTES: usize = 20;
const ISSUER: &str = "Pacesetter";
const RECOVERY_CODES: usize = 10;
const RECOVERY_CODE_CHARS: usize = 10;
/// Letters and digits that cannot be mistaken for one another when copied from paper.
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
/// Wrong codes in one time step before the account's codes are refused until the next step.
pub const FAILURES_PER_STEP: i64 = 5;
/// A sign-in waits this long for its second step.
const CHALLENGE_SECS: i64 = 10 * 60;
/// Wrong codes a waiting sign-in takes before it must start again with the password.
const CHALLENGE_FAILURES: i64 = 5;

/// Whether a scope holds a role that must use a second factor where the deployment requires it.
pub fn is_privileged(scope: &Scope) -> bool {
    scope.grants.iter().any(|grant| matches!(grant.role, Role::Admin | Role::Coordinator))
}

/// A secret being set up: what the authenticator app is given, as text and as an address.
#[derive(Debug, Clone)]
pub struct Enrolment {
    /// Base32 in groups of four, for typing in by hand.
    pub secret: String,
    /// The `otpauth://` address a QR code carries.
    pub uri: String,
}

/// An account's second factor as its owner sees it.
#[derive(Debug, Clone)]
pub struct Status {
    pub enrolled: bool,
    /// An enrolment begun and not yet confirmed with a code.
    pub pending: Option<Enrolment>,
    pub recovery_codes_left: i64,
    /// The deployment requires this account to use a second factor.
    pub required: bool,
}

fn totp(secret: &str, label: &str) -> Result<TOTP> {
    let bytes = Secret::Encoded(secret.to_owned())
        .to_bytes()
        .map_err(|_| AppError::Internal("a stored TOTP secret is not base32".into()))?;
    // The otpauth label separates issuer and account with a colon.
    TOTP::new(Algorithm::SHA1, DIGITS, 1, STEP_SECS as u64, bytes, Some(ISSUER.into()), label.replace(':', "_"))
        .map_err(|error| AppError::Internal(format!("TOTP parameters: {error}")))
}

fn step_of(at: Timestamp) -> i64 {
    at.datetime().unix_timestamp().div_euclid(STEP_SECS)
}

/// The code an authenticator app shows for `secret` at `at` (for tests and scripts).
pub fn code_at(secret: &str, at: Timestamp) -> Option<String> {
    let unix = u64::try_from(at.datetime().unix_timestamp()).ok()?;
    totp(secret, "").ok().map(|totp| totp.generate(unix))
}

fn new_secret() -> String {
    let mut bytes = vec![0u8; SECRET_BYTES];
    rand::rng().fill(bytes.as_mut_slice());
    Secret::Raw(bytes).to_encoded().to_string()
}

fn enrolment(secret: &str, username: &str) -> Result<Enrolment> {
    let grouped = secret.as_bytes().chunks(4).map(|chunk| String::from_utf8_lossy(chunk)).collect::<Vec<_>>();
    Ok(Enrolment { secret: grouped.join(" "), uri: totp(secret, username)?.get_url() })
}

/// Ten fresh recovery codes, and their hashes for the database.
fn new_recovery_codes() -> (Vec<String>, Vec<String>) {
    let mut rng = rand::rng();
    let codes: Vec<String> = (0..RECOVERY_CODES)
        .map(|_| {
            let code: String = (0..RECOVERY_CODE_CHARS)
                .map(|_| RECOVERY_ALPHABET[rng.random_range(0..RECOVERY_ALPHABET.len())] as char)
                .collect();
            format!("{}-{}", &code[..5], &code[5..])
        })
        .collect();
    let hashes = codes.iter().map(|code| sha256_hex(normalised(code).as_bytes())).collect();
    (codes, hashes)
}

/// A code as typed: spaces and hyphens dropped, letters in lower case.
fn normalised(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_lowercase).collect()
}

/// How a code was accepted, for the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Totp,
    RecoveryCode,
}

/// Which codes a check takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Accept {
    /// The proved secret's codes, or a recovery code.
    Any,
    /// Only a code of the secret being enrolled.
    Pending,
}

/// Checks a code for an account and records the outcome in its own transaction: an accepted
/// code's step (a code is good once), a spent recovery code, or a failure towards the lock.
async fn check_code(app: &App, user: &User, code: &str, accept: Accept, origin: &Origin) -> Result<Method> {
    let now = app.clock.now();
    let step = step_of(now);
    let mut tx = app.store.write().await?;
    let secret = store::secret(&mut tx, user.id).await?;
    let secret = match (secret, accept) {
        (Some(secret), Accept::Any) if secret.confirmed_at.is_some() => secret,
        (Some(secret), Accept::Pending) if secret.confirmed_at.is_none() => secret,
        (_, Accept::Any) => return Err(AppError::Conflict("second_factor_not_enrolled")),
        (_, Accept::Pending) => return Err(AppError::Conflict("no_enrolment_begun")),
    };
    if secret.failed_step == step && secret.failures >= FAILURES_PER_STEP {
        let next = (step + 1) * STEP_SECS - now.datetime().unix_timestamp();
        return Err(AppError::RateLimited { retry_after_secs: next.max(1) });
    }
    let method = matched(&mut tx, user.id, &secret, &normalised(code), step, accept, now).await?;
    match method {
        Some(method) => {
            tx.commit().await?;
            Ok(method)
        }
        None => {
            let failures = if secret.failed_step == step { secret.failures + 1 } else { 1 };
            store::set_failures(&mut tx, user.id, step, failures).await?;
            let who = audit::Who { id: Some(user.id.0), name: &user.username, origin };
            audit::record::<(), ()>(&mut tx, who, "auth.second_factor_failed", ("user", Some(user.id.0)), None, None)
                .await?;
            tx.commit().await?;
            Err(AppError::BadSecondFactor)
        }
    }
}

/// The way `code` is good for the account now, recording its use; `None` when it is not.
async fn matched(
    tx: &mut pacesetter_store::Conn,
    user: UserId,
    secret: &TotpSecret,
    code: &str,
    step: i64,
    accept: Accept,
    now: Timestamp,
) -> Result<Option<Method>> {
    if code.len() == DIGITS && code.bytes().all(|b| b.is_ascii_digit()) {
        let totp = totp(&secret.secret, "")?;
        for candidate in (step - 1)..=(step + 1) {
            let Ok(unix) = u64::try_from(candidate * STEP_SECS) else { continue };
            if candidate > secret.last_step && constant_time_eq(totp.generate(unix).as_bytes(), code.as_bytes()) {
                if accept == Accept::Pending {
                    store::confirm(tx, user, candidate, now).await?;
                } else {
                    store::accept_step(tx, user, candidate).await?;
                }
                return Ok(Some(Method::Totp));
            }
        }
        return Ok(None);
    }
    if accept == Accept::Any
        && code.len() == RECOVERY_CODE_CHARS
        && store::spend_recovery_code(tx, user, &sha256_hex(code.as_bytes()), now).await?
    {
        return Ok(Some(Method::RecoveryCode));
    }
    Ok(None)
}

/// The second step an account must take after its password, if any.
pub(super) async fn required_step(app: &App, user: &User) -> Result<Option<Purpose>> {
    let mut conn = app.store.read().await?;
    if store::is_enrolled(&mut conn, user.id).await? {
        return Ok(Some(Purpose::Verify));
    }
    if app.settings.second_factor_required && is_privileged(&Scope::new(grants::scope_of(&mut conn, user.id).await?)) {
        return Ok(Some(Purpose::Enrol));
    }
    Ok(None)
}

/// Refuses an account the deployment requires to enrol and that has not: its sessions and
/// tokens from before the requirement stop working.
pub(super) async fn check_enrolled(app: &App, conn: &mut pacesetter_store::Conn, actor: &Actor) -> Result<()> {
    if app.settings.second_factor_required
        && is_privileged(&actor.scope)
        && !store::is_enrolled(conn, actor.user.id).await?
    {
        return Err(AppError::SecondFactorEnrolmentRequired);
    }
    Ok(())
}

/// Opens a waiting sign-in after a right password; an enrolment it requires is begun.
pub(super) async fn open_challenge(app: &App, user: &User, purpose: Purpose) -> Result<String> {
    let now = app.clock.now();
    let token = random_token();
    let mut tx = app.store.write().await?;
    if purpose == Purpose::Enrol {
        store::begin(&mut tx, user.id, &new_secret(), now).await?;
    }
    let expires = now.plus_seconds(CHALLENGE_SECS);
    store::insert_challenge(&mut tx, &sha256_hex(token.as_bytes()), user.id, purpose, now, expires).await?;
    tx.commit().await?;
    Ok(token)
}

/// The account a waiting sign-in is for (its code page names it); `sign_in_expired` when the
/// sign-in is unknown, old, spent or for another step.
pub async fn waiting(app: &App, token: &str, purpose: Purpose) -> Result<User> {
    let mut conn = app.store.read().await?;
    let challenge = store::challenge(&mut conn, &sha256_hex(token.as_bytes())).await?;
    let challenge = challenge
        .filter(|c| c.purpose == purpose && c.expires_at > app.clock.now() && c.failures < CHALLENGE_FAILURES)
        .ok_or(AppError::SignInExpired)?;
    let user = pacesetter_store::users::get(&mut conn, challenge.user_id).await.map_err(|_| AppError::SignInExpired)?;
    if user.disabled_at.is_some() {
        return Err(AppError::SignInExpired);
    }
    Ok(user)
}

/// Counts a wrong code against a waiting sign-in (the fifth ends it).
async fn count_challenge_failure(app: &App, token: &str) -> Result<()> {
    let mut tx = app.store.write().await?;
    store::count_challenge_failure(&mut tx, &sha256_hex(token.as_bytes())).await?;
    tx.commit().await?;
    Ok(())
}

/// Checks a code given at sign-in; a wrong one also counts against the waiting sign-in.
async fn check_at_sign_in(
    app: &App,
    token: &str,
    user: &User,
    code: &str,
    accept: Accept,
    origin: &Origin,
) -> Result<Method> {
    let checked = check_code(app, user, code, accept, origin).await;
    if matches!(checked, Err(AppError::BadSecondFactor)) {
        count_challenge_failure(app, token).await?;
    }
    checked
}

/// Finishes a sign-in with a code from the app or a recovery code.
pub async fn verify(app: &App, token: &str, code: &str, origin: &Origin) -> Result<NewSession> {
    let user = waiting(app, token, Purpose::Verify).await?;
    let method = check_at_sign_in(app, token, &user, code, Accept::Any, origin).await?;
    open_session(app, &user, origin, Some(method), Some(token)).await
}

/// The secret a required enrolment at sign-in is setting up.
pub async fn challenge_enrolment(app: &App, token: &str) -> Result<Enrolment> {
    let user = waiting(app, token, Purpose::Enrol).await?;
    let mut conn = app.store.read().await?;
    let secret = store::secret(&mut conn, user.id).await?.ok_or(AppError::SignInExpired)?;
    enrolment(&secret.secret, &user.username)
}

/// Finishes a required enrolment at sign-in with the app's first code: the account is
/// enrolled, signed in, and given its recovery codes (shown once).
pub async fn confirm_at_sign_in(
    app: &App,
    token: &str,
    code: &str,
    origin: &Origin,
) -> Result<(NewSession, Vec<String>)> {
    let user = waiting(app, token, Purpose::Enrol).await?;
    check_at_sign_in(app, token, &user, code, Accept::Pending, origin).await?;
    let who = audit::Who { id: Some(user.id.0), name: &user.username, origin };
    let codes = finish_enrolment(app, who, user.id, None).await?;
    let session = open_session(app, &user, origin, Some(Method::Totp), Some(token)).await?;
    Ok((session, codes))
}

/// After a first good code: recovery codes issued, every other credential of the account
/// ended (they were issued on the password alone), the enrolment audited.
async fn finish_enrolment(app: &App, who: audit::Who<'_>, user: UserId, keep: Option<&str>) -> Result<Vec<String>> {
    let (codes, hashes) = new_recovery_codes();
    let now = app.clock.now();
    let mut tx = app.store.write().await?;
    store::replace_recovery_codes(&mut tx, user, &hashes).await?;
    let keep = keep.map(|token| sha256_hex(token.as_bytes()));
    sessions::delete_for_user_except(&mut tx, user, keep.as_deref()).await?;
    tokens::revoke_for_user_except(&mut tx, user, keep.as_deref(), now).await?;
    audit::record::<(), ()>(&mut tx, who, "auth.second_factor_enrolled", ("user", Some(user.0)), None, None).await?;
    tx.commit().await?;
    Ok(codes)
}

/// The caller's second factor: enrolled or not, an enrolment under way, codes left.
pub async fn status(app: &App, actor: &Actor) -> Result<Status> {
    let mut conn = app.store.read().await?;
    let secret = store::secret(&mut conn, actor.user.id).await?;
    let pending = match &secret {
        Some(secret) if secret.confirmed_at.is_none() => Some(enrolment(&secret.secret, &actor.user.username)?),
        _ => None,
    };
    Ok(Status {
        enrolled: secret.as_ref().is_some_and(|s| s.confirmed_at.is_some()),
        pending,
        recovery_codes_left: store::recovery_codes_left(&mut conn, actor.user.id).await?,
        required: app.settings.second_factor_required && is_privileged(&actor.scope),
    })
}

/// Begins the caller's enrolment with a new secret (replacing one begun earlier).
pub async fn begin(app: &App, actor: &Actor) -> Result<Enrolment> {
    let secret = new_secret();
    let mut tx = app.store.write().await?;
    if store::is_enrolled(&mut tx, actor.user.id).await? {
        return Err(AppError::Conflict("second_factor_enrolled"));
    }
    store::begin(&mut tx, actor.user.id, &secret, app.clock.now()).await?;
    tx.commit().await?;
    enrolment(&secret, &actor.user.username)
}

/// Confirms the caller's enrolment with the app's first code; returns the recovery codes. The
/// caller's own session or token (`current`) stays; every other one ends.
pub async fn confirm(app: &App, actor: &Actor, code: &str, current: Option<&str>) -> Result<Vec<String>> {
    check_code(app, &actor.user, code, Accept::Pending, &actor.origin).await?;
    finish_enrolment(app, actor.into(), actor.user.id, current).await
}

/// New recovery codes in place of the old, after a code proves the caller holds the factor.
pub async fn renew_recovery_codes(app: &App, actor: &Actor, code: &str) -> Result<Vec<String>> {
    check_code(app, &actor.user, code, Accept::Any, &actor.origin).await?;
    let (codes, hashes) = new_recovery_codes();
    let mut tx = app.store.write().await?;
    store::replace_recovery_codes(&mut tx, actor.user.id, &hashes).await?;
    let entity = ("user", Some(actor.user.id.0));
    audit::record::<(), ()>(&mut tx, actor.into(), "auth.recovery_codes_renewed", entity, None, None).await?;
    tx.commit().await?;
    Ok(codes)
}

/// Turns the caller's second factor off, after a code; refused where the deployment requires it
/// of the caller's role.
pub async fn disable(app: &App, actor: &Actor, code: &str) -> Result<()> {
    if app.settings.second_factor_required && is_privileged(&actor.scope) {
        return Err(AppError::Conflict("second_factor_required_for_role"));
    }
    check_code(app, &actor.user, code, Accept::Any, &actor.origin).await?;
    let mut tx = app.store.write().await?;
    store::remove(&mut tx, actor.user.id).await?;
    let entity = ("user", Some(actor.user.id.0));
    audit::record::<(), ()>(&mut tx, actor.into(), "auth.second_factor_disabled", entity, None, None).await?;
    tx.commit().await?;
    Ok(())
}

/// Checks the second step of an API token request: `second_factor_required` without a code,
/// `second_factor_enrolment_required` for an account that must enrol first (in the pages).
pub(super) async fn check_for_token(
    app: &App,
    user: &User,
    code: Option<&str>,
    origin: &Origin,
) -> Result<Option<Method>> {
    match required_step(app, user).await? {
        None => Ok(None),
        Some(Purpose::Enrol) => Err(AppError::SecondFactorEnrolmentRequired),
        Some(Purpose::Verify) => {
            let code = code.filter(|c| !c.trim().is_empty()).ok_or(AppError::SecondFactorRequired)?;
            check_code(app, user, code, Accept::Any, origin).await.map(Some)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_rfc_6238_vector_gives_its_code() {
        // RFC 6238 appendix B: the ASCII secret "12345678901234567890", SHA-1, at 59 s.
        let secret = Secret::Raw(b"12345678901234567890".to_vec()).to_encoded().to_string();
        let at = Timestamp::from_datetime(time::OffsetDateTime::from_unix_timestamp(59).expect("time"));
        assert_eq!(code_at(&secret, at).as_deref(), Some("287082"));
    }

    #[test]
    fn recovery_codes_are_ten_distinct_codes_matched_as_typed() {
        let (codes, hashes) = new_recovery_codes();
        assert_eq!(codes.len(), 10);
        let distinct: std::collections::HashSet<_> = hashes.iter().collect();
        assert_eq!(distinct.len(), 10);
        let typed = format!(" {} ", codes[0].to_uppercase().replace('-', " "));
        assert_eq!(sha256_hex(normalised(&typed).as_bytes()), hashes[0]);
    }

    #[test]
    fn a_secret_is_shown_in_groups_and_as_an_otpauth_address() {
        let secret = new_secret();
        assert_eq!(secret.len(), 32);
        let shown = enrolment(&secret, "office").expect("enrolment");
        assert_eq!(shown.secret.replace(' ', ""), secret);
        assert!(shown.uri.starts_with("otpauth://totp/Pacesetter:office?"), "{}", shown.uri);
    }
}
