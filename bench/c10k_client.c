/* C10k check client: opens N keep-alive connections to HOST:PORT, sends one complete
 * GET /healthz on each (so each is a real HTTP/1.1 keep-alive connection that was used),
 * reads the answers, then holds them all idle. Prints "held N" when they are all open and
 * answered, then waits until stdin closes (or SECONDS pass) and closes them.
 *
 *   c10k_client HOST PORT N SECONDS */
#define _POSIX_C_SOURCE 200809L
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 5) {
    fprintf(stderr, "usage: c10k_client HOST PORT N SECONDS\n");
    return 2;
  }
  struct sockaddr_in sa = {0};
  sa.sin_family = AF_INET;
  sa.sin_port = htons((unsigned short)atoi(argv[2]));
  if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) return 2;
  int n = atoi(argv[3]), secs = atoi(argv[4]);
  int *fd = calloc((size_t)n, sizeof *fd);
  static const char req[] = "GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";
  int ok = 0;
  for (int i = 0; i < n; i++) {
    fd[i] = socket(AF_INET, SOCK_STREAM, 0);
    if (fd[i] < 0 || connect(fd[i], (struct sockaddr *)&sa, sizeof sa) != 0) {
      fprintf(stderr, "c10k_client: connection %d: %s\n", i, strerror(errno));
      return 1;
    }
    if (write(fd[i], req, sizeof req - 1) != (ssize_t)(sizeof req - 1)) return 1;
    /* read the answer: status line + headers + small body, within 10 s */
    char buf[4096];
    struct pollfd p = {fd[i], POLLIN, 0};
    if (poll(&p, 1, 10000) != 1 || read(fd[i], buf, sizeof buf) <= 0) {
      fprintf(stderr, "c10k_client: no answer on connection %d\n", i);
      return 1;
    }
    if (strncmp(buf, "HTTP/1.1 200", 12) == 0) ok++;
  }
  printf("held %d (answered 200: %d)\n", n, ok);
  fflush(stdout);
  /* hold: wait for stdin EOF or the deadline; count connections the server closed */
  time_t end = time(NULL) + secs;
  while (time(NULL) < end) {
    struct pollfd p = {0, POLLIN, 0};
    if (poll(&p, 1, 500) == 1) {
      char c;
      if (read(0, &c, 1) <= 0) break;
    }
  }
  int closed = 0;
  for (int i = 0; i < n; i++) {
    struct pollfd p = {fd[i], POLLIN, 0};
    char c;
    if (poll(&p, 1, 0) == 1 && read(fd[i], &c, 1) == 0) closed++;
    close(fd[i]);
  }
  printf("closed by the server while idle: %d\n", closed);
  free(fd);
  return ok == n ? 0 : 1;
}
