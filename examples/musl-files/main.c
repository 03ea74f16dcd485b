/*
 * musl-files: a musl program with a known number of libc calls, each a native system call
 * (lib-musl turns libc's system calls into direct calls of uk_syscall_r_<name>):
 *
 *   ROUNDS x (open, write, lseek, read, close) of a file in ramfs
 *   GETPIDS x getpid()
 *   SYSCALLS x syscall(SYS_getppid)      (musl's syscall(): the errno path, uk_syscall_e_getppid)
 *   one printf line at the end            (stdio: ioctl(TIOCGWINSZ) once, then writev)
 *
 * README.md lists what each microlibrary is expected to make.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The file the rounds use; a Linux build (docs/linux-vs-unikraft.md) puts it elsewhere than /. */
#ifndef MUSL_FILES_PATH
#define MUSL_FILES_PATH "/musl-files.tmp"
#endif
#define ROUNDS 10
#define GETPIDS 6
#define SYSCALLS 3

int main(void)
{
	static const char text[] = "0123456789";
	char buf[sizeof(text)];
	int i, failed = 0;

	for (i = 0; i < ROUNDS; i++) {
		int fd = open(MUSL_FILES_PATH, O_RDWR | O_CREAT | O_TRUNC, 0644);

		if (fd < 0) {
			/* An injected failure (ukhook trace --inject, docs/policy.md) shows up here. */
			printf("musl-files: open %s (round %d): %s\n", MUSL_FILES_PATH, i + 1, strerror(errno));
			failed = 1;
		}
		failed |= write(fd, text, sizeof(text)) != sizeof(text);
		failed |= lseek(fd, 0, SEEK_SET) != 0;
		failed |= read(fd, buf, sizeof(buf)) != sizeof(buf);
		failed |= close(fd) != 0;
	}
	for (i = 0; i < GETPIDS; i++)
		failed |= getpid() <= 0;
	for (i = 0; i < SYSCALLS; i++) {
		if (syscall(SYS_getppid) < 0) {
			/* A policy that refuses it (docs/policy.md) shows up here. */
			printf("musl-files: syscall(SYS_getppid): %s\n", strerror(errno));
			failed = 1;
		}
	}
	printf("musl-files: %s\n", failed ? "FAILED" : "done");
	return failed;
}
