/* errors.c: protocol error codes, their egg condition kinds, errno names. */
#ifdef HAVE_CONFIG_H
#include "config.h"
#endif

#include <errno.h>
#include <netdb.h>
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "errors.h"

static const char *const kind_type[] = { "exn", "type", NULL };
static const char *const kind_net[] = { "exn", "i/o", "net", NULL };
static const char *const kind_transient[] =
    { "exn", "i/o", "net", "transient", NULL };
static const char *const kind_timeout[] =
    { "exn", "i/o", "net", "timeout", NULL };
static const char *const kind_unsupported[] =
    { "exn", "i/o", "net", "unsupported", NULL };
static const char *const kind_handle[] = { "exn", "sock6d", "handle", NULL };
static const char *const kind_permission[] =
    { "exn", "sock6d", "permission", NULL };
static const char *const kind_limit[] = { "exn", "sock6d", "limit", NULL };
static const char *const kind_busy[] = { "exn", "sock6d", "busy", NULL };

const struct s6_code_info s6_codes[] = {
	{ S6_PARSE_ERROR, "parse error", "Parse error", NULL },
	{ S6_INVALID_REQUEST, "invalid request", "Invalid Request", NULL },
	{ S6_METHOD_NOT_FOUND, "method not found", "Method not found", NULL },
	{ S6_INVALID_PARAMS, "invalid params", "Invalid params", kind_type },
	{ S6_INTERNAL_ERROR, "internal error", "Internal error", NULL },
	{ S6_NET, "net", "net", kind_net },
	{ S6_TRANSIENT, "transient", "transient", kind_transient },
	{ S6_TIMEOUT, "timeout", "timeout", kind_timeout },
	{ S6_UNSUPPORTED, "unsupported", "unsupported", kind_unsupported },
	{ S6_RESOLVE, "resolve", "resolve", kind_net },
	{ S6_NO_SUCH_HANDLE, "no such handle", "no such handle", kind_handle },
	{ S6_PERMISSION, "permission denied", "permission denied",
	    kind_permission },
	{ S6_LIMIT, "limit", "limit", kind_limit },
	{ S6_BUSY, "busy", "busy", kind_busy },
	{ 0, NULL, NULL, NULL },
};

const struct s6_code_info *
s6_code_lookup(int code)
{
	const struct s6_code_info	*c;

	for (c = s6_codes; c->name != NULL; c++)
		if (c->code == code)
			return c;
	return NULL;
}

struct errno_row {
	int		 num;
	const char	*name;
};

#define E(x)	{ x, #x },

/* Primary names first, in errno order; aliases last, so that a search by
 * number finds the primary name and a search by name also knows aliases. */
static const struct errno_row errno_rows[] = {
#ifdef EPERM
	E(EPERM)
#endif
#ifdef ENOENT
	E(ENOENT)
#endif
#ifdef ESRCH
	E(ESRCH)
#endif
#ifdef EINTR
	E(EINTR)
#endif
#ifdef EIO
	E(EIO)
#endif
#ifdef ENXIO
	E(ENXIO)
#endif
#ifdef E2BIG
	E(E2BIG)
#endif
#ifdef ENOEXEC
	E(ENOEXEC)
#endif
#ifdef EBADF
	E(EBADF)
#endif
#ifdef ECHILD
	E(ECHILD)
#endif
#ifdef EAGAIN
	E(EAGAIN)
#endif
#ifdef ENOMEM
	E(ENOMEM)
#endif
#ifdef EACCES
	E(EACCES)
#endif
#ifdef EFAULT
	E(EFAULT)
#endif
#ifdef ENOTBLK
	E(ENOTBLK)
#endif
#ifdef EBUSY
	E(EBUSY)
#endif
#ifdef EEXIST
	E(EEXIST)
#endif
#ifdef EXDEV
	E(EXDEV)
#endif
#ifdef ENODEV
	E(ENODEV)
#endif
#ifdef ENOTDIR
	E(ENOTDIR)
#endif
#ifdef EISDIR
	E(EISDIR)
#endif
#ifdef EINVAL
	E(EINVAL)
#endif
#ifdef ENFILE
	E(ENFILE)
#endif
#ifdef EMFILE
	E(EMFILE)
#endif
#ifdef ENOTTY
	E(ENOTTY)
#endif
#ifdef ETXTBSY
	E(ETXTBSY)
#endif
#ifdef EFBIG
	E(EFBIG)
#endif
#ifdef ENOSPC
	E(ENOSPC)
#endif
#ifdef ESPIPE
	E(ESPIPE)
#endif
#ifdef EROFS
	E(EROFS)
#endif
#ifdef EMLINK
	E(EMLINK)
#endif
#ifdef EPIPE
	E(EPIPE)
#endif
#ifdef EDOM
	E(EDOM)
#endif
#ifdef ERANGE
	E(ERANGE)
#endif
#ifdef EDEADLK
	E(EDEADLK)
#endif
#ifdef ENAMETOOLONG
	E(ENAMETOOLONG)
#endif
#ifdef ENOLCK
	E(ENOLCK)
#endif
#ifdef ENOSYS
	E(ENOSYS)
#endif
#ifdef ENOTEMPTY
	E(ENOTEMPTY)
#endif
#ifdef ELOOP
	E(ELOOP)
#endif
#ifdef ENOMSG
	E(ENOMSG)
#endif
#ifdef EIDRM
	E(EIDRM)
#endif
#ifdef ECHRNG
	E(ECHRNG)
#endif
#ifdef EL2NSYNC
	E(EL2NSYNC)
#endif
#ifdef EL3HLT
	E(EL3HLT)
#endif
#ifdef EL3RST
	E(EL3RST)
#endif
#ifdef ELNRNG
	E(ELNRNG)
#endif
#ifdef EUNATCH
	E(EUNATCH)
#endif
#ifdef ENOCSI
	E(ENOCSI)
#endif
#ifdef EL2HLT
	E(EL2HLT)
#endif
#ifdef EBADE
	E(EBADE)
#endif
#ifdef EBADR
	E(EBADR)
#endif
#ifdef EXFULL
	E(EXFULL)
#endif
#ifdef ENOANO
	E(ENOANO)
#endif
#ifdef EBADRQC
	E(EBADRQC)
#endif
#ifdef EBADSLT
	E(EBADSLT)
#endif
#ifdef EBFONT
	E(EBFONT)
#endif
#ifdef ENOSTR
	E(ENOSTR)
#endif
#ifdef ENODATA
	E(ENODATA)
#endif
#ifdef ETIME
	E(ETIME)
#endif
#ifdef ENOSR
	E(ENOSR)
#endif
#ifdef ENONET
	E(ENONET)
#endif
#ifdef ENOPKG
	E(ENOPKG)
#endif
#ifdef EREMOTE
	E(EREMOTE)
#endif
#ifdef ENOLINK
	E(ENOLINK)
#endif
#ifdef EADV
	E(EADV)
#endif
#ifdef ESRMNT
	E(ESRMNT)
#endif
#ifdef ECOMM
	E(ECOMM)
#endif
#ifdef EPROTO
	E(EPROTO)
#endif
#ifdef EMULTIHOP
	E(EMULTIHOP)
#endif
#ifdef EDOTDOT
	E(EDOTDOT)
#endif
#ifdef EBADMSG
	E(EBADMSG)
#endif
#ifdef EOVERFLOW
	E(EOVERFLOW)
#endif
#ifdef ENOTUNIQ
	E(ENOTUNIQ)
#endif
#ifdef EBADFD
	E(EBADFD)
#endif
#ifdef EREMCHG
	E(EREMCHG)
#endif
#ifdef ELIBACC
	E(ELIBACC)
#endif
#ifdef ELIBBAD
	E(ELIBBAD)
#endif
#ifdef ELIBSCN
	E(ELIBSCN)
#endif
#ifdef ELIBMAX
	E(ELIBMAX)
#endif
#ifdef ELIBEXEC
	E(ELIBEXEC)
#endif
#ifdef EILSEQ
	E(EILSEQ)
#endif
#ifdef ERESTART
	E(ERESTART)
#endif
#ifdef ESTRPIPE
	E(ESTRPIPE)
#endif
#ifdef EUSERS
	E(EUSERS)
#endif
#ifdef ENOTSOCK
	E(ENOTSOCK)
#endif
#ifdef EDESTADDRREQ
	E(EDESTADDRREQ)
#endif
#ifdef EMSGSIZE
	E(EMSGSIZE)
#endif
#ifdef EPROTOTYPE
	E(EPROTOTYPE)
#endif
#ifdef ENOPROTOOPT
	E(ENOPROTOOPT)
#endif
#ifdef EPROTONOSUPPORT
	E(EPROTONOSUPPORT)
#endif
#ifdef ESOCKTNOSUPPORT
	E(ESOCKTNOSUPPORT)
#endif
#ifdef EOPNOTSUPP
	E(EOPNOTSUPP)
#endif
#ifdef EPFNOSUPPORT
	E(EPFNOSUPPORT)
#endif
#ifdef EAFNOSUPPORT
	E(EAFNOSUPPORT)
#endif
#ifdef EADDRINUSE
	E(EADDRINUSE)
#endif
#ifdef EADDRNOTAVAIL
	E(EADDRNOTAVAIL)
#endif
#ifdef ENETDOWN
	E(ENETDOWN)
#endif
#ifdef ENETUNREACH
	E(ENETUNREACH)
#endif
#ifdef ENETRESET
	E(ENETRESET)
#endif
#ifdef ECONNABORTED
	E(ECONNABORTED)
#endif
#ifdef ECONNRESET
	E(ECONNRESET)
#endif
#ifdef ENOBUFS
	E(ENOBUFS)
#endif
#ifdef EISCONN
	E(EISCONN)
#endif
#ifdef ENOTCONN
	E(ENOTCONN)
#endif
#ifdef ESHUTDOWN
	E(ESHUTDOWN)
#endif
#ifdef ETOOMANYREFS
	E(ETOOMANYREFS)
#endif
#ifdef ETIMEDOUT
	E(ETIMEDOUT)
#endif
#ifdef ECONNREFUSED
	E(ECONNREFUSED)
#endif
#ifdef EHOSTDOWN
	E(EHOSTDOWN)
#endif
#ifdef EHOSTUNREACH
	E(EHOSTUNREACH)
#endif
#ifdef EALREADY
	E(EALREADY)
#endif
#ifdef EINPROGRESS
	E(EINPROGRESS)
#endif
#ifdef ESTALE
	E(ESTALE)
#endif
#ifdef EUCLEAN
	E(EUCLEAN)
#endif
#ifdef ENOTNAM
	E(ENOTNAM)
#endif
#ifdef ENAVAIL
	E(ENAVAIL)
#endif
#ifdef EISNAM
	E(EISNAM)
#endif
#ifdef EREMOTEIO
	E(EREMOTEIO)
#endif
#ifdef EDQUOT
	E(EDQUOT)
#endif
#ifdef ENOMEDIUM
	E(ENOMEDIUM)
#endif
#ifdef EMEDIUMTYPE
	E(EMEDIUMTYPE)
#endif
#ifdef ECANCELED
	E(ECANCELED)
#endif
#ifdef ENOKEY
	E(ENOKEY)
#endif
#ifdef EKEYEXPIRED
	E(EKEYEXPIRED)
#endif
#ifdef EKEYREVOKED
	E(EKEYREVOKED)
#endif
#ifdef EKEYREJECTED
	E(EKEYREJECTED)
#endif
#ifdef EOWNERDEAD
	E(EOWNERDEAD)
#endif
#ifdef ENOTRECOVERABLE
	E(ENOTRECOVERABLE)
#endif
#ifdef ERFKILL
	E(ERFKILL)
#endif
#ifdef EHWPOISON
	E(EHWPOISON)
#endif
	/* Aliases: the same numbers under a second name. */
#ifdef EWOULDBLOCK
	E(EWOULDBLOCK)
#endif
#ifdef EDEADLOCK
	E(EDEADLOCK)
#endif
#ifdef ENOTSUP
	E(ENOTSUP)
#endif
	{ 0, NULL }
};

#undef E

const char *
errno_name(int errnum)
{
	const struct errno_row	*r;

	for (r = errno_rows; r->name != NULL; r++)
		if (r->num == errnum)
			return r->name;
	return NULL;
}

int
errno_from_name(const char *name)
{
	const struct errno_row	*r;

	if (name == NULL)
		return -1;
	for (r = errno_rows; r->name != NULL; r++)
		if (strcmp(r->name, name) == 0)
			return r->num;
	return -1;
}

bool
errno_is_transient(int errnum)
{
	switch (errnum) {
	case ECONNREFUSED:
	case ETIMEDOUT:
	case ENETUNREACH:
	case EHOSTUNREACH:
	case ENETDOWN:
		return true;
	default:
		return false;
	}
}

static const struct { int code; const char *name; } gai_names[] = {
#define G(x) { x, #x }
	G(EAI_BADFLAGS), G(EAI_NONAME), G(EAI_AGAIN), G(EAI_FAIL), G(EAI_FAMILY),
	G(EAI_SOCKTYPE), G(EAI_SERVICE), G(EAI_MEMORY), G(EAI_SYSTEM), G(EAI_OVERFLOW),
#ifdef EAI_NODATA
	G(EAI_NODATA),
#endif
#ifdef EAI_ADDRFAMILY
	G(EAI_ADDRFAMILY),
#endif
#undef G
};


const char *
gai_code_name(int code)
{
	size_t i;

	for (i = 0; i < sizeof(gai_names) / sizeof(gai_names[0]); i++)
		if (gai_names[i].code == code)
			return gai_names[i].name;
	return NULL;
}
