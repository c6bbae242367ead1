//! A token bucket: at most `rate` acquisitions per second on average, with
//! bursts of at most `burst`.

use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Spaces out work to a rate.
#[derive(Debug)]
pub struct TokenBucket {
    /// Tokens added per second.
    rate: f64,
    /// The most tokens the bucket holds.
    burst: f64,
    /// Tokens (negative: owed by callers already waiting) as of an instant.
    /// Held only to do arithmetic, never across a sleep.
    state: Mutex<(f64, Instant)>,
}

impl TokenBucket {
    /// A full bucket of `burst` tokens refilled at `rate` per second; both
    /// are raised to sane minimums (a rate of a token per hour, a burst of 1).
    pub fn new(rate: f64, burst: f64) -> Self {
        let rate = if rate.is_finite() {
            rate.max(1.0 / 3600.0)
        } else {
            f64::MAX
        };
        let burst = burst.max(1.0);
        Self {
            rate,
            burst,
            state: Mutex::new((burst, Instant::now())),
        }
    }

    /// Takes a token, waiting until it is due. Callers are served in the
    /// order they asked.
    pub async fn acquire(&self) {
        let wait = {
            let mut state = self.state.lock().unwrap_or_else(|p| p.into_inner());
            let now = Instant::now();
            let (tokens, last) = *state;
            let refilled = (tokens + now.saturating_duration_since(last).as_secs_f64() * self.rate)
                .min(self.burst);
            let left = refilled - 1.0;
            *state = (left, now);
            if left >= 0.0 {
                Duration::ZERO
            } else {
                Duration::from_secs_f64(-left / self.rate)
            }
        };
        if !wait.is_zero() {
            tokio::time::sleep(wait).await;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn spaces_acquisitions_to_the_rate() {
        let bucket = TokenBucket::new(50.0, 1.0);
        let start = Instant::now();
        for _ in 0..11 {
            bucket.acquire().await;
        }
        let elapsed = start.elapsed();
        assert!(elapsed >= Duration::from_millis(195), "{elapsed:?}");
    }
}
