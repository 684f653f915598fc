//! `explain`: the kernel operations a statement would perform, each with
//! the ipvsadm command that does the same.

use super::ipvsadm_line::command_line;
use crate::ipvs::Op;

/// The planned operations, in order, each with its ipvsadm line.
pub fn plan(ops: &[Op]) -> String {
    if ops.is_empty() {
        return "no kernel operation: the kernel already matches\n".to_string();
    }
    let what = match ops.len() {
        1 => "1 kernel operation".to_string(),
        n => format!("{n} kernel operations, in one transaction"),
    };
    let mut out = format!("{what}:\n");
    for op in ops {
        out.push_str(&format!("  {op}\n      {}\n", command_line(op)));
    }
    out
}

/// After a plan made without reading the kernel: why, and what it assumed.
pub fn unread(reason: &str) -> String {
    format!("note: lvsh could not read the kernel ({reason}): this plan starts from an empty table\n")
}

/// A statement that does not change the kernel.
pub fn read_only(command: &str) -> String {
    format!("no kernel operation: `{command}` changes nothing in the kernel\n")
}

/// `explain --json` (schema/explain.schema.json): the statement, whether
/// it changes the kernel, each planned operation with its ipvsadm line,
/// and why the kernel could not be read (`null` when it was).
pub fn json(statement: &str, changes: bool, ops: &[Op], unread: Option<&str>) -> String {
    let operations: Vec<serde_json::Value> = ops
        .iter()
        .map(|op| serde_json::json!({ "operation": op.to_string(), "ipvsadm": command_line(op) }))
        .collect();
    let value = serde_json::json!({
        "statement": statement, "changes_kernel": changes, "operations": operations, "unread": unread,
    });
    format!("{value:#}\n")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ipvs::ServiceKey;

    #[test]
    fn each_operation_comes_with_its_ipvsadm_line() {
        let key = ServiceKey::tcp("111.111.0.1:80".parse().unwrap());
        assert_eq!(
            plan(&[Op::Zero(Some(key)), Op::DelService(key)]),
            "2 kernel operations, in one transaction:
  zero the counters of service tcp 111.111.0.1:80
      ipvsadm -Z -t 111.111.0.1:80
  delete service tcp 111.111.0.1:80
      ipvsadm -D -t 111.111.0.1:80
"
        );
        assert_eq!(plan(&[]), "no kernel operation: the kernel already matches\n");
    }
}
