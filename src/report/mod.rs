//! Renderers: turn analysis results into text for a terminal, JSON for tools, and (later)
//! Markdown, HTML, CSV and SARIF. Renderers write to a writer they are handed; every string
//! that comes from AWS data (tags, names, descriptions) goes through the escaping helpers
//! here, because anyone with console access can write a tag.

pub mod audit;
pub mod check;
pub mod diff;
pub mod explain;
pub mod matrix;
pub mod reach;
pub mod inventory;
pub mod words;

pub use words::Fix;

use std::fmt::Write as _;

/// Text-safe form of untrusted text: control characters (terminal escape sequences,
/// newlines inside a name) are shown as `\u{..}` instead of being interpreted.
pub fn text_safe(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

/// HTML-escaped untrusted text.
pub fn html_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {
                let _ = write!(out, "&#{};", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Markdown-escaped untrusted text, safe inside a table cell: Markdown and HTML
/// metacharacters are backslash-escaped or entity-encoded and line breaks become spaces.
pub fn markdown_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '(' | ')' | '#' | '!' | '|' | '~' | '{' | '}' => {
                out.push('\\');
                out.push(c);
            }
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// XML-escaped untrusted text (JUnit): markup characters become entities and control
/// characters XML 1.0 cannot carry are shown as `\u{..}`.
pub fn xml_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' | '\t' => out.push(c),
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// The request path of a trace on one line: `id [kind] rule -> ...`, then the disposition,
/// and the return path when the request got through. Untrusted names are text-escaped.
pub fn path_line(t: &crate::eval::Trace) -> String {
    let hop = |h: &crate::eval::Hop| {
        let mut s = text_safe(&h.id);
        if let Some(n) = &h.name {
            if n != &h.id {
                s.push_str(&format!(" ({})", text_safe(n)));
            }
        }
        if let Some(r) = words::hop_rule(h) {
            s.push_str(&format!(" [{}]", text_safe(&r)));
        }
        s
    };
    let mut s = t.forward.hops.iter().map(hop).collect::<Vec<_>>().join(" -> ");
    s.push_str(&format!(" => {}", t.forward.disposition));
    if let Some(r) = &t.ret {
        s.push_str(&format!("; return: {} => {}", r.hops.iter().map(hop).collect::<Vec<_>>().join(" -> "), r.disposition));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn untrusted_text_is_neutralised_per_format() {
        assert_eq!(text_safe("a\x1b[31mred"), "a\\u{1b}[31mred");
        assert_eq!(html_escape("<script>alert(1)</script>"), "&lt;script&gt;alert(1)&lt;/script&gt;");
        assert_eq!(markdown_escape("a|b\nc<i>"), "a\\|b c&lt;i&gt;");
        assert_eq!(xml_escape("<a b='c'>\x07"), "&lt;a b=&apos;c&apos;&gt;\\u{7}");
    }
}
