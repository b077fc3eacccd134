//! Cells of the CSV files drillmap writes for people to open (`geocode --batch` output,
//! `<layer>.errors.csv`), made safe from formula injection.
//!
//! A spreadsheet treats a cell that begins with `=`, `+`, `-` or `@` as a formula, and some
//! also one that begins with a tab or a carriage return; a place name such as
//! `=HYPERLINK("http://evil.example","Termez")` would run when the file is opened. As the
//! OWASP "CSV Injection" page recommends, such a cell is prefixed with a single quote `'`,
//! which the spreadsheet shows as text and hides; the CSV quoting of the writer (doubling
//! `"`) stays as it is. A plain number (`-12.5`, `+3`) is left alone: it is no formula, and
//! negative coordinates must stay numbers.

use std::borrow::Cow;

/// `value` as it may be written in a CSV cell: prefixed with `'` when a spreadsheet would
/// read it as a formula.
pub fn neutralise(value: &str) -> Cow<'_, str> {
    let risky = value
        .as_bytes()
        .first()
        .is_some_and(|b| matches!(b, b'=' | b'+' | b'-' | b'@' | b'\t' | b'\r'));
    if risky && !is_number(value) {
        Cow::Owned(format!("'{value}"))
    } else {
        Cow::Borrowed(value)
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
            ("\t=1", "'\t=1"),
            ("\r=1", "'\r=1"),
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
}
