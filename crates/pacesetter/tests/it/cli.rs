//! The command line, run as the real binary: configuration, migration, and the audit
//! verifier's exit codes, the font check.

use std::process::Command;

use pacesetter_store::Store;

fn pacesetter() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_pacesetter"));
    command.env_remove("PACESETTER_DATABASE_URL").env("PACESETTER_LOG", "warn");
    command
}

#[test]
fn config_example_prints_every_setting() {
    let output = pacesetter().args(["config", "example"]).output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8(output.stdout).unwrap();
    for setting in ["listen", "data_dir", "database_url", "secure_cookies", "session_idle_minutes", "log_format"] {
        assert!(text.contains(setting), "{setting} missing from:\n{text}");
    }
}

#[test]
fn fonts_names_each_missing_font_with_its_package() {
    let empty = std::env::temp_dir().join(format!("pacesetter-no-fonts-{}", std::process::id()));
    std::fs::create_dir_all(&empty).unwrap();
    let output = pacesetter().args(["fonts", "--dir"]).arg(&empty).output().unwrap();
    std::fs::remove_dir_all(&empty).unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("fonts-noto-cjk") && text.contains("fonts-noto-core"), "{text}");
    // The machines that run the tests have them (the PDF tests need them too).
    let output = pacesetter().args(["fonts", "--dir", "/usr/share/fonts"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stdout));
}

#[test]
fn a_bad_setting_is_named_and_refused() {
    let output = pacesetter().args(["migrate"]).env("PACESETTER_LOG_FORMAT", "xml").output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("log_format"));
    let output = pacesetter().args(["migrate", "--database", "mysql://db/x"]).output().unwrap();
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("not a supported database URL"));
}

#[tokio::test]
async fn audit_verify_exits_non_zero_naming_the_first_bad_record() {
    let dir = std::env::temp_dir().join(format!("pacesetter-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let data_dir = dir.to_str().unwrap().to_owned();
    let migrate = pacesetter().args(["migrate", "--data-dir", &data_dir]).output().unwrap();
    assert!(migrate.status.success(), "{}", String::from_utf8_lossy(&migrate.stderr));

    // Load the demo through the library, as `pacesetter demo` does, to have records to check.
    let store = Store::connect(&Store::sqlite_url(&dir)).await.unwrap();
    let config = pacesetter::Config { data_dir: dir.clone(), ..pacesetter::Config::default() };
    let app = pacesetter::server::app(&config, store.clone());
    pacesetter_app::demo::seed(&app).await.unwrap();

    let verify = pacesetter().args(["audit", "verify", "--data-dir", &data_dir]).output().unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
    assert!(String::from_utf8_lossy(&verify.stdout).contains("intact"));

    let mut conn = store.read().await.unwrap();
    sqlx::query("DROP TRIGGER audit_log_no_update").execute(&mut *conn).await.unwrap();
    sqlx::query("UPDATE audit_log SET actor_name = 'someone else' WHERE seq = 1").execute(&mut *conn).await.unwrap();
    drop(conn);
    store.close().await;
    let verify = pacesetter().args(["audit", "verify", "--data-dir", &data_dir]).output().unwrap();
    assert_eq!(verify.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&verify.stdout).contains("audit record 1"),
        "{}",
        String::from_utf8_lossy(&verify.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn evaluate_runs_a_scheme_on_files_and_names_a_bad_node() {
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/evaluation");
    let (scheme, entries) = (format!("{examples}/scheme.json"), format!("{examples}/entries.json"));
    let output = pacesetter()
        .args(["evaluate", "--scheme", &scheme, "--entries", &entries, "--format", "json"])
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let results: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(results[0]["unit"], 540100);
    assert_eq!(results[0]["final_score"], "93.80", "SCORING.md's worked example");
    assert_eq!(results[0]["grade"], "优秀");
    let table = pacesetter().args(["evaluate", "--scheme", &scheme, "--entries", &entries]).output().unwrap();
    assert!(String::from_utf8(table.stdout).unwrap().lines().nth(1).unwrap().contains("93.80"));

    let mut broken: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&scheme).unwrap()).unwrap();
    broken["nodes"][1]["points"] = "9".into();
    let path = std::env::temp_dir().join(format!("pacesetter-scheme-{}.json", std::process::id()));
    std::fs::write(&path, broken.to_string()).unwrap();
    let refused =
        pacesetter().args(["evaluate", "--scheme", path.to_str().unwrap(), "--entries", &entries]).output().unwrap();
    let _ = std::fs::remove_file(&path);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("checklist_does_not_add_up at node A1"));
}

#[test]
fn evaluate_reads_the_office_indicator_table_and_entries_as_sheets() {
    let examples = concat!(env!("CARGO_MANIFEST_DIR"), "/../../examples/evaluation");
    let entries = format!("{examples}/entries.csv");
    for scheme in ["scheme.xlsx", "scheme.csv"] {
        let scheme = format!("{examples}/{scheme}");
        let output = pacesetter()
            .args(["evaluate", "--scheme", &scheme, "--entries", &entries, "--format", "json"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        let results: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        // The worked example's base score; bonuses, deductions and vetoes are not in the sheet.
        assert_eq!(results[0]["unit"], 540100);
        assert_eq!(results[0]["final_score"], "90.80");
        assert_eq!(results.as_array().unwrap().len(), 4);
    }

    // Bad cells are listed by row and column; an inconsistent tree names the node.
    let path = std::env::temp_dir().join(format!("pacesetter-scheme-{}.csv", std::process::id()));
    std::fs::write(
        &path,
        "指标编码,上级编码,指标名称,分值,评分方法,评分参数\nA,,甲,10,,\nA1,A,乙,八,清单,4;4\nA2,A,丙,2,魔法,\n",
    )
    .unwrap();
    let refused =
        pacesetter().args(["evaluate", "--scheme", path.to_str().unwrap(), "--entries", &entries]).output().unwrap();
    let stderr = String::from_utf8_lossy(&refused.stderr).into_owned();
    assert_eq!(refused.status.code(), Some(2));
    assert!(stderr.contains("row 3 column D (分值): not_a_number"), "{stderr}");
    assert!(stderr.contains("row 4 column E (评分方法): unknown_rubric"), "{stderr}");
    std::fs::write(&path, "指标编码,上级编码,指标名称,分值,评分方法,评分参数\nA,,甲,10,,\nA1,A,乙,8,清单,4;4\n")
        .unwrap();
    let refused =
        pacesetter().args(["evaluate", "--scheme", path.to_str().unwrap(), "--entries", &entries]).output().unwrap();
    let _ = std::fs::remove_file(&path);
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("at node A"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
}

#[tokio::test]
async fn evaluate_reruns_the_demo_s_published_run_from_the_database() {
    let dir = std::env::temp_dir().join(format!("pacesetter-cli-run-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let data_dir = dir.to_str().unwrap().to_owned();
    let store = Store::connect(&Store::sqlite_url(&dir)).await.unwrap();
    let config = pacesetter::Config { data_dir: dir.clone(), ..pacesetter::Config::default() };
    let app = pacesetter::server::app(&config, store.clone());
    pacesetter_app::demo::seed(&app).await.unwrap();
    let (_, draft, published) = pacesetter_app::demo::evaluation::seed(&app).await.unwrap();
    store.close().await;

    for run in [published, draft] {
        let output = pacesetter()
            .args(["evaluate", "--run", &run.to_string(), "--data-dir", &data_dir, "--format", "json"])
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        assert!(String::from_utf8_lossy(&output.stderr).contains("byte for byte"));
        let results: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(results.as_array().unwrap().len(), 16, "7 prefectures and 9 lead departments");
    }
    let missing = pacesetter().args(["evaluate", "--run", "999999", "--data-dir", &data_dir]).output().unwrap();
    assert!(!missing.status.success());
    // Everything the demo's evaluation wrote is in the audit chain, intact.
    let verify = pacesetter().args(["audit", "verify", "--data-dir", &data_dir]).output().unwrap();
    assert!(verify.status.success(), "{}", String::from_utf8_lossy(&verify.stdout));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The real server on a free port, its standard error piped, once it accepts connections.
fn serve(name: &str, env: &[(&str, &str)]) -> (std::process::Child, u16, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("pacesetter-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let mut server = pacesetter()
        .args(["serve", "--listen", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(&dir)
        .envs(env.iter().copied())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "the server did not start");
        assert!(server.try_wait().unwrap().is_none(), "the server exited");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    (server, port, dir)
}

/// The server sets up its memory first thing (pacesetter-memory): transparent huge pages off,
/// since with them on a few small allocations while idle kept whole 2 MiB pages of the
/// allocator's arena resident.
#[cfg(target_os = "linux")]
#[test]
fn the_server_runs_without_transparent_huge_pages() {
    let (mut server, _, dir) = serve("thp", &[]);
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.id())).unwrap();
    server.kill().unwrap();
    server.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let thp = status.lines().find(|line| line.starts_with("THP_enabled:")).unwrap();
    assert_eq!(thp.split_whitespace().nth(1), Some("0"), "{thp}");
}

/// A line logged while a request is answered names it, with the id the response echoes; a line
/// logged outside one does not. As text and as JSON (logging.rs).
#[cfg(unix)]
#[test]
fn a_line_logged_while_answering_names_the_request() {
    use std::io::{Read, Write};
    for format in ["text", "json"] {
        let env = [("PACESETTER_LOG_FORMAT", format), ("PACESETTER_LOG", "info")];
        let (server, port, dir) = serve(&format!("log-{format}"), &env);
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
        // A cross-site form post with a session cookie: refused with a warning, before routing.
        stream
            .write_all(
                b"POST /logout HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: pacesetter_session=x\r\n\
                  Sec-Fetch-Site: cross-site\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            )
            .unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        assert!(response.starts_with("HTTP/1.1 403"), "{response}");
        let id = response.lines().find_map(|line| line.strip_prefix("x-request-id: ")).unwrap().trim().to_owned();
        // Stopped as an operator stops it, so that it logs its shutting down, outside any request.
        assert!(Command::new("kill").arg(server.id().to_string()).status().unwrap().success());
        let output = server.wait_with_output().unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let log = String::from_utf8(output.stderr).unwrap();
        let refused =
            log.lines().find(|line| line.contains("cross-site request refused")).unwrap_or_else(|| panic!("{log}"));
        let shutting_down = log.lines().find(|line| line.contains("shutting down")).unwrap_or_else(|| panic!("{log}"));
        if format == "text" {
            let named = format!(
                " WARN request{{method=POST path=/logout request_id={id}}}: pacesetter_web::security: cross-site request refused"
            );
            assert!(refused.contains(&named), "{refused}");
            assert!(!shutting_down.contains("request{"), "{shutting_down}");
        } else {
            let refused: serde_json::Value = serde_json::from_str(refused).unwrap();
            assert_eq!(refused["level"], "WARN");
            assert_eq!(refused["target"], "pacesetter_web::security");
            assert_eq!(refused["fields"]["message"], "cross-site request refused");
            assert_eq!(refused["fields"]["fetch_site"], "Some(\"cross-site\")");
            assert_eq!(refused["request"], serde_json::json!({"id": id, "method": "POST", "path": "/logout"}));
            let shutting_down: serde_json::Value = serde_json::from_str(shutting_down).unwrap();
            assert_eq!(shutting_down["fields"]["message"], "shutting down");
            assert!(shutting_down.get("request").is_none(), "{shutting_down}");
        }
    }
}
