//! Starting `worldbench` processes from an argv (never a shell string), for whoever runs work
//! outside its own process: the queue's worker here, the app's job supervisor in `gui::jobs`.
//!
//! [`process`]: a child process of this same binary in its own process group (so stopping the
//! worker, or closing the app, leaves a run going), its liveness, and SIGTERM to cancel it.

pub mod process;
