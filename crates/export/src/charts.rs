//! SVG charts drawn on the server, the same for pages and PDF bulletins: no script, no
//! external font or image, every label escaped.

use std::fmt::Write;

use pacesetter_domain::light::Light;

/// Escapes text for XML content and attribute values (SVG here, XLIFF in `exchange`): the five
/// markup characters as entities, and the control characters XML cannot carry dropped (tabs and
/// line breaks are kept).
pub fn escape(text: &str) -> String {
    Escaped(text).to_string()
}

/// [`escape`] written straight into what is being formatted, without a string of its own.
pub struct Escaped<'a>(pub &'a str);

impl std::fmt::Display for Escaped<'_> {
    fn fmt(&self, out: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut rest = self.0;
        while let Some(at) = rest.find(|c: char| matches!(c, '&' | '<' | '>' | '"' | '\'') || kept_out(c)) {
            out.write_str(&rest[..at])?;
            let c = rest[at..].chars().next().unwrap_or_default();
            out.write_str(match c {
                '&' => "&amp;",
                '<' => "&lt;",
                '>' => "&gt;",
                '"' => "&quot;",
                '\'' => "&#39;",
                _ => "",
            })?;
            rest = &rest[at + c.len_utf8()..];
        }
        out.write_str(rest)
    }
}

/// A control character XML cannot carry (tabs and line breaks it can).
fn kept_out(c: char) -> bool {
    c.is_control() && !matches!(c, '\n' | '\t' | '\r')
}

fn fill(light: Light) -> &'static str {
    match light {
        Light::Done => "#98a2b3",
        Light::Green => "#12a150",
        Light::Yellow => "#f5b301",
        Light::Red => "#d92d20",
    }
}

/// One cell of a heat map: progress in tenths of a percent, its light, where a click goes, and
/// what its tooltip adds (e.g. the counts by light).
#[derive(Debug, Clone)]
pub struct Cell {
    pub permille: u32,
    pub light: Light,
    pub href: String,
    pub note: String,
}

/// A column of a heat map: its label, and where a click on the label goes.
#[derive(Debug, Clone)]
pub struct Column {
    pub label: String,
    pub href: Option<String>,
}

/// A roll-up's progress as the heat map writes it: "45%" for 452 ‰, a half to the even
/// percent ("46%" for 455 ‰, "44%" for 445 ‰).
pub fn percent(permille: u32) -> String {
    let (whole, tenths) = (permille / 10, permille % 10);
    let up = tenths > 5 || (tenths == 5 && whole % 2 == 1);
    format!("{}%", whole + u32::from(up))
}

/// A heat map of rows × columns; an empty cell (`None`) means nothing assigned there.
pub fn heatmap(rows: &[String], columns: &[Column], cells: &[Vec<Option<Cell>>], title: &str) -> String {
    let label_width = 190;
    let cell_width = 64;
    let cell_height = 30;
    let header = 120;
    // Column labels slant up and to the right (35°): the last one needs room beyond its cell.
    let longest = columns.iter().map(|c| c.label.chars().count()).max().unwrap_or(0);
    let overhang = (longest * 11).saturating_sub(cell_width / 2);
    let width = label_width + cell_width * columns.len().max(1) + 10 + overhang;
    let height = header + cell_height * rows.len().max(1) + 10;
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart heatmap" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{}">"#,
        Escaped(title)
    );
    let _ = write!(svg, "<title>{}</title>", Escaped(title));
    for (i, column) in columns.iter().enumerate() {
        let x = label_width + i * cell_width + cell_width / 2;
        let label = format!(
            r#"<text x="{x}" y="{}" text-anchor="start" transform="rotate(-35 {x} {})" class="axis{}">{}</text>"#,
            header - 8,
            header - 8,
            if column.href.is_some() { " link" } else { "" },
            Escaped(&column.label)
        );
        match &column.href {
            Some(href) => {
                let _ = write!(svg, r#"<a href="{}">{label}</a>"#, Escaped(href));
            }
            None => svg.push_str(&label),
        }
    }
    for (r, row) in rows.iter().enumerate() {
        let y = header + r * cell_height;
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="end" class="axis">{}</text>"#,
            label_width - 8,
            y + cell_height / 2 + 5,
            Escaped(row)
        );
        for (c, cell) in cells.get(r).map(Vec::as_slice).unwrap_or(&[]).iter().enumerate() {
            let x = label_width + c * cell_width;
            match cell {
                Some(cell) => {
                    let percent = percent(cell.permille);
                    let _ = write!(
                        svg,
                        r#"<a href="{}"><rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="{}"><title>{} · {} · {} · {}</title></rect><text x="{}" y="{}" text-anchor="middle" class="cell">{}</text></a>"#,
                        Escaped(&cell.href),
                        x + 2,
                        y + 2,
                        cell_width - 4,
                        cell_height - 4,
                        fill(cell.light),
                        Escaped(row),
                        Escaped(columns.get(c).map(|c| c.label.as_str()).unwrap_or("")),
                        percent,
                        Escaped(&cell.note),
                        x + cell_width / 2,
                        y + cell_height / 2 + 5,
                        percent
                    );
                }
                None => {
                    let _ = write!(
                        svg,
                        r##"<rect x="{}" y="{}" width="{}" height="{}" rx="3" fill="#f2f4f7"/>"##,
                        x + 2,
                        y + 2,
                        cell_width - 4,
                        cell_height - 4
                    );
                }
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Vertical bars with labels under them, e.g. progress reports per week.
pub fn bars(labels: &[String], values: &[u32], title: &str) -> String {
    grouped_bars(labels, &[Series { name: "", values, colour: "#1d5fa7" }], title)
}

/// One series of a grouped bar chart.
#[derive(Debug, Clone, Copy)]
pub struct Series<'a> {
    /// Shown in the legend when there is more than one series.
    pub name: &'a str,
    pub values: &'a [u32],
    pub colour: &'a str,
}

/// Vertical bars side by side per label (one per series), with a legend when there are several,
/// e.g. findings found and closed per month.
pub fn grouped_bars(labels: &[String], series: &[Series<'_>], title: &str) -> String {
    let bar_width = 34;
    let group_width = bar_width + 16 * series.len().saturating_sub(1);
    let chart_height = 140;
    let top = if series.len() > 1 { 40 } else { 20 };
    let bottom = 36;
    let width = 40 + group_width * labels.len().max(1) + 10;
    let height = top + chart_height + bottom;
    let max = series.iter().flat_map(|s| s.values.iter().copied()).max().unwrap_or(0).max(1);
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart bars" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{}"><title>{}</title>"#,
        Escaped(title),
        Escaped(title)
    );
    if series.len() > 1 {
        for (k, one) in series.iter().enumerate() {
            let x = 40 + k * 110;
            let _ = write!(
                svg,
                r#"<rect x="{x}" y="8" width="12" height="12" rx="2" fill="{}"/><text x="{}" y="18" class="axis">{}</text>"#,
                Escaped(one.colour),
                x + 18,
                Escaped(one.name)
            );
        }
    }
    let baseline = top + chart_height;
    let _ = write!(svg, r##"<line x1="36" y1="{baseline}" x2="{}" y2="{baseline}" stroke="#d0d5dd"/>"##, width - 6);
    let slot = (group_width - 8) / series.len().max(1);
    for (i, label) in labels.iter().enumerate() {
        let x = 40 + i * group_width;
        for (k, one) in series.iter().enumerate() {
            let value = one.values.get(i).copied().unwrap_or(0);
            let bar_height = (value as usize * chart_height) / max as usize;
            let y = baseline - bar_height;
            let left = x + 4 + k * slot;
            let named =
                if one.name.is_empty() { escape(label) } else { format!("{} {}", Escaped(label), Escaped(one.name)) };
            let _ = write!(
                svg,
                r##"<rect x="{left}" y="{y}" width="{slot}" height="{bar_height}" rx="2" fill="{}"><title>{named}: {value}</title></rect>"##,
                Escaped(one.colour)
            );
            if value > 0 {
                let _ = write!(
                    svg,
                    r#"<text x="{}" y="{}" text-anchor="middle" class="value">{value}</text>"#,
                    left + slot / 2,
                    y - 4
                );
            }
        }
        let _ = write!(
            svg,
            r#"<text x="{}" y="{}" text-anchor="middle" class="axis">{}</text>"#,
            x + group_width / 2,
            baseline + 16,
            Escaped(label)
        );
    }
    svg.push_str("</svg>");
    svg
}

/// One bar of a ranking chart: its label ("1 拉萨市"), its length, and the text at its end.
#[derive(Debug, Clone)]
pub struct RankBar {
    pub label: String,
    /// Only for drawing; the exact score is in `text`.
    pub value: f64,
    pub text: String,
}

/// Horizontal bars in rank order, scaled to `max` (the most a score can be), labels on the left.
pub fn ranking(bars: &[RankBar], max: f64, title: &str) -> String {
    let (label_width, bar_area, row, top) = (170.0, 300.0, 26.0, 8.0);
    let width = label_width + bar_area + 110.0;
    let height = top * 2.0 + row * bars.len().max(1) as f64;
    let max = if max > 0.0 { max } else { 1.0 };
    let mut svg = String::new();
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart ranking" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{}"><title>{}</title>"#,
        Escaped(title),
        Escaped(title)
    );
    for (i, bar) in bars.iter().enumerate() {
        let y = top + row * i as f64;
        let length = (bar.value.clamp(0.0, max) / max * bar_area).round();
        let label: String = bar.label.chars().take(14).collect();
        let _ = write!(
            svg,
            r##"<text x="{}" y="{}" text-anchor="end" class="axis">{}</text><rect x="{label_width}" y="{}" width="{length}" height="{}" rx="2" fill="#1d5fa7"><title>{}: {}</title></rect><text x="{}" y="{}" class="value">{}</text>"##,
            label_width - 8.0,
            y + 17.0,
            Escaped(&label),
            y + 5.0,
            row - 10.0,
            Escaped(&bar.label),
            Escaped(&bar.text),
            label_width + length + 6.0,
            y + 17.0,
            Escaped(&bar.text)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percent_rounds_as_a_float_would() {
        for permille in 0..=2000 {
            assert_eq!(percent(permille), format!("{:.0}%", f64::from(permille) / 10.0), "{permille}");
        }
    }

    #[test]
    fn escaping_keeps_text_and_line_breaks_and_drops_other_control_characters() {
        assert_eq!(escape("a&b<c>d\"e'f"), "a&amp;b&lt;c&gt;d&quot;e&#39;f");
        assert_eq!(escape("拉萨\n\tབོད\u{0}\u{7}x\r"), "拉萨\n\tབོདx\r");
        assert_eq!(escape(""), "");
    }

    #[test]
    fn labels_cannot_inject_markup() {
        let svg = heatmap(
            &["<script>alert(1)</script>".into()],
            &[Column { label: "\"><img onerror=x>".into(), href: Some("/d?unit=1&x=<".into()) }],
            &[vec![Some(Cell { permille: 455, light: Light::Yellow, href: "/x?a=1&b=2".into(), note: "<b>".into() })]],
            "t",
        );
        assert!(!svg.contains("<script>") && !svg.contains("<img") && !svg.contains("<b>"));
        assert!(svg.contains("&lt;script&gt;") && svg.contains("46%") && svg.contains("a=1&amp;b=2"));
        assert!(svg.contains(r#"<a href="/d?unit=1&amp;x=&lt;">"#), "column labels link, escaped");
        assert!(svg.contains("#f5b301"));
    }

    #[test]
    fn ranking_bars_scale_to_the_maximum_and_escape_labels() {
        let bars = [
            RankBar { label: "1 <b>".into(), value: 105.0, text: "105.00 优秀".into() },
            RankBar { label: "2 乙".into(), value: 52.5, text: "52.50 & 合格".into() },
        ];
        let svg = ranking(&bars, 105.0, "排名");
        assert!(svg.contains(r#"width="300""#) && svg.contains(r#"width="150""#));
        assert!(!svg.contains("<b>") && svg.contains("1 &lt;b&gt;") && svg.contains("52.50 &amp; 合格"));
    }

    #[test]
    fn bars_scale_to_the_largest_value() {
        let svg = bars(&["W1".into(), "W2".into()], &[2, 4], "trend");
        assert!(svg.contains(r#"height="140""#), "the largest bar fills the chart");
        assert!(svg.contains(r#"height="70""#));
    }
}
