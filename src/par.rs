//! Data parallelism on the machine's cores with scoped threads: the few places where a plan's cost is one
//! independent step per file, entity or request (parsing, judging, rendering status) split their items here.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Threads to use: the cores available, at most 8 (beyond that the sequential parts dominate).
fn threads() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 8)
}

/// `f` over `items` on every core, each thread with its own `state` from `init`; results in the items' order.
/// Fewer than `min` items run on the calling thread (spawning would cost more than it saves).
pub fn map_with<T: Sync, S, R: Send>(
    items: &[T],
    min: usize,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, &T) -> R + Sync,
) -> Vec<R> {
    let mut out = Vec::with_capacity(items.len());
    in_order(items, min, init, f, |chunk| out.extend(chunk));
    out
}

/// `f` over `items` on every core, every item of its results appended to `out` in the items' order. Unlike
/// extending `out` with [`map`]'s results, no second list of all the results is held: each chunk is moved into
/// `out` as soon as the chunks before it are (a 50,000-service plan's actions are tens of MiB).
pub fn extend<T: Sync, I: IntoIterator<Item: Send> + Send>(
    out: &mut Vec<I::Item>,
    items: &[T],
    min: usize,
    f: impl Fn(&T) -> I + Sync,
) {
    in_order(items, min, || (), |(), t| f(t), |chunk| out.extend(chunk.into_iter().flatten()));
}

/// `f` over `items`, handing `sink` the results chunk by chunk, in the items' order, on the calling thread as
/// the threads finish them: only the chunks finished ahead of their turn wait, not every result.
fn in_order<T: Sync, S, R: Send>(
    items: &[T],
    min: usize,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, &T) -> R + Sync,
    mut sink: impl FnMut(Vec<R>),
) {
    let threads = threads();
    if threads == 1 || items.len() < min.max(2) {
        let mut state = init();
        sink(items.iter().map(|t| f(&mut state, t)).collect());
        return;
    }
    // Work is handed out in small chunks from a shared counter, not split in equal halves up front: a core that
    // runs slower (another process on it, a chunk of heavier items) then takes fewer chunks instead of holding
    // the others up at the end.
    let chunk = (items.len() / (threads * 8)).clamp(1, 256);
    let chunks = items.len().div_ceil(chunk);
    let next = AtomicUsize::new(0);
    let (init, f, next) = (&init, &f, &next);
    std::thread::scope(|s| {
        let (done, finished) = std::sync::mpsc::channel::<(usize, Vec<R>)>();
        let handles: Vec<_> = (0..threads.min(chunks))
            .map(|_| {
                let done = done.clone();
                s.spawn(move || {
                    let mut state = init();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= chunks {
                            return;
                        }
                        let part = &items[i * chunk..((i + 1) * chunk).min(items.len())];
                        let results = part.iter().map(|t| f(&mut state, t)).collect::<Vec<R>>();
                        if done.send((i, results)).is_err() {
                            return;
                        }
                    }
                })
            })
            .collect();
        // The receiving loop ends when every thread has ended (each drops its sender), panicked or not.
        drop(done);
        let mut early = std::collections::BTreeMap::new();
        let mut turn = 0;
        for (i, results) in finished {
            early.insert(i, results);
            while let Some(results) = early.remove(&turn) {
                sink(results);
                turn += 1;
            }
        }
        // A panic in `f` is a bug; re-raise it on the calling thread as if the loop had been sequential.
        for h in handles {
            h.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        }
    });
}

/// `f` over `items` on every core; results in the items' order.
pub fn map<T: Sync, R: Send>(items: &[T], min: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_with(items, min, || (), |(), t| f(t))
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_keep_the_order_of_the_items() {
        let items: Vec<u32> = (0..1000).collect();
        assert_eq!(super::map(&items, 1, |i| i * 2), items.iter().map(|i| i * 2).collect::<Vec<_>>());
        assert_eq!(super::map(&items[..3], 10, |i| i + 1), vec![1, 2, 3]);
        let counted = super::map_with(
            &items,
            1,
            || 0u32,
            |seen, _| {
                *seen += 1;
                *seen
            },
        );
        assert_eq!(counted.len(), 1000);
        assert_eq!(counted[0], 1, "each thread starts from its own state");
    }

    #[test]
    #[should_panic(expected = "item 500")]
    fn a_panic_on_a_thread_reaches_the_caller_without_hanging_it() {
        let items: Vec<u32> = (0..1000).collect();
        let mut out = Vec::new();
        super::extend(&mut out, &items, 1, |i| {
            assert!(*i != 500, "item 500");
            Some(*i)
        });
    }

    #[test]
    fn extend_appends_every_result_in_the_items_order() {
        let items: Vec<u32> = (0..1000).collect();
        let mut out = vec![7];
        super::extend(&mut out, &items, 1, |i| (i % 3 != 0).then_some(i * 2));
        let expected: Vec<u32> =
            std::iter::once(7).chain(items.iter().filter(|i| *i % 3 != 0).map(|i| i * 2)).collect();
        assert_eq!(out, expected);
        super::extend(&mut out, &items[..2], 10, |i| vec![*i; 2]);
        assert_eq!(&out[out.len() - 4..], &[0, 0, 1, 1], "a short list runs on the calling thread, in order");
    }
}
