/* SPDX-License-Identifier: GPL-3.0-or-later */
/* proxy.h: the handshake with a proxy (-x) on a connected, non-blocking socket: SOCKS5
 * (RFC 1928, RFC 1929) or HTTP CONNECT, as a state machine the probe drives from the poll loop
 * (tcpcheck(1), PROXIES).
 *
 * The probe connects to the proxy, then calls tc_tunnel_advance() whenever poll says the socket
 * is ready for what the last call asked for, until the tunnel is up or has failed; at the
 * deadline it calls tc_tunnel_expire().  The outcome says what the proxy's answer means for the
 * target, or why the proxy itself failed.  Nothing here blocks, sleeps or prints.
 */
#ifndef TC_PROXY_H
#define TC_PROXY_H

#include "buf.h"
#include "tcpcheck.h"

enum tc_tunnel_want {
    TC_TUNNEL_WRITE,  /* poll for POLLOUT, then advance */
    TC_TUNNEL_READ,   /* poll for POLLIN, then advance */
    TC_TUNNEL_UP,     /* the tunnel is up: the socket now speaks to the target */
    TC_TUNNEL_FAILED, /* the outcome below says why */
};

struct tc_tunnel {
    const struct tc_proxy *proxy;
    const char *name;             /* the target's name as written (owned by the request) */
    struct sockaddr_storage addr; /* ... or the address to send, when addr_given */
    bool addr_given;
    uint16_t port;
    int step;          /* proxy.c's enum step */
    struct tc_buf out; /* the message being sent; wiped once sent (it may hold credentials) */
    size_t sent;       /* bytes of out sent */
    unsigned char *in; /* what the proxy said for the current step; allocated once, kept */
    size_t in_len;     /* bytes in `in` */
    size_t reply_end;  /* once up: where the proxy's reply ended in `in` (the target's bytes
                          follow) */
    /* The outcome once TC_TUNNEL_FAILED (or after tc_tunnel_expire). */
    enum tc_state state;
    enum tc_proxy_reason reason;
    int code;        /* SOCKS5 reply, RFC 1929 status, HTTP status; -1 */
    int sys_errno;   /* TC_PROXY_CLOSED: ECONNRESET for a reset, else 0 */
    size_t text_len; /* the status line or the first bytes, at the start of `in` */
};

/* Start the handshake for the target: its `name` (sent by socks5h:// and http://), or `addr`
 * when the address is to be sent (socks5://, or a literal target with socks5h://), and its
 * port.  False when out of memory. */
bool tc_tunnel_begin(struct tc_tunnel *t, const struct tc_proxy *proxy, const char *name,
                     const struct sockaddr_storage *addr, uint16_t port);
/* Send and read what the socket allows now; returns what the handshake waits for next, or how
 * it ended. */
enum tc_tunnel_want tc_tunnel_advance(struct tc_tunnel *t, int fd);
/* The deadline came before the handshake ended: set the outcome this means. */
void tc_tunnel_expire(struct tc_tunnel *t);
/* Once up: the bytes that came after the proxy's reply, which are the target's. */
const unsigned char *tc_tunnel_rest(const struct tc_tunnel *t, size_t *n);
/* Forget the handshake (credentials wiped), keep the memory for the next one. */
void tc_tunnel_reset(struct tc_tunnel *t);
void tc_tunnel_free(struct tc_tunnel *t);

/* RFC 1928's words for a SOCKS5 reply code ("Connection refused"), or NULL for an unknown one. */
const char *tc_socks5_reply_words(int code);

#endif
