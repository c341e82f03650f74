//! The deployment's own translations (issue 18) on every backend: an admin edits a Tibetan
//! string (a draft, its placeholders kept), a second admin reviews it, and from then on the
//! interface shows it — on this instance at once, on another when it reads the revision;
//! coverage moves with it; what is refused keeps nothing.

use axum::http::{Method, StatusCode};
use pacesetter_domain::{Role, Timestamp};
use pacesetter_testkit::{TestApp, backend_test};
use serde_json::json;

/// A second admin whose interface is in Tibetan: the reviewer.
async fn tibetan_admin(t: &TestApp) {
    t.tibetan_reader("translator", Role::Admin, "ZXB").await;
}

fn code_of(response: &pacesetter_testkit::TestResponse) -> (StatusCode, String) {
    let body = response.json();
    let code = body["error"]["details"][0]["code"].as_str().or(body["error"]["code"].as_str()).unwrap_or_default();
    (response.status, code.to_owned())
}

/// The heading of the meetings page as a Tibetan reader sees it.
async fn meetings_heading(t: &TestApp, auth: &pacesetter_testkit::Auth) -> String {
    let page = t.get("/meetings", auth).await.text();
    page.split("<h1>").nth(1).and_then(|rest| rest.split("</h1>").next()).unwrap_or_default().to_owned()
}

backend_test! {
    async fn an_edit_is_shown_once_a_second_translator_reviewed_it(t) {
        tibetan_admin(&t).await;
        let (admin, translator) = (t.token("admin").await, t.token("translator").await);
        let reader = t.session("translator").await;
        let before = meetings_heading(&t, &reader).await;
        assert_eq!(before, "推进会", "not translated yet: the Chinese stands in");
        let coverage = |body: serde_json::Value| body[0]["coverage"].clone();
        let at_first = coverage(t.get("/api/v1/translations/coverage", &admin).await.json());
        let missing = t.get("/api/v1/translations?locale=bo&state=missing&q=meeting.heading", &admin).await.json();
        assert_eq!(missing["items"][0]["key"], "meeting.heading", "{missing}");

        // Refused, and nothing kept: placeholders dropped, Chinese (the source), an unknown key,
        // a control character, and anyone who is not an admin.
        let edit = |key: &str| format!("/api/v1/translations/bo/{key}");
        let dropped = t.json(Method::PUT, &edit("translations.total"), &admin, json!({"text": "ཡོད།"})).await;
        assert_eq!(code_of(&dropped), (StatusCode::UNPROCESSABLE_ENTITY, "placeholders_differ".into()));
        let source = t.json(Method::PUT, "/api/v1/translations/zh-Hans/meeting.heading", &admin, json!({"text": "会"})).await;
        assert_eq!(code_of(&source), (StatusCode::UNPROCESSABLE_ENTITY, "source_language".into()));
        let unknown = t.json(Method::PUT, &edit("no.such.key"), &admin, json!({"text": "ཚོགས"})).await;
        assert_eq!(code_of(&unknown), (StatusCode::NOT_FOUND, "translation_not_found".into()));
        let control = t.json(Method::PUT, &edit("meeting.heading"), &admin, json!({"text": "ཚོགས\u{0}"})).await;
        assert_eq!(code_of(&control), (StatusCode::UNPROCESSABLE_ENTITY, "control_characters".into()));
        let office = t.token("office").await;
        assert_eq!(t.json(Method::PUT, &edit("meeting.heading"), &office, json!({"text": "ཚོགས"})).await.status, StatusCode::FORBIDDEN);
        assert_eq!(t.get("/api/v1/translations", &office).await.status, StatusCode::FORBIDDEN);

        // A draft is not shown yet, and its editor cannot review it.
        let text = "ཚོགས་འདུ།";
        let drafted = t.json(Method::PUT, &edit("meeting.heading"), &admin, json!({"text": text})).await;
        assert_eq!(drafted.status, StatusCode::OK, "{}", drafted.text());
        assert_eq!((drafted.json()["state"].as_str(), drafted.json()["in_force"].as_str()), (Some("draft"), Some("推进会")));
        assert_eq!(meetings_heading(&t, &reader).await, "推进会");
        let own = t.json(Method::POST, &format!("{}/review", edit("meeting.heading")), &admin, json!({})).await;
        assert_eq!(code_of(&own), (StatusCode::CONFLICT, "review_own_edit".into()));

        // Reviewed by the second: shown at once, counted as translated.
        let reviewed = t.json(Method::POST, &format!("{}/review", edit("meeting.heading")), &translator, json!({})).await;
        assert_eq!(reviewed.status, StatusCode::OK, "{}", reviewed.text());
        assert_eq!(reviewed.json()["in_force"], text);
        assert_eq!(meetings_heading(&t, &reader).await, text);
        let now = coverage(t.get("/api/v1/translations/coverage", &admin).await.json());
        assert_eq!(now["translated"].as_u64(), at_first["translated"].as_u64().map(|n| n + 1), "{at_first} → {now}");
        assert_eq!(now["missing"].as_u64(), at_first["missing"].as_u64().map(|n| n - 1));
        // Chinese and English readers are untouched.
        assert_eq!(meetings_heading(&t, &t.session("office").await).await, "推进会");

        // Removed: the shipped text stands again.
        let removed = t.json(Method::DELETE, &edit("meeting.heading"), &admin, json!({})).await;
        assert_eq!(removed.status, StatusCode::NO_CONTENT);
        assert_eq!(meetings_heading(&t, &reader).await, "推进会");
    }
}

backend_test! {
    async fn another_instances_review_is_read_from_the_revision(t) {
        tibetan_admin(&t).await;
        let reader = t.session("translator").await;
        // Written straight to the database, as another instance would.
        {
            let mut tx = t.db.store.write().await.unwrap();
            let users = pacesetter_store::users::find_by_username(&mut tx, "admin").await.unwrap().unwrap();
            let translator = pacesetter_store::users::find_by_username(&mut tx, "translator").await.unwrap().unwrap();
            let store = pacesetter_store::translations::save_draft(&mut tx, "bo", "meeting.heading", "ཚོགས་འདུ།", users.id, Timestamp::now());
            store.await.unwrap();
            pacesetter_store::translations::review(&mut tx, "bo", "meeting.heading", translator.id, Timestamp::now()).await.unwrap();
            tx.commit().await.unwrap();
        }
        assert_eq!(meetings_heading(&t, &reader).await, "推进会", "not read yet");
        pacesetter_web::refresh_translations(&t.app).await.unwrap();
        assert_eq!(meetings_heading(&t, &reader).await, "ཚོགས་འདུ།");

        // Another deployment served from the same process keeps its own texts.
        let other = TestApp::new(t.backend).await;
        tibetan_admin(&other).await;
        pacesetter_web::refresh_translations(&other.app).await.unwrap();
        assert_eq!(meetings_heading(&other, &other.session("translator").await).await, "推进会");
        assert_eq!(meetings_heading(&t, &reader).await, "ཚོགས་འདུ།");
    }
}

backend_test! {
    async fn the_translation_page_edits_in_place_and_keeps_a_refused_edit(t) {
        let admin = t.session("admin").await;
        let page = t.get("/translations?locale=bo&state=missing&area=meetings", &admin).await;
        assert_eq!(page.status, StatusCode::OK);
        let text = page.text();
        assert!(text.contains("meeting.heading") && text.contains("翻译覆盖率") && text.contains("བོད་སྐད་"), "{text}");
        let back = "/translations?locale=bo&state=missing&area=meetings&q=&page=1";
        let form = [("csrf", admin.csrf()), ("text", "{m} ཡོད།"), ("back", back)];
        let refused = t.form("/translations/bo/translations.total", &admin, &form).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let text = refused.text();
        assert!(text.contains("{m} ཡོད།") && text.contains("占位符"), "{text}");
        let form = [("csrf", admin.csrf()), ("text", "ཚོགས་འདུ།"), ("back", back)];
        let saved = t.form("/translations/bo/meeting.heading", &admin, &form).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text());
        assert!(saved.header("location").unwrap().starts_with(back));
        let drafts = t.get("/translations?locale=bo&state=draft", &admin).await.text();
        assert!(drafts.contains("meeting.heading") && drafts.contains("ཚོགས་འདུ།"), "{drafts}");
        assert!(!drafts.contains("/translations/bo/meeting.heading/review"), "its editor is not offered the review");
        assert!(t.get("/users", &admin).await.text().contains("href=\"/translations\""));

        // The whole language as a workbook for the translators' own tools, the draft beside the
        // text in force.
        let workbook = t.get("/translations/export.xlsx?locale=bo", &admin).await;
        assert_eq!(workbook.status, StatusCode::OK);
        let grid = pacesetter_export::read_sheet(&workbook.body).unwrap();
        let row = grid.rows.iter().map(|(_, cells)| cells).find(|cells| cells.first().map(String::as_str) == Some("meeting.heading"));
        let row = row.expect("the key's row");
        assert_eq!((row[1].as_str(), row[3].as_str(), row[4].as_str(), row[5].as_str()), ("推进会", "推进会", "ཚོགས་འདུ།", "待审"));
        assert!(grid.rows.len() > 1000, "every string: {}", grid.rows.len());
        assert_eq!(t.get("/api/v1/translations/export.xlsx?locale=bo", &t.token("office").await).await.status, StatusCode::FORBIDDEN);
    }
}

backend_test! {
    async fn a_workbook_round_trips_and_its_edits_come_back_as_drafts(t) {
        let admin = t.token("admin").await;
        let drafted = t.json(Method::PUT, "/api/v1/translations/bo/meeting.heading", &admin, json!({"text": "ཚོགས་འདུ།"})).await;
        assert_eq!(drafted.status, StatusCode::OK);
        // Exported and imported as it is: nothing changes.
        let workbook = t.get("/api/v1/translations/export.xlsx?locale=bo", &admin).await.body;
        let same = t.post_bytes("/api/v1/translations/import?locale=bo&commit=true", &admin, workbook.to_vec()).await;
        assert_eq!(same.status, StatusCode::OK, "{}", same.text());
        assert_eq!((same.json()["changes"].as_array().unwrap().len(), same.json()["stored"].as_u64()), (0, Some(0)), "{}", same.text());

        // A workbook with one good edit and one that drops a placeholder: previewed, and refused
        // whole until it is mended.
        let columns = ["键名", "中文原文", "英文", "当前生效", "待审", "状态"].map(String::from).to_vec();
        let row = |key: &str, text: &str| vec![key.to_owned(), String::new(), String::new(), String::new(), text.to_owned(), String::new()];
        let sheet = |rows: Vec<Vec<String>>| {
            let columns: Vec<pacesetter_export::table_xlsx::Column<'_>> =
                columns.iter().map(|c| pacesetter_export::table_xlsx::Column { heading: c, width: 20.0 }).collect();
            pacesetter_export::table_xlsx::write("界面翻译", "bo", &columns, &rows).unwrap()
        };
        let wrong = sheet(vec![row("meeting.agenda", "ལས་རིམ།"), row("translations.total", "ཡོད།")]);
        let preview = t.post_bytes("/api/v1/translations/import?locale=bo", &admin, wrong.clone()).await.json();
        let problems: Vec<&str> =
            preview["changes"].as_array().unwrap().iter().map(|c| c["problem"].as_str().unwrap_or("ok")).collect();
        assert_eq!(problems, ["ok", "placeholders_differ"], "{preview}");
        let refused = t.post_bytes("/api/v1/translations/import?locale=bo&commit=true", &admin, wrong).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.text());
        let drafts = t.get("/api/v1/translations?locale=bo&state=draft", &admin).await.json();
        assert_eq!(drafts["total"], 1, "nothing of the refused workbook was kept: {drafts}");

        let mended = sheet(vec![row("meeting.agenda", "ལས་རིམ།"), row("translations.total", "{n} ཡོད།")]);
        let stored = t.post_bytes("/api/v1/translations/import?locale=bo&commit=true", &admin, mended).await;
        assert_eq!(stored.json()["stored"], 2, "{}", stored.text());
        let drafts = t.get("/api/v1/translations?locale=bo&state=draft", &admin).await.json();
        assert_eq!(drafts["total"], 3);

        // The same from the page: the preview, then the drafts stored from its form.
        let session = t.session("admin").await;
        let workbook = sheet(vec![row("meeting.venues", "ཚོགས་ས།")]);
        let preview = t
            .multipart("/translations/import", &session, &[("csrf", session.csrf()), ("locale", "bo")], &[("file", "bo.xlsx", &workbook)])
            .await;
        assert_eq!(preview.status, StatusCode::OK, "{}", preview.text());
        assert!(preview.text().contains("ཚོགས་ས།") && preview.text().contains("/translations/import/commit"));
    }
}

backend_test! {
    async fn po_and_xliff_files_round_trip_for_the_translators_tools(t) {
        let admin = t.token("admin").await;
        let drafted = t.json(Method::PUT, "/api/v1/translations/bo/meeting.heading", &admin, json!({"text": "ཚོགས་འདུ།"})).await;
        assert_eq!(drafted.status, StatusCode::OK);

        // PO: the key as msgctxt, the Chinese as msgid, the draft marked fuzzy; attested text
        // shipped as it is, a missing one empty.
        let po = t.get("/api/v1/translations/export.po?locale=bo", &admin).await;
        assert_eq!(po.status, StatusCode::OK);
        assert!(po.header("content-type").unwrap().starts_with("text/x-gettext-translation"));
        let po = po.text();
        assert!(po.contains("#: /meetings\n#, fuzzy\nmsgctxt \"meeting.heading\"\nmsgid \"推进会\"\nmsgstr \"ཚོགས་འདུ།\""), "{po}");
        assert!(po.contains("msgctxt \"meeting.agenda\"\nmsgid \"议程\"\nmsgstr \"\"\n"), "not translated yet: empty");
        let same = t.post_bytes("/api/v1/translations/import?locale=bo", &admin, po.clone().into_bytes()).await;
        assert_eq!(same.status, StatusCode::OK, "{}", same.text());
        assert_eq!(same.json()["changes"].as_array().unwrap().len(), 0, "exported and read back: {}", same.text());

        // A translator fills two strings, one dropping its placeholder: previewed, refused whole.
        let filled = po
            .replace("msgctxt \"meeting.agenda\"\nmsgid \"议程\"\nmsgstr \"\"", "msgctxt \"meeting.agenda\"\nmsgid \"议程\"\nmsgstr \"ལས་རིམ།\"");
        let total = "msgctxt \"translations.total\"\nmsgid \"共 {n} 条\"\nmsgstr \"\"";
        assert!(filled.contains(total), "{filled}");
        let wrong = filled.replace(total, "msgctxt \"translations.total\"\nmsgid \"共 {n} 条\"\nmsgstr \"ཡོད།\"");
        let preview = t.post_bytes("/api/v1/translations/import?locale=bo", &admin, wrong.clone().into_bytes()).await.json();
        let problems: Vec<(&str, &str)> = preview["changes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| (c["key"].as_str().unwrap(), c["problem"].as_str().unwrap_or("ok")))
            .collect();
        assert_eq!(problems, [("meeting.agenda", "ok"), ("translations.total", "placeholders_differ")], "{preview}");
        let refused = t.post_bytes("/api/v1/translations/import?locale=bo&commit=true", &admin, wrong.into_bytes()).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let stored = t.post_bytes("/api/v1/translations/import?locale=bo&commit=true", &admin, filled.into_bytes()).await;
        assert_eq!(stored.json()["stored"], 1, "{}", stored.text());

        // XLIFF 2.0: both drafts as translated targets; read back, nothing changes.
        let xliff = t.get("/api/v1/translations/export.xliff?locale=bo", &admin).await;
        assert!(xliff.header("content-type").unwrap().starts_with("application/xliff+xml"));
        let xliff = xliff.text();
        assert!(xliff.contains("<xliff xmlns=\"urn:oasis:names:tc:xliff:document:2.0\" version=\"2.0\" srcLang=\"zh-Hans\" trgLang=\"bo\">"));
        assert!(xliff.contains("<unit id=\"meeting.agenda\">") && xliff.contains("<target>ལས་རིམ།</target>"), "{xliff}");
        let same = t.post_bytes("/api/v1/translations/import?locale=bo", &admin, xliff.clone().into_bytes()).await.json();
        assert_eq!(same["changes"].as_array().unwrap().len(), 0, "{same}");
        let edited = xliff.replace("<target>ལས་རིམ།</target>", "<target>ལས་རིམ་གསར་པ།</target>");
        let stored = t.post_bytes("/api/v1/translations/import?locale=bo&commit=true", &admin, edited.into_bytes()).await.json();
        assert_eq!(stored["stored"], 1, "{stored}");
        let agenda = t.get("/api/v1/translations?locale=bo&q=meeting.agenda&state=draft", &admin).await.json();
        assert_eq!(agenda["items"][0]["edited"], "ལས་རིམ་གསར་པ།", "{agenda}");

        // Damaged files are refused with a code, and keep nothing.
        for (bytes, code) in [
            (&b"msgctxt \"meeting.agenda\"\nmsgstr \"unterminated\n"[..], "file_damaged"),
            (&b"<xliff><unit id=\"meeting.agenda\"><target>x</target>"[..], "file_damaged"),
            (&b"<!DOCTYPE x [<!ENTITY a \"aaaa\">]><xliff>&a;</xliff>"[..], "file_damaged"),
        ] {
            let refused = t.post_bytes("/api/v1/translations/import?locale=bo&commit=true", &admin, bytes.to_vec()).await;
            assert_eq!(code_of(&refused), (StatusCode::UNPROCESSABLE_ENTITY, code.to_owned()), "{}", refused.text());
        }
        let office = t.token("office").await;
        assert_eq!(t.get("/api/v1/translations/export.po?locale=bo", &office).await.status, StatusCode::FORBIDDEN);
        let page = t.session("admin").await;
        let page_po = t.get("/translations/export.xliff?locale=bo", &page).await;
        assert_eq!(page_po.status, StatusCode::OK);
        assert!(t.get("/translations", &page).await.text().contains("/translations/export.po?locale=bo"));
    }
}
