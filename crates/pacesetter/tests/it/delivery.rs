//! Reminders beyond the inbox: each person's email address and chat-bot webhook, delivered by
//! the real courier to a mail server and a webhook on 127.0.0.1, each message once however many
//! senders run, failures retried.

use std::sync::{Arc, Mutex};

use axum::http::{Method, StatusCode};
use pacesetter::{Config, delivery::RealCourier};
use pacesetter_app::reminders;
use pacesetter_testkit::{TestApp, backend_test};
use serde_json::{Value, json};
use tokio::{
    io::{AsyncBufReadExt, AsyncWriteExt, BufReader},
    net::TcpListener,
};

/// What the fake servers received.
#[derive(Default)]
struct Received {
    mails: Vec<String>,
    hooks: Vec<Value>,
}

/// A mail server that accepts everything and keeps each message's text (headers and body).
async fn smtp_server(received: Arc<Mutex<Received>>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        loop {
            let Ok((socket, _)) = listener.accept().await else { return };
            let received = received.clone();
            tokio::spawn(async move {
                let (read, mut write) = socket.into_split();
                let mut lines = BufReader::new(read).lines();
                write.write_all(b"220 test ESMTP\r\n").await.unwrap();
                let mut data: Option<String> = None;
                while let Ok(Some(line)) = lines.next_line().await {
                    if let Some(message) = data.as_mut() {
                        if line == "." {
                            received.lock().unwrap().mails.push(data.take().unwrap_or_default());
                            write.write_all(b"250 queued\r\n").await.unwrap();
                        } else {
                            message.push_str(&line);
                            message.push('\n');
                        }
                        continue;
                    }
                    let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
                    let answer: &[u8] = match verb.as_str() {
                        "EHLO" => b"250-test\r\n250 8BITMIME\r\n",
                        "DATA" => {
                            data = Some(String::new());
                            b"354 go on\r\n"
                        }
                        "QUIT" => {
                            write.write_all(b"221 bye\r\n").await.unwrap();
                            return;
                        }
                        _ => b"250 ok\r\n",
                    };
                    write.write_all(answer).await.unwrap();
                }
            });
        }
    });
    port
}

/// A webhook that keeps what `/hook` receives, and a `/flaky` one that always fails.
async fn webhook_server(received: Arc<Mutex<Received>>) -> u16 {
    use axum::{Json, Router, extract::State, routing::post};
    async fn hook(State(received): State<Arc<Mutex<Received>>>, Json(body): Json<Value>) -> StatusCode {
        received.lock().unwrap().hooks.push(body);
        StatusCode::OK
    }
    let router = Router::new()
        .route("/hook", post(hook))
        .route("/flaky", post(|| async { StatusCode::SERVICE_UNAVAILABLE }))
        .with_state(received);
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    port
}

fn config(smtp_port: u16) -> Config {
    Config {
        smtp_url: Some(format!("smtp://127.0.0.1:{smtp_port}")),
        public_url: Some("https://pacesetter.example.cn".into()),
        webhook_hosts: vec!["127.0.0.1".into()],
        ..Config::default()
    }
}

backend_test! {
    async fn reminders_reach_email_and_webhook_once_and_failures_are_retried(backend: Backend) {
        let received = Arc::new(Mutex::new(Received::default()));
        let smtp_port = smtp_server(received.clone()).await;
        let hook_port = webhook_server(received.clone()).await;
        let t = TestApp::with_config(backend, config(smtp_port)).await;
        received.lock().unwrap().mails.clear();
        received.lock().unwrap().hooks.clear();
        let courier = RealCourier::new(
            Some(&format!("smtp://127.0.0.1:{smtp_port}")),
            "Pacesetter <noreply@example.cn>",
            Some("https://pacesetter.example.cn"),
        )
        .unwrap();
        let lhasa = t.token("lhasa").await;
        let settings = json!({
            "due_soon": true, "overdue": true, "escalation": true,
            "email": "liaison@lhasa.example.cn",
            "webhook_url": format!("http://127.0.0.1:{hook_port}/hook"),
        });
        let saved = t.json(Method::PUT, "/api/v1/notifications/settings", &lhasa, settings).await;
        assert_eq!(saved.status, StatusCode::OK, "{}", saved.text());
        assert_eq!(saved.json()["email_available"], true);

        // A webhook on a host the operator did not list is refused, and nothing changes.
        let elsewhere = json!({"due_soon": false, "overdue": true, "escalation": true, "webhook_url": "https://hooks.example.org/x"});
        let refused = t.json(Method::PUT, "/api/v1/notifications/settings", &lhasa, elsewhere).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(refused.json()["error"]["details"][0]["code"], "webhook_host_not_allowed");
        let kept = t.get("/api/v1/notifications/settings", &lhasa).await.json();
        assert_eq!(
            (kept["due_soon"].as_bool(), kept["email"].as_str()),
            (Some(true), Some("liaison@lhasa.example.cn"))
        );

        // The office's robot is down.
        let office = t.token("office").await;
        let flaky = json!({"due_soon": true, "overdue": true, "escalation": true, "webhook_url": format!("http://127.0.0.1:{hook_port}/flaky")});
        assert_eq!(t.json(Method::PUT, "/api/v1/notifications/settings", &office, flaky).await.status, StatusCode::OK);

        reminders::run(&t.app).await.unwrap();
        let inbox = t.get("/api/v1/notifications", &lhasa).await.json().as_array().unwrap().len();
        let office_inbox = t.get("/api/v1/notifications", &office).await.json().as_array().unwrap().len();
        assert!(inbox > 0 && office_inbox > 0);

        // Two senders at once (two instances): every message goes out once.
        let (a, b) = tokio::join!(reminders::deliver(&t.app, &courier), reminders::deliver(&t.app, &courier));
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a.sent + b.sent, 2 * inbox as u32, "Lhasa's liaison by email and by webhook");
        assert_eq!(a.retrying + b.retrying, office_inbox as u32, "the office's robot failed and will be tried again");
        {
            let got = received.lock().unwrap();
            assert_eq!((got.mails.len(), got.hooks.len()), (inbox, inbox));
            assert!(got.mails.iter().all(|m| m.contains("liaison@lhasa.example.cn") && m.contains("Subject:")));
            let text = got.hooks[0]["text"]["content"].as_str().unwrap();
            assert!(text.contains("https://pacesetter.example.cn/assignments/"), "{text}");
        }

        let again = reminders::deliver(&t.app, &courier).await.unwrap();
        assert_eq!(again, reminders::DeliverySummary::default(), "nothing is sent twice; the retry waits its turn");
        let mut conn = t.db.store.read().await.unwrap();
        let later = pacesetter_domain::Timestamp::now().plus_seconds(3600);
        let waiting = pacesetter_store::notifications::due_deliveries(&mut conn, later, 1000).await.unwrap();
        assert_eq!(waiting.len(), office_inbox);
        assert!(waiting.iter().all(|d| d.attempts == 1 && d.channel == "webhook"));
    }
}

backend_test! {
    async fn email_is_off_until_a_mail_server_is_configured(t) {
        let session = t.session("lhasa").await;
        let page = t.get("/inbox", &session).await.text();
        assert!(page.contains("尚未配置邮件服务器"));
        let form = [("csrf", session.csrf()), ("overdue", "1"), ("email", "a@b.cn"), ("webhook_url", "")];
        let refused = t.form("/inbox/prefs", &session, &form).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        let text = refused.text();
        assert!(
            text.contains("不能设置邮箱") && text.contains("a@b.cn"),
            "the message next to the field, the input kept"
        );
        let webhook = [("csrf", session.csrf()), ("overdue", "1"), ("webhook_url", "https://169.254.169.254/latest")];
        let refused = t.form("/inbox/prefs", &session, &webhook).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(refused.text().contains("只能填写管理员允许的群机器人服务的地址"));
    }
}
