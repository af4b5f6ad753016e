// SPDX-License-Identifier: Apache-2.0
/*
 * The C side of BtfParseBenchmark: average time of libbpf's btf__parse (+ btf__free) of a BTF
 * file (default /sys/kernel/btf/vmlinux), and of btf__new on bytes already in memory (as the
 * JMH benchmark's parseBytes starts), and of a btf__find_by_name_kind lookup on a parsed BTF
 * (BtfParseBenchmark.findId).
 * Prints one line per figure: "<name> <microseconds per operation>".
 *
 *   gcc -O2 -o /tmp/btf_parse benchmarks/src/main/c/btf_parse.c -lbpf
 *   /tmp/btf_parse [/sys/kernel/btf/vmlinux [runs]]
 */
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static const char *path = "/sys/kernel/btf/vmlinux";
static void *image;
static size_t image_size;
static struct btf *parsed;
static volatile long sink;

static void parse_file(void)
{
	struct btf *btf = btf__parse(path, NULL);

	if (!libbpf_get_error(btf)) {
		sink += btf__type_cnt(btf);
		btf__free(btf);
	}
}

static void parse_mem(void)
{
	struct btf *btf = btf__new(image, image_size);

	if (!libbpf_get_error(btf)) {
		sink += btf__type_cnt(btf);
		btf__free(btf);
	}
}

static void lookup(void)
{
	sink += btf__find_by_name_kind(parsed, "task_struct", BTF_KIND_STRUCT);
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
	int runs = argc > 2 ? atoi(argv[2]) : 50;
	FILE *f;

	if (argc > 1)
		path = argv[1];
	f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 1;
	}
	image = malloc(16 << 20);
	image_size = fread(image, 1, 16 << 20, f);
	fclose(f);

	parsed = btf__parse(path, NULL);
	if (libbpf_get_error(parsed)) {
		fprintf(stderr, "btf__parse(%s) failed\n", path);
		return 1;
	}
	printf("btf__parse %.1f\n", time_us(parse_file, runs / 5 + 1, runs));
	printf("btf__new %.1f\n", time_us(parse_mem, runs / 5 + 1, runs));
	/* libbpf's lookup is a linear scan over all types, so fewer runs suffice. */
	printf("btf__find_by_name_kind %.1f\n", time_us(lookup, 10, runs * 10));
	return 0;
}
