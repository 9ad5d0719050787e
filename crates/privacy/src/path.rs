//! Finding a field by a dotted name inside an event's nested fields.
//!
//! Decoders differ in how much they flatten: one stores
//! `winlog.event_data.TargetUserName` as a single key, another as three
//! nested objects, another as `winlog` → `event_data.TargetUserName`. A path
//! therefore matches a flat key first and otherwise tries each way of
//! splitting it at dots.

use serde_json::{Map, Value};

/// The value at `path`, for changing it in place.
pub(crate) fn get_mut<'a>(map: &'a mut Map<String, Value>, path: &str) -> Option<&'a mut Value> {
    // Locate first with shared borrows, then walk mutably along the found
    // keys: returning a mutable borrow from inside the search loop is what
    // the borrow checker cannot follow.
    let mut keys = Vec::new();
    if !locate(map, path, &mut keys) {
        return None;
    }
    let (last, parents) = keys.split_last()?;
    let mut current = map;
    for key in parents {
        current = current.get_mut(*key)?.as_object_mut()?;
    }
    current.get_mut(*last)
}

fn locate<'p>(map: &Map<String, Value>, path: &'p str, keys: &mut Vec<&'p str>) -> bool {
    if map.contains_key(path) {
        keys.push(path);
        return true;
    }
    for (dot, _) in path.match_indices('.') {
        let (head, rest) = (&path[..dot], &path[dot + 1..]);
        if let Some(Value::Object(inner)) = map.get(head) {
            keys.push(head);
            if locate(inner, rest, keys) {
                return true;
            }
            keys.pop();
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(m) => m,
            _ => unreachable!("tests pass objects"),
        }
    }

    #[test]
    fn finds_flat_nested_and_mixed_paths() {
        let mut m = map(json!({
            "a.b.c": 1,
            "x": {"y": {"z": 2}},
            "w": {"e.f": 3},
            "p": {"q": 4}, "p.q": {"r": 5}
        }));
        assert_eq!(get_mut(&mut m, "a.b.c"), Some(&mut json!(1)));
        assert_eq!(get_mut(&mut m, "x.y.z"), Some(&mut json!(2)));
        assert_eq!(get_mut(&mut m, "w.e.f"), Some(&mut json!(3)));
        // `p` is an object without `q.r`, so the search moves on to `p.q`.
        assert_eq!(get_mut(&mut m, "p.q.r"), Some(&mut json!(5)));
        assert_eq!(get_mut(&mut m, "x.y.nope"), None);
        assert_eq!(get_mut(&mut m, "x.y.z.deeper"), None);
        *get_mut(&mut m, "x.y.z").unwrap() = json!("changed");
        assert_eq!(m["x"]["y"]["z"], json!("changed"));
    }
}
