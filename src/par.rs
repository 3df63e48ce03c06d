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
    out.extend(chunked(items, min, init, f).into_iter().flatten());
    out
}

/// `f` over `items` on every core, every item of its results appended to `out` in the items' order. Unlike
/// extending `out` with [`map`]'s results, no second list of all the results is held: each chunk's results are
/// freed as they are moved (a 50,000-service plan's actions are tens of MiB).
pub fn extend<T: Sync, I: IntoIterator<Item: Send> + Send>(
    out: &mut Vec<I::Item>,
    items: &[T],
    min: usize,
    f: impl Fn(&T) -> I + Sync,
) {
    for chunk in chunked(items, min, || (), |(), t| f(t)) {
        out.extend(chunk.into_iter().flatten());
    }
}

/// The results of `f` over `items`, in the items' order, as the chunks the threads made them in.
fn chunked<T: Sync, S, R: Send>(
    items: &[T],
    min: usize,
    init: impl Fn() -> S + Sync,
    f: impl Fn(&mut S, &T) -> R + Sync,
) -> Vec<Vec<R>> {
    let threads = threads();
    if threads == 1 || items.len() < min.max(2) {
        let mut state = init();
        return vec![items.iter().map(|t| f(&mut state, t)).collect()];
    }
    // Work is handed out in small chunks from a shared counter, not split in equal halves up front: a core that
    // runs slower (another process on it, a chunk of heavier items) then takes fewer chunks instead of holding
    // the others up at the end.
    let chunk = (items.len() / (threads * 8)).clamp(1, 256);
    let chunks = items.len().div_ceil(chunk);
    let next = AtomicUsize::new(0);
    let mut done: Vec<(usize, Vec<R>)> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads.min(chunks))
            .map(|_| {
                s.spawn(|| {
                    let mut state = init();
                    let mut out = Vec::new();
                    loop {
                        let i = next.fetch_add(1, Ordering::Relaxed);
                        if i >= chunks {
                            return out;
                        }
                        let part = &items[i * chunk..((i + 1) * chunk).min(items.len())];
                        out.push((i, part.iter().map(|t| f(&mut state, t)).collect::<Vec<R>>()));
                    }
                })
            })
            .collect();
        // A panic in `f` is a bug; re-raise it on the calling thread as if the loop had been sequential.
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    });
    done.sort_unstable_by_key(|(i, _)| *i);
    done.into_iter().map(|(_, results)| results).collect()
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
