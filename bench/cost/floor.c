/*
 * The least any follower that wakes on each write can cost on this machine: one inotify watch on the
 * log's folder, a blocking poll, every queued event read, then the log read from where it was to its end
 * and its newlines counted. No parsing, no metrics, no state, no rotation. bench/cost/cost.py runs it
 * beside the watcher on the same log, so its CPU per line is the machine's price of a wake-up and a
 * read, measured in the same run.
 *
 *   floor FOLDER LOG     (SIGTERM: prints the lines counted and exits)
 */
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <sys/inotify.h>
#include <unistd.h>

static volatile sig_atomic_t stopping;

static void on_term(int signal_number) { (void)signal_number; stopping = 1; }

int main(int argc, char **argv) {
    if (argc != 3) {
        fprintf(stderr, "usage: floor FOLDER LOG\n");
        return 2;
    }
    struct sigaction action = { .sa_handler = on_term };
    sigaction(SIGTERM, &action, NULL);
    int notify = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    int log = open(argv[2], O_RDONLY | O_CLOEXEC);
    if (notify < 0 || log < 0 || inotify_add_watch(notify, argv[1], IN_MODIFY | IN_CREATE | IN_MOVED_FROM | IN_MOVED_TO | IN_DELETE) < 0) {
        perror("floor");
        return 1;
    }
    static char events[64 * 1024], data[1 << 20];
    long long offset = lseek(log, 0, SEEK_END), lines = 0;
    while (!stopping) {
        struct pollfd wait_for = { .fd = notify, .events = POLLIN };
        if (poll(&wait_for, 1, -1) < 0) {
            continue; /* EINTR: the signal */
        }
        while (read(notify, events, sizeof events) > 0) {
        }
        ssize_t got;
        while ((got = pread(log, data, sizeof data, offset)) > 0) {
            offset += got;
            for (ssize_t i = 0; i < got; i++) {
                lines += data[i] == '\n';
            }
        }
    }
    printf("%lld\n", lines);
    return 0;
}
