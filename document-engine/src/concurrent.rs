//! Two pieces of work at once, one on the calling thread and one beside it:
//! how a document's readers use a second core.

/// Runs `here` on the calling thread while `beside` runs on a thread of its
/// own named `name`, and returns both results. Without a spare thread,
/// `beside` runs here afterwards. A panic in `beside` is resumed here, as if
/// it had run here.
pub fn join_beside<A, B>(
    name: &str,
    here: impl FnOnce() -> A,
    beside: impl Fn() -> B + Sync,
) -> (A, B)
where
    B: Send,
{
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name(name.to_owned())
            .spawn_scoped(scope, &beside);
        let here = here();
        let beside = match spawned {
            Ok(handle) => handle
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
            Err(_) => beside(),
        };
        (here, beside)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_results_come_back_and_the_other_runs_on_its_own_thread() {
        let (here, beside) = join_beside(
            "test-beside",
            || 2 + 2,
            || std::thread::current().name().map(str::to_owned),
        );
        assert_eq!(here, 4);
        assert_eq!(beside.as_deref(), Some("test-beside"));
    }
}
