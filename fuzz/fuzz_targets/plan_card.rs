#![no_main]
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use worldbench_storage::plan_cards::card::{set_fields, Card};
use worldbench_storage::plan_cards::tasks::parse_tasks;
use worldbench_storage::plan_cards::Condition;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let _ = Card::parse(Path::new("plans/x.md"), &text);
    let _ = parse_tasks(&text, 1);
    let _ = Condition::parse(&text);
    if let Ok(edited) = set_fields(&text, &[("type", "\"ready\"".into())]) {
        let _ = Card::parse(Path::new("plans/x.md"), &edited);
    }
});
