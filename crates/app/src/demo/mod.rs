//! The demo campaign's organisation: the steering group, its office, functional groups and
//! lead departments; the region with its 7 prefectures and 74 counties (GB/T 2260 codes from
//! the statistics bureau's 2023 list); and one account per role. People appear by position
//! only, never by personal name.

use crate::{App, AppError};
use pacesetter_domain::{
    Role, Timestamp, UnitKind,
    unit::{Unit, UnitFields},
};
use pacesetter_store::{Conn, grants, units, users};

pub mod contests;
pub mod evaluation;
pub mod exhibition;
pub mod inspection;
pub mod meetings;
mod plan;
pub mod quiz;

/// The password of every demo account (printed at start; demo mode only).
pub const DEMO_PASSWORD: &str = "pacesetter-demo";

const DIVISIONS: &str = include_str!("../../data/tibet-divisions.csv");

/// Tibetan names attested in public Tibetan-language sources (see TIBETAN.md §3); the others
/// wait for the office's official bilingual list rather than being invented.
fn tibetan_name(code: &str) -> Option<&'static str> {
    match code {
        "540000" => Some("བོད་རང་སྐྱོང་ལྗོངས།"),
        "540100" => Some("ལྷ་ས་གྲོང་ཁྱེར"),
        "540500" => Some("ལྷོ་ཁ་གྲོང་ཁྱེར"),
        "540600" => Some("ནག་ཆུ་གྲོང་ཁྱེར"),
        _ => None,
    }
}

/// Short names offices write in their sheets for the demo's units.
fn aliases(code: &str) -> &'static [&'static str] {
    match code {
        "ZXB" => &["自治区创建专项办", "创建专项办", "专项办"],
        "CY-ZZB" => &["区党委组织部"],
        "CY-FGW" => &["区发改委", "自治区发改委"],
        "CY-XCB" => &["区党委宣传部"],
        "CY-TW" => &["团区委"],
        "CY-WL" => &["区文联", "自治区文联"],
        "CY-MT" => &["区媒体集团"],
        "CY-TZB" => &["区党委统战部"],
        "CY-MZW" => &["区民委", "自治区民委"],
        _ => &[],
    }
}

fn english_name(code: &str) -> Option<&'static str> {
    match code {
        "540000" => Some("Xizang Autonomous Region"),
        "540100" => Some("Lhasa"),
        "540200" => Some("Xigazê"),
        "540300" => Some("Qamdo"),
        "540400" => Some("Nyingchi"),
        "540500" => Some("Shannan"),
        "540600" => Some("Nagqu"),
        "542500" => Some("Ngari Prefecture"),
        _ => None,
    }
}

/// A demo account: username, position shown as its name, home unit, roles with their units.
type DemoAccount<'a> = (&'a str, &'a str, &'a Unit, &'a [(Role, &'a Unit)]);

struct Seed<'a> {
    conn: &'a mut Conn,
    now: Timestamp,
}

impl Seed<'_> {
    async fn unit(
        &mut self,
        parent: Option<&Unit>,
        kind: UnitKind,
        code: &str,
        name: &str,
        category: Option<&str>,
    ) -> Result<Unit, AppError> {
        let fields = UnitFields {
            kind,
            code: Some(code.to_owned()),
            name: name.to_owned(),
            name_bo: tibetan_name(code).map(str::to_owned),
            name_en: english_name(code).map(str::to_owned),
            category: category.map(str::to_owned),
            aliases: aliases(code).iter().map(|a| (*a).to_owned()).collect(),
        };
        Ok(units::insert(self.conn, parent, &fields, self.now).await?)
    }
}

/// Whether the database already holds units (then the demo is not seeded again).
pub async fn is_seeded(app: &App) -> Result<bool, AppError> {
    let mut conn = app.store.read().await?;
    Ok(!units::roots(&mut conn).await?.is_empty())
}

/// Loads the demo organisation and accounts in one transaction.
pub async fn seed(app: &App) -> Result<(), AppError> {
    // Hash once: every demo account shares the printed password.
    let hash = {
        let password = DEMO_PASSWORD.to_owned();
        tokio::task::spawn_blocking(move || crate::hash_password(&password))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))??
    };
    let mut tx = app.store.write().await?;
    let now = Timestamp::now();
    let mut seed = Seed { conn: &mut tx, now };

    let group = seed.unit(None, UnitKind::SteeringGroup, "ZXZ", "民族团结进步模范区创建专项组", None).await?;
    let office = seed.unit(Some(&group), UnitKind::Office, "ZXB", "专项组办公室", None).await?;
    let lead = "牵头部门";
    let groups = [
        ("ZNZ-01", "综合协调组", vec![("CY-ZZB", "自治区党委组织部"), ("CY-FGW", "自治区发展和改革委员会")]),
        (
            "ZNZ-02",
            "宣传教育组",
            vec![
                ("CY-XCB", "自治区党委宣传部"),
                ("CY-JYT", "自治区教育厅"),
                ("CY-TW", "共青团西藏自治区委员会"),
                ("CY-WL", "西藏自治区文学艺术界联合会"),
                ("CY-MT", "自治区媒体集团"),
            ],
        ),
        ("ZNZ-03", "督导考评组", vec![("CY-TZB", "自治区党委统战部"), ("CY-MZW", "自治区民族事务委员会")]),
    ];
    for (code, name, members) in groups {
        let functional = seed.unit(Some(&office), UnitKind::FunctionalGroup, code, name, None).await?;
        for (member_code, member_name) in members {
            seed.unit(Some(&functional), UnitKind::MemberUnit, member_code, member_name, Some(lead)).await?;
        }
    }

    let mut region = None;
    let mut prefectures: Vec<(String, Unit)> = Vec::new();
    for line in DIVISIONS.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        let [code, name, level, parent] = cells[..] else { continue };
        match level {
            "province" => region = Some(seed.unit(None, UnitKind::Region, code, name, None).await?),
            "prefecture" => {
                let parent_unit = region.as_ref().filter(|r| r.code.as_deref() == Some(parent));
                let unit = seed.unit(parent_unit, UnitKind::Prefecture, code, name, Some("地市")).await?;
                prefectures.push((code.to_owned(), unit));
            }
            "county" => {
                let Some((_, prefecture)) = prefectures.iter().find(|(c, _)| c == parent) else { continue };
                let prefecture = prefecture.clone();
                seed.unit(Some(&prefecture), UnitKind::County, code, name, None).await?;
            }
            // Statistical development zones are not counties; the campaign leaves them out.
            _ => {}
        }
    }
    let region = region.ok_or(AppError::Internal("the division list has no region".into()))?;
    let lhasa = prefectures
        .iter()
        .find(|(c, _)| c == "540100")
        .map(|(_, u)| u.clone())
        .ok_or(AppError::Internal("no Lhasa".into()))?;

    let accounts: [DemoAccount; 6] = [
        ("admin", "系统管理员", &office, &[(Role::Admin, &group), (Role::Admin, &region)]),
        ("office", "专项办工作人员", &office, &[(Role::Coordinator, &office), (Role::Coordinator, &region)]),
        ("lhasa", "拉萨市联络员", &lhasa, &[(Role::Liaison, &lhasa)]),
        ("inspector", "督导组成员", &office, &[(Role::Inspector, &region)]),
        ("judge1", "评委（一号）", &office, &[(Role::Judge, &region)]),
        ("viewer", "专项组领导", &group, &[(Role::Viewer, &group), (Role::Viewer, &region)]),
    ];
    for (username, display_name, home, roles) in accounts {
        let new = users::NewUser { username, display_name, password_hash: &hash, unit_id: home.id, locale: None };
        let user = users::insert(&mut tx, &new, now).await?;
        for (role, unit) in roles {
            grants::insert(&mut tx, user.id, *role, unit.id, now).await?;
        }
    }
    // A liaison for each of the other prefectures, so that every heat of the plan has someone
    // reporting on it (positions, not names).
    for (username, code) in [
        ("shigatse", "540200"),
        ("qamdo", "540300"),
        ("nyingchi", "540400"),
        ("shannan", "540500"),
        ("nagqu", "540600"),
        ("ngari", "542500"),
    ] {
        let Some((_, prefecture)) = prefectures.iter().find(|(c, _)| c == code) else { continue };
        let display_name = format!("{}联络员", prefecture.name);
        let new = users::NewUser {
            username,
            display_name: &display_name,
            password_hash: &hash,
            unit_id: prefecture.id,
            locale: None,
        };
        let user = users::insert(&mut tx, &new, now).await?;
        grants::insert(&mut tx, user.id, Role::Liaison, prefecture.id, now).await?;
    }
    plan::seed(&mut tx, office.id, time::macros::date!(2023 - 06 - 30), now).await?;
    let who = crate::audit::Who { id: None, name: "demo", origin: &crate::Origin::default() };
    let note = serde_json::json!({ "units": "demo organisation and territory", "accounts": 6 });
    crate::audit::record::<(), _>(&mut tx, who, "demo.seed", ("demo", None), None, Some(&note)).await?;
    tx.commit().await?;
    Ok(())
}

/// The demo's campaign of 2023, which the evaluation, inspections and contests belong to.
pub(crate) async fn campaign_2023(
    conn: &mut pacesetter_store::Conn,
) -> Result<pacesetter_domain::plan::Campaign, AppError> {
    pacesetter_store::campaigns::all(conn)
        .await?
        .into_iter()
        .find(|c| c.year == 2023)
        .ok_or_else(|| AppError::Internal("the demo campaign is missing".into()))
}

/// The demo's campaign of 2023 and its units of `kind` (prefectures, counties) that `office` sees.
pub(crate) async fn campaign_and_units(
    app: &App,
    office: &crate::Actor,
    kind: pacesetter_domain::UnitKind,
) -> Result<(pacesetter_domain::plan::Campaign, Vec<pacesetter_domain::unit::Unit>), AppError> {
    let mut conn = app.store.read().await?;
    let campaign = campaign_2023(&mut conn).await?;
    let filter = pacesetter_store::units::UnitFilter {
        within: office.scope.roots(pacesetter_domain::Permission::ViewUnits),
        kind: Some(kind),
        parent: None,
        under: None,
        query: None,
        include_archived: false,
        order: Default::default(),
        offset: 0,
        limit: 500,
    };
    Ok((campaign, pacesetter_store::units::list(&mut conn, &filter).await?.0))
}

/// A demo account acting as itself, so that what the demo writes is checked and audited like
/// real work.
pub(crate) async fn actor(app: &App, username: &str) -> Result<crate::Actor, AppError> {
    let mut conn = app.store.read().await?;
    let user = users::find_by_username(&mut conn, username)
        .await?
        .ok_or_else(|| AppError::Internal(format!("no demo account {username}")))?;
    let scope = pacesetter_domain::permission::Scope::new(grants::scope_of(&mut conn, user.id).await?);
    Ok(crate::Actor { user, scope, origin: crate::Origin::default() })
}
