// SPDX-License-Identifier: Apache-2.0
/*
 * The C side of CoreRelocationBenchmark: what libbpf spends to open a CO-RE object and relocate
 * it against the kernel's BTF, without loading anything into the kernel.
 *
 *   gcc -O2 -o /tmp/libbpf_core benchmarks/src/main/c/libbpf_core.c -lbpf -ldl
 *   /tmp/libbpf_core testdata/obj/bpfel/core_vmlinux.o [runs]
 *
 * libbpf 1.1 has no load-less relocation API: CO-RE relocations, subprogram appending and map
 * references are all done inside bpf_object__load, between creating the maps and loading the
 * programs. So this runs bpf_object__load against a fake kernel: it interposes syscall(2)
 * (libbpf.so calls syscall(__NR_bpf, ...) through its PLT, so a definition in the executable
 * wins; testdata/tools/libbpf_relocate.c uses the same technique) and answers every bpf(2)
 * command itself, never entering the kernel:
 *
 *   BPF_PROG_LOAD, BPF_MAP_CREATE, BPF_BTF_LOAD  a new fd (open("/dev/null")), which libbpf
 *                                                 later closes like a real one: "success";
 *   BPF_MAP_UPDATE_ELEM, BPF_MAP_FREEZE,
 *   BPF_OBJ_GET_INFO_BY_FD                       0 (the info left as libbpf zeroed it);
 *   BPF_LINK_CREATE                              -1, EBADF (what the perf-link probe expects
 *                                                 from a kernel that has perf links);
 *   BPF_BTF_GET_NEXT_ID                          -1, ENOENT (no kernel module has BTF);
 *   anything else                                -1, EINVAL.
 *
 * So every feature probe succeeds (once per process: libbpf caches them), every map and program
 * "loads", and what is left in the timed loop is libbpf's own work: open (ELF, BTF, .BTF.ext,
 * programs, maps), sanitising and "loading" the object's BTF, parsing vmlinux (btf__parse of
 * /sys/kernel/btf/vmlinux, or of the custom path), CO-RE relocation (candidate search by linear
 * scan over vmlinux, spec matching, instruction patching), the other relocations, attach BTF id
 * lookups for tp_btf/fentry programs (another linear scan each), a handful of fake syscalls
 * (~one per map and program plus libbpf's loading probe: ~1 us each against /dev/null), and
 * bpf_object__close. That is as close to "load-less" as libbpf 1.1 allows.
 *
 * Figures, one line each: "<name> <microseconds per operation>":
 *   btf__parse          parsing /sys/kernel/btf/vmlinux alone, for reference;
 *   open                bpf_object__open_file + close, no load;
 *   open_load           open + (fake) load, vmlinux found by libbpf itself (parsed once);
 *   open_load_custom    the same with btf_custom_path=/sys/kernel/btf/vmlinux: CO-RE uses the
 *                       custom BTF, but attach ids of tp_btf/fentry programs still come from
 *                       the kernel's, so vmlinux is parsed twice per load.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <sys/syscall.h>

#include <linux/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>

static const char *object_path;
static const char *vmlinux = "/sys/kernel/btf/vmlinux";
static volatile long sink;
static long fake_calls;

long syscall(long number, ...)
{
	static long (*real)(long, ...);
	long a[6];
	va_list ap;

	va_start(ap, number);
	for (int i = 0; i < 6; i++)
		a[i] = va_arg(ap, long);
	va_end(ap);
	if (number != __NR_bpf) {
		if (!real)
			real = (long (*)(long, ...))dlsym(RTLD_NEXT, "syscall");
		if (!real) {
			errno = ENOSYS;
			return -1;
		}
		return real(number, a[0], a[1], a[2], a[3], a[4], a[5]);
	}
	fake_calls++;
	switch ((int)a[0]) {
	case BPF_PROG_LOAD:
	case BPF_MAP_CREATE:
	case BPF_BTF_LOAD:
		return open("/dev/null", O_RDONLY | O_CLOEXEC);
	case BPF_MAP_UPDATE_ELEM:
	case BPF_MAP_FREEZE:
	case BPF_OBJ_GET_INFO_BY_FD:
		return 0;
	case BPF_LINK_CREATE:
		errno = EBADF;
		return -1;
	case BPF_BTF_GET_NEXT_ID:
		errno = ENOENT;
		return -1;
	default:
		errno = EINVAL;
		return -1;
	}
}

static int quiet(enum libbpf_print_level level, const char *format, va_list args)
{
	return 0;
}

static int loud(enum libbpf_print_level level, const char *format, va_list args)
{
	return level == LIBBPF_DEBUG ? 0 : vfprintf(stderr, format, args);
}

static void parse_vmlinux(void)
{
	struct btf *btf = btf__parse(vmlinux, NULL);

	if (!libbpf_get_error(btf)) {
		sink += btf__type_cnt(btf);
		btf__free(btf);
	}
}

static void open_only(void)
{
	struct bpf_object *obj = bpf_object__open_file(object_path, NULL);

	if (!libbpf_get_error(obj))
		bpf_object__close(obj);
}

static int open_and_load(const char *custom)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .btf_custom_path = custom);
	struct bpf_object *obj = bpf_object__open_file(object_path, &opts);
	struct bpf_program *prog;
	int err;

	if (libbpf_get_error(obj))
		return -1;
	err = bpf_object__load(obj);
	bpf_object__for_each_program(prog, obj)
		sink += bpf_program__insn_cnt(prog);
	bpf_object__close(obj);
	return err;
}

static void open_load(void)
{
	open_and_load(NULL);
}

static void open_load_custom(void)
{
	open_and_load(vmlinux);
}

static double time_us(void (*op)(void), int warmup, int runs)
{
	struct timespec a, b;

	for (int k = 0; k < warmup; k++)
		op();
	clock_gettime(CLOCK_MONOTONIC, &a);
	for (int k = 0; k < runs; k++)
		op();
	clock_gettime(CLOCK_MONOTONIC, &b);
	return ((b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec)) / runs / 1000.0;
}

int main(int argc, char **argv)
{
	int runs = argc > 2 ? atoi(argv[2]) : 30;
	long calls;
	int err;

	if (argc < 2) {
		fprintf(stderr, "usage: %s OBJECT.o [runs]\n", argv[0]);
		return 2;
	}
	object_path = argv[1];
	/* Once, loudly: the fake kernel must take the object all the way through load. */
	libbpf_set_print(loud);
	err = open_and_load(NULL);
	if (err) {
		fprintf(stderr, "bpf_object__load against the fake kernel failed: %d\n", err);
		return 1;
	}
	calls = fake_calls;
	err = open_and_load(NULL);
	fprintf(stderr, "one load made %ld bpf(2) calls, all answered by the fake kernel\n", fake_calls - calls);
	libbpf_set_print(quiet);

	printf("btf__parse %.1f\n", time_us(parse_vmlinux, runs / 5 + 1, runs));
	printf("open %.1f\n", time_us(open_only, runs / 5 + 1, runs * 10));
	printf("open_load %.1f\n", time_us(open_load, runs / 5 + 1, runs));
	printf("open_load_custom %.1f\n", time_us(open_load_custom, runs / 5 + 1, runs));
	return 0;
}
