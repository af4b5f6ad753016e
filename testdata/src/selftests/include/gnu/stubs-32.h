/*
 * bpf4j testdata: an empty stand-in for glibc's <gnu/stubs-32.h>.
 *
 * Some selftests include C library headers (<string.h>, <stdint.h>, <time.h>).
 * With -target bpf the compiler does not define __x86_64__, so glibc's
 * <gnu/stubs.h> asks for the 32-bit variant, which only the i386 libc headers
 * (libc6-dev-i386) install. That file merely defines __stub_* macros naming
 * functions glibc does not implement; BPF programs call none of them, so an
 * empty file gives the same objects without another package.
 */
