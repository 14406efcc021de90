/* SPDX-License-Identifier: GPL-3.0-or-later */
/* targets.c: target words, hosts and ports (tcpcheck(1), TARGETS).
 *
 * Every target form ends as one tc_target_word: a host (shared by name) and the port ranges
 * of one port word.  Ranges stay ranges, so the request grows with the words on the command
 * line, never with the number of ports (`10.0.0.1 1-65535` is one word, one range).  A unix:
 * target is a host whose one "range" is {0, 0}, so the iterator yields it once, as port 0.
 *
 * Whatever can be known without the network is checked here, so that a line that could only
 * fail is a usage error and not a probe: a literal of a family that -4, -6 or -s rules out, a
 * scope naming no interface of this host, a unix: path that cannot fit a sockaddr_un.
 */
#include "targets.h"
#include "usage.h"

#include <arpa/inet.h>
#include <limits.h>
#include <net/if.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#define HOST_NAME_MAX_LEN 253
#define LABEL_MAX_LEN 63
#define SCOPE_MAX_LEN 15 /* IFNAMSIZ - 1 */
#define PORT_TEXT_MAX 63 /* one element of a port list; digits may carry leading zeros */
#define TCP_URL_PREFIX "tcp://"
#define DEV_TCP_PREFIX "/dev/tcp/"
#define UNIX_PREFIX "unix:"
#define UNIX_URL_PREFIX "unix://"
/* sun_path holds the path and its NUL: 107 bytes of path on Linux. */
#define UNIX_PATH_MAX_LEN (sizeof(((struct sockaddr_un *)0)->sun_path) - 1)

/* ---- hosts ---- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_alnum(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_ipv4(const char *host)
{
    struct in_addr a;
    return inet_pton(AF_INET, host, &a) == 1; /* four dotted decimals only, unlike inet_aton */
}

/* IPv6 with an optional %scope: non-empty, at most 15 characters of [A-Za-z0-9_.-]. */
static bool is_ipv6(const char *host)
{
    const char *percent = strchr(host, '%');
    size_t addr_len = percent ? (size_t)(percent - host) : strlen(host);
    char addr[INET6_ADDRSTRLEN];
    struct in6_addr a;
    if (addr_len >= sizeof addr)
        return false;
    memcpy(addr, host, addr_len);
    addr[addr_len] = '\0';
    if (inet_pton(AF_INET6, addr, &a) != 1)
        return false;
    if (!percent)
        return true;
    const char *scope = percent + 1;
    size_t scope_len = strlen(scope);
    if (scope_len == 0 || scope_len > SCOPE_MAX_LEN)
        return false;
    for (const char *p = scope; *p; p++)
        if (!is_alnum(*p) && *p != '_' && *p != '.' && *p != '-')
            return false;
    return true;
}

/* A DNS name: labels of [A-Za-z0-9_-], 1-63 long, 253 in all, an optional trailing dot, no
 * leading '-'.  A last label of digits only is refused: resolvers read "1.2.3" or "443" as
 * an inet_aton address, which is never what such a word meant. */
static bool is_host_name(const char *host)
{
    size_t len = strlen(host);
    if (len > 0 && host[len - 1] == '.')
        len--;
    if (len == 0 || len > HOST_NAME_MAX_LEN || host[0] == '-')
        return false;
    size_t label_len = 0;
    bool label_all_digits = true;
    for (size_t i = 0; i < len; i++) {
        char c = host[i];
        if (c == '.') {
            if (label_len == 0)
                return false;
            label_len = 0;
            label_all_digits = true;
            continue;
        }
        if (!is_alnum(c) && c != '_' && c != '-')
            return false;
        if (++label_len > LABEL_MAX_LEN)
            return false;
        label_all_digits = label_all_digits && is_digit(c);
    }
    return label_len > 0 && !label_all_digits;
}

bool tc_check_host(const char *host, bool *numeric, int *family)
{
    *numeric = true;
    *family = is_ipv4(host) ? AF_INET : is_ipv6(host) ? AF_INET6 : AF_UNSPEC;
    if (*family != AF_UNSPEC)
        return true;
    *numeric = false;
    return is_host_name(host);
}

/* A scope of digits is an interface index ("%2"), as getaddrinfo reads it. */
static bool interface_index_exists(const char *digits)
{
    unsigned index = 0;
    for (const char *p = digits; *p; p++) {
        unsigned digit = (unsigned)(*p - '0');
        if (!is_digit(*p) || index > (UINT_MAX - digit) / 10)
            return false;
        index = index * 10 + digit;
    }
    char name[IF_NAMESIZE];
    return index > 0 && if_indextoname(index, name);
}

const char *tc_scope_problem(const char *literal)
{
    const char *percent = strchr(literal, '%');
    char addr[INET6_ADDRSTRLEN];
    struct in6_addr a;
    size_t addr_len = percent ? (size_t)(percent - literal) : 0;
    if (!percent || addr_len >= sizeof addr)
        return NULL;
    memcpy(addr, literal, addr_len);
    addr[addr_len] = '\0';
    if (inet_pton(AF_INET6, addr, &a) != 1)
        return NULL; /* not a valid literal: tc_check_host says so */
    if (!IN6_IS_ADDR_LINKLOCAL(&a))
        return "a %scope belongs on a link-local address (fe80::/10) only";
    const char *scope = percent + 1;
    if (is_digit(scope[0]))
        return interface_index_exists(scope) ? NULL : "no interface has that index here";
    return if_nametoindex(scope) ? NULL : "no such interface here";
}

/* ---- ports ---- */

static bool is_port_text(const char *s)
{
    if (!*s)
        return false;
    for (; *s; s++)
        if (!is_digit(*s))
            return false;
    return true;
}

/* Digits only (leading zeros allowed); 0 when out of 1-65535, without overflowing. */
static unsigned port_number(const char *s)
{
    unsigned value = 0;
    for (; *s; s++) {
        value = value * 10 + (unsigned)(*s - '0');
        if (value > 65535)
            return 0;
    }
    return value;
}

/* Where a port message goes: the element alone, or also the word it sits in. */
static bool port_error(struct tc_parse_result *res, const char *element, const char *word,
                       const char *problem)
{
    struct tc_shown e, w;
    if (!res)
        return false;
    if (strcmp(element, word) == 0)
        return tc_usage(res, "%s: %s", tc_show(&e, element), problem);
    return tc_usage(res, "%s: %s in %s", tc_show(&e, element), problem, tc_show(&w, word));
}

static bool lookup_service(const char *name, uint16_t *port)
{
    for (const char *p = name; *p; p++) /* only plausible names reach the services database */
        if (!is_alnum(*p) && !strchr("_.+-", *p))
            return false;
    struct servent *se = getservbyname(name, "tcp");
    if (!se || ntohs((uint16_t)se->s_port) == 0)
        return false;
    *port = ntohs((uint16_t)se->s_port);
    return true;
}

/* For the message only: "5-", "1-http", "-5" were meant as ranges; "no-such-svc" was not. */
static bool looks_like_range(const char *element)
{
    size_t len = strlen(element);
    return strchr(element, '-') &&
           (is_digit(element[0]) || element[0] == '-' || element[len - 1] == '-');
}

/* "LO-HI" of numbers; false (no message) when the element does not have that shape. */
static bool split_range(char *element, char **lo, char **hi)
{
    char *dash = strchr(element, '-');
    if (!dash || dash == element)
        return false;
    *dash = '\0';
    *lo = element;
    *hi = dash + 1;
    if (is_port_text(*lo) && is_port_text(*hi))
        return true;
    *dash = '-';
    return false;
}

/* One element of a port list: a number, a service name, or LO-HI.  res may be NULL (a quiet
 * try: "is this word a port word at all?"). */
static bool parse_port_element(const char *text, size_t len, const char *word,
                               struct tc_port_range *out, struct tc_parse_result *res)
{
    char element[PORT_TEXT_MAX + 1], shown[PORT_TEXT_MAX + 1];
    char *lo, *hi;
    if (len == 0)
        return port_error(res, "", word, "empty port");
    if (len > PORT_TEXT_MAX)
        return port_error(res, word, word, "invalid port");
    memcpy(element, text, len);
    element[len] = '\0';
    memcpy(shown, element, len + 1);
    uint16_t service_port;
    if (is_port_text(element)) {
        out->lo = out->hi = (uint16_t)port_number(element);
    } else if (lookup_service(element, &service_port)) { /* before ranges: "ftp-data" */
        out->lo = out->hi = service_port;
        return true;
    } else if (split_range(element, &lo, &hi)) {
        out->lo = (uint16_t)port_number(lo);
        out->hi = (uint16_t)port_number(hi);
        if (out->lo && out->hi && out->lo > out->hi)
            return port_error(res, shown, word, "reversed port range");
    } else {
        return port_error(res, shown, word,
                          looks_like_range(element) ? "invalid port range" : "unknown service");
    }
    if (out->lo == 0 || out->hi == 0)
        return port_error(res, shown, word, "port out of range (1-65535)");
    return true;
}

static size_t count_elements(const char *ports)
{
    size_t n = 1;
    for (; *ports; ports++)
        n += *ports == ',';
    return n;
}

/* A port word ("80", "80,443", "8000-8010", "https") into a new malloc'd array of ranges.
 * res NULL: a quiet try that only says whether the text is a port word. */
static bool parse_ports(const char *ports, const char *word, struct tc_target_word *tw,
                        struct tc_parse_result *res, bool *no_memory)
{
    size_t n = count_elements(ports);
    struct tc_port_range *ranges = malloc(n * sizeof *ranges);
    *no_memory = !ranges;
    if (!ranges)
        return res ? tc_usage(res, "out of memory") : false;
    const char *start = ports;
    for (size_t i = 0; i < n; i++) {
        const char *comma = strchr(start, ',');
        size_t len = comma ? (size_t)(comma - start) : strlen(start);
        if (!parse_port_element(start, len, word, &ranges[i], res)) {
            free(ranges);
            return false;
        }
        start += len + 1;
    }
    tw->ranges = ranges;
    tw->nranges = n;
    return true;
}

/* Digits or a service name, no list and no range. */
bool tc_parse_one_port(const char *text, uint16_t *port)
{
    if (is_port_text(text)) {
        *port = (uint16_t)port_number(text); /* 0 when out of range, however long */
        return *port != 0;
    }
    return lookup_service(text, port);
}

/* ---- the request's arrays ---- */

struct target_parser {
    struct tc_request *req;
    struct tc_parse_result *res;
    size_t hosts_cap, words_cap;
    /* Host name -> index + 1 into req->hosts (0: empty slot), open addressing, alive only
     * while parsing: a line with thousands of hosts is shared out in linear time. */
    size_t *slots;
    size_t nslots; /* a power of two, at least twice the hosts */
};

/* Grows *array (of `size`-byte items, `used` of them in use) so one more fits. */
static bool grow(void **array, size_t *cap, size_t used, size_t size)
{
    if (used < *cap)
        return true;
    size_t new_cap = *cap ? *cap * 2 : 8;
    if (new_cap > SIZE_MAX / size)
        return false;
    void *bigger = realloc(*array, new_cap * size);
    if (!bigger)
        return false;
    *array = bigger;
    *cap = new_cap;
    return true;
}

static const char *family_name(int family)
{
    return family == AF_INET ? "IPv4" : "IPv6";
}

/* Through a socks5h:// or http:// proxy a target's name and address are the proxy's business:
 * -n, -4 and -6 then speak of the proxy alone (tcpcheck(1), PROXIES). */
static bool proxy_takes_target(const struct tc_options *opt)
{
    return opt->proxy && opt->proxy->kind != TC_PROXY_SOCKS5;
}

/* The checks of a numeric host that depend on the options: -4, -6, -s, -x and its scope.
 * The name is shown (escaped) only on the way to a message. */
static bool check_literal(struct target_parser *tp, const char *name, int family)
{
    const struct tc_options *opt = &tp->req->opt;
    struct tc_shown shown;
    if (opt->proxy && strchr(name, '%'))
        return tc_usage(tp->res, "%s: a %%scope names an interface here, not at the proxy",
                        tc_show(&shown, name));
    const char *problem = tc_scope_problem(name);
    if (problem)
        return tc_usage(tp->res, "%s: %s", tc_show(&shown, name), problem);
    if (opt->family != AF_UNSPEC && family != opt->family && !proxy_takes_target(opt))
        return tc_usage(tp->res, "-%c: %s is an %s address", opt->family == AF_INET ? '4' : '6',
                        tc_show(&shown, name), family_name(family));
    if (opt->has_source && !opt->proxy && family != opt->source.ss_family)
        return tc_usage(tp->res, "-s: %s is an %s address, the source an %s one",
                        tc_show(&shown, name), family_name(family),
                        family_name(opt->source.ss_family));
    return true;
}

/* The host checks that depend on the options: -n, -4, -6, -s, -x. */
static bool check_new_host(struct target_parser *tp, const char *name, bool *numeric)
{
    const struct tc_options *opt = &tp->req->opt;
    struct tc_shown shown;
    int family;
    if (!tc_check_host(name, numeric, &family)) {
        if (is_port_text(name)) /* `db:80 443`: ports only follow a bare host */
            return tc_usage(tp->res, "%s: a port needs a host before it", tc_show(&shown, name));
        return tc_usage(tp->res, "%s: invalid host name", tc_show(&shown, name));
    }
    if (*numeric)
        return check_literal(tp, name, family);
    if (opt->numeric_only && !proxy_takes_target(opt))
        return tc_usage(tp->res, "%s: host names need resolution, and -n forbids it",
                        tc_show(&shown, name));
    return true;
}

static uint64_t name_hash(const char *s)
{
    uint64_t h = 14695981039346656037ULL; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

/* The slot holding host `name` (a unix: path or not), or the empty slot where it belongs. */
static size_t *find_slot(const struct target_parser *tp, const char *name, bool unix_socket)
{
    size_t mask = tp->nslots - 1;
    for (size_t i = (size_t)(name_hash(name) + unix_socket) & mask;; i = (i + 1) & mask) {
        size_t *slot = &tp->slots[i];
        const struct tc_host *h = *slot ? &tp->req->hosts[*slot - 1] : NULL;
        if (!h || (h->unix_socket == unix_socket && strcmp(h->name, name) == 0))
            return slot;
    }
}

/* Makes room for one more host in the index, keeping it at most half full. */
static bool grow_index(struct target_parser *tp)
{
    if ((tp->req->nhosts + 1) * 2 <= tp->nslots)
        return true;
    size_t nslots = tp->nslots ? tp->nslots * 2 : 16;
    size_t *slots = calloc(nslots, sizeof *slots);
    if (!slots)
        return false;
    free(tp->slots);
    tp->slots = slots;
    tp->nslots = nslots;
    for (size_t i = 0; i < tp->req->nhosts; i++)
        *find_slot(tp, tp->req->hosts[i].name, tp->req->hosts[i].unix_socket) = i + 1;
    return true;
}

/* The index of host `name` (len bytes), adding it when new; SIZE_MAX after a usage error.
 * Hosts are shared by exact name, so `db 80 db:443` looks db up once per attempt; a unix:
 * path is never the same host as a TCP host of the same name. */
static size_t add_host(struct target_parser *tp, const char *name, size_t len, bool unix_socket)
{
    struct tc_request *req = tp->req;
    char *copy = strndup(name, len);
    bool numeric = false;
    if (!copy || !grow_index(tp)) {
        free(copy);
        tc_usage(tp->res, "out of memory");
        return SIZE_MAX;
    }
    size_t *slot = find_slot(tp, copy, unix_socket);
    if (*slot) {
        free(copy);
        return *slot - 1;
    }
    if ((!unix_socket && !check_new_host(tp, copy, &numeric)) ||
        !grow((void **)&req->hosts, &tp->hosts_cap, req->nhosts, sizeof *req->hosts)) {
        if (tp->res->outcome != TC_PARSE_USAGE)
            tc_usage(tp->res, "out of memory");
        free(copy);
        return SIZE_MAX;
    }
    req->hosts[req->nhosts] =
        (struct tc_host){.name = copy, .numeric = numeric, .unix_socket = unix_socket};
    *slot = ++req->nhosts;
    return req->nhosts - 1;
}

static uint64_t word_targets(const struct tc_target_word *tw)
{
    uint64_t n = 0;
    for (size_t i = 0; i < tw->nranges; i++)
        n += (uint64_t)tw->ranges[i].hi - tw->ranges[i].lo + 1;
    return n;
}

/* Appends a target word whose ranges are made; frees them when it cannot. */
static bool append_word(struct target_parser *tp, struct tc_target_word *tw)
{
    struct tc_request *req = tp->req;
    if (!grow((void **)&req->words, &tp->words_cap, req->nwords, sizeof *req->words)) {
        free(tw->ranges);
        return tc_usage(tp->res, "out of memory");
    }
    req->words[req->nwords++] = *tw;
    req->ntargets += word_targets(tw);
    return true;
}

/* Appends a target word for `host` from the port text `ports` of the argument `word`. */
static bool add_word(struct target_parser *tp, size_t host, const char *ports, const char *word)
{
    struct tc_target_word tw = {.host = host};
    bool no_memory;
    return parse_ports(ports, word, &tw, tp->res, &no_memory) && append_word(tp, &tw);
}

/* ---- target words ---- */

/* What the next word can be: after a bare HOST it must be ports; after HOST PORTS a port
 * word adds ports to that host; otherwise a word starts a new target. */
enum expect { EXPECT_TARGET, EXPECT_PORTS, EXPECT_MORE_PORTS };

static bool missing_port(struct target_parser *tp, const char *word)
{
    struct tc_shown shown;
    return tc_usage(tp->res, "%s: missing port", tc_show(&shown, word));
}

/* HOST:PORTS or [IPV6]:PORTS (rest is the word after any "tcp://"). */
static bool parse_host_colon_ports(struct target_parser *tp, const char *rest, const char *word)
{
    struct tc_shown shown;
    const char *host = rest, *after;
    size_t host_len;
    if (rest[0] == '[') {
        const char *close = strchr(rest, ']');
        if (!close)
            return tc_usage(tp->res, "%s: invalid host name", tc_show(&shown, word));
        host = rest + 1;
        host_len = (size_t)(close - host);
        after = close + 1;
        if (!*after)
            return tc_usage(tp->res, "%s: brackets need a port (%s:PORT)", tc_show(&shown, word),
                            shown.text);
        if (*after != ':')
            return tc_usage(tp->res, "%s: invalid host name", tc_show(&shown, word));
    } else {
        after = strchr(rest, ':');
        if (!after)
            return missing_port(tp, word);
        if (strchr(after + 1, ':'))
            return tc_usage(tp->res, "%s: an IPv6 address with a port needs brackets ([::1]:22)",
                            tc_show(&shown, word));
        host_len = (size_t)(after - rest);
    }
    if (host_len == 0)
        return tc_usage(tp->res, "%s: empty host", tc_show(&shown, word));
    if (!after[1])
        return missing_port(tp, word);
    if (rest[0] == '[' && !memchr(host, ':', host_len)) /* brackets are for IPv6 only */
        return tc_usage(tp->res, "%s: brackets hold an IPv6 address", tc_show(&shown, word));
    size_t h = add_host(tp, host, host_len, false);
    return h != SIZE_MAX && add_word(tp, h, after + 1, word);
}

/* /dev/tcp/HOST/PORTS: bash's path form; HOST may be a bare IPv6 literal. */
static bool parse_dev_tcp(struct target_parser *tp, const char *word)
{
    struct tc_shown shown;
    const char *rest = word + strlen(DEV_TCP_PREFIX);
    const char *slash = strrchr(rest, '/');
    if (!slash || !slash[1])
        return missing_port(tp, word);
    if (slash == rest)
        return tc_usage(tp->res, "%s: empty host", tc_show(&shown, word));
    size_t h = add_host(tp, rest, (size_t)(slash - rest), false);
    return h != SIZE_MAX && add_word(tp, h, slash + 1, word);
}

/* unix:PATH, unix://PATH: one target, port 0.  The path is taken as written (relative paths
 * too, as nc -U takes them); it only has to fit a sockaddr_un. */
static bool parse_unix(struct target_parser *tp, const char *word)
{
    const struct tc_options *opt = &tp->req->opt;
    struct tc_shown shown;
    const char *w = tc_show(&shown, word);
    bool url = strncmp(word, UNIX_URL_PREFIX, strlen(UNIX_URL_PREFIX)) == 0;
    const char *path = word + strlen(url ? UNIX_URL_PREFIX : UNIX_PREFIX);
    if (!*path)
        return tc_usage(tp->res, "%s: empty socket path", w);
    if (strlen(path) > UNIX_PATH_MAX_LEN)
        return tc_usage(tp->res, "%s: a socket path is at most %zu bytes", w,
                        (size_t)UNIX_PATH_MAX_LEN);
    if (opt->has_source || opt->proxy)
        return tc_usage(tp->res, "%s: -%c does not apply to a unix: target", w,
                        opt->has_source ? 's' : 'x');
    size_t h = add_host(tp, path, strlen(path), true);
    struct tc_target_word tw = {.host = h, .nranges = 1};
    if (h == SIZE_MAX)
        return false;
    if (!(tw.ranges = calloc(1, sizeof *tw.ranges))) /* {0, 0}: the one "port" */
        return tc_usage(tp->res, "out of memory");
    return append_word(tp, &tw);
}

static size_t count_colons(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += *s == ':';
    return n;
}

/* A word that starts a target.  A bare HOST (or bare IPv6 literal) sets *bare_host and asks
 * for ports next. */
static bool parse_target_word(struct target_parser *tp, const char *word, enum expect *next,
                              size_t *bare_host)
{
    *next = EXPECT_TARGET;
    if (strncmp(word, UNIX_PREFIX, strlen(UNIX_PREFIX)) == 0) /* before HOST:PORT: one colon */
        return parse_unix(tp, word);
    if (strncmp(word, TCP_URL_PREFIX, strlen(TCP_URL_PREFIX)) == 0)
        return parse_host_colon_ports(tp, word + strlen(TCP_URL_PREFIX), word);
    if (strncmp(word, DEV_TCP_PREFIX, strlen(DEV_TCP_PREFIX)) == 0)
        return parse_dev_tcp(tp, word);
    if (word[0] == '[' || count_colons(word) == 1)
        return parse_host_colon_ports(tp, word, word);
    *bare_host = add_host(tp, word, strlen(word), false); /* a name, IPv4, IPv6 unbracketed */
    *next = EXPECT_PORTS;
    return *bare_host != SIZE_MAX;
}

/* Digits, commas and dashes, starting with a digit ("--" is not one). */
static bool is_numeric_port_word(const char *word)
{
    return is_digit(word[0]) && strspn(word, "0123456789,-") == strlen(word);
}

/* Quietly: does the word parse as ports ("80,443", "https")? */
static bool parses_as_ports(const char *word)
{
    struct tc_target_word tw = {0};
    bool no_memory;
    if (!parse_ports(word, word, &tw, NULL, &no_memory))
        return no_memory; /* let the real parse report it */
    free(tw.ranges);
    return true;
}

/* After HOST PORTS: is this word more ports for HOST?  A word of digits, commas and dashes
 * always is (so `db 80 70000` says what is wrong with 70000).  A word that is ports only
 * through the services database is, unless a port word follows it: in `web 80 mysql 3306`
 * "mysql" is the next host, not port 3306 of web (compose services are often named after
 * the service they run: mysql, postgres, redis...). */
static bool is_more_ports(const char *word, const char *following)
{
    if (is_numeric_port_word(word))
        return true;
    if (!parses_as_ports(word))
        return false;
    return !following || !(is_numeric_port_word(following) || parses_as_ports(following));
}

/* Directly after a bare HOST the word must be ports: name the host when it is no port word. */
static bool parse_required_ports(struct target_parser *tp, size_t host, const char *word)
{
    struct tc_shown h, w;
    if (strpbrk(word, ":/[]"))
        return tc_usage(tp->res, "%s: missing port (before %s)",
                        tc_show(&h, tp->req->hosts[host].name), tc_show(&w, word));
    return add_word(tp, host, word, word);
}

/* `-- COMMAND ARG...` after the targets: the program keeps a copy, the builtin refuses. */
static bool parse_command(struct target_parser *tp, int argc, char **argv, int pos,
                          enum tc_form form)
{
    if (form == TC_FORM_BUILTIN)
        return tc_usage(tp->res, "--: the builtin runs no COMMAND; write tcpcheck ... && COMMAND");
    if (pos >= argc)
        return tc_usage(tp->res, "--: COMMAND missing after it");
    size_t n = (size_t)(argc - pos);
    char **command = calloc(n + 1, sizeof *command);
    if (!command)
        return tc_usage(tp->res, "out of memory");
    tp->req->command = command; /* owned by the request from here: freed on every path */
    for (size_t i = 0; i < n; i++)
        if (!(command[i] = strdup(argv[pos + (int)i])))
            return tc_usage(tp->res, "out of memory");
    return true;
}

/* One word in the target part of the line. */
static bool parse_one(struct target_parser *tp, const char *word, const char *following,
                      enum expect *next, size_t *bare_host)
{
    struct tc_shown shown;
    /* Right after `--` a first word such as "-x" is a (bad) host, not a misplaced option. */
    if (word[0] == '-' && (*next != EXPECT_TARGET || tp->req->nwords > 0))
        return tc_usage(tp->res, "%s: options go before targets", tc_show(&shown, word));
    if (*next == EXPECT_PORTS) {
        *next = EXPECT_MORE_PORTS;
        return parse_required_ports(tp, *bare_host, word);
    }
    if (*next == EXPECT_MORE_PORTS && is_more_ports(word, following))
        return add_word(tp, *bare_host, word, word);
    return parse_target_word(tp, word, next, bare_host);
}

static bool parse_target_list(struct target_parser *tp, int argc, char **argv, int *pos,
                              enum tc_form form)
{
    struct tc_request *req = tp->req;
    enum expect next = EXPECT_TARGET;
    size_t bare_host = 0;
    for (; *pos < argc; (*pos)++) {
        const char *word = argv[*pos];
        if (strcmp(word, "--") == 0 && (req->nwords > 0 || next == EXPECT_PORTS)) {
            if (next == EXPECT_PORTS)
                return missing_port(tp, req->hosts[bare_host].name);
            if (!parse_command(tp, argc, argv, *pos + 1, form))
                return false;
            *pos = argc;
            break;
        }
        const char *following = *pos + 1 < argc ? argv[*pos + 1] : NULL;
        if (!parse_one(tp, word, following, &next, &bare_host))
            return false;
    }
    if (next == EXPECT_PORTS)
        return missing_port(tp, req->hosts[bare_host].name);
    if (req->nwords == 0)
        return tc_usage(tp->res, "no target given; %s", tc_help_hint(form));
    return true;
}

bool tc_parse_targets(int argc, char **argv, int *pos, enum tc_form form, struct tc_request *req,
                      struct tc_parse_result *res)
{
    struct target_parser tp = {.req = req, .res = res};
    bool ok = parse_target_list(&tp, argc, argv, pos, form);
    free(tp.slots);
    return ok;
}

/* ---- walking the targets ---- */

void tc_target_iter_init(struct tc_target_iter *it)
{
    it->word = 0;
    it->range = 0;
    it->port = 0; /* 0: start the current range at its low end */
}

bool tc_target_iter_next(const struct tc_request *req, struct tc_target_iter *it, size_t *word,
                         uint16_t *port)
{
    while (it->word < req->nwords) {
        const struct tc_target_word *tw = &req->words[it->word];
        if (it->range >= tw->nranges) {
            it->word++;
            it->range = 0;
            it->port = 0;
            continue;
        }
        const struct tc_port_range *r = &tw->ranges[it->range];
        if (it->port == 0)
            it->port = r->lo;
        if (it->port > r->hi) {
            it->range++;
            it->port = 0;
            continue;
        }
        *word = it->word;
        *port = (uint16_t)it->port++;
        return true;
    }
    return false;
}
