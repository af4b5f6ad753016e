#!/usr/bin/env python3
"""Cross-checks the hand-written testdata/expected/NAME.txt against what the
installed libbpf reports for testdata/obj/bpfel/NAME.o (via libbpf_inspect).

Usage: check_expected.py [--inspect PATH/TO/libbpf_inspect] [NAME ...]
       check_expected.py --pcap      (root: runs xdp_parser over sample.pcap in
                                      the kernel, compares expected/pcap/*.txt)
Builds libbpf_inspect with gcc when --inspect is not given. Prints every
difference; exits 1 if there is one that is not a KNOWN difference between
the installed libbpf and the expectations (newest libbpf + bpf4j extensions).

The expectations are the oracle; this script never rewrites them.
"""
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
TESTDATA = os.path.dirname(HERE)

# (object, kind, name) -> why the installed libbpf (1.1) legitimately differs
KNOWN = {
    ("sections", "prog", "prog_tcx_ingress"): "libbpf < 1.3 has no tcx/ingress",
    ("sections", "prog", "prog_tcx_egress"): "libbpf < 1.3 has no tcx/egress",
    ("sections", "prog", "prog_tc_ingress"): "libbpf < 1.3 has no tc/ingress alias",
    ("sections", "prog", "prog_sk_skb_verdict_new"): "libbpf < 1.4 has no sk_skb/verdict",
    ("sections", "prog", "prog_netfilter"): "libbpf < 1.3 has no netfilter",
    ("map_trace", "prog", "trace_values_update"): "map_trace/ is the seeds' section, not upstream",
    ("map_trace", "prog", "trace_values_delete"): "map_trace/ is the seeds' section, not upstream",
}
REFUSED = {"legacy_maps", "legacy_maps_iproute2"}  # libbpf >= 1.0 refuses SEC("maps")


def parse_expected(path):
    progs, maps, vars_ = {}, {}, {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            t = line.split()
            if t[0] == "prog":
                progs[t[1]] = (t[2], t[3], t[4], t[5])
            elif t[0] == "map":
                attrs = dict(a.split("=", 1) for a in t[7:])
                maps[t[1]] = (tuple(t[2:7]), attrs)
            elif t[0] == "var":
                vars_[t[1]] = (t[2], t[3])
            else:
                raise ValueError("%s: bad line %r" % (path, line))
    return progs, maps, vars_


def parse_inspect(out):
    progs, maps, vars_, inner = {}, {}, {}, {}
    for line in out.splitlines():
        t = line.split("\t")
        if t[0] == "prog":
            # name section type attach insn_cnt autoload
            progs[t[1]] = (t[2], t[3], t[4], "true" if t[6] == "1" else "false")
        elif t[0] == "map":
            # name type key value max flags numa extra pinned
            maps[t[1]] = (tuple(t[2:7]), {"numa_node": t[7], "map_extra": t[8], "pinned": t[9]})
        elif t[0] == "inner":
            inner[t[1]] = ",".join(t[3:8])
        elif t[0] == "var":
            vars_[t[1]] = (t[2], t[4])
    return progs, maps, vars_, inner


def check(name, inspect):
    exp_path = os.path.join(TESTDATA, "expected", name + ".txt")
    obj = os.path.join(TESTDATA, "obj", "bpfel", name + ".o")
    r = subprocess.run([inspect, "--names", "--vars", "--inner", obj], capture_output=True, text=True)
    diffs, known = [], []
    if r.returncode != 0:
        msg = "libbpf refuses the object: " + r.stderr.strip().replace("\n", " | ")
        (known if name in REFUSED else diffs).append(msg)
        return diffs, known
    ep, em, ev = parse_expected(exp_path)
    lp, lm, lv, li = parse_inspect(r.stdout)

    def report(kind, key, text):
        k = (name, kind, key)
        (known if k in KNOWN else diffs).append(text + ("  [known: %s]" % KNOWN[k] if k in KNOWN else ""))

    for p in sorted(set(ep) | set(lp)):
        if p not in lp:
            report("prog", p, "prog %s: expected, libbpf has none" % p)
        elif p not in ep:
            report("prog", p, "prog %s: libbpf has it, not expected" % p)
        else:
            sec, typ, att, auto = ep[p]
            lsec, ltyp, latt, lauto = lp[p]
            # "-" (no attach type in the section definition) is 0 = cgroup_inet_ingress for libbpf
            latt_norm = "-" if (latt == "cgroup_inet_ingress" and att == "-") else latt
            if (sec, typ, att, auto) != (lsec, ltyp, latt_norm, lauto):
                report("prog", p, "prog %s: expected %s, libbpf %s" % (p, " ".join(ep[p]), " ".join(lp[p])))
    for m in sorted(set(em) | set(lm)):
        if m not in lm:
            report("map", m, "map %s: expected, libbpf has none" % m)
        elif m not in em:
            report("map", m, "map %s: libbpf has it, not expected" % m)
        else:
            (fields, attrs), (lfields, lattrs) = em[m], lm[m]
            if fields != lfields:
                report("map", m, "map %s: expected %s, libbpf %s" % (m, " ".join(fields), " ".join(lfields)))
            if (attrs.get("pinning") == "by_name") != (lattrs["pinned"] == "1"):
                report("map", m, "map %s: pinning differs (libbpf pinned=%s)" % (m, lattrs["pinned"]))
            if attrs.get("map_extra", "0") != lattrs["map_extra"]:
                report("map", m, "map %s: map_extra %s, libbpf %s" % (m, attrs.get("map_extra", "0"), lattrs["map_extra"]))
            if attrs.get("numa_node", "0") != lattrs["numa_node"]:
                report("map", m, "map %s: numa_node %s, libbpf %s" % (m, attrs.get("numa_node", "0"), lattrs["numa_node"]))
            if attrs.get("inner") != li.get(m):
                report("map", m, "map %s: inner %s, libbpf %s" % (m, attrs.get("inner"), li.get(m)))
    for v in sorted(set(ev) | set(lv)):
        if v not in lv:
            report("var", v, "var %s: expected, libbpf has none" % v)
        elif v not in ev:
            report("var", v, "var %s: libbpf has it, not expected" % v)
        elif ev[v] != lv[v]:
            report("var", v, "var %s: expected %s, libbpf %s" % (v, " ".join(ev[v]), " ".join(lv[v])))
    return diffs, known


def check_pcap():
    """expected/pcap/xdp_parser.sample.txt against BPF_PROG_TEST_RUN (pcap_test_run)."""
    verdicts = {"XDP_ABORTED": 0, "XDP_DROP": 1, "XDP_PASS": 2, "XDP_TX": 3, "XDP_REDIRECT": 4}
    exp = {}
    with open(os.path.join(TESTDATA, "expected", "pcap", "xdp_parser.sample.txt")) as f:
        for line in f:
            t = line.split()
            if not t or t[0].startswith("#"):
                continue
            if t[0] == "packet":
                exp[("packet", int(t[1]))] = verdicts[t[2]]
            elif t[0] == "counter":
                exp[("pkt_count", int(t[2]))] = int(t[3])
            elif t[0] == "ip_proto":
                exp[("ip_proto_count", int(t[1]))] = int(t[2])
            elif t[0] == "var" and t[1] == "total_bytes":
                exp[("total_bytes", 0)] = int(t[2])
    tmp = tempfile.mkdtemp()
    runner = os.path.join(tmp, "pcap_test_run")
    subprocess.run(["gcc", "-O2", "-Wall", "-o", runner, os.path.join(HERE, "pcap_test_run.c"), "-lbpf"], check=True)
    r = subprocess.run([runner, os.path.join(TESTDATA, "obj", "bpfel", "xdp_parser.o"), "xdp_parser",
                        os.path.join(TESTDATA, "pcap", "sample.pcap")], capture_output=True, text=True)
    if r.returncode:
        print("pcap_test_run failed: " + r.stderr.strip())
        return 1
    got = {}
    for line in r.stdout.splitlines():
        t = line.split("\t")
        if t[0] == "packet":
            got[("packet", int(t[1]))] = int(t[3]) if t[3].isdigit() else t[3]
        elif t[0] == "entry":
            key = int.from_bytes(bytes.fromhex(t[2]), sys.byteorder)
            val = int.from_bytes(bytes.fromhex(t[3]), sys.byteorder)
            name = "total_bytes" if t[1].endswith(".bss") else t[1]
            if name in ("pkt_count", "ip_proto_count", "total_bytes"):
                if name == "pkt_count" and val == 0 and ("pkt_count", key) not in exp:
                    continue
                got[(name, key)] = val
    bad = 0
    for k in sorted(set(exp) | set(got), key=str):
        if exp.get(k) != got.get(k):
            print("    %s %s: expected %s, kernel %s" % (k[0], k[1], exp.get(k), got.get(k)))
            bad += 1
    print("%-22s %s" % ("pcap xdp_parser", "OK" if not bad else "DIFFERENT"))
    return 1 if bad else 0


def main(argv):
    if argv[1:] == ["--pcap"]:
        return check_pcap()
    inspect = None
    if len(argv) > 1 and argv[1] == "--inspect":
        inspect, argv = argv[2], argv[2:]
    names = argv[1:] or sorted(f[:-4] for f in os.listdir(os.path.join(TESTDATA, "expected"))
                               if f.endswith(".txt"))
    tmp = None
    if inspect is None:
        tmp = tempfile.mkdtemp()
        inspect = os.path.join(tmp, "libbpf_inspect")
        subprocess.run(["gcc", "-O2", "-Wall", "-o", inspect, os.path.join(HERE, "libbpf_inspect.c"), "-lbpf"], check=True)
    bad = 0
    for n in names:
        diffs, known = check(n, inspect)
        status = "OK" if not diffs else "DIFFERENT"
        print("%-22s %s" % (n, status + (" (%d known libbpf differences)" % len(known) if known else "")))
        for d in diffs:
            print("    " + d)
        for k in known:
            print("    " + k)
        bad += len(diffs)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
