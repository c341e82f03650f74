//! The request each route of the matrix is called with, aimed at a place, with a body those
//! allowed would have accepted (so that a refusal is for who calls, never for what is sent).

use super::*;

impl World {
    /// Sends the request an entry describes, aimed at `place`.
    pub(crate) async fn call(&self, entry: &Entry, place: Place, auth: &Auth, role: Option<Role>) -> TestResponse {
        let unit = self.unit(place).await;
        let resident = self.residents.iter().find(|(p, _)| *p == place).unwrap().1.0;
        let id = match entry.target {
            Target::User => resident,
            Target::Grant => self.fresh_grant(place).await,
            Target::Campaign => self.plan_at(place).1,
            Target::Task => self.plan_at(place).2,
            Target::Assignment => self.plan_at(place).3,
            Target::Evidence => self.files.iter().find(|(p, _)| *p == place).unwrap().1,
            Target::Evaluation => self.evaluation_at(place).1,
            Target::EvaluationRun => self.evaluation_at(place).2,
            Target::EvaluationAppeal => self.evaluation_at(place).3,
            Target::InspectionRound => self.inspection_at(place).1,
            Target::Finding => self.inspection_at(place).3,
            Target::Rectification => self.inspection_at(place).4,
            Target::Contest => self.contest_at(place).1,
            Target::ContestRound => self.contest_at(place).2,
            Target::ContestEntry => self.contest_at(place).3,
            Target::JudgeScore => self.contest_at(place).4,
            Target::ContestAward => self.fresh_award(place).await,
            Target::Quiz => self.quiz_at(place).1,
            Target::QuizEvent => self.quiz_at(place).3,
            Target::Meeting => self.meeting_at(place).1,
            Target::MeetingVenue => self.meeting_at(place).2,
            Target::MeetingAgendaItem => self.meeting_at(place).3,
            Target::Import => {
                let caller = role.and_then(|r| self.role_users.iter().find(|(ur, _)| *ur == r)).map(|(_, id)| *id);
                let owner = match (place, caller) {
                    (Place::Own, Some(caller)) => caller,
                    _ => UserId(resident),
                };
                self.fresh_import(owner).await
            }
            _ => unit.id.0,
        };
        let path =
            entry.path.replace("{id}", &id.to_string()).replace("{*file}", "app.css").replace("{*rest}", "index.html");
        // A round's target, in the path: the place's unit.
        let path = path.replace("{unit}", &unit.id.0.to_string());
        // An interface string with a draft by another translator: one to remove, one to review.
        let key = if entry.method == "DELETE" { "meeting.none" } else { "meeting.heading" };
        let path = path.replace("{locale}", "bo").replace("{key}", key);
        // A finding's photo: the one the fixture put on every finding.
        let path = path.replace("{sha256}", &pacesetter_domain::audit::sha256_hex(PHOTO));
        // The new-item form names its campaign in the query; a unit's evaluation entries and
        // explanation name the unit.
        let path = match entry.path.as_str() {
            "/plan-items/new" | "/evaluations/new" | "/inspection-rounds/new" => format!("{path}?campaign={id}"),
            "/evaluations/{id}/self" | "/evaluations/{id}/inspect" | "/evaluations/runs/{id}/explain" => {
                format!("{path}?unit_id={}", unit.id)
            }
            "/api/v1/evaluations/{id}/entries"
            | "/api/v1/evaluations/runs/{id}/explanation"
            | "/api/v1/inspection-rounds/{id}/sheet" => {
                format!("{path}?unit_id={}", unit.id)
            }
            _ => path,
        };
        let n = self.next();
        let code = unit.code.clone().unwrap_or_default();
        let version = unit.version.to_string();
        let is_api = path.starts_with("/api/");
        match (entry.method.as_str(), is_api) {
            ("GET", true) if entry.path == "/api/v1/evidence" => {
                self.t.get(&format!("/api/v1/evidence?unit={}", unit.id), auth).await
            }
            // A stream that never ends: its status and headers are the answer.
            ("GET", _) if entry.path == "/contest-rounds/{id}/events" || entry.path == "/quizzes/{id}/events" => {
                self.t.get_head(&path, auth).await
            }
            ("GET", _) => self.t.get(&path, auth).await,
            ("POST", true) if entry.path == "/api/v1/evidence" => {
                let mut request =
                    axum::http::Request::post(format!("/api/v1/evidence?unit={}&filename=a.pdf", unit.id));
                if let Auth::Bearer(token) = auth {
                    request = request.header("authorization", format!("Bearer {token}"));
                }
                self.t.send(request.body(axum::body::Body::from(PDF)).unwrap()).await
            }
            ("POST", false) if entry.path == "/assignments/{id}/update" => {
                let fields = [("csrf", auth.csrf()), ("version", "1"), ("percent", "10")];
                self.t.upload(&path, auth, &fields, "a.pdf", PDF).await
            }
            ("POST", true) if entry.path == "/api/v1/imports" => {
                let mut request = axum::http::Request::post("/api/v1/imports?kind=units&filename=t.csv");
                if let Auth::Bearer(token) = auth {
                    request = request.header("authorization", format!("Bearer {token}"));
                }
                self.t.send(request.body(axum::body::Body::from(IMPORT_SHEET)).unwrap()).await
            }
            ("POST", true) if entry.path == "/api/v1/evaluations/import" => {
                let campaign = self.plan_at(place).1;
                let mut request =
                    axum::http::Request::post(format!("/api/v1/evaluations/import?campaign={campaign}&name=n{n}"));
                if let Auth::Bearer(token) = auth {
                    request = request.header("authorization", format!("Bearer {token}"));
                }
                let sheet = format!("指标编码,指标名称,分值,评分方法,自评单位\nL1,达标,100,是否,{code}\n");
                self.t.send(request.body(axum::body::Body::from(sheet)).unwrap()).await
            }
            ("POST", false) if entry.path == "/campaigns/{id}/evaluations/import" => {
                let sheet = format!("指标编码,指标名称,分值,评分方法,自评单位\nL1,达标,100,是否,{code}\n");
                let fields = [("csrf", auth.csrf()), ("name", "导入方案")];
                self.t.upload(&path, auth, &fields, "s.csv", sheet.as_bytes()).await
            }
            ("POST", true) if entry.path == "/api/v1/findings/{id}/photos" => {
                let mut request = axum::http::Request::post(&path);
                if let Auth::Bearer(token) = auth {
                    request = request.header("authorization", format!("Bearer {token}"));
                }
                self.t.send(request.body(axum::body::Body::from(PHOTO)).unwrap()).await
            }
            ("PUT", true) if entry.path == "/api/v1/contest-entries/{id}/image" => {
                let mut request = axum::http::Request::put(&path);
                if let Auth::Bearer(token) = auth {
                    request = request.header("authorization", format!("Bearer {token}"));
                }
                self.t.send(request.body(axum::body::Body::from(PHOTO)).unwrap()).await
            }
            ("POST", false) if entry.path == "/contest-rounds/{id}/entries" => {
                let fields = [("csrf", auth.csrf()), ("contestant", "选手"), ("unit_code", code.as_str())];
                self.t.multipart(&path, auth, &fields, &[("image", "work.jpg", PHOTO)]).await
            }
            ("POST", false) if entry.path == "/findings/{id}/photos" => {
                self.t.multipart(&path, auth, &[("csrf", auth.csrf())], &[("photo", "site.jpg", PHOTO)]).await
            }
            ("POST", false) if entry.path == "/inspection-rounds/{id}/units/{unit}/findings" => {
                let fields =
                    [("csrf", auth.csrf()), ("severity", "minor"), ("category", "台账"), ("description", "缺失")];
                self.t.multipart(&path, auth, &fields, &[]).await
            }
            ("POST", false) if entry.path == "/findings/{id}/step" => {
                let fields = [("csrf", auth.csrf()), ("version", "1"), ("step", "respond"), ("text", "已整改")];
                self.t.multipart(&path, auth, &fields, &[]).await
            }
            ("POST", false) if entry.path == "/translations/import" => {
                let fields = [("csrf", auth.csrf()), ("locale", "bo")];
                self.t.upload(&path, auth, &fields, "bo.csv", "meeting.agenda,,,,ལས་རིམ།\n".as_bytes()).await
            }
            ("POST", false) if entry.path == "/translations/import/commit" => {
                let fields = [("csrf", auth.csrf()), ("locale", "bo"), ("key", "meeting.agenda"), ("text", "ལས་རིམ།")];
                self.t.multipart(&path, auth, &fields, &[]).await
            }
            ("POST", false) if entry.path == "/imports" => {
                self.t.upload(&path, auth, &[("csrf", auth.csrf()), ("kind", "units")], "t.csv", IMPORT_SHEET).await
            }
            ("DELETE", _) => self.t.json(Method::DELETE, &path, auth, serde_json::json!({})).await,
            (_, true) => {
                let body = match entry.path.as_str() {
                    "/api/v1/auth/token" => {
                        serde_json::json!({"username": "as-viewer", "password": pacesetter_app::demo::DEMO_PASSWORD})
                    }
                    "/api/v1/units" => {
                        serde_json::json!({"parent_id": unit.id.0, "kind": "member_unit", "name": format!("新单位{n}")})
                    }
                    "/api/v1/units/{id}" => serde_json::json!({"kind": "county", "name": unit.name, "code": code}),
                    // Within a county grant there is nowhere to move to: moving into itself is refused
                    // for what it asks (422), after the permission check passed.
                    "/api/v1/units/{id}/move" => serde_json::json!({"parent_id": unit.id.0}),
                    "/api/v1/users" => {
                        serde_json::json!({"username": format!("new-{n}"), "display_name": "新账号", "password": "grassland-horse-7", "unit_id": unit.id.0})
                    }
                    "/api/v1/users/{id}/grants" => serde_json::json!({"role": "viewer", "unit_id": unit.id.0}),
                    "/api/v1/users/{id}" => serde_json::json!({"display_name": "居民账号", "unit_id": unit.id.0}),
                    "/api/v1/campaigns" => {
                        serde_json::json!({"name": "新活动", "year": 2024, "starts_on": "2024-01-01", "ends_on": "2024-12-31",
                        "office_unit_id": unit.id.0, "levels": [{"name": "任务", "rollup": "weighted_mean", "is_task": true}]})
                    }
                    "/api/v1/campaigns/{id}" => {
                        serde_json::json!({"name": "改名", "year": 2023, "starts_on": "2023-01-01", "ends_on": "2023-12-31"})
                    }
                    "/api/v1/plan-items" => {
                        serde_json::json!({"campaign_id": self.plan_at(place).1, "title": format!("项目{n}")})
                    }
                    "/api/v1/plan-items/{id}" => {
                        serde_json::json!({"title": "任务", "lead_unit_id": unit.id.0, "starts_on": "2023-03-01", "due_on": "2023-09-30"})
                    }
                    "/api/v1/tasks/{id}/assignments" => serde_json::json!({"unit_ids": [unit.id.0]}),
                    "/api/v1/assignments/{id}/steps" => serde_json::json!({"step": "acknowledge"}),
                    "/api/v1/assignments/{id}/updates" => serde_json::json!({"percent": 10}),
                    "/api/v1/assignments/{id}/chase" => serde_json::json!({"message": "请加快进度"}),
                    "/api/v1/assignments/chase" => serde_json::json!({"ids": [self.plan_at(place).3]}),
                    "/api/v1/assignments/chase-notice" => serde_json::json!({"ids": [self.plan_at(place).3]}),
                    "/api/v1/assignments/review" => {
                        serde_json::json!({"ids": [self.plan_at(place).3], "step": "accept"})
                    }
                    "/api/v1/evidence/links" => {
                        serde_json::json!({"unit_id": unit.id.0, "url": "https://example.org/report"})
                    }
                    "/api/v1/users/{id}/password" => serde_json::json!({"password": "grassland-horse-7"}),
                    "/api/v1/evaluations" => {
                        serde_json::json!({"campaign_id": self.plan_at(place).1, "name": format!("考评{n}"),
                        "scheme": *EVALUATION_SCHEME, "units": []})
                    }
                    "/api/v1/evaluations/{id}" => {
                        serde_json::json!({"name": "考评", "scheme": *EVALUATION_SCHEME, "units": []})
                    }
                    "/api/v1/evaluations/{id}/self-entries" | "/api/v1/evaluations/{id}/inspector-entries" => {
                        serde_json::json!({"unit_id": unit.id.0, "leaf": "L1", "answer": {"kind": "met", "value": true}})
                    }
                    "/api/v1/evaluations/{id}/submissions" => serde_json::json!({"unit_id": unit.id.0}),
                    "/api/v1/evaluations/{id}/items" => serde_json::json!({"unit_id": unit.id.0,
                        "effect": {"kind": "bonus", "points": "1", "cap": "1"}, "source": "表彰"}),
                    "/api/v1/evaluations/{id}/finding-deductions" => serde_json::json!({"points_per_finding": "0.5"}),
                    "/api/v1/evaluations/runs/{id}/appeals" => {
                        serde_json::json!({"unit_id": unit.id.0, "reason": "复核"})
                    }
                    "/api/v1/evaluations/appeals/{id}/decision" => serde_json::json!({"decision": "upheld"}),
                    "/api/v1/campaigns/{id}/inspection-rounds" | "/api/v1/inspection-rounds/{id}" => {
                        serde_json::json!({"name": format!("督导{n}"), "starts_on": "2023-05-01", "ends_on": "2023-05-31"})
                    }
                    "/api/v1/inspection-rounds/{id}/teams" => {
                        serde_json::json!({"name": "督导组", "leader_id": resident})
                    }
                    "/api/v1/inspection-rounds/{id}/targets" => {
                        serde_json::json!({"targets": [{"unit_id": unit.id.0}]})
                    }
                    "/api/v1/inspection-rounds/{id}/checklist" => serde_json::json!({"items": [{"title": "要点"}]}),
                    "/api/v1/inspection-rounds/{id}/self-checks"
                    | "/api/v1/inspection-rounds/{id}/inspector-checks" => {
                        serde_json::json!({"unit_id": unit.id.0, "item_id": self.inspection_at(place).2, "status": "met"})
                    }
                    "/api/v1/inspection-rounds/{id}/self-inspections" => serde_json::json!({"unit_id": unit.id.0}),
                    "/api/v1/inspection-rounds/{id}/findings" => serde_json::json!({"unit_id": unit.id.0,
                        "severity": "minor", "category": "台账", "description": "缺失"}),
                    "/api/v1/rectifications/{id}/steps" => serde_json::json!({"step": "respond", "text": "已整改"}),
                    "/api/v1/rectifications/{id}/chase" => serde_json::json!({"message": "请按期整改"}),
                    "/api/v1/campaigns/{id}/contests" => serde_json::json!({"name": format!("演讲比赛{n}")}),
                    "/api/v1/campaigns/{id}/meetings" => serde_json::json!({"title": format!("推进会{n}"),
                        "starts_at": "2023-04-02T10:00:00+08:00", "mode": "video"}),
                    "/api/v1/meetings/{id}/venues" => serde_json::json!({"kind": "branch",
                        "name": format!("分会场{n}"), "host_unit_id": unit.id.0}),
                    "/api/v1/meetings/{id}/agenda-items" => serde_json::json!({"title": "部署", "minutes": 20}),
                    "/api/v1/meeting-venues/{id}/attendance/{unit}" => serde_json::json!({"attendance": "present"}),
                    "/api/v1/meeting-venues/{id}/link-test" => serde_json::json!({"ok": true}),
                    "/api/v1/meeting-agenda-items/{id}/summary" => serde_json::json!({"summary": "会议要求"}),
                    "/api/v1/translations/{locale}/{key}" => serde_json::json!({"text": format!("ཚོགས་འདུ{n}")}),
                    "/api/v1/meetings/{id}/amendments" => serde_json::json!({"text": "更正：城关区实到"}),
                    "/api/v1/meetings/{id}/decisions" => serde_json::json!({"title": format!("议定事项{n}"),
                        "lead_unit_id": unit.id.0, "due_on": "2030-12-31"}),
                    "/api/v1/contests/{id}/rounds" => serde_json::json!({"name": "预赛", "stage": "heat",
                        "criteria": [{"code": "content", "name": "内容", "max": "40"}]}),
                    "/api/v1/contest-rounds/{id}/judges" => serde_json::json!({"user_id": resident}),
                    "/api/v1/contests/{id}/awards" => {
                        serde_json::json!({"unit_id": unit.id.0, "title": format!("优秀组织奖{n}")})
                    }
                    "/api/v1/contest-rounds/{id}/entries" => {
                        serde_json::json!({"contestant": format!("选手{n}"), "unit_id": unit.id.0})
                    }
                    "/api/v1/contest-rounds/{id}/advance" => serde_json::json!({"move": "next"}),
                    "/api/v1/contest-entries/{id}/scores" => serde_json::json!({"idempotency_key": format!("k{n}"),
                        "criteria": [{"code": "content", "points": "35"}, {"code": "delivery", "points": "50"}]}),
                    "/api/v1/judge-scores/{id}/corrections" => serde_json::json!({"idempotency_key": format!("c{n}"),
                        "reason": "录入有误", "criteria": [{"code": "content", "points": "31"}, {"code": "delivery", "points": "50"}]}),
                    "/api/v1/contest-rounds/{id}/promote" => {
                        serde_json::json!({"to_round_id": self.contest_at(place).2})
                    }
                    "/api/v1/contest-rounds/{id}/bonus-items" => {
                        serde_json::json!({"evaluation_id": self.evaluation_at(place).1, "points": ["3", "2", "1"]})
                    }
                    "/api/v1/campaigns/{id}/quizzes" => serde_json::json!({"name": format!("知识竞赛{n}")}),
                    "/api/v1/meetings/{id}/title" => serde_json::json!({"title": format!("推进会{n}")}),
                    "/api/v1/contests/{id}/name" => serde_json::json!({"name": format!("演讲比赛{n}")}),
                    "/api/v1/quizzes/{id}/teams" => serde_json::json!({"unit_id": unit.id.0}),
                    "/api/v1/quizzes/{id}/advance" => serde_json::json!({"move": "close"}),
                    "/api/v1/quizzes/{id}/events" => serde_json::json!({"team_id": self.quiz_at(place).2,
                        "question": 2, "kind": "buzzer", "outcome": "wrong", "idempotency_key": format!("q{n}")}),
                    "/api/v1/quiz-events/{id}/void" => serde_json::json!({"reason": "裁判改判"}),
                    _ => serde_json::json!({}),
                };
                let method = Method::from_bytes(entry.method.as_bytes()).unwrap();
                let mut request = axum::http::Request::builder()
                    .method(method)
                    .uri(&path)
                    .header("content-type", "application/json")
                    .header("if-match", format!("\"{version}\""));
                if let Auth::Bearer(token) = auth {
                    request = request.header("authorization", format!("Bearer {token}"));
                }
                self.t.send(request.body(axum::body::Body::from(body.to_string())).unwrap()).await
            }
            (_, false) => {
                let csrf = auth.csrf().to_owned();
                let resident_text = resident.to_string();
                let fields: Vec<(&str, String)> = match entry.path.as_str() {
                    "/login" => {
                        vec![("username", "as-viewer".into()), ("password", pacesetter_app::demo::DEMO_PASSWORD.into())]
                    }
                    "/settings/language" => vec![("lang", "en".into())],
                    "/units" => vec![
                        ("csrf", csrf),
                        ("parent_id", unit.id.0.to_string()),
                        ("kind", "member_unit".into()),
                        ("name", format!("新单位{n}")),
                    ],
                    "/units/{id}" => vec![
                        ("csrf", csrf),
                        ("version", version),
                        ("kind", "county".into()),
                        ("name", unit.name.clone()),
                        ("code", code),
                    ],
                    "/units/{id}/archive" | "/units/{id}/restore" => vec![("csrf", csrf), ("version", version)],
                    // Into itself: refused for what it asks, after the permission check.
                    "/units/{id}/move" => vec![("csrf", csrf), ("version", version), ("parent_code", code)],
                    "/users" => vec![
                        ("csrf", csrf),
                        ("username", format!("form-{n}")),
                        ("display_name", "新账号".into()),
                        ("password", "grassland-horse-7".into()),
                        ("unit_code", code),
                    ],
                    "/users/{id}/grants" => vec![("csrf", csrf), ("role", "viewer".into()), ("unit_code", code)],
                    "/grants/{id}/delete" => vec![("csrf", csrf), ("user_id", resident_text)],
                    "/users/{id}" => vec![
                        ("csrf", csrf),
                        ("version", "1".into()),
                        ("display_name", "居民账号".into()),
                        ("unit_code", code),
                    ],
                    "/users/{id}/disable" | "/users/{id}/enable" => vec![("csrf", csrf), ("version", "1".into())],
                    "/users/{id}/password" => vec![("csrf", csrf), ("password", "grassland-horse-7".into())],
                    "/campaigns" => vec![
                        ("csrf", csrf),
                        ("name", format!("活动{n}")),
                        ("year", "2024".into()),
                        ("starts_on", "2024-01-01".into()),
                        ("ends_on", "2024-12-31".into()),
                        ("yellow_at", "10".into()),
                        ("red_at", "30".into()),
                        ("office_code", code),
                        ("level1", "任务".into()),
                        ("rule1", "weighted_mean".into()),
                    ],
                    "/plan-items" => vec![
                        ("csrf", csrf),
                        ("campaign_id", self.plan_at(place).1.to_string()),
                        ("title", format!("项目{n}")),
                    ],
                    "/plan-items/{id}" => vec![
                        ("csrf", csrf),
                        ("version", "1".into()),
                        ("title", "任务".into()),
                        ("lead_code", code),
                        ("starts_on", "2023-03-01".into()),
                        ("due_on", "2023-09-30".into()),
                    ],
                    "/plan-items/{id}/assign" => {
                        vec![("csrf", csrf), ("assign", "list".into()), ("assign_codes", code)]
                    }
                    "/assignments/{id}/step" => {
                        vec![("csrf", csrf), ("version", "1".into()), ("step", "acknowledge".into())]
                    }
                    "/assignments/{id}/chase" => vec![("csrf", csrf), ("message", "请加快进度".into())],
                    "/findings/{id}/chase" => vec![("csrf", csrf), ("message", "请按期整改".into())],
                    "/assignments/chase" => vec![
                        ("csrf", csrf),
                        ("ids", self.plan_at(place).3.to_string()),
                        ("back", "/assignments".into()),
                    ],
                    "/assignments/notice" => vec![("csrf", csrf), ("ids", self.plan_at(place).3.to_string())],
                    "/assignments/review" => vec![
                        ("csrf", csrf),
                        ("ids", self.plan_at(place).3.to_string()),
                        ("step", "accept".into()),
                        ("back", "/assignments".into()),
                    ],
                    "/evaluations" => vec![("csrf", csrf), ("campaign_id", self.plan_at(place).1.to_string())],
                    "/evaluations/{id}/self"
                    | "/evaluations/{id}/inspect"
                    | "/evaluations/{id}/submit"
                    | "/evaluations/{id}/items" => vec![("csrf", csrf), ("unit_id", unit.id.0.to_string())],
                    "/evaluations/runs/{id}/appeals" => {
                        vec![("csrf", csrf), ("unit_id", unit.id.0.to_string()), ("reason", "复核".into())]
                    }
                    "/evaluations/appeals/{id}/decision" => vec![("csrf", csrf), ("decision", "dismissed".into())],
                    // A new round of the place's campaign, or the fixture's round renamed.
                    "/inspection-rounds" | "/inspection-rounds/{id}" => vec![
                        ("csrf", csrf),
                        ("campaign_id", self.plan_at(place).1.to_string()),
                        ("version", "2".into()),
                        ("name", format!("督导{n}")),
                        ("starts_on", "2023-05-01".into()),
                        ("ends_on", "2023-05-31".into()),
                    ],
                    "/inspection-rounds/{id}/teams" => {
                        vec![("csrf", csrf), ("name", "督导组".into()), ("leader", resident_text)]
                    }
                    "/meetings" => vec![
                        ("csrf", csrf),
                        ("campaign_id", self.plan_at(place).1.to_string()),
                        ("title", format!("推进会{n}")),
                        ("starts_at", "2023-04-02T10:00".into()),
                        ("mode", "video".into()),
                    ],
                    "/meetings/{id}/venues" => vec![
                        ("csrf", csrf),
                        ("kind", "branch".into()),
                        ("name", format!("分会场{n}")),
                        ("host_code", code.clone()),
                    ],
                    "/meetings/{id}/agenda-items" => {
                        vec![("csrf", csrf), ("title", "部署".into()), ("minutes", "20".into())]
                    }
                    "/meeting-venues/{id}/attendance" => vec![
                        ("csrf", csrf),
                        ("unit_id", unit.id.0.to_string()),
                        ("attendance", "leave".into()),
                        ("reason", "外出学习".into()),
                    ],
                    "/meeting-venues/{id}/link-test" => vec![("csrf", csrf), ("ok", "1".into())],
                    "/meetings/{id}/close" => vec![("csrf", csrf), ("version", "1".into())],
                    "/meetings/{id}/title" | "/contests/{id}/name" => {
                        vec![("csrf", csrf), ("version", "1".into()), ("rename_zh", format!("新名称{n}"))]
                    }
                    "/translations/{locale}/{key}" => vec![("csrf", csrf), ("text", format!("ཚོགས་འདུ{n}"))],
                    "/meetings/{id}/amendments" => vec![("csrf", csrf), ("text", "更正：城关区实到".into())],
                    "/meetings/{id}/decisions" => vec![
                        ("csrf", csrf),
                        ("title", format!("议定事项{n}")),
                        ("lead_unit", unit.code.clone().unwrap_or_default()),
                        ("due_on", "2030-12-31".into()),
                    ],
                    "/meeting-agenda-items/{id}/summary" => vec![
                        ("csrf", csrf),
                        ("meeting_id", self.meeting_at(place).1.to_string()),
                        ("summary", "会议要求".into()),
                    ],
                    "/contests" => vec![
                        ("csrf", csrf),
                        ("campaign_id", self.plan_at(place).1.to_string()),
                        ("name", format!("演讲比赛{n}")),
                    ],
                    "/contests/{id}/rounds" => vec![
                        ("csrf", csrf),
                        ("name", "预赛".into()),
                        ("stage", "heat".into()),
                        ("criteria", "内容 40".into()),
                    ],
                    "/contest-rounds/{id}/judges" => vec![("csrf", csrf), ("username", "as-judge".into())],
                    "/contests/{id}/awards" => {
                        vec![("csrf", csrf), ("award_unit", code.clone()), ("award_title", format!("优秀组织奖{n}"))]
                    }
                    "/contest-awards/{id}/delete" => {
                        vec![("csrf", csrf), ("contest_id", self.contest_at(place).1.to_string())]
                    }
                    "/contest-rounds/{id}/draw" | "/contest-rounds/{id}/publish" => {
                        vec![("csrf", csrf), ("version", "1".into())]
                    }
                    "/contest-rounds/{id}/advance" => {
                        vec![("csrf", csrf), ("version", "1".into()), ("move", "next".into())]
                    }
                    "/contest-entries/{id}/scores" => vec![
                        ("csrf", csrf),
                        ("key", format!("page-{n}")),
                        ("c.content", "35".into()),
                        ("c.delivery", "50".into()),
                    ],
                    "/contest-rounds/{id}/promote" => {
                        vec![("csrf", csrf), ("to_round_id", self.contest_at(place).2.to_string())]
                    }
                    "/contest-rounds/{id}/corrections" => vec![
                        ("csrf", csrf),
                        ("key", format!("corr-{n}")),
                        ("entry_id", self.contest_at(place).3.to_string()),
                        ("judge_id", self.residents[0].1.0.to_string()),
                        ("c.content", "31".into()),
                        ("c.delivery", "50".into()),
                        ("reason", "录入有误".into()),
                    ],
                    "/contest-rounds/{id}/bonus-items" => vec![
                        ("csrf", csrf),
                        ("evaluation_id", self.evaluation_at(place).1.to_string()),
                        ("points", "3 2 1".into()),
                    ],
                    "/quizzes" => vec![
                        ("csrf", csrf),
                        ("campaign_id", self.plan_at(place).1.to_string()),
                        ("quiz_name", format!("知识竞赛{n}")),
                        ("base", "100".into()),
                        ("compulsory_points", "10".into()),
                        ("compulsory_penalty", "0".into()),
                        ("buzzer_points", "20".into()),
                        ("risk_values", "20 40 60".into()),
                    ],
                    "/quizzes/{id}/teams" => vec![("csrf", csrf), ("unit_code", code.clone())],
                    "/quizzes/{id}/advance" => vec![("csrf", csrf), ("version", "2".into()), ("move", "close".into())],
                    "/quizzes/{id}/answers" => vec![
                        ("csrf", csrf),
                        ("key", format!("page-q{n}")),
                        ("question", "2".into()),
                        ("team_id", self.quiz_at(place).2.to_string()),
                        ("kind", "buzzer".into()),
                        ("outcome", "correct".into()),
                    ],
                    "/quiz-events/{id}/void" => {
                        vec![("csrf", csrf), ("quiz_id", self.quiz_at(place).1.to_string()), ("reason", "改判".into())]
                    }
                    // The place's county stays the round's target, as the fixture made it.
                    "/inspection-rounds/{id}/targets" => vec![("csrf", csrf), ("unit", unit.id.0.to_string())],
                    "/evaluations/{id}/finding-deductions" => {
                        vec![("csrf", csrf), ("points_per_finding", "0.5".into())]
                    }
                    "/inspection-rounds/{id}/status" => {
                        vec![("csrf", csrf), ("version", "2".into()), ("status", "completed".into())]
                    }
                    "/inspection-rounds/{id}/units/{unit}/self" | "/inspection-rounds/{id}/units/{unit}/inspect" => {
                        vec![
                            ("csrf", csrf),
                            ("item_id", self.inspection_at(place).2.to_string()),
                            ("status", "met".into()),
                        ]
                    }
                    _ => vec![("csrf", csrf)],
                };
                let borrowed: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
                self.t.form(&path, auth, &borrowed).await
            }
        }
    }
}
