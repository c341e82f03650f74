//! Signing in and out: password checks, throttling, sessions and API tokens.

use pacesetter_domain::{
    Scope, Timestamp,
    audit::sha256_hex,
    password::MAX_CHARS as PASSWORD_MAX_CHARS,
    text,
    user::{USERNAME_MAX_CHARS, User, parse_username},
};
use pacesetter_store::{credentials, sessions, tokens, users};
use rand::RngCore;

use crate::{Actor, App, AppError, Origin, Result, audit, password};

pub mod second_factor;
pub mod throttle;

pub use pacesetter_store::second_factor::Purpose;

/// A new session: the secret for the cookie and the form token bound to it.
#[derive(Debug, Clone)]
pub struct NewSession {
    pub token: String,
    pub csrf_token: String,
    pub user: User,
}

/// 32 random bytes as hex: 256 bits, far past guessing.
pub fn random_token() -> String {
    random_hex::<32>()
}

/// `N` random bytes in hexadecimal.
pub fn random_hex<const N: usize>() -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut bytes = [0u8; N];
    rand::rng().fill_bytes(&mut bytes);
    let mut hex = String::with_capacity(2 * N);
    for byte in bytes {
        hex.push(char::from(DIGITS[usize::from(byte >> 4)]));
        hex.push(char::from(DIGITS[usize::from(byte & 0x0f)]));
    }
    hex
}

/// Why a sign-in failed, for the audit log and the server log; the caller only ever hears
/// `bad_credentials`.
#[derive(Debug, Clone, Copy, serde::Serialize)]
#[serde(rename_all = "snake_case")]
enum Refusal {
    /// Not a name any account can have (too long, or characters usernames never have).
    MalformedUsername,
    UnknownUser,
    WrongPassword,
    AccountDisabled,
}

/// Where a right password leads.
#[derive(Debug, Clone)]
pub enum SignIn {
    /// Signed in.
    Done(NewSession),
    /// The account must give a code (`Verify`) or enrol (`Enrol`) first; the token names the
    /// waiting sign-in (decision 0018).
    SecondStep { challenge: String, purpose: Purpose },
}

impl SignIn {
    /// The session, when the sign-in needed no second step.
    pub fn into_session(self) -> Option<NewSession> {
        match self {
            Self::Done(session) => Some(session),
            Self::SecondStep { .. } => None,
        }
    }
}

/// What a failed sign-in was tried with, as it may be stored: a well-formed username, or a
/// shortened, cleaned form of whatever else was sent.
struct Attempted {
    /// The account the attempt was for, when the name is one an account can have.
    account: Option<String>,
    shown: String,
}

impl Attempted {
    fn parse(raw: &str) -> Self {
        match parse_username(raw) {
            Ok(username) => Self { account: Some(username.clone()), shown: username },
            Err(_) => Self { account: None, shown: text::shortened(raw, USERNAME_MAX_CHARS) },
        }
    }
}

async fn count_failure(
    app: &App,
    attempted: &Attempted,
    refusal: Refusal,
    origin: &Origin,
    now: Timestamp,
) -> Result<()> {
    let mut tx = app.store.write().await?;
    throttle::count_failure(&mut tx, attempted.account.as_deref(), origin, now).await?;
    let who = audit::Who { id: None, name: &attempted.shown, origin };
    let reason = serde_json::json!({ "reason": refusal });
    audit::record::<(), _>(&mut tx, who, "auth.login_failed", ("user", None), None, Some(&reason)).await?;
    tx.commit().await?;
    tracing::warn!(username = %attempted.shown.escape_debug(), ?refusal, ip = ?origin.ip, "sign-in failed");
    Ok(())
}

/// Checks a username and password, with throttling. Every failure looks the same to the
/// caller (`bad_credentials`) and costs one password verification: an unknown user, a wrong
/// password, a disabled account and a name no account can have. The audit log records which.
async fn check_password(app: &App, username: &str, password_text: &str, origin: &Origin) -> Result<User> {
    let attempted = Attempted::parse(username);
    let now = app.clock.now();
    let found = match &attempted.account {
        Some(username) => {
            let mut conn = app.store.read().await?;
            users::find_for_login(&mut conn, username).await?
        }
        None => None,
    };
    let attempt =
        throttle::Attempt { username: attempted.account.as_deref(), user: found.as_ref().map(|(user, _)| user.id) };
    throttle::check(app, &attempt, origin, now).await?;
    // No account's password is longer than new passwords may be; a longer one is checked
    // against the dummy (cut to that length) so that it costs the same and fails.
    let fits = password_text.chars().count() <= PASSWORD_MAX_CHARS;
    let verified = match &found {
        Some((_, hash)) if fits => {
            let (password_text, hash) = (password_text.to_owned(), hash.clone());
            tokio::task::spawn_blocking(move || password::verify(&password_text, &hash)).await.unwrap_or(false)
        }
        _ => {
            let password_text: String = password_text.chars().take(PASSWORD_MAX_CHARS).collect();
            let _ = tokio::task::spawn_blocking(move || password::verify_dummy(&password_text)).await;
            false
        }
    };
    let refusal = match found {
        Some((user, _)) if verified && user.disabled_at.is_none() => return Ok(user),
        Some(_) if verified => Refusal::AccountDisabled,
        Some(_) => Refusal::WrongPassword,
        None if attempted.account.is_some() => Refusal::UnknownUser,
        None => Refusal::MalformedUsername,
    };
    count_failure(app, &attempted, refusal, origin, now).await?;
    Err(AppError::BadCredentials)
}

/// Signs in with a password: opens a server-side session, or a sign-in waiting for its second
/// step when the account has one (or must enrol).
pub async fn login(app: &App, username: &str, password_text: &str, origin: &Origin) -> Result<SignIn> {
    let user = check_password(app, username, password_text, origin).await?;
    match second_factor::required_step(app, &user).await? {
        None => Ok(SignIn::Done(open_session(app, &user, origin, None, None).await?)),
        Some(purpose) => {
            let challenge = second_factor::open_challenge(app, &user, purpose).await?;
            Ok(SignIn::SecondStep { challenge, purpose })
        }
    }
}

/// Opens a session for an account whose sign-in is complete, ending the waiting sign-in it
/// came through; the audit says which second factor was used, if any.
async fn open_session(
    app: &App,
    user: &User,
    origin: &Origin,
    method: Option<second_factor::Method>,
    challenge: Option<&str>,
) -> Result<NewSession> {
    let now = app.clock.now();
    let token = random_token();
    let csrf_token = random_token();
    let mut tx = app.store.write().await?;
    if let Some(challenge) = challenge {
        pacesetter_store::second_factor::delete_challenge(&mut tx, &sha256_hex(challenge.as_bytes())).await?;
    }
    throttle::succeeded(&mut tx, user.id, &user.username, origin, now).await?;
    sessions::insert(
        &mut tx,
        &sha256_hex(token.as_bytes()),
        user.id,
        &csrf_token,
        now,
        now.plus_seconds(app.settings.session_max_secs),
    )
    .await?;
    let who = audit::Who { id: Some(user.id.0), name: &user.username, origin };
    let detail = method.map(|method| serde_json::json!({ "second_factor": method }));
    audit::record::<(), _>(&mut tx, who, "auth.login", ("user", Some(user.id.0)), None, detail.as_ref()).await?;
    tx.commit().await?;
    Ok(NewSession { token, csrf_token, user: user.clone() })
}

/// Issues an API token for scripts after checking the password and, for an account with a
/// second factor, its code.
pub async fn issue_token(
    app: &App,
    username: &str,
    password_text: &str,
    code: Option<&str>,
    origin: &Origin,
) -> Result<String> {
    let user = check_password(app, username, password_text, origin).await?;
    let method = second_factor::check_for_token(app, &user, code, origin).await?;
    let now = app.clock.now();
    let token = random_token();
    let mut tx = app.store.write().await?;
    throttle::succeeded(&mut tx, user.id, &user.username, origin, now).await?;
    let expires = now.plus_seconds(app.settings.api_token_days * 86_400);
    let id = tokens::insert(&mut tx, &sha256_hex(token.as_bytes()), user.id, "api", now, expires).await?;
    let who = audit::Who { id: Some(user.id.0), name: &user.username, origin };
    let detail = method.map(|method| serde_json::json!({ "second_factor": method }));
    audit::record::<(), _>(&mut tx, who, "auth.token_issued", ("api_token", Some(id)), None, detail.as_ref()).await?;
    tx.commit().await?;
    Ok(token)
}

/// The actor a credential's holder acts as, on the connection the credential was read on.
async fn actor_for(
    app: &App,
    conn: &mut pacesetter_store::Conn,
    holder: credentials::Holder,
    origin: Origin,
) -> Result<Actor> {
    if holder.user.disabled_at.is_some() {
        return Err(AppError::Unauthenticated);
    }
    let actor = Actor { user: holder.user, scope: Scope::new(holder.grants), origin };
    second_factor::check_enrolled(app, conn, &actor).await?;
    Ok(actor)
}

/// The actor behind a session cookie, with the session's form token; ends sessions that
/// were idle or lived too long.
pub async fn session_actor(app: &App, token: &str, origin: Origin) -> Result<(Actor, String)> {
    let session = page_session(app, token, origin).await?;
    Ok((session.actor, session.csrf))
}

/// What a page needs of its session: who is signed in, the session's form token and how many of
/// their notifications are unread (the header's count).
#[derive(Debug)]
pub struct PageSession {
    pub actor: Actor,
    pub csrf: String,
    pub unread: i64,
}

/// [`session_actor`] with the unread count beside it. The session, its account and grants and
/// the count are one query.
pub async fn page_session(app: &App, token: &str, origin: Origin) -> Result<PageSession> {
    let hash = sha256_hex(token.as_bytes());
    let now = app.clock.now();
    let mut conn = app.store.read().await?;
    let (session, holder) = credentials::session(&mut conn, &hash).await?.ok_or(AppError::Unauthenticated)?;
    let idle_end = session.last_seen_at.plus_seconds(app.settings.session_idle_secs);
    if session.expires_at <= now || idle_end <= now {
        drop(conn);
        let mut tx = app.store.write().await?;
        sessions::delete(&mut tx, &hash).await?;
        tx.commit().await?;
        return Err(AppError::Unauthenticated);
    }
    let actor = actor_for(app, &mut conn, holder, origin).await?;
    // The read connection goes back before a write takes one: a request never holds two.
    drop(conn);
    // Record activity at most once a minute, so reading pages rarely writes.
    if session.last_seen_at.plus_seconds(60) <= now {
        let mut tx = app.store.write().await?;
        sessions::touch(&mut tx, &hash, now).await?;
        tx.commit().await?;
    }
    Ok(PageSession { actor, csrf: session.csrf_token, unread: session.unread })
}

/// The actor behind an API bearer token.
pub async fn token_actor(app: &App, token: &str, origin: Origin) -> Result<Actor> {
    let mut conn = app.store.read().await?;
    let holder = credentials::api_token(&mut conn, &sha256_hex(token.as_bytes()), app.clock.now())
        .await?
        .ok_or(AppError::Unauthenticated)?;
    actor_for(app, &mut conn, holder, origin).await
}

/// Ends a session on the server, so the old cookie is worthless.
pub async fn logout(app: &App, actor: &Actor, token: &str) -> Result<()> {
    let mut tx = app.store.write().await?;
    sessions::delete(&mut tx, &sha256_hex(token.as_bytes())).await?;
    audit::record::<(), ()>(&mut tx, actor.into(), "auth.logout", ("user", Some(actor.user.id.0)), None, None).await?;
    tx.commit().await?;
    Ok(())
}

/// Revokes an API token (the one the caller is using).
pub async fn revoke_token(app: &App, actor: &Actor, token: &str) -> Result<()> {
    let mut tx = app.store.write().await?;
    tokens::revoke(&mut tx, &sha256_hex(token.as_bytes()), Timestamp::now()).await?;
    audit::record::<(), ()>(&mut tx, actor.into(), "auth.token_revoked", ("user", Some(actor.user.id.0)), None, None)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Changes the caller's own interface language.
pub async fn set_own_locale(app: &App, actor: &Actor, locale: Option<pacesetter_domain::Locale>) -> Result<()> {
    let mut tx = app.store.write().await?;
    users::set_locale(&mut tx, actor.user.id, locale, Timestamp::now()).await?;
    tx.commit().await?;
    Ok(())
}

/// Removes expired sessions, then the sign-in addresses and counters gone stale: the server's
/// periodic sweep. Returns the sessions and the throttle rows removed; harmless when several
/// instances run it at once.
pub async fn sweep(app: &App, now: Timestamp) -> Result<(u64, u64)> {
    let mut tx = app.store.write().await?;
    let sessions = sessions::delete_expired(&mut tx, now).await?;
    // Sign-ins that waited too long for their second step go with them.
    pacesetter_store::second_factor::delete_expired_challenges(&mut tx, now).await?;
    tx.commit().await?;
    let throttle = throttle::sweep(app, now).await?;
    Ok((sessions, throttle))
}
