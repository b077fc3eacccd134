//! Cells of the CSV files drillmap writes for people to open (`geocode --batch` output,
//! `<layer>.errors.csv`), made safe from formula injection and from control characters.
//!
//! A bad row's value may hold a NUL or an escape sequence (`ESC [31m`), which the messages
//! on stderr show escaped; written into the file as they are, they would colour a terminal
//! that shows it, or end a C tool's reading at the NUL. A cell's control characters are
//! escaped as the messages escape them (`\u{1b}`, `\0`, `\n`).
//!
//! A spreadsheet treats a cell that begins with `=`, `+`, `-` or `@` as a formula, and some
//! also one that begins with a tab or a carriage return (escaped, as control characters
//! are); a place name such as `=HYPERLINK("http://evil.example","Termez")` would run when
//! the file is opened. As the OWASP "CSV Injection" page recommends, such a cell is
//! prefixed with a single quote `'`, which the spreadsheet shows as text and hides; the CSV
//! quoting of the writer (doubling `"`) stays as it is. A plain number (`-12.5`, `+3`) is
//! left alone: it is no formula, and negative coordinates must stay numbers.

use std::borrow::Cow;

/// `value` as it may be written in a CSV cell: its control characters escaped as a message
/// shows a value ([`char::escape_debug`], the escape of the `{:?}` a
/// [`Problem`](crate::error::Problem) is shown with), and prefixed with `'` when a
/// spreadsheet would read it as a formula.
pub fn neutralise(value: &str) -> Cow<'_, str> {
    let value = if value.contains(char::is_control) {
        let mut escaped = String::with_capacity(value.len() + 8);
        for c in value.chars() {
            if c.is_control() {
                escaped.extend(c.escape_debug());
            } else {
                escaped.push(c);
            }
        }
        Cow::Owned(escaped)
    } else {
        Cow::Borrowed(value)
    };
    // A leading tab or carriage return, which some spreadsheets also read as a formula's
    // start, is escaped above.
    let risky = value
        .as_bytes()
        .first()
        .is_some_and(|b| matches!(b, b'=' | b'+' | b'-' | b'@'));
    if risky && !is_number(&value) {
        Cow::Owned(format!("'{value}"))
    } else {
        value
    }
}

fn is_number(value: &str) -> bool {
    value.len() > 1
        && value[1..]
            .bytes()
            .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+'))
        && value.parse::<f64>().is_ok_and(f64::is_finite)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_prefixed_and_numbers_and_text_left_alone() {
        for (given, want) in [
            ("=1+2", "'=1+2"),
            ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\t=1", "\\t=1"),
            ("\r=1", "\\r=1"),
            ("=HYPERLINK(\"http://x\")", "'=HYPERLINK(\"http://x\")"),
            ("-", "'-"),
            ("-inf", "'-inf"),
            ("-NaN", "'-NaN"),
            ("-12.5", "-12.5"),
            ("+3", "+3"),
            ("-1e5", "-1e5"),
            ("Termez", "Termez"),
            ("a=b", "a=b"),
            ("", ""),
        ] {
            assert_eq!(neutralise(given), want, "{given:?}");
        }
    }

    /// Independent probe: a bad row's NUL and escape sequence were copied into
    /// `<layer>.errors.csv` as they are, where stderr showed them escaped.
    #[test]
    fn control_characters_are_escaped_as_messages_show_them() {
        for (given, want) in [
            ("b\u{1b}[31m\0", "b\\u{1b}[31m\\0"),
            ("two\nlines\r", "two\\nlines\\r"),
            ("\u{7f}\u{85}", "\\u{7f}\\u{85}"),
            ("=\0", "'=\\0"),
            ("Термез \"q\"", "Термез \"q\""),
        ] {
            assert_eq!(neutralise(given), want, "{given:?}");
            // As stderr shows them (which escapes quotes too, left here to CSV quoting).
            if !given.contains('"') {
                let shown = format!("{given:?}");
                assert!(shown.contains(neutralise(given).trim_start_matches('\'')));
            }
        }
    }
}
