//! What a process costs, read from /proc (Linux): the figures of the load
//! generator and of the benchmarks.

/// CPU time (user + system, seconds) of a process so far.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    // utime is the 14th field, stime the 15th.
    stat_seconds(pid, 14)
}

/// CPU time (user + system, seconds) of the processes a process started and
/// waited for (the service's espeak-ng renders): `/proc`'s cutime + cstime.
pub fn children_cpu_seconds(pid: u32) -> Option<f64> {
    // cutime is the 16th field, cstime the 17th.
    stat_seconds(pid, 16)
}

/// The sum of `/proc/PID/stat`'s fields `field` and `field + 1` (numbered
/// from 1, as in proc(5)), clock ticks read as seconds.
fn stat_seconds(pid: u32, field: usize) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // The fields after the command name (which may hold spaces) start at the 3rd.
    let rest = &stat[stat.rfind(')')? + 2..];
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = f.get(field - 3)?.parse::<u64>().ok()? + f.get(field - 2)?.parse::<u64>().ok()?;
    // /proc reports in USER_HZ, fixed at 100 on Linux.
    Some(ticks as f64 / 100.0)
}

/// Resident memory (KiB) of a process.
pub fn resident_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status.lines().find(|l| l.starts_with("VmRSS:"))?.split_whitespace().nth(1)?.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_used_cpu_and_memory() {
        // Work until /proc counts it (its clock ticks every 10 ms; an
        // optimised build folds a fixed loop in no time).
        let started = std::time::Instant::now();
        let mut busy = 0u64;
        while cpu_seconds(std::process::id()).is_some_and(|s| s == 0.0) && started.elapsed() < std::time::Duration::from_secs(10) {
            busy = (0..std::hint::black_box(1_000_000u64)).fold(busy, |a, b| a.wrapping_add(std::hint::black_box(b * b)));
        }
        std::hint::black_box(busy);
        assert!(cpu_seconds(std::process::id()).is_some_and(|s| s > 0.0));
        assert!(resident_kib(std::process::id()).is_some_and(|k| k > 100));
        assert_eq!(cpu_seconds(u32::MAX), None);
    }
}
