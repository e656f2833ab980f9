#![no_main]
use std::path::Path;

use libfuzzer_sys::fuzz_target;
use worldbench_storage::plan_cards::experiment::Experiment;
use worldbench_storage::plan_cards::ticket::Ticket;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(t) = Ticket::parse(Path::new("tickets/TICKET-001.toml"), &text) {
        let _ = t.check_launch();
    }
    let _ = Experiment::parse(Path::new("experiments/e/experiment.toml"), &text);
});
