// The start-up benchmark's guest: prints "hello\n" (6 bytes) through wasi-libc and exits 0.
#include <stdio.h>

int main(void) {
    fputs("hello\n", stdout);
    return 0;
}
