// SPDX-License-Identifier: Apache-2.0
/*
 * The C side of ParseBenchmark.openAndLink: average time of libbpf's bpf_object__open
 * (+ bpf_object__close) per object, no load, from the file (bpf_object__open_file) and from
 * bytes already in memory (bpf_object__open_mem, as the JMH benchmark starts). libbpf
 * relocates only at load, so this is the closest libbpf-only figure to bpf4j's open + link.
 *
 *   gcc -O2 -o /tmp/libbpf_open benchmarks/src/main/c/libbpf_open.c -lbpf
 *   (cd testdata/obj/bpfel && /tmp/libbpf_open xdp_parser.o sections.o globals.o)
 */
#include <bpf/libbpf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static int quiet(enum libbpf_print_level level, const char *format, va_list args)
{
	return 0;
}

static const char *path;
static void *image;
static size_t image_size;

static void open_file(void)
{
	struct bpf_object *obj = bpf_object__open_file(path, NULL);

	if (!libbpf_get_error(obj))
		bpf_object__close(obj);
}

static void open_mem(void)
{
	struct bpf_object *obj = bpf_object__open_mem(image, image_size, NULL);

	if (!libbpf_get_error(obj))
		bpf_object__close(obj);
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
	const int warmup = 500, runs = 5000;

	libbpf_set_print(quiet);
	for (int i = 1; i < argc; i++) {
		FILE *f = fopen(argv[i], "rb");

		if (!f)
			return 1;
		fseek(f, 0, SEEK_END);
		image_size = ftell(f);
		fseek(f, 0, SEEK_SET);
		image = malloc(image_size);
		if (fread(image, 1, image_size, f) != image_size)
			return 1;
		fclose(f);
		path = argv[i];
		printf("%s\topen_file %.1f us/op\topen_mem %.1f us/op\n", argv[i],
		       time_us(open_file, warmup, runs), time_us(open_mem, warmup, runs));
		free(image);
	}
	return 0;
}
