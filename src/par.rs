//! Data parallelism on the machine's cores with scoped threads: the few places where a plan's cost is one
//! independent step per file, entity or request (parsing, judging, rendering status) split their items here.

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
    let threads = threads();
    if threads == 1 || items.len() < min.max(2) {
        let mut state = init();
        return items.iter().map(|t| f(&mut state, t)).collect();
    }
    let chunk = items.len().div_ceil(threads);
    std::thread::scope(|s| {
        let handles: Vec<_> = items
            .chunks(chunk)
            .map(|part| {
                s.spawn(|| {
                    let mut state = init();
                    part.iter().map(|t| f(&mut state, t)).collect::<Vec<R>>()
                })
            })
            .collect();
        // A panic in `f` is a bug; re-raise it on the calling thread as if the loop had been sequential.
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p))).collect()
    })
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
}
