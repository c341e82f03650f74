//! Units: listing within scope, reading one with its subtree and people, and the changes
//! an admin or coordinator makes.

use pacesetter_domain::{
    Permission, Timestamp, UnitId, UnitKind,
    unit::{Unit, UnitFields, UnitInput, UnitOrder},
    user::{Grant, User},
};
use pacesetter_store::{Conn, grants, units as store, users};

use crate::{Actor, App, AppError, Page, PageRequest, Resource, Result, audit};

/// Filters of the unit list, as the UI and the API pass them.
#[derive(Debug, Clone, Default)]
pub struct UnitQuery {
    pub kind: Option<UnitKind>,
    pub parent: Option<UnitId>,
    pub under: Option<UnitId>,
    pub q: Option<String>,
    pub include_archived: bool,
    pub order: UnitOrder,
}

/// Units the actor may see, one page at a time.
pub async fn list(app: &App, actor: &Actor, query: &UnitQuery, page: PageRequest) -> Result<Page<Unit>> {
    let mut conn = app.store.read().await?;
    let under = match query.under {
        Some(id) => Some(visible(&mut conn, actor, id).await?.path),
        None => None,
    };
    let filter = store::UnitFilter {
        within: actor.scope.roots(Permission::ViewUnits),
        kind: query.kind,
        parent: query.parent,
        under,
        query: crate::text::search_term(query.q.as_deref())?,
        include_archived: query.include_archived,
        order: query.order,
        offset: page.offset(),
        limit: page.per_page,
    };
    let (items, total) = store::list(&mut conn, &filter).await?;
    Ok(Page { items, total, page: page.page, per_page: page.per_page })
}

/// A unit a person typed into a form by its code or exact name, among those the actor can see:
/// `None` when nothing was typed; a unit that cannot be found is refused as `unit_not_found` on
/// `field`, so that the form comes back with the message next to it.
pub async fn typed(app: &App, actor: &Actor, text: &str, field: &'static str) -> Result<Option<UnitId>> {
    let mut conn = app.store.read().await?;
    Ok(typed_in(&mut conn, actor, text, field).await?.map(|u| u.id))
}

/// [`typed`] in the caller's transaction.
pub(crate) async fn typed_in(conn: &mut Conn, actor: &Actor, text: &str, field: &'static str) -> Result<Option<Unit>> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    let unknown = || AppError::invalid(field, "unit_not_found");
    if text.chars().count() > crate::text::SEARCH_MAX_CHARS {
        return Err(unknown());
    }
    let unit = store::named(conn, &actor.scope.roots(Permission::ViewUnits), text).await?;
    unit.map(Some).ok_or_else(unknown)
}

/// Units typed as a list of codes or names (commas, spaces, 、 or new lines between them); the
/// first that cannot be found is refused as `unit_not_found` on `field`.
pub async fn typed_list(app: &App, actor: &Actor, text: &str, field: &'static str) -> Result<Vec<UnitId>> {
    let mut ids = Vec::new();
    for code in text.split([',', '，', ' ', '、', '\n']).map(str::trim).filter(|c| !c.is_empty()) {
        ids.extend(typed(app, actor, code, field).await?);
    }
    Ok(ids)
}

/// The prefectures the actor can see, for "assign to every prefecture".
pub async fn prefectures(app: &App, actor: &Actor) -> Result<Vec<UnitId>> {
    let query = UnitQuery { kind: Some(UnitKind::Prefecture), ..Default::default() };
    let page = list(app, actor, &query, PageRequest::new(Some(1), Some(100))).await?;
    Ok(page.items.into_iter().map(|u| u.id).collect())
}

/// A unit the actor may see; otherwise `unit_not_found`, so that existence does not leak.
async fn visible(conn: &mut Conn, actor: &Actor, id: UnitId) -> Result<Unit> {
    let unit = store::get(conn, id).await.map_err(AppError::from_store(Resource::Unit))?;
    if actor.can(Permission::ViewUnits, &unit.path) { Ok(unit) } else { Err(AppError::NotFound(Resource::Unit)) }
}

/// A person shown on a unit page with the roles they hold there.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Person {
    pub user: User,
    pub grants: Vec<Grant>,
}

/// Everything the unit page shows.
#[derive(Debug, Clone, serde::Serialize)]
pub struct UnitDetail {
    pub unit: Unit,
    /// From the root of its tree down to its parent, limited to what the actor may see.
    pub ancestors: Vec<Unit>,
    pub children: Vec<Unit>,
    /// Active units below it, at any depth.
    pub descendants: i64,
    /// Accounts whose home unit this is.
    pub people: Vec<Person>,
    /// Roles granted on this unit to anyone.
    pub grants: Vec<(Grant, User)>,
    pub can_manage: bool,
}

pub async fn get(app: &App, actor: &Actor, id: UnitId) -> Result<Unit> {
    let mut conn = app.store.read().await?;
    visible(&mut conn, actor, id).await
}

pub async fn detail(app: &App, actor: &Actor, id: UnitId) -> Result<UnitDetail> {
    let mut conn = app.store.read().await?;
    let unit = visible(&mut conn, actor, id).await?;
    let mut ancestor_ids = unit.path.ids();
    ancestor_ids.pop();
    let ancestors = store::get_many(&mut conn, &ancestor_ids)
        .await?
        .into_iter()
        .filter(|a| actor.can(Permission::ViewUnits, &a.path))
        .collect();
    let children = store::children(&mut conn, unit.id).await?;
    let descendants = store::count_below(&mut conn, &unit.path).await?;
    let (home, _) = users::list_within(
        &mut conn,
        std::slice::from_ref(&unit.path),
        users::UserFilter { unit: Some(unit.id), ..Default::default() },
        0,
        500,
    )
    .await?;
    let mut people = Vec::with_capacity(home.len());
    for user in home {
        let grants = grants::for_user(&mut conn, user.id).await?;
        people.push(Person { user, grants });
    }
    let mut on_unit = Vec::new();
    for grant in grants::on_unit(&mut conn, unit.id).await? {
        let user = users::get(&mut conn, grant.user_id).await?;
        on_unit.push((grant, user));
    }
    let can_manage = actor.can(Permission::ManageUnits, &unit.path);
    Ok(UnitDetail { unit, ancestors, children, descendants, people, grants: on_unit, can_manage })
}

/// Top-level units the actor can reach: the roots of the trees, or the tops of their grants.
pub async fn tree_roots(app: &App, actor: &Actor) -> Result<Vec<Unit>> {
    let mut conn = app.store.read().await?;
    let mut roots = Vec::new();
    for path in actor.scope.roots(Permission::ViewUnits) {
        if let Some(id) = path.ids().last() {
            roots.push(store::get(&mut conn, *id).await?);
        }
    }
    // The organisation tree first, then the territory, each in tree order.
    roots.sort_by(|a, b| {
        let axis = |u: &Unit| u.kind.axis() != pacesetter_domain::unit::Axis::Organisation;
        axis(a).cmp(&axis(b)).then_with(|| a.path.as_str().cmp(b.path.as_str()))
    });
    Ok(roots)
}

/// Children of a unit, for expanding a tree (archived ones left out).
pub async fn children(app: &App, actor: &Actor, id: UnitId) -> Result<Vec<(Unit, i64)>> {
    let mut conn = app.store.read().await?;
    let unit = visible(&mut conn, actor, id).await?;
    let mut out = Vec::new();
    for child in store::children(&mut conn, unit.id).await? {
        if child.is_archived() {
            continue;
        }
        let below = store::count_below(&mut conn, &child.path).await?;
        out.push((child, below));
    }
    Ok(out)
}

/// Creates a unit under `parent` (`None`: a new tree root, admins only).
pub async fn create(app: &App, actor: &Actor, parent: Option<UnitId>, input: &UnitInput<'_>) -> Result<Unit> {
    let fields = UnitFields::parse(input)?;
    let mut tx = app.store.write().await?;
    let parent = match parent {
        Some(id) => {
            let parent = visible(&mut tx, actor, id).await?;
            actor.require(Permission::ManageUnits, &parent.path)?;
            if parent.is_archived() {
                return Err(AppError::invalid("parent", "parent_archived"));
            }
            Some(parent)
        }
        None => {
            if !actor.scope.roles().contains(&pacesetter_domain::Role::Admin) {
                return Err(AppError::Forbidden);
            }
            None
        }
    };
    if !fields.kind.may_sit_under(parent.as_ref().map(|p| p.kind)) {
        return Err(AppError::invalid("kind", "kind_not_allowed_here"));
    }
    let unit = store::insert(&mut tx, parent.as_ref(), &fields, Timestamp::now())
        .await
        .map_err(AppError::from_store(Resource::Unit))?;
    audit::record::<(), _>(&mut tx, actor.into(), "unit.create", ("unit", Some(unit.id.0)), None, Some(&unit)).await?;
    tx.commit().await?;
    tracing::info!(unit = %unit.id, "unit created");
    Ok(unit)
}

/// Edits a unit's fields if `version` is what the editor saw.
pub async fn update(app: &App, actor: &Actor, id: UnitId, version: i64, input: &UnitInput<'_>) -> Result<Unit> {
    let fields = UnitFields::parse(input)?;
    let mut tx = app.store.write().await?;
    let before = visible(&mut tx, actor, id).await?;
    actor.require(Permission::ManageUnits, &before.path)?;
    if before.version != version {
        return Err(stale(&before));
    }
    let parent_kind = match before.parent_id {
        Some(parent) => Some(store::get(&mut tx, parent).await?.kind),
        None => None,
    };
    if !fields.kind.may_sit_under(parent_kind) {
        return Err(AppError::invalid("kind", "kind_not_allowed_here"));
    }
    let after = store::update(&mut tx, id, version, &fields, Timestamp::now())
        .await
        .map_err(AppError::from_store(Resource::Unit))?;
    audit::record(&mut tx, actor.into(), "unit.update", ("unit", Some(id.0)), Some(&before), Some(&after)).await?;
    tx.commit().await?;
    Ok(after)
}

/// Moves a unit, with its subtree, under another parent.
pub async fn move_unit(app: &App, actor: &Actor, id: UnitId, version: i64, new_parent: UnitId) -> Result<Unit> {
    let mut tx = app.store.write().await?;
    let before = visible(&mut tx, actor, id).await?;
    actor.require(Permission::ManageUnits, &before.path)?;
    if before.version != version {
        return Err(stale(&before));
    }
    let parent = visible(&mut tx, actor, new_parent).await?;
    actor.require(Permission::ManageUnits, &parent.path)?;
    if parent.path.is_within(&before.path) {
        return Err(AppError::invalid("parent", "move_into_own_subtree"));
    }
    if parent.is_archived() {
        return Err(AppError::invalid("parent", "parent_archived"));
    }
    if !before.kind.may_sit_under(Some(parent.kind)) {
        return Err(AppError::invalid("parent", "kind_not_allowed_here"));
    }
    let after = store::move_to(&mut tx, &before, version, &parent, Timestamp::now())
        .await
        .map_err(AppError::from_store(Resource::Unit))?;
    audit::record(&mut tx, actor.into(), "unit.move", ("unit", Some(id.0)), Some(&before), Some(&after)).await?;
    tx.commit().await?;
    Ok(after)
}

/// Archives a unit (hidden from lists, kept for history), or restores it.
pub async fn set_archived(app: &App, actor: &Actor, id: UnitId, version: i64, archived: bool) -> Result<Unit> {
    let mut tx = app.store.write().await?;
    let before = visible(&mut tx, actor, id).await?;
    actor.require(Permission::ManageUnits, &before.path)?;
    if before.version != version {
        return Err(stale(&before));
    }
    if archived && store::count_below(&mut tx, &before.path).await? > 0 {
        return Err(AppError::Conflict("unit_has_active_children"));
    }
    let when = archived.then(Timestamp::now);
    let after = store::set_archived(&mut tx, id, version, when, Timestamp::now())
        .await
        .map_err(AppError::from_store(Resource::Unit))?;
    let action = if archived { "unit.archive" } else { "unit.restore" };
    audit::record(&mut tx, actor.into(), action, ("unit", Some(id.0)), Some(&before), Some(&after)).await?;
    tx.commit().await?;
    Ok(after)
}

fn stale(current: &Unit) -> AppError {
    AppError::Stale { current: serde_json::to_value(current).unwrap_or_default() }
}

/// What the units page shows: the trees the actor can reach with each root's children, one
/// page of the list, and the unit the list is limited to.
#[derive(Debug, Clone)]
pub struct Overview {
    pub trees: Vec<(Unit, Vec<(Unit, i64)>)>,
    pub list: Page<Unit>,
    pub under: Option<Unit>,
}

/// The units page: see [`Overview`].
pub async fn overview(app: &App, actor: &Actor, query: &UnitQuery, page: PageRequest) -> Result<Overview> {
    let under = match query.under {
        Some(id) => Some(get(app, actor, id).await?),
        None => None,
    };
    let list = list(app, actor, query, page).await?;
    let mut trees = Vec::new();
    for root in tree_roots(app, actor).await? {
        let children = children(app, actor, root.id).await?;
        trees.push((root, children));
    }
    Ok(Overview { trees, list, under })
}

/// A unit the actor may change, for its edit form.
pub async fn editable(app: &App, actor: &Actor, id: UnitId) -> Result<Unit> {
    let unit = get(app, actor, id).await?;
    actor.require(Permission::ManageUnits, &unit.path)?;
    Ok(unit)
}

/// Moves a unit under the unit whose code (or, failing that, name) is `parent`, as a person
/// types it into the move form.
pub async fn move_under(app: &App, actor: &Actor, id: UnitId, version: i64, parent: &str) -> Result<Unit> {
    let parent = parent.trim();
    let query = UnitQuery { q: Some(parent.to_owned()), ..Default::default() };
    let found = list(app, actor, &query, PageRequest::new(Some(1), Some(50))).await?;
    let Some(target) = found.items.into_iter().find(|u| u.code.as_deref() == Some(parent) || u.name == parent) else {
        return Err(AppError::invalid("parent", "parent_not_found"));
    };
    move_unit(app, actor, id, version, target.id).await.map_err(|error| match error {
        AppError::NotFound(_) => AppError::invalid("parent", "parent_not_found"),
        other => other,
    })
}
