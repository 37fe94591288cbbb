// SPDX-License-Identifier: GPL-2.0-only
/*
 * Platform detection (accept-cost.md 4.1): is this a TDX or SEV-SNP guest,
 * and does its kernel accept memory lazily?  Every file is read under
 * --root, so the tests run this over fixture trees; CPUID and the SEV_STATUS
 * MSR, which a tree cannot hold, come from the files ROOT/cpuid21 and
 * ROOT/sev_status there (docs/probe-format.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "probe.h"

#define TDX_CPUID_LEAF		0x21
#define MSR_AMD64_SEV_STATUS	0xc0010131
#define SEV_STATUS_SNP		(1ULL << 2)
#define KLOG_MAX		(8 << 20)	/* bytes of kernel log read at most */

const char *platform_name(enum platform p)
{
	switch (p) {
	case PLATFORM_TDX:
		return "tdx";
	case PLATFORM_SNP:
		return "snp";
	default:
		return "none";
	}
}

const char *accept_mode_name(enum accept_mode m)
{
	switch (m) {
	case ACCEPT_LAZY:
		return "lazy";
	case ACCEPT_EAGER:
		return "eager";
	default:
		return "unavailable";
	}
}

static void add_evidence(struct detect *d, const char *what)
{
	size_t len = strlen(d->evidence);

	snprintf(d->evidence + len, sizeof(d->evidence) - len, "%s%s", len ? "," : "", what);
}

/*
 * The TDX signature: CPUID leaf 0 reports a max leaf >= 0x21, and leaf
 * 0x21 returns "IntelTDX    " in EBX, EDX, ECX (in that order).  Under a
 * fixture root the 12 signature bytes come from ROOT/cpuid21 instead.
 * *known is false when neither source was available.
 */
static bool cpuid_says_tdx(bool *known)
{
	static const char sig_tdx[12] = "IntelTDX    ";
	char sig[12];

	*known = false;
	if (!root_is_real()) {
		size_t len;
		char *t = read_text("/cpuid21", 64, &len);

		if (!t)
			return false;
		*known = true;
		while (len > 0 && (t[len - 1] == '\n' || t[len - 1] == '\r'))
			len--;
		bool ok = len == sizeof(sig_tdx) && !memcmp(t, sig_tdx, sizeof(sig_tdx));
		free(t);
		return ok;
	}
	if (!have_cpuid())
		return false;

	uint32_t r[4];

	*known = true;
	cpuid_raw(0, 0, r);
	if (r[0] < TDX_CPUID_LEAF)
		return false;
	cpuid_raw(TDX_CPUID_LEAF, 0, r);
	memcpy(sig, &r[1], 4);		/* EBX */
	memcpy(sig + 4, &r[3], 4);	/* EDX */
	memcpy(sig + 8, &r[2], 4);	/* ECX */
	return !memcmp(sig, sig_tdx, sizeof(sig));
}

/*
 * SEV_STATUS bit 2 (SNP active): through ROOT/sev_status (hex) in a
 * fixture, else /dev/cpu/0/msr when readable (root and the msr module).
 */
static bool msr_says_snp(void)
{
	uint64_t v = 0;

	if (!root_is_real()) {
		char *t = read_text("/sev_status", 64, NULL);
		bool ok;

		if (!t)
			return false;
		v = strtoull(t, NULL, 16);
		ok = v & SEV_STATUS_SNP;
		free(t);
		return ok;
	}

	int fd = open("/dev/cpu/0/msr", O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return false;
	if (pread(fd, &v, sizeof(v), MSR_AMD64_SEV_STATUS) != sizeof(v))
		v = 0;
	close(fd);
	return v & SEV_STATUS_SNP;
}

/* Is @flag one of the words of the first "flags" line of cpuinfo? */
static bool cpuinfo_has_flag(const char *cpuinfo, const char *flag)
{
	const char *line = strstr(cpuinfo, "\nflags");
	size_t flen = strlen(flag);

	if (!strncmp(cpuinfo, "flags", 5))
		line = cpuinfo;
	if (!line)
		return false;
	line = strchr(line, ':');
	if (!line)
		return false;
	for (const char *p = line + 1; *p && *p != '\n';) {
		while (*p == ' ' || *p == '\t')
			p++;
		size_t wlen = strcspn(p, " \t\n");

		if (wlen == flen && !strncmp(p, flag, flen))
			return true;
		p += wlen;
	}
	return false;
}

static unsigned int count_lines_starting(const char *text, const char *prefix)
{
	unsigned int n = 0;
	size_t plen = strlen(prefix);

	for (const char *p = text; p && *p;) {
		if (!strncmp(p, prefix, plen))
			n++;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return n;
}

/*
 * The kernel log: /dev/kmsg (one record per read, non-blocking so the end
 * is EAGAIN), else /var/log/dmesg or /var/log/kern.log under the root.
 * NULL when none is readable (dmesg_restrict without privileges).
 */
char *read_kernel_log(size_t *len)
{
	static const char *const files[] = { "/var/log/dmesg", "/var/log/kern.log" };
	char *full = root_path("/dev/kmsg");
	struct stat st;
	int fd;

	fd = open(full, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	free(full);
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISCHR(st.st_mode)) {
		size_t cap = 1 << 16, used = 0;
		char *buf = xmalloc(cap + 1);

		while (used < KLOG_MAX) {
			ssize_t n;

			if (cap - used < 8192) {
				char *nb = realloc(buf, cap * 2 + 1);

				if (!nb)
					break;
				buf = nb;
				cap *= 2;
			}
			n = read(fd, buf + used, cap - used);
			if (n < 0 && (errno == EINTR || errno == EPIPE))
				continue;	/* EPIPE: records overwritten, go on */
			if (n <= 0)
				break;		/* EAGAIN: end of the log */
			used += (size_t)n;
		}
		close(fd);
		buf[used] = '\0';
		if (len)
			*len = used;
		return buf;
	}
	if (fd >= 0) {
		close(fd);
		return read_text("/dev/kmsg", KLOG_MAX, len);	/* a fixture's plain file */
	}
	for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		char *t = read_text(files[i], KLOG_MAX, len);

		if (t)
			return t;
	}
	return NULL;
}

static unsigned int count_substr(const char *text, const char *needle)
{
	unsigned int n = 0;

	for (const char *p = strstr(text, needle); p; p = strstr(p + 1, needle))
		n++;
	return n;
}

/* Soft-lockup and RCU-stall reports in the kernel log so far. */
unsigned int count_softlockups(void)
{
	char *log = read_kernel_log(NULL);
	unsigned int n;

	if (!log)
		return 0;
	n = count_substr(log, "soft lockup") + count_substr(log, "rcu_sched self-detected stall") +
	    count_substr(log, "rcu: INFO: rcu_preempt detected stalls");
	free(log);
	return n;
}

/* Value of "@param=" as a whole word of @cmdline into @out, "" if absent. */
static void cmdline_param(const char *cmdline, const char *param, char *out, size_t size)
{
	size_t plen = strlen(param);

	out[0] = '\0';
	for (const char *p = cmdline; p && *p;) {
		while (*p == ' ')
			p++;
		if (!strncmp(p, "--", 2) && (p[2] == ' ' || p[2] == '\0' || p[2] == '\n'))
			break;		/* the rest goes to init */
		if (!strncmp(p, param, plen) && p[plen] == '=') {
			size_t vlen = strcspn(p + plen + 1, " \n");

			if (vlen >= size)
				vlen = size - 1;
			memcpy(out, p + plen + 1, vlen);
			out[vlen] = '\0';	/* the last one wins, as in the kernel */
		}
		p = strchr(p, ' ');
	}
}

static void read_thp(struct detect *d)
{
	static const char *const files[2] = {
		"/sys/kernel/mm/transparent_hugepage/enabled",
		"/sys/kernel/mm/transparent_hugepage/defrag",
	};
	char sel[2][32];

	for (int i = 0; i < 2; i++) {
		char *t = read_text(files[i], 4096, NULL), *a, *b;

		snprintf(sel[i], sizeof(sel[i]), "unknown");
		if (!t)
			continue;
		a = strchr(t, '[');
		b = a ? strchr(a, ']') : NULL;
		if (a && b && b - a - 1 < (long)sizeof(sel[i]))
			snprintf(sel[i], sizeof(sel[i]), "%.*s", (int)(b - a - 1), a + 1);
		free(t);
	}
	snprintf(d->thp, sizeof(d->thp), "%s/%s", sel[0], sel[1]);
	d->thp_never = !strcmp(sel[0], "never");
}

static void decide_mode(struct detect *d)
{
	const char *who = d->platform == PLATFORM_NONE ? "not a confidential guest; " : "";

	if (!strcmp(d->accept_memory, "eager")) {
		d->mode = ACCEPT_EAGER;
		snprintf(d->mode_note, sizeof(d->mode_note),
			 "%saccept_memory=eager on the kernel command line", who);
	} else if ((d->has_unaccepted && d->unaccepted_kib > 0) ||
		   (d->has_nr_unaccepted && d->nr_unaccepted > 0)) {
		d->mode = ACCEPT_LAZY;
		snprintf(d->mode_note, sizeof(d->mode_note),
			 "%s%llu KiB unaccepted", who,
			 (unsigned long long)(d->has_unaccepted ? d->unaccepted_kib
								 : d->nr_unaccepted * 4));
	} else if (!d->has_unaccepted && !d->has_nr_unaccepted) {
		d->mode = ACCEPT_UNAVAILABLE;
		snprintf(d->mode_note, sizeof(d->mode_note),
			 "%sno Unaccepted: in /proc/meminfo (kernel without CONFIG_UNACCEPTED_MEMORY)",
			 who);
	} else {
		d->mode = ACCEPT_UNAVAILABLE;
		snprintf(d->mode_note, sizeof(d->mode_note),
			 "%sUnaccepted is 0: firmware accepted everything, or all of it is accepted by now",
			 who);
	}
}

/* Fill @d from the system (or fixture tree).  Returns 0; missing files are not errors. */
int detect_platform(struct detect *d)
{
	char *cpuinfo, *meminfo, *vmstat, *log, *t;
	unsigned int tdx = 0, snp = 0;
	bool known;

	memset(d, 0, sizeof(*d));

	cpuinfo = read_text("/proc/cpuinfo", 1 << 22, NULL);
	if (cpuinfo) {
		d->hypervisor = cpuinfo_has_flag(cpuinfo, "hypervisor");
		d->vcpus = count_lines_starting(cpuinfo, "processor");
	}
	if (!d->vcpus)
		d->vcpus = (unsigned int)sysconf(_SC_NPROCESSORS_ONLN);

	if (cpuid_says_tdx(&known)) {
		tdx++;
		add_evidence(d, "cpuid21");
	}
	if (cpuinfo && cpuinfo_has_flag(cpuinfo, "tdx_guest")) {
		tdx++;
		add_evidence(d, "cpuinfo:tdx_guest");
	}
	if (path_exists("/dev/tdx_guest")) {
		tdx++;
		add_evidence(d, "/dev/tdx_guest");
	}
	/* An SNP host shows sev_snp too: count it only inside a VM. */
	if (cpuinfo && cpuinfo_has_flag(cpuinfo, "sev_snp") && d->hypervisor) {
		snp++;
		add_evidence(d, "cpuinfo:sev_snp");
	}
	if (path_exists("/dev/sev-guest")) {
		snp++;
		add_evidence(d, "/dev/sev-guest");
	}
	if (msr_says_snp()) {
		snp++;
		add_evidence(d, "msr:sev_status");
	}
	log = read_kernel_log(NULL);
	if (log) {
		d->kmsg_readable = true;
		if (strstr(log, "tdx: Guest detected") ||
		    strstr(log, "Memory Encryption Features active: Intel TDX")) {
			tdx++;
			add_evidence(d, "dmesg:tdx");
		}
		if ((strstr(log, "Memory Encryption Features active: AMD") && strstr(log, "SEV-SNP")) ||
		    strstr(log, "SEV: Status: SEV SEV-ES SEV-SNP")) {
			snp++;
			add_evidence(d, "dmesg:sev-snp");
		}
		d->softlockups = count_substr(log, "soft lockup");
		free(log);
	}
	free(cpuinfo);

	if (tdx && tdx >= snp)
		d->platform = PLATFORM_TDX;
	else if (snp)
		d->platform = PLATFORM_SNP;
	if (!d->evidence[0])
		snprintf(d->evidence, sizeof(d->evidence), "none");

	meminfo = read_text("/proc/meminfo", 1 << 16, NULL);
	if (meminfo) {
		d->has_unaccepted = meminfo_field(meminfo, "Unaccepted", &d->unaccepted_kib);
		meminfo_field(meminfo, "MemTotal", &d->mem_total_kib);
		free(meminfo);
	}
	vmstat = read_text("/proc/vmstat", 1 << 16, NULL);
	if (vmstat) {
		d->has_nr_unaccepted = meminfo_field(vmstat, "nr_unaccepted", &d->nr_unaccepted);
		free(vmstat);
	}

	d->cmdline = read_text("/proc/cmdline", 1 << 16, NULL);
	if (!d->cmdline) {
		d->cmdline = xmalloc(1);
		d->cmdline[0] = '\0';
	}
	d->cmdline[strcspn(d->cmdline, "\n")] = '\0';
	cmdline_param(d->cmdline, "accept_memory", d->accept_memory, sizeof(d->accept_memory));

	t = read_text("/proc/sys/kernel/osrelease", sizeof(d->kernel) - 1, NULL);
	if (t) {
		t[strcspn(t, "\n")] = '\0';
		snprintf(d->kernel, sizeof(d->kernel), "%s", t);
		free(t);
	} else {
		snprintf(d->kernel, sizeof(d->kernel), "unknown");
	}
	read_thp(d);
	decide_mode(d);
	return 0;
}
