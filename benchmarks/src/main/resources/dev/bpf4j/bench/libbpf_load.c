// SPDX-License-Identifier: GPL-2.0
/*
 * libbpf_load.c - the libbpf side of LinuxLoadBenchmark: opens and loads one BPF object
 * from memory with libbpf (bpf_object__open_mem + bpf_object__load, then bpf_object__close),
 * WARMUP times untimed and then ITERATIONS times timed, and prints the mean nanoseconds per
 * open+load and per close, separately (the Java benchmark measures both together).
 *
 * usage: libbpf_load OBJECT.o ITERATIONS WARMUP
 * prints: <object> <mean ns per open+load> <mean ns per close>
 */
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return 0;
}

static long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
	if (argc != 4) {
		fprintf(stderr, "usage: %s OBJECT.o ITERATIONS WARMUP\n", argv[0]);
		return 2;
	}
	FILE *f = fopen(argv[1], "rb");
	if (!f) {
		perror(argv[1]);
		return 1;
	}
	fseek(f, 0, SEEK_END);
	long size = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *buf = malloc(size);
	if (fread(buf, 1, size, f) != (size_t)size) {
		perror("read");
		return 1;
	}
	fclose(f);
	int iterations = atoi(argv[2]), warmup = atoi(argv[3]);
	libbpf_set_print(quiet);
	/* the object name (hence internal map names) comes from the file's base name */
	const char *base = strrchr(argv[1], '/') ? strrchr(argv[1], '/') + 1 : argv[1];
	LIBBPF_OPTS(bpf_object_open_opts, opts, .object_name = base);
	long long load_ns = 0, close_ns = 0;
	for (int i = 0; i < warmup + iterations; i++) {
		long long t0 = now_ns();
		struct bpf_object *obj = bpf_object__open_mem(buf, size, &opts);
		if (!obj) {
			fprintf(stderr, "open failed\n");
			return 1;
		}
		int err = bpf_object__load(obj);
		long long t1 = now_ns();
		if (err) {
			fprintf(stderr, "load failed: %d\n", err);
			return 1;
		}
		bpf_object__close(obj);
		long long t2 = now_ns();
		if (i >= warmup) {
			load_ns += t1 - t0;
			close_ns += t2 - t1;
		}
	}
	printf("%s %lld %lld\n", base, load_ns / iterations, close_ns / iterations);
	return 0;
}
