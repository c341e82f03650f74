//! `pacesetter user add`: creates an account outside the web UI, e.g. the first admin.

use pacesetter_app::{App, AppError};
use pacesetter_domain::{
    Role, Timestamp,
    password::check_new_password,
    user::{User, parse_display_name, parse_username},
};
use pacesetter_store::{grants, units, users};

pub async fn add(
    app: &App,
    username: &str,
    display_name: &str,
    unit_code: &str,
    role: &str,
    password: &str,
) -> Result<User, AppError> {
    let username = parse_username(username).map_err(pacesetter_domain::ValidationError::from)?;
    let display_name = parse_display_name(display_name).map_err(pacesetter_domain::ValidationError::from)?;
    check_new_password(password).map_err(pacesetter_domain::ValidationError::from)?;
    let role = Role::parse(role).ok_or(AppError::invalid("role", "invalid_role"))?;
    let hash = {
        let password = password.to_owned();
        tokio::task::spawn_blocking(move || pacesetter_app::hash_password(&password))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??
    };
    let mut tx = app.store.write().await?;
    let unit =
        units::find_by_code(&mut tx, unit_code).await?.ok_or(AppError::invalid("unit_code", "unit_not_found"))?;
    let now = Timestamp::now();
    let new = users::NewUser {
        username: &username,
        display_name: &display_name,
        password_hash: &hash,
        unit_id: unit.id,
        locale: None,
    };
    let user = users::insert(&mut tx, &new, now).await.map_err(AppError::from_store("user"))?;
    let grant = grants::insert(&mut tx, user.id, role, unit.id, now).await?;
    let who = pacesetter_app::audit::Who { id: None, name: "cli", origin: &pacesetter_app::Origin::default() };
    pacesetter_app::audit::record::<(), _>(
        &mut tx,
        app.store.backend(),
        who.clone(),
        "user.create",
        ("user", Some(user.id.0)),
        None,
        Some(&user),
    )
    .await?;
    pacesetter_app::audit::record::<(), _>(
        &mut tx,
        app.store.backend(),
        who,
        "grant.create",
        ("grant", Some(grant.id.0)),
        None,
        Some(&grant),
    )
    .await?;
    tx.commit().await?;
    Ok(user)
}
