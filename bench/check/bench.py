#!/usr/bin/env python3
"""bench-check: front-end speed of `actorc check` against `gcc -fsyntax-only`.

Generates build/bench-check/big.actor, a ~100,000-line program of realistic
declarations (messages with defaults and optionals, structs, enums, actors
with state, replying handlers, `on stop`, functions with loops, branches,
matches, string interpolation, asks and sends), and build/bench-check/big.c
with the same line count and the same kinds of constructs in C.  Runs each
checker REPEAT times (default 5), takes the median wall time and the peak
RSS (from wait4), prints lines/s, peak MB and the ratio, and writes
bench/check/RESULTS.md.  Target: actorc at least 3x faster, under 200 MB.

Usage: bench.py [--lines N] [--repeat R] [--actorc PATH] [--no-results]
"""
import argparse
import os
import platform
import statistics
import subprocess
import sys
import time

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))


def actor_unit(i):
    """One unit of the .actor program: ~60 lines."""
    return f"""/// A request of kind {i}.
message Req{i} {{
    values: [f64];
    label: str = "req-{i}";
    limit: i64? = nil;
    scale: f64 = 1.0;
}}

message Resp{i} {{
    total: f64 = 0.0;
    count: i64 = 0;
    note: str? = nil;
}}

struct Stat{i} {{
    lo: f64;
    hi: f64 = 0.0;
}}

enum Mode{i} {{ Fast{i}, Careful{i}, Off{i} }}

fn helper_{i}(a: i64, b: i64) -> i64 {{
    var acc = a;
    for k in 0..b {{
        if k % 3 == 0 {{
            acc += k * 2;
        }} else if k % 3 == 1 {{
            acc -= 1;
        }} else {{
            acc = acc * 3 % 1000;
        }}
    }}
    while acc > 100 {{
        acc /= 2;
    }}
    return acc + b;
}}

fn mode_weight_{i}(m: Mode{i}) -> f64 {{
    return match m {{
        Fast{i} => 0.5,
        Careful{i} => 2.0,
        Off{i} => 0.0,
    }};
}}

actor Worker{i} {{
    var served: i64 = 0;
    var sum: f64 = 0.0;
    on Req{i}(r) -> Resp{i} {{
        served += 1;
        var total = 0.0;
        for v in r.values {{
            total += v * r.scale;
        }}
        let lim = r.limit ?? 10;
        if helper_{i}(served, lim) > 50 {{
            sum += total * mode_weight_{i}(Mode{i}.Careful{i});
        }}
        let s = Stat{i} {{ lo: total }};
        reply Resp{i} {{ total: total + s.hi, count: served, note: "{{r.label}} done" }};
    }}
    on stop {{
        println("worker {i} served {{served}} requests, sum {{sum}}");
    }}
}}

fn drive_{i}() {{
    let w = spawn Worker{i};
    send w, Req{i} {{ values: [1.0, 2.0, {i}.0] }};
    match ask w, Req{i} {{ values: [0.5], limit: {i % 97} }} timeout 1s {{
        ok(resp) => println("unit {i}: {{resp.total}} after {{resp.count}}"),
        timeout => println("unit {i} timed out"),
        failed(e) => println("unit {i} failed: {{e}}"),
    }}
}}

"""


def c_unit(i):
    """One unit of the C program with the same kinds of constructs: ~60 lines."""
    return f"""/* A request of kind {i}. */
struct req{i} {{
    double *values;
    long nvalues;
    const char *label;
    long limit;
    int has_limit;
    double scale;
}};

struct resp{i} {{
    double total;
    long count;
    const char *note;
}};

struct stat{i} {{
    double lo;
    double hi;
}};

enum mode{i} {{ FAST{i}, CAREFUL{i}, OFF{i} }};

static long helper_{i}(long a, long b) {{
    long acc = a;
    for (long k = 0; k < b; k++) {{
        if (k % 3 == 0) {{
            acc += k * 2;
        }} else if (k % 3 == 1) {{
            acc -= 1;
        }} else {{
            acc = acc * 3 % 1000;
        }}
    }}
    while (acc > 100) {{
        acc /= 2;
    }}
    return acc + b;
}}

static double mode_weight_{i}(enum mode{i} m) {{
    switch (m) {{
    case FAST{i}: return 0.5;
    case CAREFUL{i}: return 2.0;
    default: return 0.0;
    }}
}}

struct worker{i} {{
    long served;
    double sum;
}};

static struct resp{i} worker{i}_on_req(struct worker{i} *self, const struct req{i} *r) {{
    self->served += 1;
    double total = 0.0;
    for (long j = 0; j < r->nvalues; j++) {{
        total += r->values[j] * r->scale;
    }}
    long lim = r->has_limit ? r->limit : 10;
    if (helper_{i}(self->served, lim) > 50) {{
        self->sum += total * mode_weight_{i}(CAREFUL{i});
    }}
    struct stat{i} s = {{ .lo = total, .hi = 0.0 }};
    struct resp{i} out = {{ .total = total + s.hi, .count = self->served, .note = r->label }};
    return out;
}}

static void worker{i}_on_stop(struct worker{i} *self) {{
    printf("worker {i} served %ld requests, sum %f\\n", self->served, self->sum);
}}

void drive_{i}(void);
void drive_{i}(void) {{
    struct worker{i} w = {{ 0, 0.0 }};
    double v[3] = {{ 1.0, 2.0, {i}.0 }};
    struct req{i} r = {{ v, 3, "req-{i}", 0, 0, 1.0 }};
    struct resp{i} resp = worker{i}_on_req(&w, &r);
    printf("unit {i}: %f after %ld\\n", resp.total, resp.count);
    worker{i}_on_stop(&w);
}}

"""


def fill(unit, head, tail, lines):
    """head + units + tail + one-line padding, exactly `lines` lines."""
    parts, n, i = [head], head.count("\n") + tail(0).count("\n"), 0
    while True:
        u = unit(i)
        if n + u.count("\n") + tail(i + 1).count("\n") > lines:
            break
        parts.append(u)
        n += u.count("\n")
        i += 1
    text = "".join(parts) + tail(i)
    return text, i


def generate(lines, out_dir):
    os.makedirs(out_dir, exist_ok=True)
    def actor_tail(n):
        return "fn main() {\n" + "".join(f"    drive_{k}();\n" for k in range(min(n, 8))) + "}\n"
    def c_tail(n):
        return ("int main(void) {\n" + "".join(f"    drive_{k}();\n" for k in range(min(n, 8)))
                + "    return 0;\n}\n")
    actor_text, _ = fill(actor_unit, "// generated by bench/check/bench.py\n", actor_tail, lines)
    c_text, _ = fill(c_unit, "/* generated by bench/check/bench.py */\nint printf(const char *fmt, ...);\n",
                     c_tail, lines)
    # pad both to exactly `lines` lines with one-line functions
    pad = 0
    while actor_text.count("\n") < lines:
        actor_text += f"fn pad_{pad}() -> i64 {{ return {pad}; }}\n"
        pad += 1
    pad = 0
    while c_text.count("\n") < lines:
        c_text += f"long pad_{pad}(void);\n" if pad % 2 == 0 else f"long pad_{pad - 1}(void) {{ return {pad}; }}\n"
        pad += 1
    pa = os.path.join(out_dir, "big.actor")
    pc = os.path.join(out_dir, "big.c")
    with open(pa, "w") as f:
        f.write(actor_text)
    with open(pc, "w") as f:
        f.write(c_text)
    return pa, pc, actor_text.count("\n"), c_text.count("\n")


def measure(name, cmd):
    """Wall seconds, CPU seconds (user+sys), peak RSS in MB of one run."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    out = p.stdout.read()
    _, status, ru = os.wait4(p.pid, 0)
    dt = time.perf_counter() - t0
    rc = os.waitstatus_to_exitcode(status)
    if rc != 0:
        sys.exit(f"bench-check: {name} failed (exit {rc}):\n{out.decode(errors='replace')[:3000]}")
    return dt, ru.ru_utime + ru.ru_stime, ru.ru_maxrss / 1024.0


def bench(named_cmds, repeat):
    """Runs the commands in turn, `repeat` rounds (interleaved, so that load
    from other work on the machine hits them alike).  Per command: median
    wall s, median CPU s, max peak MB, the wall times."""
    runs = {n: [] for n, _ in named_cmds}
    for _ in range(repeat):
        for n, c in named_cmds:
            runs[n].append(measure(n, c))
    out = {}
    for n, rs in runs.items():
        out[n] = (statistics.median(r[0] for r in rs), statistics.median(r[1] for r in rs),
                  max(r[2] for r in rs), [r[0] for r in rs])
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--lines", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--actorc", default=os.path.join(ROOT, "build", "actorc"))
    ap.add_argument("--no-results", action="store_true", help="do not write RESULTS.md")
    a = ap.parse_args()
    out_dir = os.path.join(ROOT, "build", "bench-check")
    pa, pc, la, lc = generate(a.lines, out_dir)
    print(f"generated {os.path.relpath(pa, ROOT)} ({la} lines) and {os.path.relpath(pc, ROOT)} ({lc} lines)")
    r = bench([("actorc", [a.actorc, "check", pa]),
               ("gcc", ["gcc", "-std=c11", "-fsyntax-only", pc])], a.repeat)
    at, acpu, amb, ats = r["actorc"]
    gt, gcpu, gmb, gts = r["gcc"]
    pr = bench([(ph, [a.actorc, "check", f"--stop-after={ph}", pa])
                for ph in ("parse", "resolve", "types", "own")], a.repeat)
    phases = [(ph, pr[ph][0], pr[ph][2]) for ph in ("parse", "resolve", "types", "own")]
    ratio = gt / at
    cpu_ratio = gcpu / acpu if acpu > 0 else float("inf")
    rows = [
        ("actorc check", la, at, acpu, la / at, amb, ats),
        ("gcc -fsyntax-only", lc, gt, gcpu, lc / gt, gmb, gts),
    ]
    verdict_speed = "meets" if ratio >= 3.0 else "MISSES"
    verdict_mem = "meets" if amb < 200 else "MISSES"
    lines = [
        "| checker | lines | median wall s | median CPU s | lines/s (wall) | peak MB | wall runs (s) |",
        "|---|---:|---:|---:|---:|---:|---|",
    ]
    for n, l, t, cpu, lps, mb, ts in rows:
        lines.append(f"| {n} | {l} | {t:.3f} | {cpu:.3f} | {lps:,.0f} | {mb:.1f} | "
                     f"{' '.join(f'{x:.3f}' for x in ts)} |")
    phase_lines = [
        "| stopping after | median s (cumulative) | phase alone s | peak MB (cumulative) |",
        "|---|---:|---:|---:|",
    ]
    prev = 0.0
    for ph, t, mb in phases:
        phase_lines.append(f"| {ph} | {t:.3f} | {max(t - prev, 0.0):.3f} | {mb:.1f} |")
        prev = t
    summary = (f"actorc check is {ratio:.2f}x as fast as gcc -fsyntax-only in wall time "
               f"({verdict_speed} the 3x target; {cpu_ratio:.2f}x in CPU time); "
               f"peak {amb:.1f} MB ({verdict_mem} the 200 MB target)")
    print("\n".join(lines))
    print("\n".join(phase_lines))
    print(summary)
    if not a.no_results:
        cpu = "unknown CPU"
        try:
            with open("/proc/cpuinfo") as f:
                for l in f:
                    if l.startswith("model name"):
                        cpu = l.split(":", 1)[1].strip()
                        break
        except OSError:
            pass
        gcc_v = subprocess.run(["gcc", "--version"], capture_output=True, text=True).stdout.splitlines()[0]
        with open(os.path.join(ROOT, "bench", "check", "RESULTS.md"), "w") as f:
            f.write("# bench-check: front-end speed\n\n")
            f.write("`make bench-check` (bench/check/bench.py): `actorc check` on a generated "
                    f"{la}-line program against `gcc -std=c11 -fsyntax-only` on a generated C file of the "
                    "same line count with the same kinds of constructs (records, enums, functions with "
                    "loops and branches, handlers). Median wall and CPU (user+sys) time of "
                    f"{a.repeat} interleaved runs each; peak RSS from wait4.\n\n")
            f.write(f"Machine: {cpu}, {os.cpu_count()} cores, {platform.system()} {platform.release()}; "
                    f"{gcc_v}; measured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}. "
                    f"Load average at the end: {os.getloadavg()[0]:.2f} — the machine was shared with "
                    "other work, so absolute times are noisy; the runs are interleaved so that the "
                    "ratio is fairer than the absolute numbers.\n\n")
            f.write("\n".join(lines) + "\n\n")
            f.write("Where actorc's time goes (`--stop-after=<phase>`, same input; the phase-alone "
                    "column is the difference of medians, so it is approximate):\n\n")
            f.write("\n".join(phase_lines) + "\n\n")
            f.write(f"Result: {summary}.\n\n")
            f.write("Targets (issue 2): at least 3x faster than gcc's syntax check, under 200 MB peak.\n")
        print("wrote bench/check/RESULTS.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
