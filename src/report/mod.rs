//! Renderers: turn analysis results into text for a terminal, JSON for tools, and (later)
//! Markdown, HTML, CSV and SARIF. Renderers write to a writer they are handed; every string
//! that comes from AWS data (tags, names, descriptions) goes through the escaping helpers
//! here, because anyone with console access can write a tag.

pub mod audit;
pub mod check;
pub mod diff;
pub mod explain;
pub mod matrix;
pub mod paths;
pub mod graph;
pub mod reach;
pub mod inventory;
pub mod words;

pub use words::Fix;

use std::fmt::Write as _;

/// `n` and the noun in the right number: `1 record`, `2 records`.
pub fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}

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

/// Untrusted text inside a double-quoted Graphviz DOT string: quotes and backslashes are
/// backslash-escaped, line breaks and other control characters are shown as `\u{..}` (a DOT
/// string cannot end early or start a new statement).
pub fn dot_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
    out
}

/// Untrusted text inside a Mermaid label (`["..."]`): quotes and Markdown/HTML metacharacters
/// become HTML entities, which Mermaid renders as the characters.
pub fn mermaid_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '&' => out.push_str("#amp;"),
            '#' => out.push_str("#35;"),
            '`' | '[' | ']' | '(' | ')' | '{' | '}' | '|' | ';' => {
                let _ = write!(out, "#{};", c as u32);
            }
            c if c.is_control() => out.push(' '),
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

/// [`path_line`] wrapped for a terminal: `head` starts the first line, the steps follow
/// joined by ` -> `, and a line that would pass `width` characters breaks before a step,
/// continuing under `indent`. The return path starts a line of its own.
pub fn path_lines(t: &crate::eval::Trace, head: &str, indent: &str, width: usize) -> String {
    let line = path_line(t);
    let (request, reply) = match line.split_once("; return: ") {
        Some((a, b)) => (a.to_string(), Some(format!("return: {b}"))),
        None => (line, None),
    };
    let mut out = String::new();
    for (n, part) in std::iter::once(request).chain(reply).enumerate() {
        let mut current = if n == 0 { head.to_string() } else { format!("\n{indent}") };
        let start = current.len();
        for (i, step) in part.split(" -> ").enumerate() {
            let piece = if i == 0 { step.to_string() } else { format!(" -> {step}") };
            if i > 0 && current.len() + piece.len() > width && current.len() > start {
                out.push_str(&current);
                current = format!("\n{indent}{}", piece.trim_start());
            } else {
                current.push_str(&piece);
            }
        }
        out.push_str(&current);
    }
    out
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
