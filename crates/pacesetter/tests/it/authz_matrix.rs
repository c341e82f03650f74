//! The route-inventory authorization test: every route has a matrix entry (the router
//! refuses to build otherwise), and every entry is exercised for every role against its own
//! unit, a sibling unit, a unit of another prefecture, and anonymously.

use axum::http::{Method, StatusCode};
use pacesetter_domain::{Permission, Role, Timestamp, UserId};
use pacesetter_testkit::{Auth, TestApp, TestResponse, backend_test};
use pacesetter_web::authz::{Access, Entry, Target, matrix};

use crate::authz_fixtures::{
    EVALUATION_SCHEME, Place, code_of, contest_fixture, evaluation_fixture, inspection_fixture, meeting_fixture,
    plan_fixture, quiz_fixture,
};

/// A photo of a finding, as a phone takes it.
pub(crate) const PHOTO: &[u8] = include_bytes!("../../../domain/fixtures/photo-gps.jpg");

/// The smallest file the evidence library accepts.
const PDF: &[u8] = b"%PDF-1.4\n%%EOF\n";

/// A sheet with one row that can never be committed: a unit cannot sit under a county.
const IMPORT_SHEET: &[u8] = "编码,名称,类型,上级编码\nX-1,无效,县区,540102\n".as_bytes();

mod calls;

fn permission(entry: &Entry) -> Permission {
    match entry.permission.as_deref().expect("the entry names a permission") {
        "view_units" => Permission::ViewUnits,
        "manage_units" => Permission::ManageUnits,
        "manage_users" => Permission::ManageUsers,
        "manage_grants" => Permission::ManageGrants,
        "view_audit" => Permission::ViewAudit,
        "manage_plans" => Permission::ManagePlans,
        "report_progress" => Permission::ReportProgress,
        "review_progress" => Permission::ReviewProgress,
        "inspect" => Permission::Inspect,
        "judge" => Permission::Judge,
        "manage_translations" => Permission::ManageTranslations,
        other => panic!("unknown permission {other} in authz_matrix.toml"),
    }
}

pub(crate) struct World {
    pub(crate) t: TestApp,
    /// A user homed at each place, to aim user routes at.
    residents: Vec<(Place, UserId)>,
    /// The account of each role, all granted on the own county.
    role_users: Vec<(Role, UserId)>,
    /// At each place: a campaign run by that county, a key task, and its assignment there.
    plans: Vec<(Place, i64, i64, i64)>,
    /// At each place: a file in that county's library.
    files: Vec<(Place, i64)>,
    /// At each place: an evaluation of that county's campaign, its published run, an open appeal.
    evaluations: Vec<(Place, i64, i64, i64)>,
    /// Per place: (place, round, checklist point, finding, rectification item).
    inspections: Vec<(Place, i64, i64, i64, i64)>,
    /// Per place: (place, contest, open round, entry on stage, a judge's score). The judge
    /// role's account sits on the panel at the own place only.
    contests: Vec<(Place, i64, i64, i64, i64)>,
    /// Per place: (place, open quiz, its first team, an answer).
    quizzes: Vec<(Place, i64, i64, i64)>,
    meetings: Vec<(Place, i64, i64, i64)>,
    counter: std::sync::atomic::AtomicUsize,
}

impl World {
    pub(crate) async fn new(backend: pacesetter_store::Backend) -> Self {
        let t = TestApp::new(backend).await;
        let hash = pacesetter_app::hash_password(pacesetter_app::demo::DEMO_PASSWORD).unwrap();
        let mut tx = t.db.store.write().await.unwrap();
        let mut residents = Vec::new();
        for place in [Place::Own, Place::Sibling, Place::OtherPrefecture] {
            let unit = pacesetter_store::units::find_by_code(&mut tx, code_of(place)).await.unwrap().unwrap();
            let username = format!("resident-{}", code_of(place));
            let new = pacesetter_store::users::NewUser {
                username: &username,
                display_name: "居民账号",
                password_hash: &hash,
                unit_id: unit.id,
                locale: None,
            };
            residents.push((place, pacesetter_store::users::insert(&mut tx, &new, Timestamp::now()).await.unwrap().id));
        }
        let own = pacesetter_store::units::find_by_code(&mut tx, code_of(Place::Own)).await.unwrap().unwrap();
        let mut role_users = Vec::new();
        for role in Role::ALL {
            let username = format!("as-{}", role.as_str().replace('_', "-"));
            let new = pacesetter_store::users::NewUser {
                username: &username,
                display_name: "角色账号",
                password_hash: &hash,
                unit_id: own.id,
                locale: None,
            };
            let user = pacesetter_store::users::insert(&mut tx, &new, Timestamp::now()).await.unwrap();
            pacesetter_store::grants::insert(&mut tx, user.id, role, own.id, Timestamp::now()).await.unwrap();
            role_users.push((role, user.id));
        }
        let mut plans = Vec::new();
        for place in [Place::Own, Place::Sibling, Place::OtherPrefecture] {
            let unit = pacesetter_store::units::find_by_code(&mut tx, code_of(place)).await.unwrap().unwrap();
            plans.push(plan_fixture(&mut tx, place, &unit).await);
        }
        let mut files = Vec::new();
        let sha256 = t.app.files.put(PDF).unwrap();
        t.app.files.put(PHOTO).unwrap();
        let uploader = residents[0].1;
        for place in [Place::Own, Place::Sibling, Place::OtherPrefecture] {
            let unit = pacesetter_store::units::find_by_code(&mut tx, code_of(place)).await.unwrap().unwrap();
            let new = pacesetter_store::evidence::NewFile {
                unit: unit.id,
                title: "材料.pdf",
                sha256: &sha256,
                content_type: "application/pdf",
                size_bytes: PDF.len() as i64,
                uploaded_by: uploader,
            };
            files.push((
                place,
                pacesetter_store::evidence::insert_file(&mut tx, &new, Timestamp::now()).await.unwrap().0.id.0,
            ));
        }
        let (mut evaluations, mut inspections, mut contests, mut quizzes, mut meetings) =
            (Vec::new(), Vec::new(), Vec::new(), Vec::new(), Vec::new());
        let judge = role_users.iter().find(|(role, _)| *role == Role::Judge).map(|(_, id)| (*id, own.id));
        for place in [Place::Own, Place::Sibling, Place::OtherPrefecture] {
            let unit = pacesetter_store::units::find_by_code(&mut tx, code_of(place)).await.unwrap().unwrap();
            let campaign = plans.iter().find(|p| p.0 == place).unwrap().1;
            evaluations.push(evaluation_fixture(&mut tx, place, campaign, &unit, uploader).await);
            inspections.push(inspection_fixture(&mut tx, place, campaign, &unit, uploader).await);
            let panel = judge.filter(|_| place == Place::Own);
            contests.push(contest_fixture(&mut tx, place, campaign, &unit, (uploader, own.id), panel).await);
            quizzes.push(quiz_fixture(&mut tx, place, campaign, &unit, uploader).await);
            meetings.push(meeting_fixture(&mut tx, place, campaign, &unit, uploader).await);
        }
        // Drafts of the interface's Tibetan by a resident, for translators to review or remove.
        for key in ["meeting.heading", "meeting.none"] {
            let draft =
                pacesetter_store::translations::save_draft(&mut tx, "bo", key, "ཚོགས", uploader, Timestamp::now());
            draft.await.unwrap();
        }
        tx.commit().await.unwrap();
        Self {
            t,
            residents,
            role_users,
            plans,
            files,
            evaluations,
            inspections,
            contests,
            quizzes,
            meetings,
            counter: Default::default(),
        }
    }

    fn next(&self) -> usize {
        self.counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
    }

    async fn unit(&self, place: Place) -> pacesetter_domain::unit::Unit {
        let mut conn = self.t.db.store.read().await.unwrap();
        pacesetter_store::units::find_by_code(&mut conn, code_of(place)).await.unwrap().unwrap()
    }

    /// A fresh grant on the place's unit, so that each delete attempt has one to delete.
    /// An award of the place's contest to the place's unit, made for one call (which may take it
    /// back).
    async fn fresh_award(&self, place: Place) -> i64 {
        let unit = self.unit(place).await;
        let contest = pacesetter_domain::ids::ContestId(self.contest_at(place).1);
        let by = self.residents.iter().find(|(p, _)| *p == place).unwrap().1;
        let mut tx = self.t.db.store.write().await.unwrap();
        let title = format!("优秀组织奖{}", self.next());
        let award = pacesetter_store::contests::insert_award(&mut tx, contest, unit.id, &title, by, Timestamp::now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        award.id.0
    }

    async fn fresh_grant(&self, place: Place) -> i64 {
        let unit = self.unit(place).await;
        let user = self.residents.iter().find(|(p, _)| *p == place).unwrap().1;
        let mut tx = self.t.db.store.write().await.unwrap();
        // Not the admin role, whose revocation needs more than `manage_grants`.
        let role = Role::ALL[1 + self.next() % (Role::ALL.len() - 1)];
        let existing = pacesetter_store::grants::on_unit(&mut tx, unit.id)
            .await
            .unwrap()
            .into_iter()
            .find(|g| g.user_id == user && g.role == role);
        let grant = match existing {
            Some(grant) => grant,
            None => pacesetter_store::grants::insert(&mut tx, user, role, unit.id, Timestamp::now()).await.unwrap(),
        };
        tx.commit().await.unwrap();
        grant.id.0
    }

    fn inspection_at(&self, place: Place) -> (Place, i64, i64, i64, i64) {
        *self.inspections.iter().find(|e| e.0 == place).unwrap()
    }

    fn contest_at(&self, place: Place) -> (Place, i64, i64, i64, i64) {
        *self.contests.iter().find(|e| e.0 == place).unwrap()
    }

    fn quiz_at(&self, place: Place) -> (Place, i64, i64, i64) {
        *self.quizzes.iter().find(|e| e.0 == place).unwrap()
    }

    fn meeting_at(&self, place: Place) -> (Place, i64, i64, i64) {
        *self.meetings.iter().find(|e| e.0 == place).unwrap()
    }

    fn evaluation_at(&self, place: Place) -> (Place, i64, i64, i64) {
        *self.evaluations.iter().find(|e| e.0 == place).unwrap()
    }

    fn plan_at(&self, place: Place) -> (Place, i64, i64, i64) {
        *self.plans.iter().find(|p| p.0 == place).unwrap()
    }

    /// An import owned by `owner`, of a sheet whose only row cannot be committed (a unit under
    /// a county), so that a commit attempt changes nothing.
    async fn fresh_import(&self, owner: UserId) -> i64 {
        let mut tx = self.t.db.store.write().await.unwrap();
        let new = pacesetter_store::imports::NewImport {
            kind: "units",
            user: owner,
            filename: "t.csv",
            sha256: "sha",
            content: IMPORT_SHEET,
            options_json: None,
        };
        let id = pacesetter_store::imports::insert(&mut tx, new, Timestamp::now()).await.unwrap();
        tx.commit().await.unwrap();
        id
    }
}

/// True when the response refused the caller for who they are (not for what they sent).
fn refused(response: &TestResponse) -> bool {
    let to_login = response.status == StatusCode::SEE_OTHER
        && response.header("location").is_some_and(|l| l.starts_with("/login"));
    // A form where the unit is typed as a code answers an out-of-scope code exactly as a typo:
    // "unit not found" beside the field.
    let unknown_unit_field = response.status == StatusCode::UNPROCESSABLE_ENTITY
        && response.text().contains("id=\"unit_code-error\">")
        && !response.text().contains("id=\"unit_code-error\"></p>");
    to_login
        || unknown_unit_field
        || matches!(response.status, StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN | StatusCode::NOT_FOUND)
}

fn expected_allowed(entry: &Entry, role: Option<Role>, place: Place) -> bool {
    match (entry.access, role) {
        (Access::Public, _) => true,
        // The inventory's identities hold no waiting sign-in: back to the password
        // (tests/it/second_factor.rs walks the routes with one).
        (Access::SignInStep, _) => false,
        (_, None) => false,
        (Access::SignedIn, Some(_)) => true,
        (Access::Scoped, Some(role)) => permission(entry).held_by(role) && place == Place::Own,
        (Access::Holds, Some(role)) => permission(entry).held_by(role),
        (Access::Owner, Some(role)) => permission(entry).held_by(role) && place == Place::Own,
        // The fixtures' campaigns are each run by the county at their place.
        (Access::Campaign, Some(role)) => permission(entry).held_by(role) && place == Place::Own,
        // The judge role's account sits on the own place's panel only.
        (Access::Panel, Some(role)) => permission(entry).held_by(role) && place == Place::Own,
        // The fixtures' venues are each hosted by the unit at their place, whose campaign it is.
        (Access::Venue, Some(role)) => {
            (permission(entry).held_by(role) || Permission::ManagePlans.held_by(role)) && place == Place::Own
        }
        (Access::Assignment, Some(role)) => {
            let permission = permission(entry);
            let runs_campaign = permission == Permission::ViewUnits && Permission::ManagePlans.held_by(role);
            place == Place::Own && (permission.held_by(role) || runs_campaign)
        }
    }
}

backend_test! {
    async fn every_route_answers_every_role_as_the_matrix_says(backend: Backend) {
        let entries = matrix().unwrap();
        let world = World::new(backend).await;
        let mut callers: Vec<(Option<Role>, Auth, Auth)> = vec![(None, Auth::None, Auth::None)];
        for role in Role::ALL {
            let username = format!("as-{}", role.as_str().replace('_', "-"));
            callers.push((Some(role), world.t.token(&username).await, world.t.session(&username).await));
        }
        let mut failures = Vec::new();
        let mut checked = 0;
        for entry in &entries {
            // Signing out and revoking the token end the credentials the rest of the run needs;
            // they are tested on their own.
            if entry.path == "/logout" || (entry.path == "/api/v1/auth/token" && entry.method == "DELETE") {
                continue;
            }
            let places: &[Place] = if entry.target == Target::None {
                &[Place::Own]
            } else {
                &[Place::Own, Place::Sibling, Place::OtherPrefecture]
            };
            for (role, token, session) in &callers {
                let auth = if entry.path.starts_with("/api/") { token } else { session };
                for place in places {
                    let response = world.call(entry, *place, auth, *role).await;
                    checked += 1;
                    assert!(
                        !response.status.is_server_error(),
                        "{} {} as {role:?} at {place:?}: {}",
                        entry.method,
                        entry.path,
                        response.text()
                    );
                    let allowed = !refused(&response);
                    if allowed != expected_allowed(entry, *role, *place) && std::env::var("AUTHZ_DEBUG").is_ok() {
                        eprintln!("{}", response.text());
                    }
                    if allowed != expected_allowed(entry, *role, *place) {
                        failures.push(format!(
                            "{} {} as {role:?} at {place:?}: {}",
                            entry.method, entry.path, response.status
                        ));
                    }
                }
            }
        }
        assert!(
            failures.is_empty(),
            "{} of {checked} cells differ from the matrix:\n{}",
            failures.len(),
            failures.join("\n")
        );
        assert!(checked > 500, "only {checked} requests");
        world.t.remove().await;
    }
}

#[test]
fn the_router_serves_exactly_the_routes_in_the_matrix() {
    let entries = matrix().unwrap();
    assert!(
        entries
            .iter()
            .all(|e| matches!(e.access, Access::Public | Access::SignInStep | Access::SignedIn)
                || e.permission.is_some())
    );
    // `router()` fails on a route without an entry, or an entry without a route.
    let listed: std::collections::BTreeSet<_> =
        entries.iter().map(|e| pacesetter_web::authz::RouteKey::new(&e.method, &e.path)).collect();
    assert_eq!(listed.len(), entries.len(), "no route is listed twice");
}
