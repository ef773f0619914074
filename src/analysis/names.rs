//! Did-you-mean for endpoint and selector names: the names a snapshot gives its interfaces
//! (ids, Name tags, instance and database identifiers) closest to what the user typed.

use crate::topology::Topology;

/// Levenshtein distance over characters, case-insensitive.
fn distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.to_lowercase().chars().collect();
    let b: Vec<char> = b.to_lowercase().chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Every name an interface can be named by: ENI ids, instance ids, database identifiers,
/// Name tags of interfaces and instances, and the words `internet` and `onprem`.
fn candidates<'m>(topo: &Topology<'m>) -> Vec<&'m str> {
    let m = topo.model;
    let mut out: Vec<&'m str> = vec!["internet", "onprem"];
    out.extend(m.enis.iter().map(|e| e.id.as_str()));
    out.extend(m.enis.iter().filter_map(|e| e.tags.name()));
    out.extend(m.instances.iter().map(|i| i.id.as_str()));
    out.extend(m.instances.iter().filter_map(|i| i.tags.name()));
    out.extend(m.db_instances.iter().map(|d| d.id.as_str()));
    out.sort_unstable();
    out.dedup();
    out
}

/// Up to three names close to `typed` (a small edit distance, or one containing the other),
/// closest first.
pub fn suggest(topo: &Topology<'_>, typed: &str) -> Vec<String> {
    let typed = typed.trim();
    if typed.is_empty() {
        return Vec::new();
    }
    let limit = (typed.chars().count() / 4).max(2);
    let lower = typed.to_lowercase();
    let mut scored: Vec<(usize, &str)> = candidates(topo)
        .into_iter()
        .filter(|c| !c.is_empty() && *c != typed)
        .filter_map(|c| {
            let d = distance(typed, c);
            let contains = c.to_lowercase().contains(&lower) || (lower.len() >= 4 && lower.contains(&c.to_lowercase()));
            (d <= limit || contains).then_some((if contains { d.min(limit) } else { d }, c))
        })
        .collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, c)| c.to_string()).collect()
}

/// ` (did you mean `a`, `b`?)` for an error message, or nothing.
pub fn hint(topo: &Topology<'_>, typed: &str) -> String {
    let s = suggest(topo, typed);
    if s.is_empty() {
        return String::new();
    }
    let list: Vec<String> = s.iter().map(|x| format!("`{}`", crate::report::text_safe(x))).collect();
    format!(" (did you mean {}?)", list.join(", "))
}

#[cfg(test)]
mod tests {
    use super::distance;

    #[test]
    fn edit_distance_counts_insertions_deletions_and_substitutions() {
        assert_eq!(distance("app1", "app-1"), 1);
        assert_eq!(distance("APP-1", "app-1"), 0);
        assert_eq!(distance("orders-bd", "orders-db"), 2);
        assert_eq!(distance("", "abc"), 3);
    }
}
