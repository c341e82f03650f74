//! Accounts and role grants.

use pacesetter_domain::{
    Locale, Permission, Role, Timestamp, UnitId, UserId, ValidationError,
    ids::GrantId,
    password::check_new_password,
    unit::Unit,
    user::{Grant, User, parse_display_name, parse_username},
};
pub use pacesetter_store::users::UserFilter;
use pacesetter_store::{Conn, grants, sessions, tokens, units, users as store};

use crate::{Actor, App, AppError, Page, PageRequest, Resource, Result, audit, password};

/// The raw fields of a new account.
#[derive(Debug, Clone, Default)]
pub struct NewUserInput<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub password: &'a str,
    pub unit_id: Option<UnitId>,
    pub locale: Option<Locale>,
}

/// The parsed fields of a new account, before it is stored.
#[derive(Debug, Clone)]
pub(crate) struct ValidUser {
    pub username: String,
    pub display_name: String,
    pub unit_id: UnitId,
}

pub(crate) fn parse_new_user(input: &NewUserInput<'_>) -> Result<ValidUser, ValidationError> {
    let mut errors = ValidationError::new();
    let username = errors.check(parse_username(input.username));
    let display_name = errors.check(parse_display_name(input.display_name));
    errors.check(check_new_password(input.password));
    if input.unit_id.is_none() {
        errors.push("unit_id", "required");
    }
    match (username, display_name, input.unit_id) {
        (Some(username), Some(display_name), Some(unit_id)) if errors.is_empty() => {
            Ok(ValidUser { username, display_name, unit_id })
        }
        _ => Err(errors),
    }
}

async fn unit_for(conn: &mut Conn, actor: &Actor, id: UnitId, permission: Permission) -> Result<Unit> {
    let unit = units::get(conn, id).await.map_err(AppError::from_store(Resource::Unit))?;
    if !actor.can(Permission::ViewUnits, &unit.path) {
        return Err(AppError::NotFound(Resource::Unit));
    }
    actor.require(permission, &unit.path)?;
    Ok(unit)
}

/// Creates an account whose home unit is in the actor's scope.
pub async fn create(app: &App, actor: &Actor, input: &NewUserInput<'_>) -> Result<User> {
    let valid = parse_new_user(input)?;
    let hash = hash_blocking(input.password).await?;
    let mut tx = app.store.write().await?;
    unit_for(&mut tx, actor, valid.unit_id, Permission::ManageUsers).await?;
    let new = store::NewUser {
        username: &valid.username,
        display_name: &valid.display_name,
        password_hash: &hash,
        unit_id: valid.unit_id,
        locale: input.locale,
    };
    let user = store::insert(&mut tx, &new, Timestamp::now()).await.map_err(AppError::from_store(Resource::User))?;
    audit::record::<(), _>(&mut tx, actor.into(), "user.create", ("user", Some(user.id.0)), None, Some(&user)).await?;
    tx.commit().await?;
    Ok(user)
}

/// The fields of `pacesetter user add`, which makes an account outside the web UI (the first
/// administrator, say): the home unit is named by its code and the role given at once.
#[derive(Debug, Clone, Copy)]
pub struct ConsoleUser<'a> {
    pub username: &'a str,
    pub display_name: &'a str,
    pub unit_code: &'a str,
    pub role: &'a str,
    pub password: &'a str,
}

/// Creates an account and its one grant from the console, audited as `cli`: whoever runs the
/// binary on the server already holds the database.
pub async fn add_at_console(app: &App, input: ConsoleUser<'_>) -> Result<User> {
    let mut errors = ValidationError::new();
    let username = errors.check(parse_username(input.username));
    let display_name = errors.check(parse_display_name(input.display_name));
    errors.check(check_new_password(input.password));
    let role = Role::parse(input.role);
    if role.is_none() {
        errors.push("role", "invalid_role");
    }
    let (Some(username), Some(display_name), Some(role)) = (username, display_name, role) else {
        return Err(errors.into());
    };
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let hash = hash_blocking(input.password).await?;
    let mut tx = app.store.write().await?;
    let unit =
        units::find_by_code(&mut tx, input.unit_code).await?.ok_or(AppError::invalid("unit_code", "unit_not_found"))?;
    let now = Timestamp::now();
    let new = store::NewUser {
        username: &username,
        display_name: &display_name,
        password_hash: &hash,
        unit_id: unit.id,
        locale: None,
    };
    let user = store::insert(&mut tx, &new, now).await.map_err(AppError::from_store(Resource::User))?;
    let grant = grants::insert(&mut tx, user.id, role, unit.id, now).await?;
    let who = audit::Who { id: None, name: "cli", origin: &crate::Origin::default() };
    audit::record::<(), _>(&mut tx, who.clone(), "user.create", ("user", Some(user.id.0)), None, Some(&user)).await?;
    audit::record::<(), _>(&mut tx, who, "grant.create", ("grant", Some(grant.id.0)), None, Some(&grant)).await?;
    tx.commit().await?;
    Ok(user)
}

pub(crate) async fn hash_blocking(password_text: &str) -> Result<String> {
    let password_text = password_text.to_owned();
    tokio::task::spawn_blocking(move || password::hash(&password_text))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))?
}

/// A user the actor may see (home unit in scope), else `user_not_found`.
async fn visible(conn: &mut Conn, actor: &Actor, id: UserId) -> Result<(User, Unit)> {
    let user = store::get(conn, id).await.map_err(AppError::from_store(Resource::User))?;
    let unit = units::get(conn, user.unit_id).await?;
    if actor.can(Permission::ViewUnits, &unit.path) {
        Ok((user, unit))
    } else {
        Err(AppError::NotFound(Resource::User))
    }
}

/// Accounts whose home unit lies in the actor's scope.
pub async fn list(app: &App, actor: &Actor, filter: UserFilter<'_>, page: PageRequest) -> Result<Page<User>> {
    let mut conn = app.store.read().await?;
    let within = actor.scope.roots(Permission::ViewUnits);
    let q = crate::text::search_term(filter.query)?;
    let filter = UserFilter { query: q.as_deref(), ..filter };
    let (items, total) = store::list_within(&mut conn, &within, filter, page.offset(), page.per_page).await?;
    Ok(Page { items, total, page: page.page, per_page: page.per_page })
}

/// An account with its home unit and its grants (each with its unit).
#[derive(Debug, Clone, serde::Serialize)]
pub struct UserDetail {
    pub user: User,
    pub unit: Unit,
    pub grants: Vec<(Grant, Unit)>,
    pub can_manage: bool,
    /// The account signs in with a code from an authenticator app as well.
    pub second_factor: bool,
}

pub async fn detail(app: &App, actor: &Actor, id: UserId) -> Result<UserDetail> {
    let mut conn = app.store.read().await?;
    let (user, unit) = visible(&mut conn, actor, id).await?;
    let mut with_units = Vec::new();
    for grant in grants::for_user(&mut conn, user.id).await? {
        let unit = units::get(&mut conn, grant.unit_id).await?;
        with_units.push((grant, unit));
    }
    let can_manage = actor.can(Permission::ManageUsers, &unit.path);
    let second_factor = pacesetter_store::second_factor::is_enrolled(&mut conn, user.id).await?;
    Ok(UserDetail { user, unit, grants: with_units, can_manage, second_factor })
}

/// Edits display name, home unit and language if `version` is current.
pub async fn update(
    app: &App,
    actor: &Actor,
    id: UserId,
    version: i64,
    display_name: &str,
    unit_id: UnitId,
    locale: Option<Locale>,
) -> Result<User> {
    let display_name = parse_display_name(display_name).map_err(ValidationError::from)?;
    let mut tx = app.store.write().await?;
    let (before, home) = visible(&mut tx, actor, id).await?;
    actor.require(Permission::ManageUsers, &home.path)?;
    if before.version != version {
        return Err(AppError::Stale { current: serde_json::to_value(&before).unwrap_or_default() });
    }
    unit_for(&mut tx, actor, unit_id, Permission::ManageUsers).await?;
    let after = store::update(&mut tx, id, version, &display_name, unit_id, locale, Timestamp::now())
        .await
        .map_err(AppError::from_store(Resource::User))?;
    audit::record(&mut tx, actor.into(), "user.update", ("user", Some(id.0)), Some(&before), Some(&after)).await?;
    tx.commit().await?;
    Ok(after)
}

/// Disables an account (ending all its sessions and tokens at once) or enables it again.
pub async fn set_disabled(app: &App, actor: &Actor, id: UserId, version: i64, disabled: bool) -> Result<User> {
    let mut tx = app.store.write().await?;
    let (before, home) = visible(&mut tx, actor, id).await?;
    actor.require(Permission::ManageUsers, &home.path)?;
    if before.id == actor.user.id && disabled {
        return Err(AppError::Conflict("cannot_disable_self"));
    }
    let now = Timestamp::now();
    let after = store::set_disabled(&mut tx, id, version, disabled.then_some(now), now)
        .await
        .map_err(AppError::from_store(Resource::User))?;
    if disabled {
        end_credentials(&mut tx, id, now).await?;
    }
    let action = if disabled { "user.disable" } else { "user.enable" };
    audit::record(&mut tx, actor.into(), action, ("user", Some(id.0)), Some(&before), Some(&after)).await?;
    tx.commit().await?;
    Ok(after)
}

/// Ends every way an account is signed in: its sessions and its API tokens. A reset, a
/// disable and "sign out everywhere" all mean that no credential issued before still works.
async fn end_credentials(conn: &mut Conn, user: UserId, now: Timestamp) -> Result<u64> {
    let ended = sessions::delete_for_user(conn, user).await?;
    tokens::revoke_for_user(conn, user, now).await?;
    Ok(ended)
}

/// Sets a new password for an account (an admin's reset) and ends its sessions and tokens.
pub async fn reset_password(app: &App, actor: &Actor, id: UserId, new_password: &str) -> Result<()> {
    check_new_password(new_password).map_err(ValidationError::from)?;
    let hash = hash_blocking(new_password).await?;
    let mut tx = app.store.write().await?;
    let (user, home) = visible(&mut tx, actor, id).await?;
    actor.require(Permission::ManageUsers, &home.path)?;
    let now = Timestamp::now();
    store::set_password_hash(&mut tx, user.id, &hash, now).await?;
    end_credentials(&mut tx, user.id, now).await?;
    audit::record::<(), ()>(&mut tx, actor.into(), "user.password_reset", ("user", Some(id.0)), None, None).await?;
    tx.commit().await?;
    Ok(())
}

/// Grants `role` on `unit` to a user.
pub async fn grant(app: &App, actor: &Actor, user_id: UserId, role: Role, unit_id: UnitId) -> Result<Grant> {
    let mut tx = app.store.write().await?;
    let (user, _) = visible(&mut tx, actor, user_id).await?;
    let unit = unit_for(&mut tx, actor, unit_id, Permission::ManageGrants).await?;
    if role == Role::Admin {
        actor.require(Permission::GrantAdmin, &unit.path)?;
    }
    let grant = grants::insert(&mut tx, user.id, role, unit.id, Timestamp::now())
        .await
        .map_err(AppError::from_store(Resource::Grant))?;
    audit::record::<(), _>(&mut tx, actor.into(), "grant.create", ("grant", Some(grant.id.0)), None, Some(&grant))
        .await?;
    tx.commit().await?;
    Ok(grant)
}

/// Revokes a grant; it stops working on the holder's very next request.
pub async fn revoke(app: &App, actor: &Actor, grant_id: GrantId) -> Result<()> {
    let mut tx = app.store.write().await?;
    let grant = grants::get(&mut tx, grant_id).await.map_err(AppError::from_store(Resource::Grant))?;
    let unit = units::get(&mut tx, grant.unit_id).await?;
    if !actor.can(Permission::ViewUnits, &unit.path) {
        return Err(AppError::NotFound(Resource::Grant));
    }
    actor.require(Permission::ManageGrants, &unit.path)?;
    if grant.role == Role::Admin {
        actor.require(Permission::GrantAdmin, &unit.path)?;
    }
    grants::delete(&mut tx, grant_id).await.map_err(AppError::from_store(Resource::Grant))?;
    audit::record::<_, ()>(&mut tx, actor.into(), "grant.revoke", ("grant", Some(grant_id.0)), Some(&grant), None)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// Ends every session and API token of an account ("sign out everywhere"): its owner may do it,
/// and so may whoever manages the account.
pub async fn sign_out_everywhere(app: &App, actor: &Actor, id: UserId) -> Result<u64> {
    let mut tx = app.store.write().await?;
    let (user, home) = visible(&mut tx, actor, id).await?;
    if user.id != actor.user.id {
        actor.require(Permission::ManageUsers, &home.path)?;
    }
    let ended = end_credentials(&mut tx, user.id, Timestamp::now()).await?;
    audit::record::<(), ()>(&mut tx, actor.into(), "user.sign_out_everywhere", ("user", Some(id.0)), None, None)
        .await?;
    tx.commit().await?;
    Ok(ended)
}

/// Removes an account's second factor (a lost phone) and ends its sessions and tokens; where the
/// deployment requires one, the owner enrols again at the next sign-in.
pub async fn reset_second_factor(app: &App, actor: &Actor, id: UserId) -> Result<()> {
    let mut tx = app.store.write().await?;
    let (user, home) = visible(&mut tx, actor, id).await?;
    actor.require(Permission::ManageUsers, &home.path)?;
    // An enrolment only begun (at a sign-in) is no factor to reset.
    if !pacesetter_store::second_factor::is_enrolled(&mut tx, user.id).await? {
        return Err(AppError::Conflict("second_factor_not_enrolled"));
    }
    pacesetter_store::second_factor::remove(&mut tx, user.id).await?;
    end_credentials(&mut tx, user.id, Timestamp::now()).await?;
    audit::record::<(), ()>(&mut tx, actor.into(), "auth.second_factor_reset", ("user", Some(id.0)), None, None)
        .await?;
    tx.commit().await?;
    Ok(())
}

/// An account the actor may change, for its edit form: `forbidden` for anyone else who sees it.
pub async fn editable(app: &App, actor: &Actor, id: UserId) -> Result<UserDetail> {
    let detail = detail(app, actor, id).await?;
    if detail.can_manage { Ok(detail) } else { Err(AppError::Forbidden) }
}
