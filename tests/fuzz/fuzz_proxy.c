/* SPDX-License-Identifier: GPL-3.0-or-later */
/* fuzz_proxy: a hostile proxy's replies through the handshake (proxy.c), over a socketpair.
 *
 * The first input byte chooses the scheme (socks5://, socks5h://, http://) and whether -x
 * carries credentials, the second the size of the pieces the rest arrives in; the rest is what
 * the proxy says, whatever we sent.  When it is all said the proxy closes, or goes silent until
 * the deadline.  Whatever it says, the outcome must be one tcpcheck(1), PROXIES allows: a
 * tunnel whose target bytes lie within what was said, or a state whose reason fits it (an
 * answer about the target is refused, unreachable or timeout; any other reason is error), with
 * at most 200 bytes of its words kept for the message.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "proxy.h"

static void check(bool ok, const char *what)
{
    if (!ok) {
        fprintf(stderr, "fuzz_proxy: %s\n", what);
        abort();
    }
}

static void check_outcome(const struct tc_tunnel *t, enum tc_tunnel_want want, size_t said)
{
    if (want == TC_TUNNEL_UP) {
        size_t n;
        tc_tunnel_rest(t, &n);
        check(n <= said, "more target bytes than the proxy said");
        return;
    }
    check(want == TC_TUNNEL_FAILED, "the handshake neither ended nor waits");
    if (t->reason == TC_PROXY_ANSWER)
        check(t->state == TC_REFUSED || t->state == TC_UNREACHABLE || t->state == TC_TIMEOUT,
              "an answer about the target with a state no answer gives");
    else
        check(t->state == TC_ERROR, "a failure of the proxy that is not error");
    check(t->text_len <= 200, "too many of the proxy's words kept");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    static const enum tc_proxy_kind kinds[] = {TC_PROXY_SOCKS5, TC_PROXY_SOCKS5H, TC_PROXY_HTTP};
    struct tc_proxy proxy = {.kind = kinds[data[0] % 3], .port = 1080};
    proxy.host.name = (char *)"127.0.0.1";
    if (data[0] & 4) {
        proxy.user = (char *)"user";
        proxy.password = (char *)"password";
    }
    bool close_at_end = data[0] & 8;
    size_t piece = data[1] ? data[1] : 1;
    data += 2;
    size -= 2;

    int fds[2];
    if (socketpair(AF_UNIX, SOCK_STREAM, 0, fds) != 0)
        return 0;
    fcntl(fds[0], F_SETFL, O_NONBLOCK);
    fcntl(fds[1], F_SETFL, O_NONBLOCK);
    struct tc_tunnel t = {0};
    check(tc_tunnel_begin(&t, &proxy, "db.example", NULL, 22), "begin");
    unsigned char sink[4096];
    size_t said = 0;
    enum tc_tunnel_want want = TC_TUNNEL_WRITE;
    while (want == TC_TUNNEL_WRITE || want == TC_TUNNEL_READ) {
        while ((want = tc_tunnel_advance(&t, fds[0])) == TC_TUNNEL_WRITE)
            while (read(fds[1], sink, sizeof sink) > 0) {
            }
        while (read(fds[1], sink, sizeof sink) > 0) {
        }
        if (want != TC_TUNNEL_READ)
            break;
        if (said == size) { /* all said: the proxy closes, or the deadline comes */
            if (!close_at_end) {
                tc_tunnel_expire(&t);
                want = TC_TUNNEL_FAILED;
                break;
            }
            close(fds[1]);
            fds[1] = -1;
            want = tc_tunnel_advance(&t, fds[0]);
            break;
        }
        size_t n = size - said < piece ? size - said : piece;
        if (write(fds[1], data + said, n) != (ssize_t)n)
            break;
        said += n;
    }
    if (want == TC_TUNNEL_WRITE || want == TC_TUNNEL_READ) { /* a write failed */
        tc_tunnel_expire(&t);
        want = TC_TUNNEL_FAILED;
    }
    check_outcome(&t, want, said);
    tc_tunnel_free(&t);
    close(fds[0]);
    if (fds[1] >= 0)
        close(fds[1]);
    return 0;
}
