//! The words that name an event: "exercise", "drills", "war games", "учения" in every
//! case, matched on the geocoder's exact key of each word. The one list `extract` (what a
//! sentence is about) and the reader of counts ([`super::counts`]: "человек" counts troops
//! in a sentence about an exercise) read.

/// Words that end a kind phrase: "exercise", "drill", "war games", "manoeuvres".
pub fn event_word(key: &str) -> bool {
    matches!(
        key,
        "exercise"
            | "exercises"
            | "drill"
            | "drills"
            | "games"
            | "manoeuvres"
            | "maneuvers"
            | "manoeuvre"
            | "maneuver"
            | "wargames"
            // учения, учение in every case: учений, учениям, учениями, учениях, учении, …
            | "ucheniya"
            | "ucheniye"
            | "ucheniia"
            | "ucheniy"
            | "ucheniyam"
            | "ucheniyami"
            | "ucheniyakh"
            | "uchenie"
            | "ucheniem"
            | "uchenii"
            | "ucheniyu"
    )
}
