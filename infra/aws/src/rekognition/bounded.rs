//! Runs futures concurrently, at most a few at a time, on the caller's
//! task (no spawning: the adapter does not own a runtime).

use std::collections::VecDeque;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

/// Runs every future in `futures` with at most `limit` (at least 1) in
/// flight at once; the outputs come back in the input's order.
pub(crate) async fn run_bounded<F>(futures: Vec<F>, limit: usize) -> Vec<F::Output>
where
    F: Future,
{
    let limit = limit.max(1);
    let total = futures.len();
    let mut waiting: VecDeque<(usize, F)> = futures.into_iter().enumerate().collect();
    let mut running: Vec<(usize, Pin<Box<F>>)> = Vec::with_capacity(limit.min(total));
    let mut outputs: Vec<Option<F::Output>> = (0..total).map(|_| None).collect();
    std::future::poll_fn(|cx| {
        loop {
            while running.len() < limit {
                let Some((index, future)) = waiting.pop_front() else {
                    break;
                };
                running.push((index, Box::pin(future)));
            }
            let before = running.len();
            let mut i = 0;
            while i < running.len() {
                match running[i].1.as_mut().poll(cx) {
                    Poll::Ready(output) => {
                        let (index, _) = running.swap_remove(i);
                        outputs[index] = Some(output);
                    }
                    Poll::Pending => i += 1,
                }
            }
            if running.is_empty() && waiting.is_empty() {
                return Poll::Ready(());
            }
            // Nothing finished: every future in flight has registered the waker.
            if running.len() == before {
                return Poll::Pending;
            }
        }
    })
    .await;
    outputs.into_iter().flatten().collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::time::Duration;

    use super::*;

    #[tokio::test]
    async fn at_most_limit_in_flight_and_outputs_in_order() {
        let now = Arc::new(AtomicUsize::new(0));
        let peak = Arc::new(AtomicUsize::new(0));
        let futures: Vec<_> = (0..10u64)
            .map(|i| {
                let (now, peak) = (Arc::clone(&now), Arc::clone(&peak));
                async move {
                    let inside = now.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(inside, Ordering::SeqCst);
                    // Later inputs finish sooner: order must still hold.
                    tokio::time::sleep(Duration::from_millis(20 - i)).await;
                    now.fetch_sub(1, Ordering::SeqCst);
                    i * 10
                }
            })
            .collect();
        let outputs = run_bounded(futures, 3).await;
        assert_eq!(outputs, (0..10).map(|i| i * 10).collect::<Vec<_>>());
        assert_eq!(peak.load(Ordering::SeqCst), 3);
        let none: Vec<std::future::Ready<u8>> = Vec::new();
        assert!(run_bounded(none, 0).await.is_empty());
    }
}
