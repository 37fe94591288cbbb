#!/bin/sh
# Usage: scripts/calibrate-kbuild.sh capture [-n] [-p] [-j N] [-b KB] [-t TARGETS] CONFIG SRC OUT
#        scripts/calibrate-kbuild.sh analyse TRACE [BUSY_CPU_S [CPUS]] > stats.json
#        scripts/calibrate-kbuild.sh synth ACCEPTSIM OUT [K=V,...]
#        scripts/calibrate-kbuild.sh table REAL.json SYNTH.json
#        scripts/calibrate-kbuild.sh ctables stats.json
# Reproduces docs/kbuild-calibration.md, the calibration of the kbuild
# workload (workloads/wl-kbuild.c) against real kernel builds.
#   capture  As root: configure the kernel tree SRC with CONFIG (tinyconfig,
#            defconfig, ...), clean it, drop the page cache, then build it
#            (or only TARGETS, e.g. "kernel/ mm/") with make -j N (default:
#            nproc) while a private tracing instance
#            records kmem/mm_page_alloc, mm_page_free, mm_page_alloc_extfrag
#            and sched_process_fork/exec/exit and sched_stat_runtime into a
#            per-CPU buffer of KB (default 1 GiB).  Writes OUT/trace.txt (the
#            kernel's own text), OUT/root.pid (the build's process tree is
#            its descendants), OUT/time.txt (wall, user, sys seconds of the
#            build) and OUT/info.txt (kernel, command, ring-buffer stats:
#            "overrun" > 0 means events were lost).  -n: no tracing, only
#            OUT/time.txt (the untraced CPU time).  -p: record only the
#            build's process tree (set_event_pid, event-fork), for builds
#            whose trace would overflow the buffer on a busy machine; frees
#            by other tasks (2 % of the build's, RCU and kernel threads)
#            are then missing.
#   analyse  Statistics of the build in a kmem trace (ftrace text, plain or
#            .gz) as one JSON object: only allocations of the build's
#            process tree count (other processes on the machine are left
#            out), frees are matched to them by pfn.  Rates, order,
#            migratetype, gfp and class mixes, what is never freed,
#            lifetimes per class (wall clock, and on the build's CPU clock:
#            its CPU time so far / CPUS, default 2), process types (comm
#            after exec) with allocations per process and their mix.
#            BUSY_CPU_S (default: user + sys from TRACE's directory's
#            time.txt, or the "# busy_cpu_s" line of a synthetic trace)
#            gives allocations per busy CPU-second.
#   synth    Run ACCEPTSIM's kbuild workload on 2 CPUs with the K=V options
#            (default builds=1,jobs=2,units=650: the tinyconfig build's 650
#            cc1 runs) and dump=OUT/trace.txt, so that the synthetic stream
#            can be analysed exactly like the real one.
#   table    The markdown tables of docs/kbuild-calibration.md from two
#            analyse outputs.
#   ctables  The process-type table of wl-kbuild.c (and the lifetime and
#            young-death figures of its class table) from an analyse output.
# Needs python3; capture also needs a kernel tree, its build dependencies
# (build-essential flex bison bc libelf-dev libssl-dev) and tracefs.
set -eu

usage() { sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }

# The analysis, in python: py SUBCOMMAND ARGS...
py() {
	python3 - "$@" <<'PY'
import sys, os, json, gzip, collections

# The kbuild workload's classes (workloads/wl-kbuild.c enum kb_class).
CLASSES = ['anon', 'anon_cow', 'thp', 'pgtable', 'pgd', 'tlb', 'pipe', 'file_read', 'file_read2',
           'file_write', 'file_write_big', 'kernel_nowait', 'kernel_nofs', 'slab_recl', 'slab_recl2']
# Its process types, by comm; nm, xz and objcopy work on vmlinux: the link.
TYPES = ['cc1', 'as', 'sh', 'make', 'gcc', 'fixdep', 'tool', 'ld', 'link']
COMM_TYPE = {'cc1': 'cc1', 'as': 'as', 'sh': 'sh', 'bash': 'sh', 'dash': 'sh', 'make': 'make',
             'gcc': 'gcc', 'fixdep': 'fixdep', 'ld': 'ld', 'collect2': 'ld',
             'nm': 'link', 'xz': 'link', 'objcopy': 'link', 'strip': 'link',
             'link-vmlinux.sh': 'link'}
PCTS = [0.1, 0.5, 0.9, 0.99]
VENTILES = [i / 20 for i in range(21)]
TEARDOWN_US = 50000     # frees this close to the allocator's exec/exit are its teardown

def classify(gfp, order, mt):
    f = set(gfp.split('|'))
    if 'GFP_TRANSHUGE' in f or 'GFP_TRANSHUGE_LIGHT' in f:
        return 'thp'
    if mt == 1:
        if '__GFP_WRITE' in f:
            return 'file_write_big' if order else 'file_write'
        if 'GFP_HIGHUSER_MOVABLE' in f and '__GFP_ZERO' in f:
            return 'anon'
        if 'GFP_HIGHUSER_MOVABLE' in f and '__GFP_NORETRY' not in f:
            return 'anon_cow'
        return 'file_read2' if order else 'file_read'
    if mt == 2:
        return 'slab_recl2' if order else 'slab_recl'
    if 'GFP_KERNEL_ACCOUNT' in f and '__GFP_ZERO' in f:
        return 'pgd' if order else 'pgtable'
    if 'GFP_HIGHUSER' in f and '__GFP_ACCOUNT' in f:
        return 'pipe'
    if gfp == 'GFP_NOWAIT':
        return 'tlb'
    if 'GFP_NOWAIT' in f:
        return 'kernel_nowait'
    return 'kernel_nofs'

def pct(a, p):
    if not a:
        return None
    i = min(len(a) - 1, max(0, int(p * len(a) + 0.999999) - 1))
    return a[i]

def opener(path):
    if path.endswith('.gz'):
        return gzip.open(path, 'rt', errors='replace')
    return open(path, 'r', errors='replace')

class Proc:
    __slots__ = ('comm', 'allocs', 'cls', 'first', 'last', 'pending', 'end', 'cpu_ns')
    def __init__(self, comm, ts):
        self.comm = comm
        self.allocs = 0
        self.cls = collections.Counter()
        self.first = ts
        self.last = ts
        self.pending = []       # (tf, class, lifetime) frees not yet attributed
        self.end = None         # time of its exec or exit event
        self.cpu_ns = 0

def analyse(path, busy, ncpu):
    d = os.path.dirname(path) or '.'
    root = None
    if os.path.exists(os.path.join(d, 'root.pid')):
        root = open(os.path.join(d, 'root.pid')).read().split()[0]
    keys = {}
    keyinfo = []         # [gfp, order, mt, class]
    kcount = []
    live = {}            # pfn -> (ts_us, build cpu clock us, key index, proc)
    life = collections.defaultdict(list)        # wall-clock lifetimes
    life_u = collections.defaultdict(list)      # build-CPU-clock lifetimes
    young_u = collections.defaultdict(list)     # ... of frees before the owner's teardown
    inbuild = {}         # pid -> current Proc (None: left the build)
    done = []
    teardown = collections.Counter()
    runfree = collections.Counter()
    other_allocs = collections.Counter()
    nalloc = nfree = nfail = nextfrag = unmatched = 0
    free_pages = alloc_pages = 0
    t0 = t1 = None
    extfrag = collections.Counter()
    busy_from_trace = None
    filt = root is not None
    nforks = 0
    bclock = 0           # build CPU time so far, ns (sched_stat_runtime)
    have_runtime = False

    def finish(p, td):
        p.end = td
        for tf, c, lu in p.pending:
            if td - tf <= TEARDOWN_US:
                teardown[c] += 1
            else:
                runfree[c] += 1
                young_u[c].append(lu)
        p.pending = []

    with opener(path) as fh:
        for line in fh:
            if line[0] == '#':
                if line.startswith('# busy_cpu_s:'):
                    busy_from_trace = float(line.split(':')[1])
                elif line.startswith('# root_pid:'):
                    root = line.split(':')[1].strip()
                    filt = True
                continue
            i = line.find(': ', line.find(']'))
            j = line.find(': ', i + 2)
            if i < 0 or j < 0:
                continue
            head = line[:i].rsplit(None, 3)
            if len(head) == 4:
                cp, cpu, _, ts = head
            else:
                cp, cpu, ts = line[:i].rsplit(None, 2)
            ev = line[i + 2:j]
            ts_us = int(round(float(ts) * 1e6))
            if t0 is None:
                t0 = ts_us
            t1 = ts_us
            pid = cp.rpartition('-')[2]
            rest = line[j + 2:].split()
            if ev == 'mm_page_alloc':
                pfn = rest[1][4:]
                order = int(rest[2][6:])
                mt = int(rest[3][12:])
                gfp = rest[4][10:]
                if pfn == '0x0':
                    nfail += 1
                    continue
                k = (gfp, order, mt)
                ki = keys.get(k)
                if ki is None:
                    ki = keys[k] = len(keyinfo)
                    keyinfo.append([gfp, order, mt, classify(gfp, order, mt)])
                    kcount.append(0)
                cls = keyinfo[ki][3]
                p = inbuild.get(pid)
                if p is None:
                    if filt:
                        other_allocs[cls] += 1
                        continue
                    p = inbuild[pid] = Proc('?', ts_us)
                kcount[ki] += 1
                nalloc += 1
                alloc_pages += 1 << order
                live[pfn] = (ts_us, bclock, ki, p)
                p.allocs += 1
                p.cls[cls] += 1
                p.last = ts_us
            elif ev == 'mm_page_free':
                pfn = rest[1][4:]
                a = live.pop(pfn, None)
                if a is None:
                    unmatched += 1
                    continue
                nfree += 1
                ki = a[2]
                free_pages += 1 << keyinfo[ki][1]
                cls = keyinfo[ki][3]
                lu = (bclock - a[1]) // 1000 // ncpu if have_runtime else ts_us - a[0]
                life[cls].append(ts_us - a[0])
                life_u[cls].append(lu)
                p = a[3]
                if p.end is None:
                    p.pending.append((ts_us, cls, lu))
                elif ts_us - p.end <= TEARDOWN_US:
                    teardown[cls] += 1      # 6.18 traces exit before exit_mm()
                else:
                    runfree[cls] += 1
                    young_u[cls].append(lu)
            elif ev == 'sched_stat_runtime':
                p = inbuild.get(pid)
                if p is not None:
                    rt = int(rest[2][8:])
                    bclock += rt
                    p.cpu_ns += rt
                    have_runtime = True
            elif ev == 'mm_page_alloc_extfrag':
                nextfrag += 1
                dd = dict(x.split('=', 1) for x in rest[1:] if '=' in x)
                extfrag['/'.join(dd.get(x, '?') for x in ('alloc_order', 'fallback_order',
                                 'alloc_migratetype', 'fallback_migratetype'))] += 1
            elif ev == 'sched_process_fork':
                dd = dict(x.split('=', 1) for x in rest if '=' in x)
                par, child = dd['pid'], dd['child_pid']
                if par == root or inbuild.get(par) is not None or (not filt):
                    nforks += 1
                    pp = inbuild.get(par)
                    inbuild[child] = Proc(dd['child_comm'] if pp is None else pp.comm, ts_us)
            elif ev == 'sched_process_exec':
                dd = dict(x.split('=', 1) for x in rest if '=' in x)
                p = inbuild.get(dd['pid'])
                if p is None and dd['pid'] == root:
                    p = Proc('sh', ts_us)
                if p is not None:
                    finish(p, ts_us)
                    done.append(p)
                    inbuild[dd['pid']] = Proc(os.path.basename(dd['filename']), ts_us)
            elif ev == 'sched_process_exit':
                dd = dict(x.split('=', 1) for x in rest if '=' in x)
                p = inbuild.get(dd['pid'])
                if p is not None:
                    finish(p, ts_us)
                    p.last = ts_us
                    done.append(p)
                    inbuild[dd['pid']] = None if filt else p
    for p in set(x for x in inbuild.values() if x is not None):
        finish(p, 1 << 62)
        done.append(p)
    if busy is None:
        busy = busy_from_trace
    if busy is None and have_runtime:
        busy = bclock / 1e9
    span = (t1 - t0) / 1e6
    out = {'trace': path, 'allocs': nalloc, 'frees': nfree, 'failed': nfail,
           'extfrag': nextfrag, 'alloc_pages': alloc_pages, 'free_pages': free_pages,
           'unmatched_frees': unmatched, 'span_s': span, 'busy_cpu_s': busy,
           'runtime_cpu_s': bclock / 1e9 if have_runtime else None,
           'allocs_per_busy_cpu_s': nalloc / busy if busy else None,
           'frees_per_alloc': nfree / nalloc, 'forks': nforks,
           'excluded_allocs': sum(other_allocs.values()),
           'excluded_by_class': dict(other_allocs.most_common())}
    oc = collections.Counter(); op = collections.Counter()
    mc = collections.Counter(); mp = collections.Counter()
    cc = collections.Counter(); cp_ = collections.Counter()
    for ki, (g, o, m, c) in enumerate(keyinfo):
        oc[o] += kcount[ki]; op[o] += kcount[ki] << o
        mc[m] += kcount[ki]; mp[m] += kcount[ki] << o
        cc[c] += kcount[ki]; cp_[c] += kcount[ki] << o
    out['order_allocs'] = {str(o): oc[o] / nalloc for o in sorted(oc) if oc[o]}
    out['order_pages'] = {str(o): op[o] / alloc_pages for o in sorted(op) if op[o]}
    out['mt_allocs'] = {str(m): mc[m] / nalloc for m in sorted(mc) if mc[m]}
    out['mt_pages'] = {str(m): mp[m] / alloc_pages for m in sorted(mp) if mp[m]}
    lc = collections.Counter(); lp = collections.Counter()
    for ts, bc, ki, p in live.values():
        lc[keyinfo[ki][3]] += 1
        lp[keyinfo[ki][3]] += 1 << keyinfo[ki][1]
    cl = {}
    for c in CLASSES:
        if not cc[c]:
            continue
        a = sorted(life[c]); au = sorted(life_u[c]); y = sorted(young_u[c])
        cl[c] = {'allocs': cc[c] / nalloc, 'pages': cp_[c] / alloc_pages,
                 'never_freed': lc[c] / cc[c], 'live_pages_end': lp[c],
                 'teardown_frees': teardown[c] / cc[c], 'run_frees': runfree[c] / cc[c],
                 'life_us': {str(p): pct(a, p) for p in PCTS},
                 'life_cpu_us': {str(p): pct(au, p) for p in PCTS},
                 'young_cpu_us': {str(p): pct(y, p) for p in PCTS}}
    out['classes'] = cl
    top = sorted(range(len(keyinfo)), key=lambda k: -kcount[k])[:20]
    out['gfp_top'] = [{'gfp': keyinfo[k][0], 'order': keyinfo[k][1], 'mt': keyinfo[k][2],
                       'class': keyinfo[k][3], 'share': kcount[k] / nalloc}
                      for k in top if kcount[k]]
    # model process types
    last_cc1 = max((p.last for p in done if p.comm == 'cc1'), default=None)
    byt = collections.defaultdict(list)
    for p in done:
        if p.allocs == 0 and p.cpu_ns == 0:
            continue            # a fork that exec'd at once: counted in its exec'd self
        t = COMM_TYPE.get(p.comm, 'tool')
        byt[t].append(p)
    ncc1 = len(byt.get('cc1', [])) or 1
    pts = {}
    for t in TYPES:
        v = byt.get(t, [])
        if not v:
            continue
        ns = sorted(x.allocs for x in v)
        tot = collections.Counter()
        for x in v:
            tot.update(x.cls)
        s = sum(tot.values()) or 1
        cpu = sum(x.cpu_ns for x in v) / 1e9
        pts[t] = {'procs': len(v), 'per_cc1': len(v) / ncc1, 'allocs_total': sum(ns),
                  'alloc_share': sum(ns) / nalloc, 'cpu_s': cpu,
                  'allocs_per_cpu_s': sum(ns) / cpu if cpu else None,
                  'allocs': [pct(ns, p) for p in VENTILES],
                  'allocs_p99': pct(ns, 0.99), 'allocs_mean': sum(ns) / len(ns),
                  'comms': dict(collections.Counter(x.comm for x in v).most_common(8)),
                  'mix': {c: round(tot[c] / s, 6) for c in CLASSES if tot[c]}}
    out['types'] = pts
    out['extfrag_kinds'] = dict(extfrag.most_common(10))
    return out


def fmt_pct(x):
    return '-' if x is None else ('%.2f%%' % (100 * x) if x >= 0.0001 else '%.4f%%' % (100 * x))

def fmt_us(x):
    if x is None:
        return '-'
    return '%.1f ms' % (x / 1e3) if x < 1e6 else '%.2f s' % (x / 1e6)

def table(rp, sp):
    r = json.load(open(rp)); s = json.load(open(sp))
    out = []
    w = out.append
    w('| statistic | real | synthetic |')
    w('|---|---|---|')
    for k, name in (('allocs', 'allocations'), ('frees', 'frees (matched)'),
                    ('frees_per_alloc', 'frees / allocations'), ('busy_cpu_s', 'busy CPU seconds'),
                    ('allocs_per_busy_cpu_s', 'allocations per busy CPU-second'),
                    ('span_s', 'duration (s)')):
        a, b = r[k], s[k]
        f = (lambda x: '%.3f' % x) if isinstance(a, float) else str
        w('| %s | %s | %s |' % (name, f(a), f(b)))
    for key, name in (('order_allocs', 'order'), ('mt_allocs', 'migratetype')):
        ks = sorted(set(r[key]) | set(s[key]), key=int)
        for k in ks:
            label = k if key == 'order_allocs' else ['Unmovable', 'Movable', 'Reclaimable', 'HighAtomic', 'CMA', 'Isolate'][int(k)]
            w('| %s %s | %s | %s |' % (name, label, fmt_pct(r[key].get(k)), fmt_pct(s[key].get(k))))
    out.append('')
    w('| gfp_flags (order) | real | synthetic |')
    w('|---|---|---|')
    sg = {(g['gfp'], g['order']): g['share'] for g in s['gfp_top']}
    for g in r['gfp_top'][:12]:
        w('| `%s` (%d) | %s | %s |' % (g['gfp'].replace('|', '\\|'), g['order'], fmt_pct(g['share']),
                                       fmt_pct(sg.get((g['gfp'], g['order'])))))
    out.append('')
    w('| class | share real / synth | never freed real / synth | lifetime p10 / p50 / p90 / p99, real (build CPU clock) | real (wall) | synthetic |')
    w('|---|---|---|---|---|---|')
    P = ('0.1', '0.5', '0.9', '0.99')
    for c, rc in r['classes'].items():
        sc = s['classes'].get(c, {})
        w('| %s | %s / %s | %s / %s | %s | %s | %s |' % (
            c, fmt_pct(rc['allocs']), fmt_pct(sc.get('allocs')),
            fmt_pct(rc['never_freed']), fmt_pct(sc.get('never_freed')),
            ' / '.join(fmt_us(rc['life_cpu_us'][p]) for p in P),
            ' / '.join(fmt_us(rc['life_us'][p]) for p in P),
            ' / '.join(fmt_us(sc['life_us'][p]) for p in P) if sc else '-'))
    out.append('')
    w('| process type | processes real / synth | allocations real / synth |')
    w('|---|---|---|')
    for t, a in r['types'].items():
        b = s['types'].get(t, {})
        w('| %s | %d / %s | %d / %s |' % (t, a['procs'], b.get('procs', '-'), a['allocs_total'],
                                         b.get('allocs_total', '-')))
    print('\n'.join(out))
def ctables(path):
    d = json.load(open(path))
    CL = {'anon': 'KB_ANON', 'anon_cow': 'KB_ANON_COW', 'thp': 'KB_THP', 'pgtable': 'KB_PGTABLE',
          'pgd': 'KB_PGD', 'tlb': 'KB_TLB', 'pipe': 'KB_PIPE', 'file_read': 'KB_FILE_READ',
          'file_read2': 'KB_FILE_READ2', 'file_write': 'KB_FILE_WRITE',
          'file_write_big': 'KB_FILE_WRITE_BIG', 'kernel_nowait': 'KB_KERNEL_NOWAIT',
          'kernel_nofs': 'KB_KERNEL_NOFS', 'slab_recl': 'KB_SLAB_RECL', 'slab_recl2': 'KB_SLAB_RECL2'}
    TY = {'cc1': 'KB_CC1', 'as': 'KB_AS', 'sh': 'KB_SH', 'make': 'KB_MAKE', 'gcc': 'KB_GCC',
          'fixdep': 'KB_FIXDEP', 'tool': 'KB_TOOL', 'ld': 'KB_LD', 'link': 'KB_LINK'}
    ncc1 = d['types']['cc1']['procs']

    def wrap(items, first, last, width=92):
        # C initialiser lines of at most width columns (tabs count 8)
        lines, cur = [], first
        for i, it in enumerate(items):
            piece = it + (',' if i + 1 < len(items) else '')
            if len((cur + ' ' + piece).expandtabs(8)) > width and cur.strip() not in ('{', ''):
                lines.append(cur.rstrip())
                cur = '\t\t  ' + piece
            else:
                cur = cur + ('' if cur.endswith('{ ') else ' ') + piece
        lines.append(cur + last)
        return '\n'.join(lines)
    COMM = {'cc1': ('cc1', '/usr/lib/gcc/x86_64-linux-gnu/12/cc1', 'true'), 'as': ('as', '/usr/bin/as', 'false'),
            'sh': ('sh', '/bin/sh', 'false'), 'make': ('make', '/usr/bin/make', 'false'),
            'gcc': ('gcc', '/usr/bin/gcc', 'false'), 'fixdep': ('fixdep', 'scripts/basic/fixdep', 'false'),
            'tool': ('sed', '/usr/bin/sed', 'false'), 'ld': ('ld', '/usr/bin/ld', 'true'),
            'link': ('link-vmlinux.sh', 'scripts/link-vmlinux.sh', 'true')}
    for t, v in d['types'].items():
        q = list(v['allocs'])
        if t == 'link':
            per_unit = v['allocs_total'] / ncc1
            q = [round(per_unit * (0.9 + 0.2 * i / 20)) for i in range(21)]
        else:
            S = q[0] + 2 * sum(q[1:20])
            q[20] = max(q[19], round(40 * v['allocs_mean'] - S))
        speed = v['allocs_per_cpu_s'] / (d['allocs'] / d['runtime_cpu_s'])
        print('\t/* %d processes */' % v['procs'])
        print('\t[%s] = { "%s", "%s",' % (TY[t], COMM[t][0], COMM[t][1]))
        print('\t\t%.4f, %.3f, %s,' % (0.0 if t == 'link' else v['per_cc1'], speed, COMM[t][2]))
        print(wrap([str(x) for x in q], '\t\t{ ', ' },'))
        print(wrap(['[%s] = %.6g' % (CL[c], x) for c, x in v['mix'].items()], '\t\t{ ', ' } },'))
    for c, v in d['classes'].items():
        print(c, 'young', round(v['run_frees'] + v['teardown_frees'] if c in ('file_write',) else v['run_frees'], 4),
              'life_cpu', [v['life_cpu_us'][k] for k in ('0.1', '0.5', '0.9', '0.99')],
              'young_cpu', [v['young_cpu_us'][k] for k in ('0.1', '0.5', '0.9', '0.99')],
              'wall', [v['life_us'][k] for k in ('0.1', '0.5', '0.9', '0.99')])

if __name__ == '__main__':
    cmd = sys.argv[1]
    if cmd == 'analyse':
        busy = float(sys.argv[3]) if sys.argv[3] != '-' else None
        r = analyse(sys.argv[2], busy, int(sys.argv[4]))
        json.dump(r, sys.stdout, indent=1)
        print()
    elif cmd == 'table':
        table(sys.argv[2], sys.argv[3])
    elif cmd == 'ctables':
        ctables(sys.argv[2])
PY
}

cmd_capture() {
	jobs=$(nproc)
	buf_kb=1048576
	notrace=0
	pidonly=0
	targets=""
	while getopts "j:b:npt:" opt; do
		case $opt in
		p) pidonly=1 ;;
		j) jobs=$OPTARG ;;
		t) targets=$OPTARG ;;
		n) notrace=1 ;;
		b) buf_kb=$OPTARG ;;
		*) usage ;;
		esac
	done
	shift $((OPTIND - 1))
	[ $# -eq 3 ] || usage
	config=$1 src=$2 out=$3
	[ "$(id -u)" -eq 0 ] || { echo "calibrate-kbuild: capture must run as root" >&2; exit 2; }
	tracefs=/sys/kernel/tracing
	[ -d $tracefs/instances ] || mount -t tracefs nodev $tracefs
	mkdir -p "$out"
	out=$(cd "$out" && pwd)
	make -C "$src" -s clean
	make -C "$src" -s "$config"
	sync
	echo 3 > /proc/sys/vm/drop_caches
	if [ $notrace -eq 1 ]; then
		# shellcheck disable=SC2086
		/usr/bin/time -f '%e %U %S' -o "$out/time.txt" make -C "$src" -s -j"$jobs" $targets
		echo "calibrate-kbuild: untraced build: $(cat "$out/time.txt")" >&2
		return
	fi
	inst=$tracefs/instances/kbuild-$$
	mkdir "$inst"
	trap 'echo 0 > "$inst/tracing_on"; rmdir "$inst"' EXIT
	echo 0 > "$inst/tracing_on"
	echo "$buf_kb" > "$inst/buffer_size_kb"
	for e in kmem/mm_page_alloc kmem/mm_page_free kmem/mm_page_alloc_extfrag \
		 sched/sched_process_fork sched/sched_process_exec sched/sched_process_exit \
		 sched/sched_stat_runtime; do
		echo 1 > "$inst/events/$e/enable"
	done
	# root.pid: the build's process tree is this shell and its descendants
	# shellcheck disable=SC2086
	sh -c 'while [ ! -e "$1/go" ]; do sleep 0.1; done; shift; exec "$@"' sh "$out" \
		/usr/bin/time -f '%e %U %S' -o "$out/time.txt" make -C "$src" -s -j"$jobs" $targets &
	root=$!
	echo "$root" > "$out/root.pid"
	if [ $pidonly -eq 1 ]; then
		echo 1 > "$inst/options/event-fork"
		echo "$root" > "$inst/set_event_pid"
	fi
	echo 1 > "$inst/tracing_on"
	touch "$out/go"
	wait "$root" || true
	rm -f "$out/go"
	echo 0 > "$inst/tracing_on"
	{
		echo "kernel: $(uname -r) $(uname -m)"
		echo "command: make -C $src -j$jobs $targets after make $config, clean, drop_caches"
		echo "time (wall user sys): $(cat "$out/time.txt")"
		echo "thp: $(cat /sys/kernel/mm/transparent_hugepage/enabled)"
		echo "buffer_size_kb: $buf_kb"
		for s in "$inst"/per_cpu/cpu*/stats; do
			echo "$(basename "$(dirname "$s")"): $(tr '\n' ' ' < "$s")"
		done
	} > "$out/info.txt"
	cat "$inst/trace" > "$out/trace.txt"
	echo "calibrate-kbuild: wrote $out" >&2
}

cmd_analyse() {
	[ $# -ge 1 ] || usage
	busy=${2:-}
	t=$(dirname "$1")/time.txt
	if [ -z "$busy" ] && [ -f "$t" ]; then
		busy=$(awk '{ print $2 + $3 }' "$t")
	fi
	py analyse "$1" "${busy:--}" "${3:-2}"
}

cmd_synth() {
	[ $# -ge 2 ] || usage
	sim=$1 out=$2
	mkdir -p "$out"
	"$sim" run --workload kbuild --mem 8G --cpus 2 --json \
		--wl "${3:-builds=1,jobs=2,units=650},dump=$out/trace.txt" > "$out/run.json"
	echo "calibrate-kbuild: wrote $out/trace.txt" >&2
}

[ $# -ge 1 ] || usage
sub=$1
shift
case $sub in
capture) cmd_capture "$@" ;;
analyse) cmd_analyse "$@" ;;
synth) cmd_synth "$@" ;;
table) [ $# -eq 2 ] || usage; py table "$1" "$2" ;;
ctables) [ $# -eq 1 ] || usage; py ctables "$1" ;;
*) usage ;;
esac
