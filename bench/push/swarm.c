/*
 * A swarm of WebSocket clients in one process: C, one thread, epoll. The lean twin of bench/push/swarm.py
 * (same command line, same stdin/stdout protocol, same report) and of bench/e2e/readers.py (with --tag),
 * so the benchmarks measure the gateway and not the clients' own Python.
 *
 *   swarm --port P --count N [--sources 127.0.2.1,127.0.2.2] [--path /v1/ws] [--query '&levels=breaking']
 *         [--initial 2] [--resume] [--jitter 2.0] [--backoff-base 0.25] [--backoff-cap 5.0] [--tag TAG] [--events]
 *         [--centrifugo CHANNEL]
 *
 * Prints "ready" once every client has its first --initial text messages, then answers stdin:
 *   "reset"        forget frame counts and times, print "ok";
 *   "report"       print one JSON line (per-client frames, first_at, last_at, recovered_at, recovered_count,
 *                  offsets, close_codes, connected, reconnect_failures, reset_reasons; time.monotonic() clock);
 *   {"SEQ": t,..}  (--tag mode) the posts that were accepted and when they were sent (time.time() clock):
 *                  print the end-to-end report of bench/e2e/readers.py and exit;
 *   {"ID": t, ...} (--events mode) the ticker event ids to report on and when the action that caused each was
 *                  sent (time.time() clock): print one JSON line {"clients", "missed" (per client), "events"
 *                  ({ID: latency histogram in 0.1 ms buckets}), "repeats", "closes"} and exit.
 *
 * --resume: clients parse each message's type and cursor; after any close except a 4xxx refusal they
 * reconnect with their last cursor after a uniform 0..jitter s delay, then, while connecting fails, after
 * min(cap, base * 2^attempt) * uniform(0.5, 1.5) s (30 attempts at most).
 * --tag: each text message carrying " TAG " in a story.new event records (sequence number, arrival time).
 * --events: every event message records (its event_id, arrival time), whatever its type or story (bench/desk).
 * --centrifugo CHANNEL (this swarm only): speak Centrifugo's JSON client protocol (bench/push/peers.py; use --path
 * /connection/websocket): once upgraded, send a connect and a subscribe command to CHANNEL in one frame; every
 * text frame holds newline-separated replies, each counted as one message, except the server's pings ({}),
 * which are answered with {} (or the server closes the connection after its pong timeout). With --tag, a
 * publication ({"push":...) carrying " TAG " in a story.new records (sequence number, arrival time).
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#ifndef IP_BIND_ADDRESS_NO_PORT
#define IP_BIND_ADDRESS_NO_PORT 24
#endif

#define READ_SIZE (256 * 1024)
#define CONNECT_WINDOW 200
#define MAX_ATTEMPTS 30
#define DIRECT_BASE 1000000L
#define BUCKET_MS 0.1

enum { IDLE, CONNECTING, HANDSHAKE, OPEN, CLOSED };

typedef struct { long seq; double at; } Arrival;

typedef struct {
    int fd, state, source, attempt, refused;
    long frames;
    double first_at, last_at, recovered_at;
    long recovered_count;
    int close_code;
    char *pending; size_t pending_len, pending_cap;   /* bytes of an incomplete frame or response head */
    char cursor[64];
    long *offsets; size_t offsets_len, offsets_cap;
    Arrival *arrivals; size_t arrivals_len, arrivals_cap;
    char closed_reason[64];
} Client;

typedef struct { double due; int client; } Timer;

static Client *clients;
static int count, port = 0, initial = 2, resume_mode = 0;
static double jitter_s = 1.0, backoff_base_s = 0.25, backoff_cap_s = 5.0;
static char *path = "/v1/ws", *query = "", *tag = NULL, marker[128];
static int events_mode = 0;
static char *centrifugo_channel = NULL;
static struct in_addr *sources; static int n_sources;
static int epfd, reconnect_failures, reset_reasons, in_flight, started;
static char first_reset_reason[256];
static Timer *timers; static int n_timers;
static char *out; static size_t out_len, out_cap;

static double monotonic_now(void) {
    struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9;
}
static double wall_now(void) {
    struct timespec t; clock_gettime(CLOCK_REALTIME, &t); return t.tv_sec + t.tv_nsec / 1e9;
}
static double uniform(double low, double high) { return low + (high - low) * (rand() / (RAND_MAX + 1.0)); }
static void die(const char *message) { printf("failed %s\n", message); fflush(stdout); exit(1); }

static void *grow(void *data, size_t *cap, size_t need, size_t item) {
    if (need <= *cap) return data;
    size_t next = *cap ? *cap * 2 : 16;
    while (next < need) next *= 2;
    data = realloc(data, next * item);
    if (!data) die("out of memory");
    *cap = next;
    return data;
}

/* ---- event ids (--events): each distinct id gets a number ------------------------------------------- */
static char **ids; static long n_ids; static size_t ids_cap;
static long *id_slots; static size_t id_slots_len;   /* open addressing: id number + 1, 0 = empty */

static unsigned long hash_of(const char *text, size_t len) {
    unsigned long h = 1469598103934665603UL;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)text[i]) * 1099511628211UL;
    return h;
}
static long id_find(const char *text, size_t len, int add) {
    if (!id_slots_len) { id_slots_len = 4096; id_slots = calloc(id_slots_len, sizeof(long)); }
    size_t i = hash_of(text, len) & (id_slots_len - 1);
    for (; id_slots[i]; i = (i + 1) & (id_slots_len - 1)) {
        const char *known = ids[id_slots[i] - 1];
        if (strlen(known) == len && !memcmp(known, text, len)) return id_slots[i] - 1;
    }
    if (!add) return -1;
    ids = grow(ids, &ids_cap, n_ids + 1, sizeof(char *));
    ids[n_ids] = strndup(text, len);
    id_slots[i] = ++n_ids;
    if (2 * n_ids > (long)id_slots_len) {  /* keep it at most half full */
        free(id_slots);
        id_slots_len *= 2;
        id_slots = calloc(id_slots_len, sizeof(long));
        for (long k = 0; k < n_ids; k++) {
            size_t j = hash_of(ids[k], strlen(ids[k])) & (id_slots_len - 1);
            while (id_slots[j]) j = (j + 1) & (id_slots_len - 1);
            id_slots[j] = k + 1;
        }
    }
    return n_ids - 1;
}

/* ---- output buffer ---------------------------------------------------------------------------------- */
static void emit(const char *format, ...) {
    va_list args;
    for (;;) {
        size_t room = out_cap - out_len;
        va_start(args, format);
        int n = vsnprintf(out + out_len, room, format, args);
        va_end(args);
        if (n >= 0 && (size_t)n < room) { out_len += n; return; }
        out = grow(out, &out_cap, out_len + (n > 0 ? n : 0) + 1, 1);
        if (out_cap < 4096) out = grow(out, &out_cap, 4096, 1);
    }
}
static void flush_line(void) {
    emit("\n");
    fwrite(out, 1, out_len, stdout);
    fflush(stdout);
    out_len = 0;
}

/* ---- timers (binary min-heap of reconnects) --------------------------------------------------------- */
static int timers_cap;
static void timer_push(double due, int client) {
    if (n_timers == timers_cap) {
        timers_cap = timers_cap ? timers_cap * 2 : 1024;
        timers = realloc(timers, timers_cap * sizeof(Timer));
    }
    int i = n_timers++;
    while (i > 0 && timers[(i - 1) / 2].due > due) { timers[i] = timers[(i - 1) / 2]; i = (i - 1) / 2; }
    timers[i] = (Timer){due, client};
}
static Timer timer_pop(void) {
    Timer top = timers[0], last = timers[--n_timers];
    int i = 0;
    for (;;) {
        int child = 2 * i + 1;
        if (child >= n_timers) break;
        if (child + 1 < n_timers && timers[child + 1].due < timers[child].due) child++;
        if (timers[child].due >= last.due) break;
        timers[i] = timers[child]; i = child;
    }
    if (n_timers) timers[i] = last;
    return top;
}

/* ---- connections ------------------------------------------------------------------------------------ */
static void start_connect(int index);

static void schedule_reconnect(Client *c, int index, int failed_connect) {
    double delay;
    if (failed_connect) {
        if (++c->attempt >= MAX_ATTEMPTS) { reconnect_failures++; return; }
        double backoff = backoff_base_s * (double)(1L << (c->attempt < 20 ? c->attempt : 20));
        delay = (backoff < backoff_cap_s ? backoff : backoff_cap_s) * uniform(0.5, 1.5);
    } else {
        c->attempt = 0;
        delay = uniform(0, jitter_s);
    }
    timer_push(monotonic_now() + delay, index);
}

static void drop(int index, int failed_connect) {
    Client *c = &clients[index];
    int was = c->state;
    if (c->fd >= 0) { epoll_ctl(epfd, EPOLL_CTL_DEL, c->fd, NULL); close(c->fd); c->fd = -1; }
    c->state = CLOSED;
    c->pending_len = 0;
    if (!started && was != OPEN) { fprintf(stderr, "client %d: %s\n", index, c->closed_reason); }
    if (resume_mode && started && !(c->close_code >= 4000 && c->close_code < 5000))
        schedule_reconnect(c, index, failed_connect);
}

static void start_connect(int index) {
    Client *c = &clients[index];
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket() failed (file descriptor limit?)");
    int one = 1;
    setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    struct sockaddr_in local = {.sin_family = AF_INET, .sin_addr = sources[c->source]};
    if (bind(fd, (struct sockaddr *)&local, sizeof local) < 0) die("bind() to the source address failed");
    struct sockaddr_in remote = {.sin_family = AF_INET, .sin_port = htons(port)};
    inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr);
    c->fd = fd;
    c->state = CONNECTING;
    c->pending_len = 0;
    c->close_code = 0;
    struct epoll_event ev = {.events = EPOLLOUT | EPOLLIN, .data.u32 = index};
    epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev);
    if (connect(fd, (struct sockaddr *)&remote, sizeof remote) < 0 && errno != EINPROGRESS) {
        snprintf(c->closed_reason, sizeof c->closed_reason, "connect: %s", strerror(errno));
        drop(index, 1);
    }
}

static void send_handshake(int index) {
    Client *c = &clients[index];
    char request[1024];
    int n;
    if (c->cursor[0] && resume_mode)
        n = snprintf(request, sizeof request, "GET %s?cursor=%s%s HTTP/1.1\r\n", path, c->cursor, query);
    else if (query[0])
        n = snprintf(request, sizeof request, "GET %s?%s HTTP/1.1\r\n", path, query + (query[0] == '&'));
    else
        n = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\n", path);
    n += snprintf(request + n, sizeof request - n,
                  "Host: 127.0.0.1:%d\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n", port);
    if (write(c->fd, request, n) != n) {
        snprintf(c->closed_reason, sizeof c->closed_reason, "handshake write failed");
        drop(index, 1);
        return;
    }
    c->state = HANDSHAKE;
    struct epoll_event ev = {.events = EPOLLIN, .data.u32 = index};
    epoll_ctl(epfd, EPOLL_CTL_MOD, c->fd, &ev);
}

/* ---- messages --------------------------------------------------------------------------------------- */
static const char *find(const char *data, size_t len, const char *needle) {
    return memmem(data, len, needle, strlen(needle));
}

static void copy_cursor(Client *c, const char *data, size_t len) {
    const char *at = find(data, len, "\"cursor\":\"");
    if (!at) return;
    at += 10;
    const char *end = memchr(at, '"', data + len - at);
    if (!end || end - at >= (long)sizeof c->cursor) return;
    memcpy(c->cursor, at, end - at);
    c->cursor[end - at] = 0;
}

/* A message that carries a ticker event: a Stop Press "event", or a Centrifugo publication. */
static int is_event(const char *data, size_t len) {
    if (centrifugo_channel) return len > 8 && !memcmp(data, "{\"push\":", 8);
    return len > 15 && !memcmp(data, "{\"type\":\"event\"", 15);
}

static void on_text(Client *c, const char *data, size_t len, double now) {
    if (!c->frames) c->first_at = now;
    c->frames++;
    c->last_at = now;
    if (events_mode && len > 15 && !memcmp(data, "{\"type\":\"event\"", 15)) {
        const char *at = find(data, len, "\"event_id\":\"");
        if (at) {
            at += 12;
            const char *end = memchr(at, '"', data + len - at);
            if (end) {
                c->arrivals = grow(c->arrivals, &c->arrivals_cap, c->arrivals_len + 1, sizeof(Arrival));
                c->arrivals[c->arrivals_len++] = (Arrival){id_find(at, end - at, 1), wall_now()};
            }
        }
    } else if (tag) {
        const char *at = find(data, len, marker);
        if (at && is_event(data, len) && find(data, len, "\"type\":\"story.new\"")) {
            char *end;
            long seq = strtol(at + strlen(marker), &end, 10);
            if (end != at + strlen(marker)) {
                c->arrivals = grow(c->arrivals, &c->arrivals_cap, c->arrivals_len + 1, sizeof(Arrival));
                c->arrivals[c->arrivals_len++] = (Arrival){seq, wall_now()};
            }
        }
    }
    if (!resume_mode) return;
    if (len > 15 && !memcmp(data, "{\"type\":\"event\"", 15)) {
        copy_cursor(c, data, len);
        const char *dash = strchr(c->cursor, '-');
        c->offsets = grow(c->offsets, &c->offsets_cap, c->offsets_len + 1, sizeof(long));
        c->offsets[c->offsets_len++] = dash ? strtol(dash + 1, NULL, 10) : -1;
    } else if (len > 18 && !memcmp(data, "{\"type\":\"snapshot\"", 18)) {
        copy_cursor(c, data, len);
        const char *reason = find(data, len, "\"reason\":\"");
        if (reason) {
            reset_reasons++;
            if (!first_reset_reason[0]) {
                reason += 10;
                const char *end = memchr(reason, '"', data + len - reason);
                size_t n = end ? (size_t)(end - reason) : 0;
                if (n >= sizeof first_reset_reason) n = sizeof first_reset_reason - 1;
                memcpy(first_reset_reason, reason, n);
            }
        }
    } else if (len > 19 && !memcmp(data, "{\"type\":\"recovered\"", 19)) {
        copy_cursor(c, data, len);
        c->recovered_at = now;
        const char *n = find(data, len, "\"count\":");
        c->recovered_count = n ? strtol(n + 8, NULL, 10) : -1;
    }
}

/* ---- Centrifugo's JSON protocol ------------------------------------------------------------------------ */

/* Send `payload` as one masked text frame (clients must mask, RFC 6455 §5.3); 0 on success. */
static int send_text(Client *c, const char *payload, size_t len) {
    unsigned char frame[512];
    size_t head = 2;
    if (len + 8 > sizeof frame) return -1;
    frame[0] = 0x81;
    if (len < 126) {
        frame[1] = 0x80 | len;
    } else {
        frame[1] = 0x80 | 126;
        frame[2] = len >> 8; frame[3] = len & 0xFF;
        head = 4;
    }
    unsigned char *mask = frame + head;
    for (int i = 0; i < 4; i++) mask[i] = rand() & 0xFF;
    for (size_t i = 0; i < len; i++) frame[head + 4 + i] = payload[i] ^ mask[i % 4];
    size_t total = head + 4 + len;
    return write(c->fd, frame, total) == (ssize_t)total ? 0 : -1;
}

static int centrifugo_subscribe(Client *c) {
    char commands[300];
    int n = snprintf(commands, sizeof commands, "{\"id\":1,\"connect\":{}}\n{\"id\":2,\"subscribe\":{\"channel\":\"%s\"}}",
                     centrifugo_channel);
    return send_text(c, commands, n);
}

/* One text frame of Centrifugo replies: answer pings, refuse errors, count the rest. 0, or -1 once dropped. */
static int on_centrifugo_frame(int index, const char *data, size_t len, double now) {
    Client *c = &clients[index];
    for (const char *line = data, *end = data + len; line < end;) {
        const char *newline = memchr(line, '\n', end - line);
        size_t n = (newline ? newline : end) - line;
        if (n == 2 && !memcmp(line, "{}", 2)) {
            if (send_text(c, "{}", 2) < 0) {
                snprintf(c->closed_reason, sizeof c->closed_reason, "pong write failed");
                drop(index, 0);
                return -1;
            }
        } else if (n > 6 && !memcmp(line, "{\"id\":", 6) && find(line, n, "\"error\":")) {
            snprintf(c->closed_reason, sizeof c->closed_reason, "refused: %.*s", (int)(n < 50 ? n : 50), line);
            drop(index, 0);
            return -1;
        } else if (n) {
            on_text(c, line, n, now);
        }
        line += n + 1;
    }
    return 0;
}

/* Parse complete frames from data; return bytes consumed, or -1 once the client has closed. */
static long parse_frames(int index, const char *data, size_t size, double now) {
    Client *c = &clients[index];
    size_t position = 0;
    while (size - position >= 2) {
        const unsigned char *b = (const unsigned char *)data + position;
        int opcode = b[0] & 0x0F;
        uint64_t length = b[1] & 0x7F;
        size_t start = position + 2;
        if (length == 126) {
            if (size - position < 4) break;
            length = ((uint64_t)b[2] << 8) | b[3];
            start = position + 4;
        } else if (length == 127) {
            if (size - position < 10) break;
            length = 0;
            for (int i = 0; i < 8; i++) length = (length << 8) | b[2 + i];
            start = position + 10;
        }
        if (size < start + length) break;
        if (opcode == 1 && centrifugo_channel) {
            if (on_centrifugo_frame(index, data + start, length, now) < 0) return -1;
        } else if (opcode == 1) {
            on_text(c, data + start, length, now);
        } else if (opcode == 8) {
            const unsigned char *p = (const unsigned char *)data + start;
            c->close_code = length >= 2 ? (p[0] << 8 | p[1]) : 1005;
            snprintf(c->closed_reason, sizeof c->closed_reason, "closed %d", c->close_code);
            drop(index, 0);  /* like a browser: do not keep a closing server waiting */
            return -1;
        }
        position = start + length;
    }
    return (long)position;
}

static void on_readable(int index, char *buffer) {
    Client *c = &clients[index];
    ssize_t n = read(c->fd, buffer, READ_SIZE);
    if (n <= 0) {
        if (n < 0 && (errno == EAGAIN || errno == EINTR)) return;
        snprintf(c->closed_reason, sizeof c->closed_reason,
                 c->state == OPEN ? "closed 1006" : "connection ended before the handshake");
        drop(index, c->state != OPEN);
        return;
    }
    double now = monotonic_now();
    const char *data = buffer;
    size_t size = n;
    if (c->pending_len) {
        c->pending = grow(c->pending, &c->pending_cap, c->pending_len + n, 1);
        memcpy(c->pending + c->pending_len, buffer, n);
        c->pending_len += n;
        data = c->pending;
        size = c->pending_len;
    }
    size_t position = 0;
    if (c->state == HANDSHAKE) {
        const char *end = find(data, size, "\r\n\r\n");
        if (!end) goto keep;
        if (size < 12 || memcmp(data + 9, "101", 3)) {
            snprintf(c->closed_reason, sizeof c->closed_reason, "http %.3s", size >= 12 ? data + 9 : "???");
            drop(index, 1);
            return;
        }
        position = end + 4 - data;
        c->state = OPEN;
        c->attempt = 0;
        if (centrifugo_channel && centrifugo_subscribe(c) < 0) {
            snprintf(c->closed_reason, sizeof c->closed_reason, "subscribe write failed");
            drop(index, 0);
            return;
        }
    }
    long used = parse_frames(index, data + position, size - position, now);
    if (used < 0) return;
    position += used;
keep:
    if (position < size) {
        size_t rest = size - position;
        if (data == c->pending) {
            memmove(c->pending, c->pending + position, rest);
        } else {
            c->pending = grow(c->pending, &c->pending_cap, rest, 1);
            memcpy(c->pending, data + position, rest);
        }
        c->pending_len = rest;
    } else {
        c->pending_len = 0;
    }
}

/* ---- reports ---------------------------------------------------------------------------------------- */
static void report(void) {
    emit("{\"frames\":[");
    for (int i = 0; i < count; i++) emit("%s%ld", i ? "," : "", clients[i].frames);
    emit("],\"first_at\":[");
    for (int i = 0; i < count; i++) emit("%s%.6f", i ? "," : "", clients[i].first_at);
    emit("],\"last_at\":[");
    for (int i = 0; i < count; i++) emit("%s%.6f", i ? "," : "", clients[i].last_at);
    emit("],\"recovered_at\":[");
    for (int i = 0; i < count; i++) emit("%s%.6f", i ? "," : "", clients[i].recovered_at);
    emit("],\"recovered_count\":[");
    for (int i = 0; i < count; i++) emit("%s%ld", i ? "," : "", clients[i].recovered_count);
    emit("],\"offsets\":[");
    for (int i = 0; resume_mode && i < count; i++) {
        emit("%s[", i ? "," : "");
        for (size_t k = 0; k < clients[i].offsets_len; k++) emit("%s%ld", k ? "," : "", clients[i].offsets[k]);
        emit("]");
    }
    emit("],\"reconnect_failures\":%d,\"close_codes\":[", reconnect_failures);
    for (int i = 0; i < count; i++) emit("%s%d", i ? "," : "", clients[i].close_code);
    emit("],\"reset_reasons\":[");
    if (reset_reasons) emit("\"%d resets, first: %s\"", reset_reasons, first_reset_reason);
    emit("],\"connected\":[");
    for (int i = 0; i < count; i++) emit("%s%s", i ? "," : "", clients[i].state == OPEN ? "true" : "false");
    emit("]}");
    flush_line();
}

static long bucket_of(double seconds) {
    long b = lround(seconds * 1000 / BUCKET_MS);
    return b < 0 ? 0 : b;
}

typedef struct { long bucket, n; } Bin;
static void add_bin(Bin **bins, size_t *len, size_t *cap, long bucket) {
    for (size_t i = 0; i < *len; i++) if ((*bins)[i].bucket == bucket) { (*bins)[i].n++; return; }
    *bins = grow(*bins, cap, *len + 1, sizeof(Bin));
    (*bins)[(*len)++] = (Bin){bucket, 1};
}

/* A histogram of 0.1 ms buckets, dense up to 60 s so that millions of samples (10,000 clients × 600 events) add
 * in constant time; slower samples go to a list of bins. */
#define DENSE_BUCKETS 600000
typedef struct { long *n; size_t len; Bin *slow; size_t slow_len, slow_cap; } Histogram;
static void histogram_add(Histogram *h, long bucket) {
    if (bucket >= DENSE_BUCKETS) {
        add_bin(&h->slow, &h->slow_len, &h->slow_cap, bucket);
        return;
    }
    if ((size_t)bucket >= h->len) {
        size_t old = h->len;
        h->n = grow(h->n, &h->len, bucket + 1, sizeof(long));
        memset(h->n + old, 0, (h->len - old) * sizeof(long));
    }
    h->n[bucket]++;
}
static void emit_histogram(const Histogram *h) {
    int first = 1;
    for (size_t b = 0; b < h->len; b++)
        if (h->n[b]) { emit("%s\"%zu\":%ld", first ? "" : ",", b, h->n[b]); first = 0; }
    for (size_t i = 0; i < h->slow_len; i++) {
        emit("%s\"%ld\":%ld", first ? "" : ",", h->slow[i].bucket, h->slow[i].n);
        first = 0;
    }
}

static void emit_closes(void);

/* The answer of bench/e2e/readers.py's report() to the accepted posts in `line` ({"SEQ": sent_at, ...}). */
static void e2e_report(char *line) {
    long *seqs = NULL; double *sent = NULL; size_t n_sent = 0, cap_a = 0, cap_b = 0;
    for (char *p = line; (p = strchr(p, '"'));) {
        char *end;
        long seq = strtol(p + 1, &end, 10);
        if (*end != '"' || end[1] != ':') { p++; continue; }
        double at = strtod(end + 2, &p);
        seqs = grow(seqs, &cap_a, n_sent + 1, sizeof(long));
        sent = grow(sent, &cap_b, n_sent + 1, sizeof(double));
        seqs[n_sent] = seq; sent[n_sent] = at; n_sent++;
    }
    long max_seq = 0;
    for (size_t i = 0; i < n_sent; i++) if (seqs[i] % DIRECT_BASE > max_seq) max_seq = seqs[i] % DIRECT_BASE;
    /* index: seq -> position in sent, for posts (0..max) and direct events (DIRECT_BASE + 0..max) */
    long *post_index = malloc((max_seq + 1) * sizeof(long)), *direct_index = malloc((max_seq + 1) * sizeof(long));
    int *seen = calloc(2 * (max_seq + 1), sizeof(int));
    for (long i = 0; i <= max_seq; i++) post_index[i] = direct_index[i] = -1;
    for (size_t i = 0; i < n_sent; i++)
        (seqs[i] >= DIRECT_BASE ? direct_index : post_index)[seqs[i] % DIRECT_BASE] = (long)i;
    Histogram pipeline = {0}, direct = {0};
    long repeats = 0, frames = 0; double last_arrival = 0;
    emit("{\"clients\":%d,\"missed\":[", count);
    for (int i = 0; i < count; i++) {
        Client *c = &clients[i];
        long got = 0;
        int generation = i + 1;
        for (size_t k = 0; k < c->arrivals_len; k++) {
            long seq = c->arrivals[k].seq, slot;
            int is_direct = seq >= DIRECT_BASE;
            long local = seq % DIRECT_BASE;
            if (seq < 0 || local > max_seq) continue;
            slot = (is_direct ? direct_index : post_index)[local];
            int *mark = &seen[(is_direct ? max_seq + 1 : 0) + local];
            if (*mark == generation) { repeats++; continue; }
            *mark = generation;
            if (!is_direct) {
                frames++;
                if (c->arrivals[k].at > last_arrival) last_arrival = c->arrivals[k].at;
            }
            if (slot < 0) continue;
            got++;
            long bucket = bucket_of(c->arrivals[k].at - sent[slot]);
            histogram_add(is_direct ? &direct : &pipeline, bucket);
        }
        emit("%s%ld", i ? "," : "", (long)n_sent - got);
    }
    emit("],\"histogram\":{");
    emit_histogram(&pipeline);
    emit("},\"direct_histogram\":{");
    emit_histogram(&direct);
    emit("},\"repeats\":%ld,\"frames\":%ld,\"last_arrival\":%.6f,", repeats, frames, last_arrival);
    emit_closes();
    emit("}");
    flush_line();
}

/* "closes":{reason: clients, ...}: the unexpected closes, grouped by reason. */
static void emit_closes(void) {
    emit("\"closes\":{");
    int first = 1;
    for (int i = 0; i < count; i++) {
        if (clients[i].state == OPEN || !clients[i].closed_reason[0]) continue;
        int dup = 0;
        for (int j = 0; j < i && !dup; j++)
            dup = clients[j].state != OPEN && !strcmp(clients[j].closed_reason, clients[i].closed_reason);
        if (dup) continue;
        int n = 0;
        for (int j = i; j < count; j++)
            n += clients[j].state != OPEN && !strcmp(clients[j].closed_reason, clients[i].closed_reason);
        emit("%s\"%s\":%d", first ? "" : ",", clients[i].closed_reason, n);
        first = 0;
    }
    emit("}");
}

/* The --events report on the event ids in `line` ({"ID": sent_at, ...}), see the header. */
static void events_report(char *line) {
    long *wanted = NULL; double *sent = NULL; char **names = NULL;
    size_t n_wanted = 0, cap_a = 0, cap_b = 0, cap_c = 0;
    for (char *p = line; (p = strchr(p, '"'));) {
        char *end = strchr(p + 1, '"');
        if (!end || end[1] != ':') break;
        *end = 0;
        wanted = grow(wanted, &cap_a, n_wanted + 1, sizeof(long));
        sent = grow(sent, &cap_b, n_wanted + 1, sizeof(double));
        names = grow(names, &cap_c, n_wanted + 1, sizeof(char *));
        names[n_wanted] = p + 1;
        wanted[n_wanted] = id_find(p + 1, end - p - 1, 0);
        sent[n_wanted] = strtod(end + 2, &p);
        n_wanted++;
    }
    long *slot_of = malloc((n_ids + 1) * sizeof(long));   /* id number -> position in wanted */
    for (long k = 0; k < n_ids; k++) slot_of[k] = -1;
    for (size_t i = 0; i < n_wanted; i++) if (wanted[i] >= 0) slot_of[wanted[i]] = (long)i;
    int *seen = calloc(n_wanted + 1, sizeof(int));
    Bin **bins = calloc(n_wanted + 1, sizeof(Bin *));
    size_t *lens = calloc(n_wanted + 1, sizeof(size_t)), *caps = calloc(n_wanted + 1, sizeof(size_t));
    long repeats = 0;
    emit("{\"clients\":%d,\"missed\":[", count);
    for (int i = 0; i < count; i++) {
        Client *c = &clients[i];
        long got = 0;
        for (size_t k = 0; k < c->arrivals_len; k++) {
            long id = c->arrivals[k].seq, slot = id >= 0 && id < n_ids ? slot_of[id] : -1;
            if (slot < 0) continue;
            if (seen[slot] == i + 1) { repeats++; continue; }
            seen[slot] = i + 1;
            got++;
            add_bin(&bins[slot], &lens[slot], &caps[slot], bucket_of(c->arrivals[k].at - sent[slot]));
        }
        emit("%s%ld", i ? "," : "", (long)n_wanted - got);
    }
    emit("],\"events\":{");
    for (size_t i = 0; i < n_wanted; i++) {
        emit("%s\"%s\":{", i ? "," : "", names[i]);
        for (size_t b = 0; b < lens[i]; b++) emit("%s\"%ld\":%ld", b ? "," : "", bins[i][b].bucket, bins[i][b].n);
        emit("}");
    }
    emit("},\"repeats\":%ld,", repeats);
    emit_closes();
    emit("}");
    flush_line();
}

/* ---- main ------------------------------------------------------------------------------------------- */
static void parse_sources(char *list) {
    for (char *p = list; p; p = strchr(p, ',')) { n_sources++; p++; }
    sources = calloc(n_sources, sizeof *sources);
    int i = 0;
    for (char *part = strtok(list, ","); part; part = strtok(NULL, ","))
        if (inet_pton(AF_INET, part, &sources[i++]) != 1) die("bad --sources address");
}

int main(int argc, char **argv) {
    char default_source[] = "127.0.0.1", *source_list = default_source;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--resume")) { resume_mode = 1; continue; }
        if (!strcmp(a, "--events")) { events_mode = 1; continue; }
        if (!v) die("missing value");
        if (!strcmp(a, "--port")) port = atoi(v);
        else if (!strcmp(a, "--count")) count = atoi(v);
        else if (!strcmp(a, "--source") || !strcmp(a, "--sources")) source_list = v;
        else if (!strcmp(a, "--path")) path = v;
        else if (!strcmp(a, "--query")) query = v;
        else if (!strcmp(a, "--initial")) initial = atoi(v);
        else if (!strcmp(a, "--jitter")) jitter_s = atof(v);
        else if (!strcmp(a, "--backoff-base")) backoff_base_s = atof(v);
        else if (!strcmp(a, "--backoff-cap")) backoff_cap_s = atof(v);
        else if (!strcmp(a, "--tag")) tag = v;
        else if (!strcmp(a, "--centrifugo")) centrifugo_channel = v;
        else { fprintf(stderr, "unknown option %s\n", a); return 2; }
        i++;
    }
    if (!port || count <= 0) die("--port and --count are required");
    if (centrifugo_channel && (resume_mode || events_mode)) die("--centrifugo works without --resume and --events");
    if (centrifugo_channel && strlen(centrifugo_channel) > 200) die("--centrifugo: channel name too long");
    if (tag) snprintf(marker, sizeof marker, " %s ", tag);
    parse_sources(source_list);
    srand((unsigned)(getpid() ^ (unsigned)(monotonic_now() * 1e6)));
    clients = calloc(count, sizeof(Client));
    for (int i = 0; i < count; i++) { clients[i].fd = -1; clients[i].source = i % n_sources; clients[i].recovered_count = -1; }
    epfd = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event stdin_ev = {.events = EPOLLIN, .data.u32 = UINT32_MAX};
    epoll_ctl(epfd, EPOLL_CTL_ADD, 0, &stdin_ev);
    char *buffer = malloc(READ_SIZE);
    char *line = NULL; size_t line_len = 0, line_cap = 0;
    struct epoll_event events[512];
    int next = 0;
    for (;;) {
        if (!started) {  /* keep at most CONNECT_WINDOW clients between connect and their first messages */
            in_flight = 0;
            for (int i = 0; i < next; i++) {
                if (clients[i].state == CLOSED) die(clients[i].closed_reason[0] ? clients[i].closed_reason : "closed");
                in_flight += clients[i].frames < initial;
            }
            while (next < count && in_flight < CONNECT_WINDOW) { start_connect(next++); in_flight++; }
            if (next == count && in_flight == 0) {
                started = 1;
                printf("ready\n");
                fflush(stdout);
            }
        }
        int timeout = started ? -1 : 20;
        if (n_timers) {
            double wait = timers[0].due - monotonic_now();
            timeout = wait <= 0 ? 0 : (int)(wait * 1000) + 1;
        }
        int n = epoll_wait(epfd, events, 512, timeout);
        for (int e = 0; e < n; e++) {
            uint32_t index = events[e].data.u32;
            if (index == UINT32_MAX) {
                line = grow(line, &line_cap, line_len + READ_SIZE, 1);
                ssize_t got = read(0, line + line_len, READ_SIZE);
                if (got <= 0) return 0;
                line_len += got;
                char *newline;
                while ((newline = memchr(line, '\n', line_len))) {
                    *newline = 0;
                    if (!strcmp(line, "reset")) {
                        for (int i = 0; i < count; i++) clients[i].frames = 0, clients[i].first_at = clients[i].last_at = 0;
                        printf("ok\n");
                        fflush(stdout);
                    } else if (!strcmp(line, "report")) {
                        report();
                    } else if (line[0] == '{') {
                        if (events_mode) events_report(line); else e2e_report(line);
                        return 0;
                    } else if (!line[0]) {
                        return 0;
                    }
                    size_t used = newline + 1 - line;
                    memmove(line, newline + 1, line_len - used);
                    line_len -= used;
                }
                continue;
            }
            Client *c = &clients[index];
            if (c->fd < 0) continue;
            if (c->state == CONNECTING) {
                int error = 0; socklen_t size = sizeof error;
                getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &error, &size);
                if (error) {
                    snprintf(c->closed_reason, sizeof c->closed_reason, "connect: %s", strerror(error));
                    drop(index, 1);
                } else if (events[e].events & EPOLLOUT) {
                    send_handshake(index);
                }
                continue;
            }
            if (events[e].events & (EPOLLIN | EPOLLHUP | EPOLLERR)) on_readable(index, buffer);
        }
        double now = monotonic_now();
        while (n_timers && timers[0].due <= now) {
            Timer t = timer_pop();
            if (clients[t.client].state == CLOSED) start_connect(t.client);
        }
    }
}
