/* SPDX-License-Identifier: GPL-3.0-or-later */
/* test_args.c: the command-line parser (args.c, targets.c) against tcpcheck(1), TARGETS, OPTIONS
 * and "Details that settle common questions". */
#include "options.h"
#include "tcpcheck.h"
#include "unit.h"

#include <arpa/inet.h>
#include <net/if.h>
#include <dirent.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#define MAX_WORDS 32

/* Splits a line at single spaces into words (tests needing spaces in a word use parse_argv). */
struct line {
    char buf[1024];
    char *argv[MAX_WORDS];
    int argc;
};

static void split(struct line *l, const char *text)
{
    snprintf(l->buf, sizeof l->buf, "%s", text);
    l->argc = 0;
    for (char *w = strtok(l->buf, " "); w && l->argc < MAX_WORDS; w = strtok(NULL, " "))
        l->argv[l->argc++] = w;
}

static struct tc_request req;
static struct tc_parse_result res;

static enum tc_parse_outcome parse_argv_form(int argc, char **argv, enum tc_form form)
{
    tc_request_free(&req);
    tc_parse_args(argc, argv, form, &req, &res);
    return res.outcome;
}

static enum tc_parse_outcome parse_form(const char *text, enum tc_form form)
{
    struct line l;
    split(&l, text);
    return parse_argv_form(l.argc, l.argv, form);
}

static enum tc_parse_outcome parse(const char *text)
{
    return parse_form(text, TC_FORM_PROGRAM);
}

static bool request_is_empty(void)
{
    return req.nhosts == 0 && req.hosts == NULL && req.nwords == 0 && req.words == NULL &&
           req.ntargets == 0 && req.command == NULL && req.opt.send_data == NULL &&
           req.opt.expect == NULL && req.opt.var_name == NULL;
}

/* A usage error whose message holds `fragment`, with the request left empty. */
static bool usage_form(const char *text, enum tc_form form, const char *fragment)
{
    enum tc_parse_outcome o = parse_form(text, form);
    bool ok = o == TC_PARSE_USAGE && strstr(res.message, fragment) && request_is_empty() &&
              strncmp(res.message, "tcpcheck", 8) != 0 && !strchr(res.message, '\n');
    if (!ok)
        fprintf(stderr, "  [%s] -> outcome %d, message \"%s\", want \"%s\"\n", text, (int)o,
                res.message, fragment);
    return ok;
}

static bool usage(const char *text, const char *fragment)
{
    return usage_form(text, TC_FORM_PROGRAM, fragment);
}

static bool ok_line(const char *text)
{
    enum tc_parse_outcome o = parse(text);
    if (o != TC_PARSE_OK)
        fprintf(stderr, "  [%s] -> outcome %d, message \"%s\"\n", text, (int)o, res.message);
    return o == TC_PARSE_OK;
}

/* The expanded HOST:PORT list as "host:port host:port ...". */
static const char *expanded(void)
{
    static char out[2048];
    struct tc_target_iter it;
    size_t word, len = 0;
    uint16_t port;
    out[0] = '\0';
    tc_target_iter_init(&it);
    while (tc_target_iter_next(&req, &it, &word, &port) && len < sizeof out - 80)
        len += (size_t)snprintf(out + len, sizeof out - len, "%s%s:%u", len ? " " : "",
                                req.hosts[req.words[word].host].name, port);
    return out;
}

static bool targets_are(const char *text, const char *want)
{
    if (!ok_line(text))
        return false;
    bool same = strcmp(expanded(), want) == 0;
    if (!same)
        fprintf(stderr, "  [%s] -> \"%s\", want \"%s\"\n", text, expanded(), want);
    return same;
}

static void test_target_forms(void)
{
    CHECK(targets_are("db 5432", "db:5432"));
    CHECK(targets_are("db 80,443", "db:80 db:443"));
    CHECK(targets_are("db 8000-8002", "db:8000 db:8001 db:8002"));
    CHECK(targets_are("db https", "db:443"));
    CHECK(targets_are("db 22 80 443", "db:22 db:80 db:443"));
    CHECK(targets_are("db:5432", "db:5432"));
    CHECK(targets_are("db:80,443", "db:80 db:443"));
    CHECK(targets_are("[::1]:22", "::1:22"));
    CHECK(targets_are("[fe80::1%eth0]:22", "fe80::1%eth0:22"));
    CHECK(targets_are("tcp://db:5432", "db:5432"));
    CHECK(targets_are("tcp://db:80,443", "db:80 db:443"));
    CHECK(targets_are("tcp://[::1]:22", "::1:22"));
    CHECK(targets_are("/dev/tcp/db/5432", "db:5432"));
    CHECK(targets_are("/dev/tcp/::1/22", "::1:22"));
    CHECK(targets_are("/dev/tcp/127.0.0.1/http", "127.0.0.1:80"));
    CHECK(targets_are("::1 22", "::1:22"));
    CHECK(targets_are("fe80::1%eth0 22", "fe80::1%eth0:22"));
    CHECK(targets_are("127.0.0.1 1", "127.0.0.1:1"));
    CHECK(targets_are("db 65535", "db:65535"));
    CHECK(targets_are("db 00080", "db:80"));
    CHECK(targets_are("db. 80", "db.:80"));
    CHECK(targets_are("my_host-1.example.com 80", "my_host-1.example.com:80"));
    CHECK(targets_are("a.b 1-1", "a.b:1"));
    CHECK(targets_are("db ftp-data", "db:20")); /* a service name with a dash is no range */
    /* several targets, mixed forms, argument order kept */
    CHECK(targets_are("db 80,443 8000-8002", "db:80 db:443 db:8000 db:8001 db:8002"));
    CHECK(req.ntargets == 5 && req.nwords == 2 && req.nhosts == 1);
    CHECK(targets_are("a 1 b:2 [::1]:3 c 4,5 tcp://d:6 /dev/tcp/e/7",
                      "a:1 b:2 ::1:3 c:4 c:5 d:6 e:7"));
    CHECK(req.ntargets == 7 && req.nhosts == 6);
    /* after HOST PORTS a word that is not a port word starts a new target */
    CHECK(targets_are("db 80 web 443", "db:80 web:443"));
    CHECK(targets_are("db 80 https", "db:80 db:443"));
    CHECK(targets_are("db 80 ::1 22 127.0.0.1 23", "db:80 ::1:22 127.0.0.1:23"));
    /* a service-named host followed by ports is the next host (compose service names) */
    CHECK(targets_are("web 80 mysql 3306", "web:80 mysql:3306"));
    CHECK(targets_are("web 80 postgres 5432 redis 6379", "web:80 postgres:5432 redis:6379"));
    /* after a bare HOST the next word is always ports, service name or not */
    CHECK(targets_are("db mysql", "db:3306"));
    /* `--` before any target only ends the options */
    CHECK(targets_are("-- db 80", "db:80"));
    CHECK(targets_are("-v -- db 80", "db:80") && req.opt.verbose == 1);
}

static void test_hosts(void)
{
    CHECK(ok_line("db 80 db:443 tcp://db:22 /dev/tcp/db/25"));
    CHECK(req.nhosts == 1 && req.nwords == 4 && req.ntargets == 4);
    CHECK(strcmp(req.hosts[0].name, "db") == 0 && !req.hosts[0].numeric);
    CHECK(ok_line("::1 22 [::1]:80 127.0.0.1 1 DB 2 db 3"));
    CHECK(req.nhosts == 4); /* exact names: DB and db are two */
    CHECK(req.hosts[0].numeric && strcmp(req.hosts[0].name, "::1") == 0);
    CHECK(req.hosts[1].numeric && !req.hosts[2].numeric);
    CHECK(req.words[1].host == 0);
    CHECK(usage("1.2.3 80", "1.2.3: invalid host name"));
    CHECK(usage("bad..name 80", "bad..name: invalid host name"));
    CHECK(usage("-- -db 80", "-db: invalid host name"));
    CHECK(usage(".db 80", ".db: invalid host name"));
    CHECK(usage("db.. 80", "db..: invalid host name"));
    CHECK(usage("a_b!c 80", "a_b!c': invalid host name"));
    CHECK(usage("fe80::1% 22", "invalid host name"));
    CHECK(usage("fe80::1%a/b 22", "invalid host name"));
    CHECK(usage("fe80::1%abcdefghijklmnop 22", "invalid host name")); /* scope > 15 */
    CHECK(usage("fe80::1%abcdefghijklmno 22", "no such interface here"));
    CHECK(usage("1::2::3 22", "1::2::3: invalid host name"));
    CHECK(usage(":80", "empty host"));
    CHECK(usage("tcp://:80", "empty host"));
    CHECK(usage("/dev/tcp//80", "empty host"));
    CHECK(usage("db:80:90", "db:80:90: invalid host name"));
    CHECK(usage("tcp://::1:22", "needs brackets"));
    CHECK(usage("[db]:80", "brackets hold an IPv6 address"));
    CHECK(usage("[::1]", "[::1]: brackets need a port"));
    CHECK(usage("[::1]x", "invalid host name"));
    CHECK(usage("[::1:22", "invalid host name"));
    CHECK(usage("db:80 443", "443: a port needs a host before it"));
    char label63[80], label64[80], name254[300], name253[300];
    memset(label63, 'a', 63);
    label63[63] = '\0';
    memset(label64, 'a', 64);
    label64[64] = '\0';
    CHECK(ok_line(strcat(label63, " 80")));
    CHECK(usage(strcat(label64, " 80"), "invalid host name"));
    for (int i = 0; i < 253; i++) /* "a.a.a...": 127 labels, 253 characters */
        name253[i] = i % 2 ? '.' : 'a';
    name253[253] = '\0';
    memcpy(name254, name253, 254);
    strcat(name254, "b");
    name254[252] = 'a';
    CHECK(ok_line(strcat(name253, " 80")));
    CHECK(usage(strcat(name254, " 80"), "invalid host name"));
    /* a host word with a control character is shown escaped, never raw */
    char *ctl[] = {"db\x1b[31m", "80"};
    CHECK(parse_argv_form(2, ctl, TC_FORM_PROGRAM) == TC_PARSE_USAGE);
    CHECK(strstr(res.message, "'db\\x1b[31m': invalid host name") != NULL);
}

static void test_ports(void)
{
    CHECK(usage("db", "db: missing port"));
    CHECK(usage("db:", "'db:': missing port"));
    CHECK(usage("tcp://db", "tcp://db: missing port"));
    CHECK(usage("/dev/tcp/db", "/dev/tcp/db: missing port"));
    CHECK(usage("/dev/tcp/db/", "missing port"));
    CHECK(usage("a 1 db", "db: missing port"));
    CHECK(usage("db web:80", "db: missing port (before web:80)"));
    CHECK(usage("db -- true", "db: missing port"));
    CHECK(usage("db 70000", "70000: port out of range (1-65535)"));
    CHECK(usage("db:70000", "70000: port out of range (1-65535) in db:70000"));
    CHECK(usage("db 0", "0: port out of range"));
    CHECK(usage("db 65536", "65536: port out of range"));
    CHECK(usage("db 99999999999999999999999", "port out of range"));
    CHECK(usage("db 1-70000", "1-70000: port out of range"));
    CHECK(usage("db 0-5", "0-5: port out of range"));
    CHECK(usage("db 9-3", "9-3: reversed port range"));
    CHECK(usage("db 80 9-3", "9-3: reversed port range"));
    CHECK(usage("db 80 70000", "70000: port out of range"));
    CHECK(usage("db http2x", "http2x: unknown service"));
    CHECK(usage("db:http2x", "http2x: unknown service in db:http2x"));
    CHECK(usage("db 80,,443", "'': empty port in 80,,443"));
    CHECK(usage("db 80,", "empty port"));
    CHECK(usage("db ,80", "empty port"));
    CHECK(usage("db 1-2-3", "1-2-3: invalid port range"));
    CHECK(usage("db 5-", "5-: invalid port range"));
    CHECK(usage("db 1-http", "invalid port range"));
    CHECK(usage("db +80", "+80: unknown service"));
    CHECK(usage("db no-such-svc", "no-such-svc: unknown service"));
    CHECK(usage("db 80,-5", "-5: invalid port range in 80,-5"));
    CHECK(usage("db 80 -w 1", "-w: options go before targets"));
    CHECK(usage("db 80 -- ", "COMMAND missing"));
    /* the whole port range is one word and one range, not 65535 entries */
    CHECK(ok_line("127.0.0.1 1-65535"));
    CHECK(req.ntargets == 65535 && req.nwords == 1 && req.words[0].nranges == 1);
    CHECK(ok_line("127.0.0.1 1-65535 1-65535,1-65535"));
    CHECK(req.ntargets == 3 * 65535ULL);
    size_t n = 0, word;
    uint16_t port, last = 0;
    struct tc_target_iter it;
    tc_target_iter_init(&it);
    bool ordered = true;
    while (tc_target_iter_next(&req, &it, &word, &port)) {
        ordered = ordered && (n % 65535 == 0 ? port == 1 : port == last + 1);
        last = port;
        n++;
    }
    CHECK(n == 3 * 65535 && ordered && last == 65535);
    CHECK(!tc_target_iter_next(&req, &it, &word, &port)); /* stays done */
    CHECK(targets_are("db 80,80", "db:80 db:80") && req.ntargets == 2);
}

static void test_flags(void)
{
    CHECK(ok_line("db 80"));
    CHECK(req.opt.family == AF_UNSPEC && !req.opt.numeric_only && !req.opt.healthcheck);
    CHECK(!req.opt.quiet && req.opt.verbose == 0 && !req.opt.json && req.opt.quorum == 0);
    CHECK(req.opt.limit.usec == 5000000 && strcmp(req.opt.limit.text, "5") == 0);
    CHECK(req.opt.interval.usec == 100000 && strcmp(req.opt.interval.text, "0.1") == 0);
    CHECK(req.opt.wait.usec == 0 && req.opt.max_inflight == 0 && !req.opt.has_source);
    CHECK(req.opt.send_data == NULL && req.opt.expect == NULL && req.opt.var_name == NULL);
    CHECK(req.command == NULL);
    CHECK(ok_line("-zv -vv -Hqj -n 127.0.0.1 80"));
    CHECK(req.opt.verbose == 3 && req.opt.healthcheck && req.opt.quiet && req.opt.json);
    CHECK(req.opt.numeric_only);
    CHECK(ok_line("-4q 127.0.0.1 80") && req.opt.family == AF_INET && req.opt.quiet);
    CHECK(ok_line("-6 ::1 80") && req.opt.family == AF_INET6);
    CHECK(ok_line("-4 -4 db 80") && req.opt.family == AF_INET);
    CHECK(ok_line("-a db 80 81") && req.opt.quorum == 1);
    CHECK(ok_line("-m 2 -a db 80 81") && req.opt.quorum == 1);
    CHECK(ok_line("-a -m 2 db 80 81") && req.opt.quorum == 2);
    CHECK(ok_line("-m2 db 80,81,82") && req.opt.quorum == 2);
    CHECK(ok_line("-c 1 db 80") && req.opt.max_inflight == 1);
    CHECK(ok_line("-c7 db 80") && req.opt.max_inflight == 7);
    CHECK(ok_line("-m 007 db 1-7") && req.opt.quorum == 7);
    CHECK(usage("-4 -6 db 80", "-4 and -6 exclude each other"));
    CHECK(usage("-64 db 80", "-4 and -6 exclude each other"));
    CHECK(usage("-4 ::1 22", "-4: ::1 is an IPv6 address"));
    CHECK(usage("-6 127.0.0.1 22", "-6: 127.0.0.1 is an IPv4 address"));
    CHECK(usage("-6 [::1]:22 127.0.0.1:22", "-6: 127.0.0.1 is an IPv4 address"));
    CHECK(usage("-n db 80", "db: host names need resolution, and -n forbids it"));
    CHECK(usage("-n 127.0.0.1 80 db:80", "db: host names need resolution"));
    CHECK(usage("-y db 80", "-y: invalid option; try 'tcpcheck --help' for more information"));
    CHECK(usage("-vy db 80", "-y: invalid option"));
    CHECK(usage("-h", "-h: invalid option; try 'tcpcheck --help' for more information"));
    CHECK(usage_form("-h", TC_FORM_BUILTIN,
                     "-h: invalid option; try 'help tcpcheck' for more information"));
    CHECK(usage("--verbose db 80", "--verbose: invalid option; try 'tcpcheck --help'"));
    CHECK(usage("--verbose db 80", "--verbose: invalid option"));
    CHECK(usage("-w", "-w: option requires an argument; try 'tcpcheck --help'"));
    CHECK(usage("-v -c", "-c: option requires an argument"));
    CHECK(usage("-m 0 db 80", "-m 0: must be at least 1"));
    CHECK(usage("-c 0 db 80", "-c 0: must be at least 1"));
    CHECK(usage("-m 5 db 80,443", "-m 5: more than the 2 targets given"));
    CHECK(usage("-m 2 db 80", "-m 2: more than the 1 target given"));
    CHECK(usage("-m -1 db 80", "-m -1: not a whole number"));
    CHECK(usage("-m +1 db 80", "-m +1: not a whole number"));
    CHECK(usage("-c 0x10 db 80", "-c 0x10: not a whole number"));
    CHECK(usage("-c 1.5 db 80", "-c 1.5: not a whole number"));
    CHECK(usage("-c 999999999999999999999999999999 db 80", "number too large"));
    CHECK(usage("-m 18446744073709551616 db 80", "number too large"));
    CHECK(usage("-m 18446744073709551615 db 80", "more than the 1 target given"));
    char *empty_m[] = {"-m", "", "db", "80"};
    CHECK(parse_argv_form(4, empty_m, TC_FORM_PROGRAM) == TC_PARSE_USAGE);
    CHECK(strstr(res.message, "-m '': not a whole number") != NULL);
    /* arguments: attached, separate, and the next word even when it starts with '-' */
    CHECK(ok_line("-w0.5 db 80") && req.opt.limit.usec == 500000);
    CHECK(strcmp(req.opt.limit.text, "0.5") == 0);
    CHECK(ok_line("-vw 2 db 80") && req.opt.limit.usec == 2000000 && req.opt.verbose == 1);
    CHECK(usage("-w -v db 80", "-w -v: invalid time"));
    CHECK(ok_line("-E -v db 80") && strcmp(req.opt.expect, "-v") == 0);
    CHECK(usage("-V x db 80", "-V is only for the bash builtin"));
    CHECK(usage("-V", "-V is only for the bash builtin"));
    CHECK(usage("-qV", "-V is only for the bash builtin"));
    /* options only before the first target */
    CHECK(usage("db 80 -v", "-v: options go before targets"));
    CHECK(usage("db 80 --help", "--help: options go before targets"));
    CHECK(usage("", "no target given; try 'tcpcheck --help' for more information"));
    CHECK(usage_form("", TC_FORM_BUILTIN, "no target given; try 'help tcpcheck'"));
    CHECK(usage("-v", "no target given"));
    CHECK(usage("-v --", "no target given"));
}

static void test_help_version(void)
{
    CHECK(parse("--help") == TC_PARSE_HELP && request_is_empty());
    CHECK(parse("--version") == TC_PARSE_VERSION && request_is_empty());
    CHECK(parse("-v --help db 80") == TC_PARSE_HELP);
    CHECK(parse("--version --help") == TC_PARSE_VERSION);
    CHECK(parse("--help --version") == TC_PARSE_HELP);
    CHECK(parse("-S x --help") == TC_PARSE_HELP && request_is_empty()); /* -S freed */
    CHECK(parse("--help -y") == TC_PARSE_HELP);
    CHECK(usage("-y --help", "-y: invalid option"));
    CHECK(usage("-w 0 --version", "-w 0: must be greater than 0"));
    CHECK(usage("-4 -6 --help", "exclude each other"));
    CHECK(parse("-w --help db 80") == TC_PARSE_USAGE); /* --help is -w's argument */
    CHECK(parse_form("--help", TC_FORM_BUILTIN) == TC_PARSE_HELP);
}

static bool secs(const char *arg, tc_usec want_usec)
{
    char line[128];
    snprintf(line, sizeof line, "-w %s db 80", arg);
    if (!ok_line(line))
        return false;
    bool same = req.opt.limit.usec == want_usec && strcmp(req.opt.limit.text, arg) == 0;
    if (!same)
        fprintf(stderr, "  -w %s -> %lld \"%s\"\n", arg, (long long)req.opt.limit.usec,
                req.opt.limit.text);
    return same;
}

static void test_numbers(void)
{
    CHECK(secs("5", 5000000));
    CHECK(secs("0.25", 250000));
    CHECK(secs(".5", 500000));
    CHECK(secs("5.", 5000000));
    CHECK(secs("0.000001", 1));
    CHECK(secs("86400", 86400000000LL));
    CHECK(secs("86400.000000", 86400000000LL));
    CHECK(secs("1.123456", 1123456));
    CHECK(secs("007", 7000000));
    CHECK(usage("-w 86400.000001 db 80", "-w 86400.000001: must be at most 86400"));
    CHECK(usage("-w 86401 db 80", "must be at most 86400"));
    CHECK(usage("-w 100000000000000000000000000000 db 80", "must be at most 86400"));
    CHECK(usage("-w 1e3 db 80", "-w 1e3: invalid time"));
    CHECK(usage("-w +5 db 80", "-w +5: invalid time"));
    CHECK(usage("-w -5 db 80", "-w -5: invalid time"));
    CHECK(usage("-w 0x10 db 80", "-w 0x10: invalid time"));
    CHECK(usage("-w . db 80", "-w .: invalid time"));
    CHECK(usage("-w 1.2.3 db 80", "invalid time"));
    CHECK(usage("-w inf db 80", "invalid time"));
    CHECK(usage("-w 5.1234567 db 80", "-w 5.1234567: at most 6 fraction digits"));
    CHECK(usage("-w 0 db 80", "-w 0: must be greater than 0"));
    CHECK(usage("-w 0.000000 db 80", "must be greater than 0"));
    CHECK(usage("-i -1 db 80", "-i -1: invalid time"));
    CHECK(usage("-W 86400.5 db 80", "-W 86400.5: must be at most 86400"));
    CHECK(usage("-i 86401 db 80", "-i 86401: must be at most 86400"));
    CHECK(usage("-w 0000000000000000000000005 db 80", "invalid time (too long)"));
    char *spaced[] = {"-w", " 5", "db", "80"};
    CHECK(parse_argv_form(4, spaced, TC_FORM_PROGRAM) == TC_PARSE_USAGE);
    CHECK(strstr(res.message, "-w ' 5': invalid time") != NULL);
    char *trailing[] = {"-w", "5 ", "db", "80"};
    CHECK(parse_argv_form(4, trailing, TC_FORM_PROGRAM) == TC_PARSE_USAGE);
    char *empty[] = {"-w", "", "db", "80"};
    CHECK(parse_argv_form(4, empty, TC_FORM_PROGRAM) == TC_PARSE_USAGE);
    CHECK(ok_line("-i 0 db 80") && req.opt.interval.usec == 0);
    CHECK(strcmp(req.opt.interval.text, "0") == 0);
    CHECK(ok_line("-W 30 -i 0.5 db 80") && req.opt.wait.usec == 30000000);
    CHECK(strcmp(req.opt.wait.text, "30") == 0 && req.opt.interval.usec == 500000);
    CHECK(ok_line("-w 1 -w 2 db 80") && req.opt.limit.usec == 2000000); /* the later wins */
}

static void test_source(void)
{
    CHECK(ok_line("-s 127.0.0.2 127.0.0.1 80") && req.opt.has_source);
    struct sockaddr_in *sin = (struct sockaddr_in *)&req.opt.source;
    CHECK(sin->sin_family == AF_INET && sin->sin_port == 0);
    CHECK(req.opt.source_len == sizeof *sin && ntohl(sin->sin_addr.s_addr) == 0x7f000002);
    CHECK(ok_line("-s ::1 ::1 80"));
    struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&req.opt.source;
    CHECK(sin6->sin6_family == AF_INET6 && sin6->sin6_port == 0);
    CHECK(req.opt.source_len == sizeof *sin6 && IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr));
    CHECK(ok_line("-s fe80::1%1 ::1 80"));
    CHECK(((struct sockaddr_in6 *)&req.opt.source)->sin6_scope_id == 1);
    CHECK(ok_line("-s fe80::1%lo ::1 80"));
    CHECK(usage("-s 999.1.1.1 db 80", "-s 999.1.1.1: not a numeric address"));
    CHECK(usage("-s localhost db 80", "-s localhost: not a numeric address"));
    CHECK(usage("-s 1.2.3 db 80", "-s 1.2.3: not a numeric address"));
    CHECK(usage("-s fe80::1%nosuchif0 db 80", "-s fe80::1%nosuchif0: no such interface here"));
    CHECK(usage("-4 -s ::1 db 80", "-s ::1: an IPv6 address, but -4 asks for IPv4"));
    CHECK(usage("-s ::1 -4 db 80", "-s ::1: an IPv6 address, but -4 asks for IPv4"));
    CHECK(usage("-s 127.0.0.1 -6 db 80", "an IPv4 address, but -6 asks for IPv6"));
    CHECK(ok_line("-4 -s 127.0.0.1 db 80"));
}

static bool send_is(const char *arg, const char *want, size_t want_len)
{
    char *argv[] = {"-S", (char *)arg, "db", "80"};
    if (parse_argv_form(4, argv, TC_FORM_PROGRAM) != TC_PARSE_OK)
        return fprintf(stderr, "  -S %s: %s\n", arg, res.message), false;
    return req.opt.send_data && req.opt.send_len == want_len &&
           memcmp(req.opt.send_data, want, want_len) == 0;
}

static bool send_fails(const char *arg, const char *fragment)
{
    char *argv[] = {"-S", (char *)arg, "db", "80"};
    enum tc_parse_outcome o = parse_argv_form(4, argv, TC_FORM_PROGRAM);
    bool ok = o == TC_PARSE_USAGE && strstr(res.message, fragment) && request_is_empty();
    if (!ok)
        fprintf(stderr, "  -S %s -> \"%s\", want \"%s\"\n", arg, res.message, fragment);
    return ok;
}

static void test_send_expect(void)
{
    CHECK(send_is("GET / HTTP/1.0\\r\\n\\r\\n", "GET / HTTP/1.0\r\n\r\n", 18));
    CHECK(send_is("a\\tb\\\\c", "a\tb\\c", 5));
    CHECK(send_is("x\\0y\\0", "x\0y\0", 4));
    CHECK(send_is("\\x00\\x41\\xfF\\x7e", "\0A\xff~", 4));
    CHECK(send_is("", "", 0));
    CHECK(send_is("plain", "plain", 5));
    CHECK(send_fails("a\\q", "-S 'a\\q': invalid escape '\\q'"));
    CHECK(send_fails("\\x", "\\x needs two hex digits"));
    CHECK(send_fails("\\x4", "\\x needs two hex digits"));
    CHECK(send_fails("\\xZZ", "-S '\\xZZ': \\x needs two hex digits"));
    CHECK(send_fails("ab\\", "lone backslash at the end"));
    CHECK(send_fails("\\e", "invalid escape '\\e'"));
    CHECK(send_fails("\\R", "invalid escape"));
    CHECK(send_fails("\\1", "invalid escape"));
    CHECK(ok_line("-S a -S bc db 80") && req.opt.send_len == 2); /* the later one wins */
    CHECK(ok_line("-E SSH-2.0-* db 22") && strcmp(req.opt.expect, "SSH-2.0-*") == 0);
    char *empty[] = {"-E", "", "db", "22"};
    CHECK(parse_argv_form(4, empty, TC_FORM_PROGRAM) == TC_PARSE_OK);
    CHECK(req.opt.expect && req.opt.expect[0] == '\0');
    CHECK(ok_line("-E\\r*\\n db 22") && strcmp(req.opt.expect, "\\r*\\n") == 0); /* as given */
}

static void test_forms(void)
{
    CHECK(parse_form("-V state db 80", TC_FORM_BUILTIN) == TC_PARSE_OK);
    CHECK(req.opt.var_name && strcmp(req.opt.var_name, "state") == 0);
    CHECK(parse_form("-V_x9 db 80", TC_FORM_BUILTIN) == TC_PARSE_OK);
    CHECK(strcmp(req.opt.var_name, "_x9") == 0);
    CHECK(usage_form("-V 1abc db 80", TC_FORM_BUILTIN, "-V 1abc: not a valid identifier"));
    CHECK(usage_form("-V a-b db 80", TC_FORM_BUILTIN, "-V a-b: not a valid identifier"));
    CHECK(usage_form("-V a[1] db 80", TC_FORM_BUILTIN, "not a valid identifier"));
    CHECK(usage_form("-V", TC_FORM_BUILTIN, "-V: option requires an argument"));
    CHECK(usage_form("db 80 -- echo hi", TC_FORM_BUILTIN, "tcpcheck ... && COMMAND"));
    CHECK(usage_form("-- db 80 -- echo", TC_FORM_BUILTIN, "&& COMMAND"));
    /* program form: COMMAND after the targets, a NULL-terminated copy */
    CHECK(ok_line("db 80 -- echo -n hi --"));
    CHECK(req.command && strcmp(req.command[0], "echo") == 0);
    CHECK(strcmp(req.command[1], "-n") == 0 && strcmp(req.command[3], "--") == 0);
    CHECK(req.command[4] == NULL && req.ntargets == 1);
    CHECK(ok_line("-- db:80 -- true") && strcmp(req.command[0], "true") == 0);
    CHECK(ok_line("db 80 https -- true") && req.ntargets == 2 && req.command);
    CHECK(usage("db 80 --", "--: COMMAND missing"));
}

static void test_healthcheck(void)
{
    struct line l;
    struct {
        const char *line;
        bool want;
    } cases[] = {
        {"-H db 80", true},   {"-qH db 80", true},    {"-Hv", true},       {"-v -H", true},
        {"-wH db 80", false}, {"-w H db 80", false},  {"-w 1 -H", true},   {"-w1 -H", true},
        {"db 80 -H", false},  {"-- -H db 80", false}, {"-y -H db", true},  {"-yH db", true},
        {"-x -H db", false},  {"-xH db", false},      {"-k -H db", false}, {"-CRH db", true},
        {"-S -H db", false},  {"-SH db", false},      {"--help -H", true}, {"", false},
        {"-v", false},        {"-m", false},          {"- -H", false},     {"-4 -E x -6H db", true},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        split(&l, cases[i].line);
        bool got = tc_args_want_healthcheck(l.argc, l.argv);
        if (got != cases[i].want)
            fprintf(stderr, "  want_healthcheck [%s] -> %d\n", cases[i].line, got);
        CHECK(got == cases[i].want);
    }
    struct tc_options opt = {.healthcheck = true};
    CHECK(tc_apply_healthcheck(&opt, 0) == 0);
    CHECK(tc_apply_healthcheck(&opt, 1) == 1);
    CHECK(tc_apply_healthcheck(&opt, 2) == 1);
    CHECK(tc_apply_healthcheck(&opt, 3) == 1 && tc_apply_healthcheck(&opt, 7) == 1);
    CHECK(tc_apply_healthcheck(&opt, 127) == 1);
    CHECK(tc_apply_healthcheck(&opt, 130) == 130);
    opt.healthcheck = false;
    CHECK(tc_apply_healthcheck(&opt, 3) == 3 && tc_apply_healthcheck(&opt, 130) == 130);
    CHECK(ok_line("-H db 80") && tc_apply_healthcheck(&req.opt, 4) == 1);
}

static void test_states(void)
{
    const char *words[] = {"open",        "refused",  "timeout", "unresolved",
                           "unreachable", "mismatch", "error"};
    const int statuses[] = {0, 1, 3, 4, 5, 6, 7};
    for (int s = TC_OPEN; s <= TC_ERROR; s++) {
        CHECK(strcmp(tc_state_word((enum tc_state)s), words[s]) == 0);
        CHECK(tc_state_status((enum tc_state)s) == statuses[s]);
    }
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    if (!d)
        return -1;
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

/* Many parses in one process: no fd is left open (the services database is read and
 * closed), every call starts from scratch. */
static void test_repeat(void)
{
    int before = count_fds();
    for (int i = 0; i < 200; i++) {
        CHECK(parse("-v db https 80 web http,ssh") == TC_PARSE_OK);
        CHECK(parse("db nosuchservice") == TC_PARSE_USAGE);
    }
    CHECK(count_fds() == before);
    CHECK(parse("-vvv -a db 80") == TC_PARSE_OK && req.opt.verbose == 3);
    CHECK(parse("db 80") == TC_PARSE_OK && req.opt.verbose == 0 && req.opt.quorum == 0);
    /* a long word is shortened in the message, which stays one line */
    char long_host[600];
    memset(long_host, 'x', sizeof long_host - 4);
    strcpy(long_host + sizeof long_host - 4, "!80");
    char *argv[] = {long_host, "80"};
    CHECK(parse_argv_form(2, argv, TC_FORM_PROGRAM) == TC_PARSE_USAGE);
    CHECK(strstr(res.message, "...': invalid host name") && strlen(res.message) < 200);
}

/* ---- version 2: times with units ---- */

static bool secs_text(const char *letter_line, const char *arg, tc_usec want,
                      const struct tc_seconds *field)
{
    char line[128];
    snprintf(line, sizeof line, "%s %s db 80", letter_line, arg);
    if (!ok_line(line))
        return false;
    bool same = field->usec == want && strcmp(field->text, arg) == 0;
    if (!same)
        fprintf(stderr, "  %s %s -> %lld \"%s\"\n", letter_line, arg, (long long)field->usec,
                field->text);
    return same;
}

static bool phrase_is(const char *text, const char *want)
{
    char out[TC_SECONDS_PHRASE_MAX];
    tc_seconds_phrase(out, sizeof out, text);
    if (strcmp(out, want) != 0)
        fprintf(stderr, "  phrase(%s) -> \"%s\", want \"%s\"\n", text, out, want);
    return strcmp(out, want) == 0;
}

static void test_units(void)
{
    CHECK(secs("500ms", 500000));
    CHECK(secs("30s", 30000000));
    CHECK(secs("2m", 120000000));
    CHECK(secs("1h", 3600000000LL));
    CHECK(secs("1.5m", 90000000));
    CHECK(secs("0.25s", 250000));
    CHECK(secs("0.5ms", 500));
    CHECK(secs("0.001ms", 1));
    CHECK(secs(".5h", 1800000000LL));
    CHECK(secs("5.ms", 5000));
    CHECK(secs("24h", 86400000000LL));
    CHECK(secs("1440m", 86400000000LL));
    CHECK(secs("86400000ms", 86400000000LL));
    CHECK(secs("86400s", 86400000000LL));
    CHECK(secs("0.00000005m", 3));     /* 3 us exactly: a unit of 6 * 10^7 us */
    CHECK(secs("0.0000000025h", 9));   /* 9 us exactly */
    CHECK(secs("5.1234560", 5123456)); /* trailing zeros add no precision */
    CHECK(secs("1.0000000", 1000000));
    CHECK(usage("-w 25h db 80", "-w 25h: must be at most 86400 s (24h)"));
    CHECK(usage("-w 1441m db 80", "must be at most 86400 s"));
    CHECK(usage("-w 86400001ms db 80", "must be at most 86400 s"));
    CHECK(usage("-w 24.0000001h db 80", "must be at most 86400 s"));
    CHECK(usage("-w 0.0001ms db 80", "-w 0.0001ms: finer than a microsecond"));
    CHECK(usage("-w 0.00000001m db 80", "finer than a microsecond"));
    CHECK(usage("-w 0.0000001s db 80", "-w 0.0000001s: at most 6 fraction digits"));
    CHECK(usage("-w 0.0000001 db 80", "at most 6 fraction digits"));
    const char *bad[] = {"5MS",  "5us", "5 ms", "ms",     ".ms", "1e3ms", "-1s", "+1s", "5m30s",
                         "5sec", "5 ",  "0x5s", "5.5.5s", "s5",  "5mm",   "5hs", "h"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *argv[] = {"-w", (char *)bad[i], "db", "80"};
        CHECK(parse_argv_form(4, argv, TC_FORM_PROGRAM) == TC_PARSE_USAGE);
        CHECK(strstr(res.message, "invalid time") != NULL);
    }
    CHECK(usage("-w 0ms db 80", "-w 0ms: must be greater than 0"));
    CHECK(usage("-w 0.0h db 80", "must be greater than 0"));
    /* -W 0, whatever the unit: wait without a time limit */
    CHECK(secs_text("-W", "0", 0, &req.opt.wait) && req.opt.wait_mode);
    CHECK(secs_text("-W", "0s", 0, &req.opt.wait) && req.opt.wait_mode);
    CHECK(secs_text("-W", "0.000ms", 0, &req.opt.wait) && req.opt.wait_mode);
    CHECK(secs_text("-W", "2m", 120000000, &req.opt.wait) && req.opt.wait_mode);
    CHECK(usage("-W 24h1 db 80", "invalid time"));
    CHECK(usage("-W 25h db 80", "-W 25h: must be at most 86400 s"));
    CHECK(ok_line("db 80") && !req.opt.wait_mode);
    CHECK(secs_text("-i", "250ms", 250000, &req.opt.interval));
    CHECK(secs_text("-i", "0ms", 0, &req.opt.interval));
    CHECK(usage("-i 86401s db 80", "-i 86401s: must be at most 86400 s"));
    /* messages print the time as written */
    CHECK(phrase_is("5", "5 s"));
    CHECK(phrase_is("0.25", "0.25 s"));
    CHECK(phrase_is("5.", "5. s"));
    CHECK(phrase_is("500ms", "500ms"));
    CHECK(phrase_is("30s", "30s"));
    CHECK(phrase_is("2m", "2m"));
    CHECK(phrase_is("1h", "1h"));
    char longest[24];
    memset(longest, '1', sizeof longest - 1);
    longest[sizeof longest - 1] = '\0';
    char out[TC_SECONDS_PHRASE_MAX];
    tc_seconds_phrase(out, sizeof out, longest); /* the longest text fits with its " s" */
    CHECK(strlen(out) == sizeof longest - 1 + 2);
}

/* ---- version 2: -C, -R, -k and the options that exclude each other ---- */

static void test_v2_flags(void)
{
    CHECK(ok_line("db 80"));
    CHECK(!req.opt.expect_closed && !req.opt.reset_close && !req.opt.ping);
    CHECK(req.opt.ping_count == 0 && req.opt.proxy == NULL);
    CHECK(ok_line("-C db 80") && req.opt.expect_closed && !req.opt.reset_close);
    CHECK(ok_line("-R db 80") && req.opt.reset_close && !req.opt.expect_closed);
    CHECK(ok_line("-CRv db 80") && req.opt.expect_closed && req.opt.reset_close);
    CHECK(ok_line("-C -W 30 -a db 80 81") && req.opt.expect_closed && req.opt.wait_mode);
    CHECK(ok_line("-C -m 2 db 80 81 -- true") && req.opt.quorum == 2 && req.command);
    /* -k: ping mode; -i defaults to 1 s unless given, before or after -k */
    CHECK(ok_line("-k 3 db 80") && req.opt.ping && req.opt.ping_count == 3);
    CHECK(req.opt.interval.usec == 1000000 && strcmp(req.opt.interval.text, "1") == 0);
    CHECK(ok_line("-k0 db 80") && req.opt.ping && req.opt.ping_count == 0);
    CHECK(ok_line("-k 5 -i 250ms db 80") && req.opt.interval.usec == 250000);
    CHECK(strcmp(req.opt.interval.text, "250ms") == 0);
    CHECK(ok_line("-i 0 -k 5 db 80") && req.opt.interval.usec == 0);
    CHECK(ok_line("-k 18446744073709551615 -a db 80 81"));
    CHECK(req.opt.ping_count == UINT64_MAX && req.opt.quorum == 1);
    CHECK(ok_line("-k 2 -R -S x -E y db 80") && req.opt.ping);
    CHECK(usage("-k 18446744073709551616 db 80", "-k 18446744073709551616: number too large"));
    CHECK(usage("-k -1 db 80", "-k -1: not a whole number"));
    CHECK(usage("-k x db 80", "-k x: not a whole number"));
    CHECK(usage("-k", "-k: option requires an argument"));
    /* exclusions: one line, in either order, named in the table's order */
    CHECK(usage("-C -S x db 80", "-C and -S exclude each other"));
    CHECK(usage("-S x -C db 80", "-C and -S exclude each other"));
    CHECK(usage("-CE x db 80", "-C and -E exclude each other"));
    CHECK(usage("-E x -C db 80", "-C and -E exclude each other"));
    CHECK(usage("-C -k 1 db 80", "-k and -C exclude each other"));
    CHECK(usage("-k 1 -C db 80", "-k and -C exclude each other"));
    CHECK(usage("-k 1 -W 5 db 80", "-W and -k exclude each other"));
    CHECK(usage("-W 0 -k 1 db 80", "-W and -k exclude each other"));
    CHECK(usage("-64 db 80", "-4 and -6 exclude each other"));
    CHECK(usage("-k 1 db 80 -- true", "-k and -- COMMAND exclude each other"));
    CHECK(usage_form("-k 1 db 80 -- true", TC_FORM_BUILTIN, "tcpcheck ... && COMMAND"));
    CHECK(usage("-C -S x --help", "-C and -S exclude each other")); /* found before --help */
}

/* ---- version 2: -x PROXY ---- */

/* A usage error that does not show the word SECRET, wherever it stood in the line. */
static bool usage_hides(const char *text, const char *fragment)
{
    bool ok = usage(text, fragment);
    if (strstr(res.message, "SECRET")) {
        fprintf(stderr, "  [%s] shows the secret: \"%s\"\n", text, res.message);
        return false;
    }
    return ok;
}

static bool proxy_is(const char *line, enum tc_proxy_kind kind, const char *host, bool numeric,
                     uint16_t port, const char *user, const char *password)
{
    if (!ok_line(line))
        return false;
    const struct tc_proxy *p = req.opt.proxy;
    bool same = p && p->kind == kind && strcmp(p->host.name, host) == 0 &&
                p->host.numeric == numeric && !p->host.unix_socket && p->port == port &&
                (user ? p->user && strcmp(p->user, user) == 0 : !p->user) &&
                (password ? p->password && strcmp(p->password, password) == 0 : !p->password);
    if (!same)
        fprintf(stderr, "  [%s] -> %s %s:%u user %s\n", line, p ? "proxy" : "none",
                p ? p->host.name : "", p ? p->port : 0, p && p->user ? p->user : "-");
    return same;
}

static void test_proxy(void)
{
    CHECK(proxy_is("-x socks5://127.0.0.1:1080 db 80", TC_PROXY_SOCKS5, "127.0.0.1", true, 1080,
                   NULL, NULL));
    CHECK(proxy_is("-x socks5h://proxy.example:1080 db 80", TC_PROXY_SOCKS5H, "proxy.example",
                   false, 1080, NULL, NULL));
    CHECK(proxy_is("-x http://[::1]:3128 db 80", TC_PROXY_HTTP, "::1", true, 3128, NULL, NULL));
    CHECK(proxy_is("-x HTTP://proxy:3128/ db 80", TC_PROXY_HTTP, "proxy", false, 3128, NULL, NULL));
    CHECK(proxy_is("-xsocks5://u:p@h:socks db 80", TC_PROXY_SOCKS5, "h", false, 1080, "u", "p"));
    CHECK(proxy_is("-x socks5://al%40ice:p%3As@ss@h:1080 db 80", TC_PROXY_SOCKS5, "h", false, 1080,
                   "al@ice", "p:s@ss"));
    CHECK(proxy_is("-x http://u:@h:8080 db 80", TC_PROXY_HTTP, "h", false, 8080, "u", ""));
    CHECK(proxy_is("-x socks5://[fe80::1%lo]:1080 db 80", TC_PROXY_SOCKS5, "fe80::1%lo", true, 1080,
                   NULL, NULL));
    CHECK(proxy_is("-x socks5://a:1 -x http://b:2 db 80", TC_PROXY_HTTP, "b", false, 2, NULL,
                   NULL)); /* the later one wins */
    /* malformed: one line that names the problem, never the credentials nor the port word */
    CHECK(usage_hides("-x ftp://h:1 db 80", "-x: the proxy is socks5://, socks5h:// or http://"));
    CHECK(usage_hides("-x SECRET@h:1080 db 80", "-x: the proxy is socks5://"));
    CHECK(usage_hides("-x socks5:// db 80", "-x: the proxy needs a host"));
    CHECK(usage_hides("-x socks5://u:SECRET@ db 80", "-x: the proxy needs a host"));
    CHECK(usage_hides("-x socks5://h db 80", "-x: the proxy needs a port"));
    CHECK(usage_hides("-x socks5://u:SECRET@h db 80", "-x: the proxy needs a port"));
    CHECK(usage_hides("-x socks5://h: db 80", "-x: the proxy needs a port"));
    CHECK(usage_hides("-x socks5://h:0 db 80", "-x: the proxy's port must be one port"));
    CHECK(usage_hides("-x socks5://h:70000 db 80", "one port"));
    CHECK(usage_hides("-x socks5://h:80,81 db 80", "one port"));
    CHECK(usage_hides("-x socks5://h:1-2 db 80", "one port"));
    CHECK(usage_hides("-x socks5://alice:SECRET db 80", "one port")); /* the '@' forgotten */
    CHECK(usage_hides("-x socks5://h:1080/x db 80", "nothing may follow the proxy's port"));
    CHECK(usage_hides("-x socks5://h:1080// db 80", "nothing may follow"));
    CHECK(usage_hides("-x socks5://::1:1080 db 80", "written in brackets"));
    CHECK(usage_hides("-x socks5://[::1 db 80", "written in brackets"));
    CHECK(usage_hides("-x socks5://[::1] db 80", "needs a port"));
    CHECK(usage_hides("-x socks5://[::1]x:1 db 80", "a ':' and the port follow"));
    CHECK(usage_hides("-x socks5://[1.2.3.4]:1 db 80", "-x: 1.2.3.4: invalid proxy host"));
    CHECK(usage_hides("-x socks5://bad..host:1 db 80", "-x: bad..host: invalid proxy host"));
    CHECK(usage_hides("-x socks5://uSECRET@h:1 db 80", "credentials are written USER:PASS@"));
    CHECK(usage_hides("-x http://:SECRET@h:1 db 80", "credentials are written USER:PASS@"));
    CHECK(usage_hides("-x socks5://u:SE%zzCRET@h:1 db 80", "needs two hex digits"));
    CHECK(usage_hides("-x socks5://u:SECRET%4@h:1 db 80", "needs two hex digits"));
    CHECK(usage_hides("-x socks5://u:%00SECRET@h:1 db 80", "cannot hold %00"));
    CHECK(usage_hides("-x socks5://u:@h:1 db 80", "1-255 bytes"));
    CHECK(usage_hides("-x socks5://[fe80::1%nosuch]:1080 db 80",
                      "-x: fe80::1%nosuch: no such interface here"));
    CHECK(usage_hides("-x socks5://[::1%lo]:1080 db 80", "belongs on a link-local address"));
    char user256[300], line[400];
    memset(user256, 'u', 256);
    user256[256] = '\0';
    snprintf(line, sizeof line, "-x socks5://%s:SECRET@h:1 db 80", user256);
    CHECK(usage_hides(line, "1-255 bytes"));
    snprintf(line, sizeof line, "-x http://%s:SECRET@h:1 db 80", user256);
    CHECK(ok_line(line) && strlen(req.opt.proxy->user) == 256); /* HTTP sets no such limit */
    user256[255] = '\0';
    snprintf(line, sizeof line, "-x socks5://%s:p@h:1 db 80", user256);
    CHECK(ok_line(line));
    /* the proxy against -n, -4, -6, -s, in either order */
    CHECK(usage("-n -x socks5://proxy:1080 127.0.0.1 80",
                "-x: the proxy proxy is a name, and -n forbids resolving it"));
    CHECK(usage("-x socks5://proxy:1080 -n 127.0.0.1 80", "-n forbids resolving it"));
    CHECK(ok_line("-n -x socks5://127.0.0.1:1080 127.0.0.1 80"));
    CHECK(usage("-4 -x socks5://[::1]:1080 db 80", "-4: the proxy ::1 is an IPv6 address"));
    CHECK(usage("-x socks5://[::1]:1080 -4 db 80", "-4: the proxy ::1 is an IPv6 address"));
    CHECK(usage("-x socks5://127.0.0.1:1 -6 db 80", "-6: the proxy 127.0.0.1 is an IPv4 address"));
    CHECK(ok_line("-x socks5://proxy:1 -6 db 80")); /* a name: its addresses are chosen later */
    CHECK(usage("-s 127.0.0.1 -x socks5://[::1]:1080 db 80",
                "-s 127.0.0.1: an IPv4 address, but the proxy ::1 is IPv6"));
    CHECK(usage("-x socks5://[::1]:1080 -s 127.0.0.1 db 80", "but the proxy ::1 is IPv6"));
    /* targets through the proxy: socks5:// resolves them here, socks5h:// and http:// do not */
    CHECK(usage("-n -x socks5://127.0.0.1:1080 db 80", "db: host names need resolution"));
    CHECK(ok_line("-n -x socks5h://127.0.0.1:1080 db 80"));
    CHECK(ok_line("-n -x http://127.0.0.1:3128 db 80"));
    CHECK(usage("-6 -x socks5://[::1]:1 127.0.0.1 80", "-6: 127.0.0.1 is an IPv4 address"));
    CHECK(ok_line("-6 -x socks5h://[::1]:1 127.0.0.1 80"));
    CHECK(ok_line("-6 -x http://[::1]:1 127.0.0.1 80"));
    CHECK(ok_line("-s ::1 -x socks5://[::1]:1 127.0.0.1 80")); /* -s binds the proxy's side */
    CHECK(usage("-x socks5://127.0.0.1:1 fe80::1%lo 22", "a %scope names an interface here"));
    CHECK(usage("-x http://127.0.0.1:1 [fe80::1%lo]:22", "not at the proxy"));
    /* freed with the request on every path (ASan and valgrind watch this) */
    CHECK(parse("-x socks5://u:p@h:1 --help") == TC_PARSE_HELP && request_is_empty());
    CHECK(parse("-x socks5://u:p@h:1 db") == TC_PARSE_USAGE && !req.opt.proxy);
}

/* ---- version 2: unix: targets ---- */

static void test_unix(void)
{
    CHECK(targets_are("unix:/run/app.sock", "/run/app.sock:0"));
    CHECK(req.nhosts == 1 && req.hosts[0].unix_socket && !req.hosts[0].numeric);
    CHECK(req.ntargets == 1 && req.words[0].nranges == 1 && req.words[0].ranges[0].lo == 0);
    CHECK(targets_are("unix:///var/run/docker.sock", "/var/run/docker.sock:0"));
    CHECK(targets_are("unix://rel.sock", "rel.sock:0"));
    CHECK(targets_are("unix:rel.sock", "rel.sock:0"));
    CHECK(targets_are("unix:80", "80:0")); /* unix: is always a path: `tcp://unix:80` is the host */
    CHECK(targets_are("tcp://unix:80", "unix:80") && !req.hosts[0].unix_socket);
    CHECK(targets_are("db 80 unix:/a.sock db 443", "db:80 /a.sock:0 db:443") && req.nhosts == 2);
    CHECK(targets_are("unix:db db 80", "db:0 db:80") && req.nhosts == 2); /* never shared */
    CHECK(req.hosts[0].unix_socket && !req.hosts[1].unix_socket);
    CHECK(targets_are("unix:/a unix:///a", "/a:0 /a:0") && req.nhosts == 1 && req.ntargets == 2);
    CHECK(ok_line("-m 2 -n -6 -C -W 1 unix:/a unix:/b"));
    CHECK(ok_line("-k 3 -S x -E y unix:/a"));
    char path107[120], path108[120], line[200];
    memset(path107, 'p', 107);
    path107[0] = '/';
    path107[107] = '\0';
    snprintf(line, sizeof line, "unix:%s", path107);
    CHECK(ok_line(line) && strlen(req.hosts[0].name) == 107);
    memcpy(path108, path107, 108);
    strcpy(path108 + 107, "q");
    snprintf(line, sizeof line, "unix:%s", path108);
    CHECK(usage(line, "a socket path is at most 107 bytes"));
    CHECK(usage("unix:", "'unix:': empty socket path"));
    CHECK(usage("unix://", "unix://: empty socket path"));
    CHECK(usage("db 80 unix:", "empty socket path"));
    CHECK(usage("-s 127.0.0.1 unix:/a", "unix:/a: -s does not apply to a unix: target"));
    CHECK(usage("-x socks5://h:1 db 80 unix:/a", "unix:/a: -x does not apply to a unix: target"));
    CHECK(usage("unix:/a 80", "80: a port needs a host before it"));
    char *ctl[] = {"unix:/tmp/a\x1b[2J"};
    CHECK(parse_argv_form(1, ctl, TC_FORM_PROGRAM) == TC_PARSE_OK);
    CHECK(parse_argv_form(2, (char *[]){"-s127.0.0.1", "unix:/tmp/a\x1b[2J"}, TC_FORM_PROGRAM) ==
          TC_PARSE_USAGE);
    CHECK(strstr(res.message, "'unix:/tmp/a\\x1b[2J'") != NULL); /* escaped, never raw */
}

/* ---- version 2: no usable address is a usage error ---- */

static void test_no_usable_address(void)
{
    CHECK(usage("-s ::1 127.0.0.1 1", "-s: 127.0.0.1 is an IPv4 address, the source an IPv6 one"));
    CHECK(usage("-s 127.0.0.1 ::1 1", "-s: ::1 is an IPv6 address, the source an IPv4 one"));
    CHECK(usage("-s 127.0.0.1 [::1]:1", "-s: ::1 is an IPv6 address"));
    CHECK(usage("-s 127.0.0.1 tcp://[::1]:1", "-s: ::1 is an IPv6 address"));
    CHECK(usage("-s 127.0.0.1 /dev/tcp/::1/1", "-s: ::1 is an IPv6 address"));
    CHECK(usage("-s 127.0.0.1 127.0.0.1 1 ::1 2", "-s: ::1 is an IPv6 address"));
    CHECK(ok_line("-s 127.0.0.1 db 1")); /* a name stays for run time */
    CHECK(ok_line("-s ::1 ::1 1 [::1]:2"));
    CHECK(usage("fe80::1%nosuch 22", "fe80::1%nosuch: no such interface here"));
    CHECK(usage("[fe80::1%nosuch]:22", "fe80::1%nosuch: no such interface here"));
    CHECK(usage("/dev/tcp/fe80::1%nosuch/22", "no such interface here"));
    CHECK(usage("::1%lo 22", "::1%lo: a %scope belongs on a link-local address (fe80::/10) only"));
    CHECK(usage("[2001:db8::1%lo]:22", "belongs on a link-local address"));
    CHECK(usage("fe80::1%0 22", "fe80::1%0: no interface has that index here"));
    CHECK(usage("fe80::1%999999 22", "no interface has that index here"));
    CHECK(usage("fe80::1%99999999999 22", "no interface has that index here"));
    CHECK(ok_line("fe80::1%lo 22") && req.hosts[0].numeric);
    char line[64];
    snprintf(line, sizeof line, "[fe80::1%%%u]:22", if_nametoindex("lo"));
    CHECK(ok_line(line));
    CHECK(usage("-s ::1%lo ::1 22", "-s ::1%lo: a %scope belongs on a link-local address"));
    CHECK(usage("-s fe80::1%0 ::1 22", "no interface has that index here"));
}

/* ---- the option table and the help made from it ---- */

static void test_option_table(void)
{
    bool seen[128] = {false};
    for (size_t i = 0; i < tc_option_count; i++) {
        const struct tc_option_spec *o = &tc_option_table[i];
        CHECK(o->letter > 0 && !seen[(unsigned char)o->letter]); /* each letter once */
        seen[(unsigned char)o->letter] = true;
        CHECK(o->help && *o->help && tc_option_find(o->letter) == o);
        CHECK(!(o->arg && o->alone));
        for (const char *e = o->excludes; e && *e; e++) { /* written both ways */
            const struct tc_option_spec *other = tc_option_find(*e);
            CHECK(other && other != o && other->excludes && strchr(other->excludes, o->letter));
        }
    }
    CHECK(!tc_option_find('y') && !tc_option_find('\0') && !tc_option_find('-'));
    char *program = tc_help_synopsis(TC_FORM_PROGRAM, "", 0);
    char *builtin = tc_help_synopsis(TC_FORM_BUILTIN, "", 0);
    CHECK(program && strcmp(program, "tcpcheck [-46aCHnqRvz] [-w SECS] [-W SECS] [-i SECS] "
                                     "[-k COUNT] [-m N] [-c N] [-s ADDR] [-x PROXY] [-S DATA] "
                                     "[-E PATTERN] [-j] TARGET... [-- COMMAND [ARG...]]") == 0);
    CHECK(builtin && strcmp(builtin, "tcpcheck [-46aCHnqRvz] [-w SECS] [-W SECS] [-i SECS] "
                                     "[-k COUNT] [-m N] [-c N] [-s ADDR] [-x PROXY] [-S DATA] "
                                     "[-E PATTERN] [-j] [-V NAME] TARGET...") == 0);
    free(program);
    free(builtin);
    /* broken before the width, later lines under the first option */
    char *wrapped = tc_help_synopsis(TC_FORM_PROGRAM, "Usage: ", 60);
    CHECK(wrapped && strncmp(wrapped, "Usage: tcpcheck [-46aCHnqRvz] ", 30) == 0);
    for (char *line = wrapped; line && *line;) {
        size_t n = strcspn(line, "\n");
        CHECK(n < 60);
        if (line != wrapped)
            CHECK(strspn(line, " ") == strlen("Usage: tcpcheck "));
        line += n + (line[n] == '\n');
    }
    CHECK(wrapped && strstr(wrapped, "[-- COMMAND [ARG...]]"));
    free(wrapped);
    char *options = tc_help_options(TC_FORM_PROGRAM);
    char *all = tc_help_options(TC_FORM_BUILTIN);
    CHECK(options && all && !strstr(options, "-V NAME") && strstr(all, "\n  -V NAME     set "));
    for (size_t i = 0; options && all && i < tc_option_count; i++) {
        const struct tc_option_spec *o = &tc_option_table[i];
        char label[32];
        snprintf(label, sizeof label, "  -%c%s%s ", o->letter, o->arg ? " " : "",
                 o->arg ? o->arg : "");
        CHECK(strstr(all, label) != NULL);
        CHECK((strstr(options, label) != NULL) == tc_option_in_form(o, TC_FORM_PROGRAM));
    }
    for (char *line = all; all && *line;) { /* help tcpcheck indents by 4: 80 columns */
        size_t n = strcspn(line, "\n");
        CHECK(n <= 76);
        line += n + (line[n] == '\n');
    }
    free(options);
    free(all);
}

int main(void)
{
    test_target_forms();
    test_hosts();
    test_ports();
    test_flags();
    test_help_version();
    test_numbers();
    test_source();
    test_send_expect();
    test_forms();
    test_healthcheck();
    test_states();
    test_repeat();
    test_units();
    test_v2_flags();
    test_proxy();
    test_unix();
    test_no_usable_address();
    test_option_table();
    tc_request_free(&req);
    return DONE("test_args");
}
