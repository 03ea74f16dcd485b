/*
 * linux-static / linux-dynamic: an ordinary Linux program, built by the host's gcc (not by Unikraft), run
 * unmodified by app-elfloader. Each system call it makes itself, through glibc's wrappers:
 *
 *   GETPIDS x getpid()
 *   ROUNDS  x (open, write, lseek, read, close) of /tmp/linux-prog.tmp
 *   one write(1) of the result line
 *   exit_group, through return from main
 *
 * README.md lists what each object is expected to make, glibc's own start-up calls included.
 */
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#define GETPIDS 4
#define ROUNDS 3

static int round_trip(const char *path)
{
	static const char text[] = "0123456789";
	char buf[sizeof(text)];
	int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
	int failed = fd < 0;

	failed |= write(fd, text, sizeof(text)) != sizeof(text);
	failed |= lseek(fd, 0, SEEK_SET) != 0;
	failed |= read(fd, buf, sizeof(buf)) != sizeof(buf);
	failed |= close(fd) != 0;
	return failed;
}

int main(void)
{
	static const char done[] = "linux-prog: done\n", bad[] = "linux-prog: FAILED\n";
	int i, failed = 0;

	for (i = 0; i < GETPIDS; i++)
		failed |= getpid() <= 0;
	for (i = 0; i < ROUNDS; i++)
		failed |= round_trip("/tmp/linux-prog.tmp");
	if (failed)
		write(1, bad, strlen(bad));
	else
		write(1, done, strlen(done));
	return failed;
}
