//! The layering rules read from the sources. First, no import cycle among top-level modules.
//! Each `src/**/*.rs` file belongs to its top-level module (`src/alerts/decide.rs` → `alerts`);
//! the modules it names through `crate::X` are its imports. The core crate's modules
//! (`crates/core/src`) are named `core::X`: named from the root package as `mesa_sla_core::X` or
//! through the root's re-exports (`crate::calendar`). Second, the store is a boundary: only
//! `src/store/` reaches the DuckDB connection, names the SQL statements and embeds SQL files.
//! Comments are ignored; test code counts.

use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::path::{Path, PathBuf};

/// Module → module it imports → the files that do.
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

/// The `.rs` files under `dir`, recursively, sorted.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![dir.to_path_buf()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).expect("readable source dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// The top-level module a file belongs to; `None` for the crate roots.
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).expect("file under src");
    let first = rel.components().next()?.as_os_str().to_str()?;
    let name = first.strip_suffix(".rs").unwrap_or(first);
    (!matches!(name, "lib" | "main")).then(|| name.to_owned())
}

/// The source without comments (`//…` to the end of the line, doc lines included, and `/* */`).
/// String literals are not parsed: a `//` inside one only hides the rest of its line.
fn code(text: &str) -> String {
    let mut out = String::new();
    let mut rest = text;
    while !rest.is_empty() {
        match (rest.find("//"), rest.find("/*")) {
            (Some(l), b) if b.is_none_or(|b| l < b) => {
                out.push_str(&rest[..l]);
                rest = rest[l..].find('\n').map_or("", |n| &rest[l + n..]);
            }
            (_, Some(b)) => {
                out.push_str(&rest[..b]);
                rest = rest[b..].find("*/").map_or("", |e| &rest[b + e + 2..]);
            }
            _ => {
                out.push_str(rest);
                rest = "";
            }
        }
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The first path segment after each `prefix` (`crate::`): `crate::store::Store` → `store`,
/// and in `crate::{config::Config, store}` each item of the group.
fn named_after(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for (at, _) in code.match_indices(prefix) {
        if code[..at].chars().next_back().is_some_and(is_ident) {
            continue; // `my_crate::`
        }
        let rest = code[at + prefix.len()..].trim_start();
        if let Some(group) = rest.strip_prefix('{') {
            // Items at depth 1 of the group: the first identifier after `{` and each `,`.
            let (mut depth, mut item_start) = (1, true);
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 1 => item_start = true,
                    c if item_start && depth == 1 && is_ident(c) => {
                        let end = group[i..]
                            .find(|c| !is_ident(c))
                            .map_or(group.len(), |e| i + e);
                        names.insert(group[i..end].to_owned());
                        item_start = false;
                    }
                    _ => {}
                }
                if depth == 0 {
                    break;
                }
            }
        } else {
            let end = rest.find(|c| !is_ident(c)).unwrap_or(rest.len());
            names.insert(rest[..end].to_owned());
        }
    }
    names
}

/// Adds the imports of every file under `src` to the graph: its modules are `namespace` + name,
/// and each `(prefix, namespace)` of `prefixes` says how a path names a module (`crate::` →
/// this crate's namespace, `mesa_sla_core::` → `core::`).
fn add_crate(
    graph: &mut Graph,
    root: &Path,
    src: &Path,
    namespace: &str,
    prefixes: &[(&str, &str)],
) {
    for file in rust_files(src) {
        let Some(from) = module_of(src, &file).map(|m| format!("{namespace}{m}")) else {
            continue;
        };
        let text = std::fs::read_to_string(&file).expect("readable source");
        let code = code(&text);
        let shown = file
            .strip_prefix(root)
            .unwrap_or(&file)
            .display()
            .to_string();
        let edges = graph.entry(from.clone()).or_default();
        let named = prefixes.iter().flat_map(|(p, ns)| {
            named_after(&code, p)
                .into_iter()
                .map(move |m| format!("{ns}{m}"))
        });
        for to in named {
            if to != from {
                edges.entry(to).or_default().insert(shown.clone());
            }
        }
    }
}

/// Every module reachable from `from` (itself only through a cycle).
fn reachable(graph: &Graph, from: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut queue: VecDeque<&str> = VecDeque::from([from]);
    while let Some(m) = queue.pop_front() {
        for to in graph.get(m).into_iter().flat_map(|e| e.keys()) {
            if seen.insert(to.clone()) {
                queue.push_back(to);
            }
        }
    }
    seen
}

/// A shortest cycle through `start` inside `members`: `start → … → start`.
fn cycle_through<'a>(graph: &'a Graph, start: &'a str, members: &BTreeSet<String>) -> Vec<&'a str> {
    let mut previous: BTreeMap<&str, &str> = BTreeMap::new();
    let mut queue: VecDeque<&str> = VecDeque::from([start]);
    while let Some(m) = queue.pop_front() {
        for to in graph.get(m).into_iter().flat_map(|e| e.keys()) {
            if members.contains(to) && !previous.contains_key(to.as_str()) {
                previous.insert(to, m);
                queue.push_back(to);
            }
        }
    }
    let mut path = vec![start];
    let mut at = previous[start];
    while at != start {
        path.push(at);
        at = previous[at];
    }
    path.push(start);
    path.reverse();
    path
}

#[test]
fn top_level_modules_import_each_other_one_way_only() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut graph = Graph::new();
    add_crate(
        &mut graph,
        root,
        &root.join("src"),
        "",
        &[("crate::", ""), ("mesa_sla_core::", "core::")],
    );
    let core = root.join("crates/core/src");
    if core.is_dir() {
        add_crate(&mut graph, root, &core, "core::", &[("crate::", "core::")]);
    }
    // Only names that are modules: `crate::X` may also be an item of lib.rs, or a core module
    // the root re-exports (`crate::calendar` is `core::calendar`).
    let modules: BTreeSet<String> = graph.keys().cloned().collect();
    for edges in graph.values_mut() {
        let named: Vec<(String, BTreeSet<String>)> = std::mem::take(edges).into_iter().collect();
        for (to, files) in named {
            let to = if modules.contains(&to) {
                to
            } else {
                format!("core::{to}")
            };
            if modules.contains(&to) {
                edges.entry(to).or_default().extend(files);
            }
        }
    }
    assert!(modules.len() > 5, "no sources found: {modules:?}");

    eprintln!("imports between top-level modules:");
    for (from, edges) in &graph {
        let to: Vec<&str> = edges.keys().map(String::as_str).collect();
        eprintln!("  {from} → {}", to.join(", "));
    }

    // A module is in a cycle when it reaches itself; the modules it reaches and that reach it
    // form its cycle group, reported once with one cycle through its first module.
    let reach: BTreeMap<&str, BTreeSet<String>> = modules
        .iter()
        .map(|m| (m.as_str(), reachable(&graph, m)))
        .collect();
    let mut reported = BTreeSet::new();
    let mut cycles = Vec::new();
    for m in &modules {
        if reported.contains(m) || !reach[m.as_str()].contains(m) {
            continue;
        }
        let group: BTreeSet<String> = reach[m.as_str()]
            .iter()
            .filter(|o| reach[o.as_str()].contains(m))
            .cloned()
            .collect();
        let inside: Vec<String> = group
            .iter()
            .flat_map(|from| graph[from].iter().map(move |(to, files)| (from, to, files)))
            .filter(|(_, to, _)| group.contains(*to))
            .map(|(from, to, files)| {
                let files: Vec<&str> = files.iter().map(String::as_str).collect();
                format!("{from} → {to} ({})", files.join(", "))
            })
            .collect();
        cycles.push(format!(
            "{} — its imports:\n    {}",
            cycle_through(&graph, m, &group).join(" → "),
            inside.join("\n    ")
        ));
        reported.extend(group);
    }
    assert!(
        cycles.is_empty(),
        "import cycles among top-level modules (each must import the other one way only):\n  {}",
        cycles.join("\n  ")
    );
}

/// Files outside `src/store/` whose unit tests (from `#[cfg(test)]` on) may reach the
/// connection: fast.rs's tests compare the store's SQL date and number rules with the Rust
/// reader's functions, which the store cannot import. Its code above the tests may not.
const RAW_SQL_IN_TESTS_ALLOWED: &[&str] = &["src/ingest/fast.rs"];

/// Where the whole identifier `word` occurs in `code`: the text after each occurrence.
fn after_word<'c>(code: &'c str, word: &str) -> Vec<&'c str> {
    code.match_indices(word)
        .filter(|(at, _)| !code[..*at].chars().next_back().is_some_and(is_ident))
        .map(|(at, _)| &code[at + word.len()..])
        .filter(|rest| !rest.starts_with(is_ident))
        .collect()
}

/// Whether `code` calls the method `name` (`x.name(`, `Store::name(`).
fn calls(code: &str, name: &str) -> bool {
    [".", "::"].iter().any(|sep| {
        let pattern = format!("{sep}{name}");
        code.match_indices(&pattern).any(|(at, _)| {
            let rest = &code[at + pattern.len()..];
            !rest.starts_with(is_ident) && rest.trim_start().starts_with('(')
        })
    })
}

/// The arguments of every `include_str!(…)` in `code` that embeds SQL (`.sql`, `queries/`).
fn sql_includes(code: &str) -> Vec<String> {
    code.match_indices("include_str!")
        .filter_map(|(at, _)| {
            // Up to the parenthesis that closes the macro's.
            let rest = &code[at..];
            let mut depth = 0;
            let end = rest
                .char_indices()
                .find(|&(_, c)| {
                    match c {
                        '(' => depth += 1,
                        ')' => depth -= 1,
                        _ => {}
                    }
                    c == ')' && depth == 0
                })
                .map_or(rest.len(), |(i, _)| i + 1);
            let call = rest[..end].split_whitespace().collect::<Vec<_>>().join(" ");
            (call.contains(".sql") || call.contains("queries/")).then_some(call)
        })
        .collect()
}

#[test]
fn only_the_store_touches_the_connection_and_the_sql() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let store = root.join("src/store");
    let allowed: Vec<PathBuf> = RAW_SQL_IN_TESTS_ALLOWED
        .iter()
        .map(|f| root.join(f))
        .collect();
    let mut files = rust_files(&root.join("src"));
    let core = root.join("crates/core/src");
    if core.is_dir() {
        files.extend(rust_files(&core));
    }
    let mut seen_in_store = false;
    let mut violations = Vec::new();
    for file in &files {
        let text = std::fs::read_to_string(file).expect("readable source");
        let mut code = code(&text);
        if allowed.contains(file)
            && let Some(tests) = code.find("#[cfg(test)]")
        {
            code.truncate(tests);
        }
        let shown = file
            .strip_prefix(root)
            .unwrap_or(file)
            .display()
            .to_string();
        if file.starts_with(&store) {
            seen_in_store |= !after_word(&code, "queries").is_empty();
            continue;
        }
        for call in sql_includes(&code) {
            violations.push(format!("{shown}: embeds SQL outside src/store/: {call}"));
        }
        for method in ["conn", "conn_mut", "sql_for_tests"] {
            if calls(&code, method) {
                violations.push(format!(
                    "{shown}: calls .{method}() (use a typed store method)"
                ));
            }
        }
        if !after_word(&code, "queries").is_empty() {
            violations.push(format!(
                "{shown}: names the store's `queries` (the SQL belongs behind a store method)"
            ));
        }
    }
    // The scan reads what it should: the store names its statements.
    assert!(seen_in_store, "no `queries` named in src/store/");
    assert!(
        violations.is_empty(),
        "the store is the only way to the database:\n  {}",
        violations.join("\n  ")
    );
}
