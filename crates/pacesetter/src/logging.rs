//! The server's log: one line per event, as text or as JSON, naming the request being answered.
//!
//! The request comes from the task that answers it (`pacesetter_web::answering`), not
//! from a tracing span (decision 0019). Spans still show where something opens one.

use std::fmt;

use pacesetter_web::Answering;
use tracing::{Event, Level, Metadata, Subscriber, field::Field};
use tracing_log::NormalizeEvent;
use tracing_subscriber::{
    fmt::{
        FmtContext, FormatEvent, FormatFields, FormattedFields,
        format::Writer,
        time::{FormatTime, SystemTime},
    },
    registry::LookupSpan,
};

/// Sends the log to standard error, filtered by `PACESETTER_LOG` (default: `info`, and only
/// warnings from sqlx), as text or as JSON lines (`log_format = "json"`).
pub fn init(json: bool) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_env("PACESETTER_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(!json && std::io::stderr().is_terminal())
        .with_writer(std::io::stderr)
        .event_format(Lines { json })
        .try_init();
}

/// How each event is written: as [`Line::text`] or as [`Line::json`].
struct Lines {
    json: bool,
}

impl<S, N> FormatEvent<S, N> for Lines
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    fn format_event(&self, ctx: &FmtContext<'_, S, N>, mut writer: Writer<'_>, event: &Event<'_>) -> fmt::Result {
        let normalized = event.normalized_metadata();
        let meta = normalized.as_ref().unwrap_or_else(|| event.metadata());
        let spans: Vec<SpanLine> = ctx
            .event_scope()
            .into_iter()
            .flat_map(|scope| scope.from_root())
            .map(|span| {
                let extensions = span.extensions();
                let fields = extensions.get::<FormattedFields<N>>().map(|fields| fields.fields.clone());
                SpanLine { name: span.name(), fields: fields.unwrap_or_default() }
            })
            .collect();
        let mut write = |request: Option<&Answering>| {
            let line = Line { meta, event, request, spans: &spans };
            if self.json {
                line.json(writer.by_ref())
            } else {
                line.text(writer.by_ref(), |w| ctx.format_fields(w, event))
            }
        };
        pacesetter_web::answering(|request| write(Some(request))).unwrap_or_else(|| write(None))
    }
}

/// What one line says, whichever way it is written.
struct Line<'a> {
    meta: &'a Metadata<'a>,
    event: &'a Event<'a>,
    request: Option<&'a Answering>,
    /// The spans the event is in, outermost first (the product opens none of its own today).
    spans: &'a [SpanLine],
}

#[derive(serde::Serialize)]
struct SpanLine {
    name: &'static str,
    fields: String,
}

impl Line<'_> {
    /// `2026-12-07T13:33:17.123456Z  WARN request{method=POST path=/login request_id=…}:
    /// target: message field=value`: the layout of tracing's own text format, with the request
    /// where a span would be. `fields` writes the event's fields as the subscriber formats them.
    fn text(&self, mut writer: Writer<'_>, fields: impl FnOnce(Writer<'_>) -> fmt::Result) -> fmt::Result {
        SystemTime.format_time(&mut writer)?;
        let level = self.meta.level();
        if writer.has_ansi_escapes() {
            write!(writer, " \x1b[{}m{level:>5}\x1b[0m ", colour(level))?;
        } else {
            write!(writer, " {level:>5} ")?;
        }
        if let Some(request) = self.request {
            let (method, path, id) = (request.method(), LoggedPath(request.path()), request.id());
            write!(writer, "request{{method={method} path={path} request_id={id}}}: ")?;
        }
        for span in self.spans {
            writer.write_str(span.name)?;
            if !span.fields.is_empty() {
                write!(writer, "{{{}}}", span.fields)?;
            }
            writer.write_str(": ")?;
        }
        write!(writer, "{}: ", self.meta.target())?;
        fields(writer.by_ref())?;
        writeln!(writer)
    }

    /// `{"timestamp":…,"level":"WARN","fields":{"message":…},"target":…,"request":{"id":…,
    /// "method":…,"path":…},"spans":[{"name":…,"fields":"a=1"}]}`: the keys of tracing's own
    /// JSON format, in its order, with the request beside them; `request` and `spans` only where
    /// there are some.
    fn json(&self, mut writer: Writer<'_>) -> fmt::Result {
        let mut timestamp = String::new();
        SystemTime.format_time(&mut Writer::new(&mut timestamp))?;
        let mut fields = JsonFields(serde_json::Map::new());
        self.event.record(&mut fields);
        let line = JsonLine {
            timestamp,
            level: self.meta.level().as_str(),
            fields: fields.0,
            target: self.meta.target(),
            request: self.request.map(|request| JsonRequest {
                id: request.id(),
                method: request.method(),
                path: request.path(),
            }),
            spans: self.spans,
        };
        let text = serde_json::to_string(&line).map_err(|_| fmt::Error)?;
        writeln!(writer, "{text}")
    }
}

/// ANSI colours of the levels, as tracing's own text format has them.
fn colour(level: &Level) -> u8 {
    match *level {
        Level::ERROR => 31,
        Level::WARN => 33,
        Level::INFO => 32,
        Level::DEBUG => 34,
        Level::TRACE => 35,
    }
}

#[derive(serde::Serialize)]
struct JsonLine<'a> {
    timestamp: String,
    level: &'static str,
    fields: serde_json::Map<String, serde_json::Value>,
    target: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    request: Option<JsonRequest<'a>>,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    spans: &'a [SpanLine],
}

#[derive(serde::Serialize)]
struct JsonRequest<'a> {
    id: &'a str,
    method: &'a str,
    path: &'a str,
}

/// An event's fields as JSON values: numbers and booleans as they are, the rest as text.
struct JsonFields(serde_json::Map<String, serde_json::Value>);

impl JsonFields {
    fn insert(&mut self, field: &Field, value: serde_json::Value) {
        // A record of the `log` crate carries its origin as `log.*` fields; the metadata has it.
        if !field.name().starts_with("log.") {
            self.0.insert(field.name().to_owned(), value);
        }
    }
}

impl tracing::field::Visit for JsonFields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.insert(field, format!("{value:?}").into());
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        self.insert(field, value.into());
    }

    fn record_i64(&mut self, field: &Field, value: i64) {
        self.insert(field, value.into());
    }

    fn record_u64(&mut self, field: &Field, value: u64) {
        self.insert(field, value.into());
    }

    fn record_f64(&mut self, field: &Field, value: f64) {
        self.insert(field, value.into());
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        self.insert(field, value.into());
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.insert(field, value.to_string().into());
    }
}

/// A request's path as the text log shows it: escaped where it holds a character that could
/// forge a log line or hide in one, as it is otherwise (nearly always, and without the
/// char-by-char writing of the escaped form).
struct LoggedPath<'a>(&'a str);

impl fmt::Display for LoggedPath<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let plain = self.0.bytes().all(|b| b.is_ascii_graphic() && !matches!(b, b'\\' | b'"' | b'\''));
        if plain { f.write_str(self.0) } else { write!(f, "{}", self.0.escape_debug()) }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::{Lines, LoggedPath};

    /// What the log writes for one event inside a span, outside any request.
    fn logged(json: bool) -> String {
        let buffer = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&buffer);
        let subscriber = tracing_subscriber::fmt()
            .with_ansi(false)
            .event_format(Lines { json })
            .with_writer(move || Sink(Arc::clone(&sink)))
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            let _import = tracing::info_span!("import", rows = 3).entered();
            tracing::warn!(sheet = "任务表", "a row was refused");
        });
        let bytes = buffer.lock().map(|bytes| bytes.clone()).unwrap_or_default();
        String::from_utf8_lossy(&bytes).into_owned()
    }

    struct Sink(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Sink {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().map_err(|_| std::io::Error::other("poisoned"))?.extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    #[test]
    fn a_span_is_written_before_the_event_as_text_and_as_json() {
        let text = logged(false);
        assert!(
            text.contains("  WARN import{rows=3}: pacesetter::logging::tests: a row was refused sheet=\"任务表\"\n"),
            "{text}"
        );
        let json: serde_json::Value = serde_json::from_str(&logged(true)).unwrap_or_default();
        assert_eq!(json["spans"], serde_json::json!([{"name": "import", "fields": "rows=3"}]), "{json}");
        assert_eq!(json["fields"], serde_json::json!({"message": "a row was refused", "sheet": "任务表"}));
        assert_eq!(json["level"], "WARN");
        assert!(json.get("request").is_none());
    }

    #[test]
    fn a_logged_path_is_escaped_only_where_it_could_forge_a_line() {
        assert_eq!(LoggedPath("/api/v1/assignments/42").to_string(), "/api/v1/assignments/42");
        assert_eq!(LoggedPath("/a\nINFO forged").to_string(), "/a\\nINFO forged");
        assert_eq!(LoggedPath("/a\"b\\c").to_string(), "/a\\\"b\\\\c");
        assert_eq!(LoggedPath("/单位").to_string(), "/单位", "printable text beyond ASCII comes out as it is");
        assert_eq!(LoggedPath("/a\u{200b}b").to_string(), "/a\\u{200b}b", "an invisible character is shown");
    }
}
